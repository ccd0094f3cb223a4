/**
 * The strategy with the freshness patterns of issue 11 item 3: staggered TTL (`maxAgeJitter`),
 * stale-while-revalidate, and response freshness. Real ImageCache (undici caches +
 * fake-indexeddb), an injected clock and random source, a scripted network; no timers.
 */
import { describe, expect, it } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStrategy, type RouteRules } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { Clock, FakeEvent, imageResponse } from '../../helpers/fakes.ts';

const ORIGIN = 'https://app.test';
const url = (n: number | string) => `${ORIGIN}/img/${n}.png`;

function setup(respond: (req: Request) => Response | Promise<Response>, rules: Partial<RouteRules>, randoms: number[] = []) {
  const clock = new Clock();
  const cache = new ImageCache({
    cacheName: 'freshness-patterns',
    maxBytes: 1_000_000,
    maxAgeSeconds: 600,
    now: clock.now,
    metadata: new EntryMetadataModel('freshness-patterns-db'),
    storedHeaders: storedResponseHeaders,
  });
  const calls: Request[] = [];
  let next = 0;
  const strategy = new ImageCacheStrategy({
    cache,
    origin: ORIGIN,
    rulesFor: () => ({ maxAgeSeconds: 600, ...rules }),
    fetch: async (req) => {
      calls.push(req);
      return respond(req);
    },
    random: () => randoms[next++ % randoms.length]!,
  });
  const handle = async (href = url('a')) => {
    const event = new FakeEvent();
    const response = await strategy.handle({ event: event.asEvent(), request: new Request(href), url: new URL(href) });
    return { response, event };
  };
  const expiresAt = async (href: string) => (await cache.peek(href))!.expiresAt;
  return { cache, strategy, clock, calls, handle, expiresAt };
}

describe('maxAgeJitter', () => {
  it('storesEntriesFetchedTogetherWithSpreadExpiries', async () => {
    const s = setup(() => imageResponse(10), { maxAgeJitter: 0.5 }, [0, 0.2, 0.4, 0.6, 0.8]);
    for (let i = 0; i < 5; i++) await (await s.handle(url(i))).event.drain();
    const lifetimesMs = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await s.expiresAt(url(i))) - s.clock.nowMs));
    expect(lifetimesMs).toEqual([600_000, 540_000, 480_000, 420_000, 360_000]);
  });

  it('keepsEveryLifetimeExactWithoutJitter', async () => {
    const s = setup(() => imageResponse(10), {}, [0.7]);
    for (let i = 0; i < 3; i++) await (await s.handle(url(i))).event.drain();
    for (let i = 0; i < 3; i++) expect(await s.expiresAt(url(i))).toBe(s.clock.nowMs + 600_000);
  });

  it('jittersA304RenewalToo', async () => {
    const s = setup(
      (req) => (req.headers.get('if-none-match') ? new Response(null, { status: 304 }) : imageResponse(10, { headers: { etag: '"e"' } })),
      { maxAgeJitter: 0.5 },
      [0, 0.5],
    );
    await (await s.handle()).event.drain();
    s.clock.advance(600_000);
    const { response, event } = await s.handle();
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=304');
    await event.drain();
    expect((await s.expiresAt(url('a'))) - s.clock.nowMs).toBe(450_000);
  });

  it('lifetimeSecondsForGivesWarmUpTheJitteredRouteLifetime', () => {
    const s = setup(() => imageResponse(10), { maxAgeJitter: 0.1 }, [0.5]);
    expect(s.strategy.lifetimeSecondsFor(url('w'))).toBe(570);
  });
});

