/**
 * `maxPendingBytes` (issue 13, memory): the bodies waiting to be stored in worker memory never add
 * up to more than it; past it a response is served but not stored (`busy`, `Cache-Status: …;
 * detail=busy`) and counted in `busyBypasses`. Only buffered bodies count: those of unknown length
 * and those a transcoding route reads; a body with a `Content-Length` is streamed into Cache
 * Storage (never held whole: see streaming below). A stuck body write holds its bytes while the
 * next bodies arrive. No timing: the stuck write is a gate the test opens.
 */
import { describe, expect, it } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStrategy } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { Clock, FakeBodyStore, FakeEvent, imageResponse } from '../../helpers/fakes.ts';

const u = (name: string) => `https://app.test/img/${name}.png`;

/** An image response of unknown length (no `Content-Length`: chunked): read in full before it is stored. */
function unknownLength(bytes: number): Response {
  return new Response(new Uint8Array(bytes).fill(7), { status: 200, headers: { 'content-type': 'image/png' } });
}

function setup(maxPendingBytes?: number) {
  const bodies = new FakeBodyStore('pending-images');
  let open!: () => void;
  bodies.putGate = new Promise<void>((r) => (open = r)); // every body write is stuck until open()
  const cache = new ImageCache({
    cacheName: 'pending-images',
    maxBytes: 100_000,
    maxAgeSeconds: 60,
    now: new Clock().now,
    metadata: new EntryMetadataModel('pending-db'),
    bodies,
    storedHeaders: storedResponseHeaders,
    ...(maxPendingBytes === undefined ? {} : { maxPendingBytes }),
  });
  return { cache, bodies, open: () => open() };
}

/** Lets the queued work run until the stuck write is reached. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('maxPendingBytes: bodies waiting to be stored stay bounded', () => {
  it('defaultsTo32MiB', () => {
    expect(setup().cache.maxPendingBytes).toBe(33_554_432);
    expect(setup().cache.stats()).toMatchObject({ pendingBytes: 0, maxPendingBytes: 33_554_432, busyBypasses: 0 });
  });

  it('aPutPastTheBoundWhileAWriteIsStuckIsNotStoredAndCountedBusy', async () => {
    const { cache, open } = setup(1000);
    await cache.ready();
    const first = cache.put(u('a'), unknownLength(600)); // its write sticks, holding 600 bytes
    await settle();
    expect(cache.pendingBytes).toBe(600);
    const queued = cache.putBuffered(u('b'), { status: 200, headers: new Headers({ 'content-type': 'image/png' }), body: new ArrayBuffer(400) });
    expect(cache.pendingBytes).toBe(1000); // exactly at the bound: admitted, waits behind a
    expect(await cache.put(u('c'), unknownLength(1))).toMatchObject({ stored: false, reason: 'busy' });
    expect(await cache.putBuffered(u('d'), { status: 200, headers: new Headers({ 'content-type': 'image/png' }), body: new ArrayBuffer(1) })).toMatchObject({
      stored: false,
      reason: 'busy',
    });
    expect(cache.pendingBytes).toBe(1000);
    expect(cache.stats()).toMatchObject({ busyBypasses: 2, bypassed: 2, pendingBytes: 1000 });
    open();
    expect(await first).toMatchObject({ stored: true, bytes: 600 });
    expect(await queued).toMatchObject({ stored: true, bytes: 400 });
    expect(cache.pendingBytes).toBe(0);
    expect(await cache.put(u('c'), unknownLength(1))).toMatchObject({ stored: true });
    expect(cache.pendingBytes).toBe(0);
    expect(cache.stats()).toMatchObject({ peakPendingBytes: 1000, streamedStores: 0 });
  });

  it('aBodyLargerThanTheBoundIsNeverStoredAndAFailedOneGivesItsBytesBack', async () => {
    const { cache, open } = setup(100);
    open();
    expect(await cache.put(u('big'), unknownLength(101))).toMatchObject({ stored: false, reason: 'busy' });
    // A declared length that the read body does not match: rejected, and the held bytes are released.
    const lying = { status: 200, headers: new Headers({ 'content-type': 'image/png', 'content-length': '60' }), body: new ArrayBuffer(50) };
    expect(await cache.putBuffered(u('lying'), lying)).toMatchObject({ stored: false, reason: 'length-mismatch' });
    expect(cache.pendingBytes).toBe(0);
    expect(await cache.put(u('ok'), unknownLength(100))).toMatchObject({ stored: true });
  });

  it('theRouteHandlerServesAMissPastTheBoundWithDetailBusyAndDoesNotStoreIt', async () => {
    const { cache, open } = setup(1000);
    await cache.ready();
    // A transcoding route reads the body (the transcoder needs the bytes): it is held while it waits.
    const strategy = new ImageCacheStrategy({
      cache,
      fetch: async (req: Request) => imageResponse(req.url.endsWith('a.png') ? 800 : 300),
      rulesFor: () => ({ maxAgeSeconds: 60, transcode: {} as never }),
      transformBody: async (input) => input,
    });
    const handle = async (href: string) => {
      const event = new FakeEvent();
      const response = await strategy.handle({ event: event.asEvent(), request: new Request(href), url: new URL(href) });
      return { response, event };
    };
    const a = await handle(u('a'));
    expect(a.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    await settle(); // a's body write is stuck: 800 bytes wait
    expect(cache.pendingBytes).toBe(800);
    const b = await handle(u('b'));
    expect(b.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=busy');
    expect((await b.response.arrayBuffer()).byteLength).toBe(300); // served in full
    await b.event.drain();
    expect(cache.stats()).toMatchObject({ busyBypasses: 1, bypassed: 1 });
    open();
    await a.event.drain();
    expect(cache.pendingBytes).toBe(0);
    expect(await cache.has(u('a'))).toBe(true);
    expect(await cache.has(u('b'))).toBe(false);
  });
});
