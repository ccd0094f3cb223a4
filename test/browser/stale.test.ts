/**
 * Issue 9 in real Chromium, storage items: expired is not gone across a worker stop (item 2: a
 * stale entry survives recovery on wake, is revalidated with its validators, and is served marked
 * `stale-offline` when the network fails), the page's clearing is respected (item 6), and an empty
 * 200 is passed through, never stored (item 10).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, loadImages, openControlled, readStores, recordCacheStatus, setupEnv, sleep, stopWorkers, type Env } from './harness.ts';

const CACHE_NAME = 'stale-images';

interface Stats {
  bytesUsed: number;
  entries: number;
  staleEntries: number;
  stored: number;
  expirations: number;
}

interface Entry {
  url: string;
  bytes: number;
  expiresAt: number | null;
}

type Tab = Awaited<ReturnType<typeof openControlled>>;

/**
 * Waits until the entries endpoint lists every one of `urls` as committed (its store has run in
 * `waitUntil`), or `deadlineMs` has passed; resolves with the committed URLs last listed (sorted).
 * A wait on the outcome, not on the counters standing still: a store that lands late is waited
 * for, and one that is lost fails the caller's assertion on the URLs, never a timing guess.
 */
async function committed(page: Tab, urls: string[], origin: string, deadlineMs = 30_000): Promise<string[]> {
  const want = urls.map((u) => origin + u).sort();
  const until = Date.now() + deadlineMs;
  for (;;) {
    const listed = (await getJson<Entry[]>(page, '/__image-cache/entries')).map((e) => e.url).sort();
    if (want.every((u) => listed.includes(u)) || Date.now() > until) return listed;
    await sleep(100);
  }
}

