import { describe, expect, it } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { ImageCacheStrategy } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { Clock, FakeEvent, imageResponse } from '../../helpers/fakes.ts';

const URL_A = 'https://app.test/img/a.png';

/** A network that counts requests per URL and answers with `respond`. */
function network(respond: (req: Request) => Response | Promise<Response>) {
  const calls: Request[] = [];
  return {
    calls,
    fetch: async (req: Request) => {
      calls.push(req);
      return respond(req);
    },
  };
}

function setup(respond: (req: Request) => Response | Promise<Response>, clock = new Clock()) {
  const cache = new ImageCache({
    cacheName: 'strategy-test',
    maxBytes: 10_000,
    maxAgeSeconds: 60,
    now: clock.now,
    metadata: new EntryMetadataModel('strategy-db'),
    storedHeaders: storedResponseHeaders,
  });
  const net = network(respond);
  const strategy = new ImageCacheStrategy({ cache, fetch: net.fetch });
  const handle = async (href = URL_A) => {
    const event = new FakeEvent();
    const request = new Request(href);
    const response = await strategy.handle({ event: event.asEvent(), request, url: new URL(href) });
    return { response, event };
  };
  return { cache, net, handle, clock };
}

describe('ImageCacheStrategy', () => {
  it('missThenHitWithCacheStatus', async () => {
    const { handle, net, cache } = setup(() => imageResponse(100));
    const first = await handle();
    expect(first.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    expect((await first.response.arrayBuffer()).byteLength).toBe(100);
    await first.event.drain();
    const second = await handle();
    expect(second.response.headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect(Number(second.response.headers.get('x-sw-image-cache-expires'))).toBe(cache.now() + 60_000); // expiry travels with the body
    expect((await second.response.arrayBuffer()).byteLength).toBe(100);
    expect(net.calls.length).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, stored: 1 });
  });

  it('concurrentMissesForOneUrlShareOneFetch', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { handle, net, cache } = setup(async () => {
      await gate;
      return imageResponse(500);
    });
    const all = Array.from({ length: 5 }, () => handle());
    await new Promise((r) => setTimeout(r, 10));
    release();
    const results = await Promise.all(all);
    expect(net.calls.length).toBe(1);
    const statuses = results.map((r) => r.response.headers.get('cache-status'));
    expect(statuses.filter((s) => s === 'sw-image-cache; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'sw-image-cache; fwd=miss; collapsed')).toHaveLength(4);
    for (const r of results) expect((await r.response.arrayBuffer()).byteLength).toBe(500);
    for (const r of results) await r.event.drain();
    expect(cache.stats()).toMatchObject({ collapsed: 4, entries: 1, bytesUsed: 500 });
  });

  it('passesABadResponseThroughUnstoredWithADetail', async () => {
    const { handle, cache } = setup(() => imageResponse(10, { status: 404 }));
    const { response, event } = await handle();
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=status');
    await event.drain();
    expect(cache.stats().entries).toBe(0);
  });

  it('revalidatesAnExpiredEntryWithItsValidators', async () => {
    const clock = new Clock();
    let notModified = false;
    const { handle, net } = setup((req) => {
      if (notModified && req.headers.get('if-none-match') === '"v1"') return new Response(null, { status: 304 });
      return imageResponse(100, { headers: { etag: '"v1"' } });
    }, clock);
    await (await handle()).event.drain();
    clock.advance(61_000);
    notModified = true;
    const stale = await handle();
    expect(stale.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=304');
    expect((await stale.response.arrayBuffer()).byteLength).toBe(100);
    await stale.event.drain();
    expect(net.calls.length).toBe(2);
    const fresh = await handle();
    expect(fresh.response.headers.get('cache-status')).toMatch(/^sw-image-cache; hit/);
  });

  it('servesTheStaleBodyWhenTheNetworkFails', async () => {
    const clock = new Clock();
    let offline = false;
    const { handle } = setup(() => {
      if (offline) throw new TypeError('Failed to fetch');
      return imageResponse(100);
    }, clock);
    await (await handle()).event.drain();
    clock.advance(61_000);
    offline = true;
    const { response } = await handle();
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; detail=stale-offline');
    expect((await response.arrayBuffer()).byteLength).toBe(100);
  });

  it('aMissWhileOfflineIsANetworkError', async () => {
    const { handle } = setup(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(handle()).rejects.toThrow('Failed to fetch');
  });
});

describe('ImageCacheStrategy: what is never stored', () => {
  const make = (rules: { crossOrigin?: boolean; storeAuthorized?: boolean } = {}) => {
    const cache = new ImageCache({ cacheName: 'rules-test', maxBytes: 10_000, metadata: new EntryMetadataModel('rules-db') });
    const strategy = new ImageCacheStrategy({
      cache,
      origin: 'https://app.test',
      rulesFor: () => ({ maxAgeSeconds: 60, ...rules }),
      fetch: async () => imageResponse(10),
    });
    const handle = async (href: string, init?: RequestInit) => {
      const event = new FakeEvent();
      const response = await strategy.handle({ event: event.asEvent(), request: new Request(href, init), url: new URL(href) });
      await event.drain();
      return response;
    };
    return { cache, handle };
  };

  it('passesCrossOriginImagesThroughUnlessTheRouteOptsIn', async () => {
    const plain = make();
    const res = await plain.handle('https://cdn.test/a.png');
    expect(res.headers.get('cache-status')).toBe('sw-image-cache; fwd=bypass; detail=cross-origin');
    expect(plain.cache.stats().entries).toBe(0);
    const optIn = make({ crossOrigin: true });
    expect((await optIn.handle('https://cdn.test/a.png')).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    expect(optIn.cache.stats().entries).toBe(1);
  });

  it('neverStoresAResponseToAnAuthorizedRequestUnlessTheRouteOptsIn', async () => {
    const plain = make();
    const res = await plain.handle('https://app.test/private.png', { headers: { Authorization: 'Bearer x' } });
    expect(res.headers.get('cache-status')).toBe('sw-image-cache; fwd=bypass; detail=authorization');
    expect(plain.cache.stats().entries).toBe(0);
    const optIn = make({ storeAuthorized: true });
    await optIn.handle('https://app.test/private.png', { headers: { Authorization: 'Bearer x' } });
    expect(optIn.cache.stats().entries).toBe(1);
  });

  it('addsServerTimingWithTheOutcome', async () => {
    const { handle } = make();
    const miss = await handle('https://app.test/t.png');
    expect(miss.headers.get('server-timing')).toMatch(/^sw-image-cache;dur=\d+\.\d\d;desc="miss"$/);
    const hit = await handle('https://app.test/t.png');
    expect(hit.headers.get('server-timing')).toMatch(/desc="hit"$/);
  });
});

describe('hooks', () => {
  it('aThrowingHookIsReportedAndNeverBreaksAResponse', async () => {
    const seen: string[] = [];
    const cache = new ImageCache({
      cacheName: 'hooks-test',
      maxBytes: 10_000,
      metadata: new EntryMetadataModel('hooks-db'),
      eventHooks: [
        {
          hit() {
            throw new Error('hook bug');
          },
          stored: (e) => seen.push(`stored ${e.url}`),
          error: (e) => seen.push(`error ${e.operation}`),
        },
      ],
    });
    const strategy = new ImageCacheStrategy({ cache, fetch: async () => imageResponse(10) });
    const run = async () => {
      const event = new FakeEvent();
      const response = await strategy.handle({ event: event.asEvent(), request: new Request(URL_A), url: new URL(URL_A) });
      await event.drain();
      return response;
    };
    await run();
    const hit = await run();
    expect(hit.status).toBe(200);
    expect(hit.headers.get('cache-status')).toMatch(/hit/);
    expect(seen).toEqual([`stored ${URL_A}`, 'error listener for hit']);
    expect(cache.stats().errors).toBe(1);
  });

  it('aChangedCacheNameDropsTheOldCacheAndItsRecords', async () => {
    const old = new ImageCache({ cacheName: 'old-name', maxBytes: 10_000, metadata: new EntryMetadataModel('rename-db') });
    await old.put(URL_A, imageResponse(10));
    expect(await caches.has('old-name')).toBe(true);
    const renamed = new ImageCache({ cacheName: 'new-name', maxBytes: 10_000, metadata: new EntryMetadataModel('rename-db') });
    const report = await renamed.ready();
    expect(report).toMatchObject({ previousCacheName: 'old-name', droppedRecords: 1, entries: 0, bytesUsed: 0 });
    expect(await caches.has('old-name')).toBe(false);
    expect(await new EntryMetadataModel('rename-db').getAll()).toEqual([]);
  });
});

describe('refetching an expired entry', () => {
  it('replacesItWithReasonExpire', async () => {
    const clock = new Clock();
    const removed: string[] = [];
    const cache = new ImageCache({
      cacheName: 'refetch-test',
      maxBytes: 10_000,
      maxAgeSeconds: 60,
      now: clock.now,
      metadata: new EntryMetadataModel('refetch-db'),
      eventHooks: [{ evicted: (e) => removed.push(e.reason) }],
    });
    let version = 1;
    const strategy = new ImageCacheStrategy({ cache, fetch: async () => imageResponse(10 * version) });
    const run = async () => {
      const event = new FakeEvent();
      const response = await strategy.handle({ event: event.asEvent(), request: new Request(URL_A), url: new URL(URL_A) });
      await event.drain();
      return response;
    };
    await run();
    clock.advance(61_000);
    version = 2; // no validators: the refetch returns a new 200 body
    expect((await run()).headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=200; stored');
    expect(removed).toEqual(['expire']);
    expect(cache.stats()).toMatchObject({ expirations: 1, bytesUsed: 20, entries: 1 });
  });
});
