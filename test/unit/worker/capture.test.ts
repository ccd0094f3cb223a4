/**
 * The worker side of `captureLoadedImages` (issue 11 item 1): which URLs are captured, how they
 * are fetched (`force-cache`), that cached ones are skipped, and that at most 4 run at once.
 * Real ImageCache and strategy (undici caches + fake-indexeddb), a scripted network.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';
import { PROTOCOL } from '../../../sw/protocol.ts';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStrategy } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { CAPTURE_CONCURRENCY, LoadedImageCapture } from '../../../sw/worker/capture.ts';
import { Clock, imageResponse } from '../../helpers/fakes.ts';

const ORIGIN = 'https://app.test';

function setup(respond: (req: Request) => Response | Promise<Response> = () => imageResponse(10), routes: unknown[] = []) {
  const clock = new Clock();
  const config = resolveConfig({ maxBytes: 100_000, routes });
  const cache = new ImageCache({
    cacheName: 'capture-test',
    maxBytes: 100_000,
    maxAgeSeconds: 600,
    now: clock.now,
    metadata: new EntryMetadataModel('capture-test-db'),
    storedHeaders: storedResponseHeaders,
  });
  const strategy = new ImageCacheStrategy({ cache, origin: ORIGIN, rulesFor: () => ({ maxAgeSeconds: 600 }) });
  const calls: Request[] = [];
  const capture = new LoadedImageCapture({
    cache,
    strategy,
    config,
    origin: ORIGIN,
    fetch: async (req) => {
      calls.push(req);
      return respond(req);
    },
  });
  const run = (urls: unknown[]) => capture.run({ protocol: PROTOCOL, type: 'capture', urls: urls as string[] });
  return { cache, capture, calls, run };
}

describe('LoadedImageCapture', () => {
  it('storesEachSameOriginUrlOnceFromTheHttpCache', async () => {
    const s = setup();
    const result = await s.run([`${ORIGIN}/a.png`, `${ORIGIN}/b.png#x`, `${ORIGIN}/b.png`, `${ORIGIN}/a.png`]);
    expect(result).toEqual({ stored: 2, skipped: 0, ignored: 0, failed: 0 });
    expect(s.calls.map((r) => [r.url, r.cache, r.mode])).toEqual([
      [`${ORIGIN}/a.png`, 'force-cache', 'same-origin'],
      [`${ORIGIN}/b.png`, 'force-cache', 'same-origin'],
    ]);
    expect((await s.cache.entries()).map((e) => e.url).sort()).toEqual([`${ORIGIN}/a.png`, `${ORIGIN}/b.png`]);
  });

  it('skipsUrlsAlreadyCached', async () => {
    const s = setup();
    await s.run([`${ORIGIN}/a.png`]);
    const again = await s.run([`${ORIGIN}/a.png`, `${ORIGIN}/c.png`]);
    expect(again).toEqual({ stored: 1, skipped: 1, ignored: 0, failed: 0 });
    expect(s.calls.length).toBe(2);
    expect(s.capture.totals).toEqual({ messages: 2, stored: 2, skipped: 1, ignored: 0, failed: 0, pending: 0 });
  });

  it('ignoresCrossOriginUrlsUnlessARouteOptsIn', async () => {
    const s = setup(() => imageResponse(10), [{ pattern: '^https://tiles\\.test/', crossOrigin: true }, { pattern: '^https://cdn\\.test/' }]);
    const result = await s.run(['https://elsewhere.test/x.png', 'https://cdn.test/y.png', 'https://tiles.test/z.png', 'data:image/png;base64,AA', 'not a url', 42]);
    expect(result).toEqual({ stored: 1, skipped: 0, ignored: 5, failed: 0 });
    expect(s.calls.map((r) => [r.url, r.mode])).toEqual([['https://tiles.test/z.png', 'cors']]);
  });

  it('countsWhatCouldNotBeStoredAsFailed', async () => {
    const s = setup((req) => {
      if (req.url.endsWith('/font.woff2')) return new Response('x', { headers: { 'content-type': 'font/woff2' } });
      if (req.url.endsWith('/gone.png')) return new Response('', { status: 404 });
      throw new TypeError('Failed to fetch');
    });
    const result = await s.run([`${ORIGIN}/font.woff2`, `${ORIGIN}/gone.png`, `${ORIGIN}/offline.png`]);
    expect(result).toEqual({ stored: 0, skipped: 0, ignored: 0, failed: 3 });
    expect(await s.cache.entries()).toEqual([]);
  });

  it('aCaptureReplacedByThePagesOwnStoreOfTheSameUrlIsSkippedNotFailed', async () => {
    // The capture's body arrives slowly; meanwhile the page's own miss of the same URL is stored.
    let finish!: () => void;
    const s = setup(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new Uint8Array(5).fill(1));
              finish = () => {
                controller.enqueue(new Uint8Array(5).fill(1));
                controller.close();
              };
            },
          }),
          { headers: { 'content-type': 'image/png', 'content-length': '10' } },
        ),
    );
    const url = `${ORIGIN}/raced.png`;
    const capturing = s.run([url]);
    for (let i = 0; i < 30 && !finish; i++) await new Promise((r) => setTimeout(r, 0));
    for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 0)); // the capture has reserved
    // The page's store reserves now (replacing the capture's reservation); its body is written
    // after the capture's, on the URL's chain.
    const pageStore = s.cache.put(url, imageResponse(10, { fill: 2 }));
    for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 0));
    finish();
    expect(await pageStore).toMatchObject({ stored: true });
    expect(await capturing).toEqual({ stored: 0, skipped: 1, ignored: 0, failed: 0 });
    expect((await s.cache.entries()).map((e) => e.url)).toEqual([url]);
    expect(new Uint8Array(await (await s.cache.get(url))!.arrayBuffer())[0]).toBe(2); // the page's copy
  });

  it('fetchesAtMostFourAtOnce', async () => {
    let running = 0;
    let peak = 0;
    const s = setup(async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => setTimeout(r, 0));
      running--;
      return imageResponse(10);
    });
    const result = await s.run(Array.from({ length: 12 }, (_, i) => `${ORIGIN}/${i}.png`));
    expect(result.stored).toBe(12);
    expect(peak).toBe(CAPTURE_CONCURRENCY);
  });

  it('recognisesOnlyCaptureMessages', () => {
    expect(LoadedImageCapture.isCaptureMessage({ protocol: PROTOCOL, type: 'capture', urls: [] })).toBe(true);
    expect(LoadedImageCapture.isCaptureMessage({ protocol: PROTOCOL, op: 'stats' })).toBe(false);
    expect(LoadedImageCapture.isCaptureMessage({ protocol: 'other', type: 'capture' })).toBe(false);
    expect(LoadedImageCapture.isCaptureMessage(null)).toBe(false);
  });
});