describe('staleWhileRevalidateSeconds', () => {
  it('servesStaleAtOnceInsideTheWindowAndRevalidatesInTheBackground', async () => {
    let version = 1;
    let release!: () => void;
    let gate: Promise<void> | null = null;
    const s = setup(
      async () => {
        if (gate) await gate;
        return imageResponse(10 * version, { headers: { etag: `"v${version}"` } });
      },
      { staleWhileRevalidateSeconds: 60 },
    );
    await (await s.handle()).event.drain();
    s.clock.advance(600_000 + 30_000); // 30 s into the window
    version = 2;
    gate = new Promise<void>((r) => (release = r));
    // The network is held: the stale body must still come at once.
    const first = await s.handle();
    expect(first.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; detail=stale-while-revalidate');
    expect((await first.response.arrayBuffer()).byteLength).toBe(10);
    // A second request while the revalidation is in flight: stale too, and no second request.
    const second = await s.handle();
    expect(second.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; detail=stale-while-revalidate');
    expect((await second.response.arrayBuffer()).byteLength).toBe(10);
    expect(s.calls.length).toBe(2); // the first fetch, and one revalidation
    expect(s.calls[1]!.headers.get('if-none-match')).toBe('"v1"');
    release();
    await first.event.drain();
    await second.event.drain();
    const after = await s.handle();
    expect(after.response.headers.get('cache-status')).toMatch(/^sw-image-cache; hit/);
    expect((await after.response.arrayBuffer()).byteLength).toBe(20);
    expect(s.calls.length).toBe(2);
  });

  it('renewsOnA304InTheBackground', async () => {
    const s = setup(
      (req) => (req.headers.get('if-none-match') === '"v1"' ? new Response(null, { status: 304 }) : imageResponse(10, { headers: { etag: '"v1"' } })),
      { staleWhileRevalidateSeconds: 60 },
    );
    await (await s.handle()).event.drain();
    s.clock.advance(600_000);
    const stale = await s.handle();
    expect(stale.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; detail=stale-while-revalidate');
    await stale.event.drain();
    expect(await s.expiresAt(url('a'))).toBe(s.clock.nowMs + 600_000);
    expect((await s.handle()).response.headers.get('cache-status')).toMatch(/^sw-image-cache; hit/);
  });

  it('revalidatesFirstPastTheWindow', async () => {
    const s = setup(() => imageResponse(10), { staleWhileRevalidateSeconds: 60 });
    await (await s.handle()).event.drain();
    s.clock.advance(600_000 + 60_000); // exactly at the end of the window
    const { response } = await s.handle();
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=200; stored');
  });

  it('keepsTheStaleEntryWhenTheBackgroundRevalidationFails', async () => {
    let offline = false;
    const s = setup(() => {
      if (offline) throw new TypeError('Failed to fetch');
      return imageResponse(10);
    }, { staleWhileRevalidateSeconds: 60 });
    await (await s.handle()).event.drain();
    s.clock.advance(610_000);
    offline = true;
    const first = await s.handle();
    expect(first.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; detail=stale-while-revalidate');
    await first.event.drain();
    expect(await s.cache.peek(url('a'))).toBeDefined();
    expect(s.cache.stats().errors).toBe(0);
  });

  it('isOffByDefault', async () => {
    let release!: () => void;
    let gate: Promise<void> | null = null;
    const s = setup(async () => {
      if (gate) await gate;
      return imageResponse(10);
    }, {});
    await (await s.handle()).event.drain();
    s.clock.advance(601_000);
    gate = new Promise<void>((r) => (release = r));
    let answered = false;
    const pending = s.handle().then((r) => ((answered = true), r));
    await new Promise<void>((r) => setTimeout(r, 0));
    expect(answered).toBe(false); // waits for the network
    release();
    expect((await pending).response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=200; stored');
  });
});

describe('freshness: "response"', () => {
  it('takesTheResponsesMaxAgeCappedByTheRoute', async () => {
    const ages: Record<string, string> = { a: 'max-age=120', b: 'max-age=86400', c: 'public' };
    const s = setup((req) => imageResponse(10, { headers: { 'cache-control': ages[req.url.slice(-5, -4)]! } }), { freshness: 'response' });
    for (const k of ['a', 'b', 'c']) await (await s.handle(url(k))).event.drain();
    expect((await s.expiresAt(url('a'))) - s.clock.nowMs).toBe(120_000);
    expect((await s.expiresAt(url('b'))) - s.clock.nowMs).toBe(600_000);
    expect((await s.expiresAt(url('c'))) - s.clock.nowMs).toBe(600_000);
  });

  it('storesANoCacheResponseStaleAtOnceAndRevalidatesItNextTime', async () => {
    const s = setup(
      (req) =>
        req.headers.get('if-none-match') === '"n"'
          ? new Response(null, { status: 304, headers: { 'cache-control': 'no-cache' } })
          : imageResponse(10, { headers: { 'cache-control': 'no-cache', etag: '"n"' } }),
      { freshness: 'response' },
    );
    const first = await s.handle();
    expect(first.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    await first.event.drain();
    expect(await s.cache.peek(url('a'))).toMatchObject({ expiresAt: s.clock.nowMs });
    const again = await s.handle(); // same instant: already stale
    expect(again.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=304');
    expect((await again.response.arrayBuffer()).byteLength).toBe(10);
    expect(s.calls.length).toBe(2);
  });

  it('ignoresTheResponseWithFreshnessConfig', async () => {
    const s = setup(() => imageResponse(10, { headers: { 'cache-control': 'max-age=5' } }), {});
    await (await s.handle()).event.drain();
    expect((await s.expiresAt(url('a'))) - s.clock.nowMs).toBe(600_000);
  });
});