describe('Chromium: expired is not gone (issue 9 item 2)', () => {
  let env: Env;
  let offline = false;
  beforeAll(async () => {
    env = await setupEnv(
      {
        cacheName: CACHE_NAME,
        maxBytes: 20 * 1024 * 1024,
        writeBehindMs: 100,
        sweepIntervalSeconds: 1,
        routes: [{ pattern: '/data/images/vehicle/', maxAgeSeconds: 1 }],
      },
      {
        hooks: [
          (req, _res, url) => {
            if (!offline || !url.pathname.startsWith('/data/images/')) return false;
            req.socket.destroy(); // the network fails: fetch() rejects in the worker
            return true;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  it('keepsExpiredEntriesAcrossAWorkerStopRevalidatesThemAndServesThemOffline', async () => {
    const vehicles = env.images.filter((i) => i.category === 'vehicle').slice(0, 3).map((i) => i.url);
    const page = await openControlled(env);
    await loadImages(page, vehicles);
    // All three stores have committed (waited for by URL, however slow the machine), then counted.
    expect(await committed(page, vehicles, env.origin)).toEqual(vehicles.map((v) => env.origin + v).sort());
    expect((await getJson<Stats>(page, '/__image-cache/stats')).entries).toBe(3);
    await sleep(1200); // past maxAgeSeconds: 1
    // The browser stops the idle worker; the next request wakes it and recovery runs.
    await stopWorkers(page);
    await sleep(200);
    const tab = await openControlled(env);
    const entries = await getJson<Entry[]>(tab, '/__image-cache/entries');
    expect(entries.map((e) => e.url).sort()).toEqual(vehicles.map((v) => env.origin + v).sort());
    const stats = await getJson<Stats>(tab, '/__image-cache/stats');
    expect(stats).toMatchObject({ entries: 3, staleEntries: 3, expirations: 0 });
    // Offline: the stale bodies are served, marked.
    offline = true;
    const status = recordCacheStatus(tab);
    const offlineLoads = await loadImages(tab, vehicles.slice(0, 2));
    expect(offlineLoads.every((l) => l.ok && l.width > 0)).toBe(true);
    expect(status.get(vehicles[0]!)).toBe('sw-image-cache; fwd=stale; detail=stale-offline');
    expect(status.get(vehicles[1]!)).toBe('sw-image-cache; fwd=stale; detail=stale-offline');
    // Online again: a conditional request (the entry kept its validators) answered 304.
    offline = false;
    const before = env.server.requests.get(vehicles[2]!) ?? 0;
    await loadImages(tab, [vehicles[2]!]);
    expect(status.get(vehicles[2]!)).toBe('sw-image-cache; fwd=stale; fwd-status=304');
    expect(env.server.requests.get(vehicles[2]!)).toBe(before + 1);
    await page.close();
    await tab.close();
  });
});

describe("Chromium: the page's clearing is respected (issue 9 item 6)", () => {
  let env: Env;
  beforeAll(async () => {
    env = await setupEnv({ cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100 });
  });
  afterAll(() => env?.close());

  it('aPageThatDeletesTheCacheIsNeverServedTheDeletedImagesAndNewOnesAreVisible', async () => {
    const urls = env.images.filter((i) => i.category === 'map_tile').slice(0, 8).map((i) => i.url);
    const page = await openControlled(env);
    await loadImages(page, urls);
    expect(await committed(page, urls, env.origin)).toEqual(urls.map((u) => env.origin + u).sort());
    const warm = await openControlled(env);
    const warmStatus = recordCacheStatus(warm);
    await loadImages(warm, urls);
    expect(urls.every((u) => warmStatus.get(u)?.startsWith('sw-image-cache; hit'))).toBe(true);

    // Logout: the app deletes its image cache.
    expect(await warm.evaluate((name) => caches.delete(name), CACHE_NAME)).toBe(true);
    const next = await openControlled(env);
    const status = recordCacheStatus(next);
    const loads = await loadImages(next, urls);
    expect(loads.every((l) => l.ok)).toBe(true);
    for (const u of urls) expect(status.get(u), u).not.toMatch(/; hit/);
    // Every refill commits (each was reserved before its image reached the page): wait for all
    // eight, however slow the machine; a refill that is lost fails here, by name.
    expect(await committed(next, urls, env.origin)).toEqual(urls.map((u) => env.origin + u).sort());
    const stats = await getJson<Stats>(next, '/__image-cache/stats');
    // The entries endpoint agrees with what the page sees in Cache Storage and IndexedDB.
    const entries = await getJson<Entry[]>(next, '/__image-cache/entries');
    const { bodies, records } = await readStores(next, CACHE_NAME);
    expect(entries.map((e) => e.url).sort()).toEqual(Object.keys(bodies).sort());
    expect(records.map((r) => r.url).sort()).toEqual(Object.keys(bodies).sort());
    expect(stats.bytesUsed).toBe(Object.values(bodies).reduce((s, n) => s + n, 0));
    expect(Object.keys(bodies).length).toBe(8); // the new copies are where the page can see them

    // After a reload (new tab, the worker stopped meanwhile), everything is still there.
    await stopWorkers(next);
    const reloaded = await openControlled(env);
    const reloadedStatus = recordCacheStatus(reloaded);
    await loadImages(reloaded, urls);
    expect(urls.every((u) => reloadedStatus.get(u)?.startsWith('sw-image-cache; hit'))).toBe(true);
    expect(Object.keys((await readStores(reloaded, CACHE_NAME)).bodies).length).toBe(8);
    for (const p of [page, warm, next, reloaded]) await p.close();
  });
});

describe('Chromium: an empty 200 is passed through, never stored (issue 9 item 10)', () => {
  let env: Env;
  const empty = '/data/images/empty.png';
  beforeAll(async () => {
    env = await setupEnv(
      // A route pattern, so the page's fetch() (destination '') is routed like an <img>.
      { cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100, routes: [{ pattern: '/data/images/' }] },
      {
        hooks: [
          (_req, res, url) => {
            if (url.pathname !== empty) return false;
            res.writeHead(200, { 'content-type': 'image/png', 'content-length': '0', etag: '"e"' });
            res.end();
            return true;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  it('reachesThePageAsSentWithDetailEmpty', async () => {
    const page = await openControlled(env);
    const res = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, bytes: (await r.arrayBuffer()).byteLength, cacheStatus: r.headers.get('cache-status') };
    }, empty);
    expect(res).toEqual({ status: 200, bytes: 0, cacheStatus: 'sw-image-cache; fwd=miss; detail=empty' });
    // A wait on an outcome, not on counters standing still: an image fetched after the empty one
    // is stored; once it has committed, it is the only entry listed and the only body held.
    const control = env.images[0]!.url;
    expect(await page.evaluate(async (u) => (await (await fetch(u)).arrayBuffer()).byteLength > 0, control)).toBe(true);
    expect(await committed(page, [control], env.origin)).toEqual([env.origin + control]);
    expect(Object.keys((await readStores(page, CACHE_NAME)).bodies)).toEqual([env.origin + control]);
    await page.close();
  });
});
