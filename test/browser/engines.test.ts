/**
 * One scenario, three engines: the worker in Chromium (playwright-core, CDP), Firefox ESR
 * (puppeteer-core, WebDriver BiDi) and WebKitGTK's MiniBrowser (selenium-webdriver, classic
 * WebDriver), through the driver interface of `./drivers/`. `BROWSER=chromium|firefox|webkit`
 * runs one engine; without it, all three, one after the other.
 *
 * Lean by design (the whole `npm test` stays within ~15 min on 2 cores): one browser per engine,
 * a few origins (each its own port, so its own registration and storage), a new tab per pass.
 * Hits and misses are told apart by the worker's `Server-Timing` description (read from Resource
 * Timing: classic WebDriver cannot read response headers) and by counting requests at the server.
 * "Offline" is the server taken down (connection refused): Firefox's offline emulation does not
 * reach the worker, and WebKitWebDriver has none.
 *
 * What only CDP can do (stopping the worker) is skipped by capability elsewhere, and listed in the
 * README's engine support table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEvent, CacheStats, EntryInfo, HealthReport } from '../../sw/protocol.ts';
import { CAPABILITIES, launchDriver, selectedEngines, type BrowserDriver, type DriverPage } from './drivers/index.ts';
import {
  datasetImages,
  DEMO_SHELL,
  fetchJson,
  loadImagesIn,
  openControlledIn,
  readStoresIn,
  sleep,
  startSite,
  waitControlled,
  type Site,
} from './harness.ts';

/** What `convertToBlob({ type: 'image/webp' })` does in each engine's worker (health `transcode.encoders`). */
// Firefox ESR 153: checked with convertToBlob in a page (image/webp comes back); this scenario was run in Chromium and WebKit.
const WEBP_ENCODER = { chromium: 'supported', firefox: 'supported', webkit: 'unsupported' } as const;

type Stats = CacheStats & { warmup: { total: number; stored: number; failed: number } | null; cacheName: string };

/** Polls the stats endpoint until `done` holds (stores finish in `waitUntil`, after the response). */
async function waitForStats(page: DriverPage, done: (s: Stats) => boolean, what = 'stats'): Promise<Stats> {
  let last: Stats | undefined;
  for (let i = 0; i < 150; i++) {
    last = await fetchJson<Stats>(page, '/__image-cache/stats');
    if (done(last)) return last;
    await sleep(100);
  }
  throw new Error(`${what}: stats never settled: ${JSON.stringify(last)}`);
}

/** Waits until every store running in `waitUntil` has finished: the counters stop moving. */
async function settle(page: DriverPage): Promise<void> {
  let stats: Stats | undefined;
  for (let i = 0, stable = 0; i < 50 && stable < 3; i++) {
    await sleep(200);
    const next = await fetchJson<Stats>(page, '/__image-cache/stats');
    stable = stats && next.stored === stats.stored && next.bytesUsed === stats.bytesUsed && next.entries === stats.entries ? stable + 1 : 0;
    stats = next;
  }
  await sleep(300);
}

/** Loads `urls` in a new controlled tab of `site`, expects every one to show, and closes the tab. */
async function loadInNewTab(driver: BrowserDriver, site: Site, urls: string[]) {
  const tab = await openControlledIn(driver, site);
  const loads = await loadImagesIn(tab, urls);
  await tab.close();
  expect(loads.filter((l) => !l.ok)).toEqual([]);
  return loads;
}


/** Waits until the demo page is laid out and its images have settled; returns them. */
async function demoImages(page: DriverPage): Promise<Array<{ src: string; ok: boolean }>> {
  await page.waitFor(() => document.body?.dataset.ready === 'true', undefined, { what: 'demo ready' });
  await page.waitFor(() => [...document.images].filter((i) => i.src.includes('/data/images/')).every((i) => i.complete), undefined, {
    what: 'demo images settled',
  });
  return page.evaluate(() =>
    [...document.images]
      .filter((i) => i.src.includes('/data/images/'))
      .map((i) => ({ src: new URL(i.src).pathname, ok: i.complete && i.naturalWidth > 0 })),
  );
}

for (const engine of selectedEngines()) {
  const caps = CAPABILITIES[engine];

  describe(`cross-engine: ${engine}`, () => {
    let driver: BrowserDriver;
    let started = 0;
    const sites: Site[] = [];
    let images: Awaited<ReturnType<typeof datasetImages>>;
    let a: Site; // control, hits, endpoints, client, restart
    const A_MAX_BYTES = 50 * 1024 * 1024;
    /**
     * Starts a site and keeps one controlled tab of it open until the end: WebKitGTK's automation
     * session empties an origin's Cache Storage once its last page is closed and its worker stops
     * (README, engine bugs); that case has its own test below.
     * TODO(engines): drop the kept tab for WebKit once WebKitGTK keeps an ephemeral session's Cache
     * Storage across a worker stop (no WebKit bug found for it on 2026-12-02; re-check on upgrade).
     */
    const serve = async (config: Record<string, unknown>, keepOpen = true) => {
      const site = await startSite(config);
      sites.push(site);
      if (keepOpen) keepers.set(site, await openControlledIn(driver, site));
      return site;
    };
    const keepers = new Map<Site, DriverPage>();
    /**
     * Keeps `site`'s worker awake (a stats request every 250 ms from its kept tab) until the
     * returned function is called: for steps that must not see a woken worker's recovery.
     */
    const keepAwake = (site: Site): (() => Promise<void>) => {
      let on = true;
      const loop = (async () => {
        while (on) {
          await fetchJson(keepers.get(site)!, '/__image-cache/stats');
          await sleep(250);
        }
      })();
      return async () => {
        on = false;
        await loop;
      };
    };
    const tiles = () => images.filter((i) => i.category === 'map_tile');

    beforeAll(async () => {
      started = Date.now();
      images = await datasetImages();
      driver = await launchDriver(engine);
      a = await serve({ cacheName: 'engines-a', maxBytes: A_MAX_BYTES, writeBehindMs: 100 });
      console.log(`${engine}: ${driver.version}, launched in ${Date.now() - started} ms`);
    });
    afterAll(async () => {
      await driver?.close();
      for (const site of sites) await site.close();
      console.log(`${engine}: cross-engine suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it('controlsThePageAndServesASecondPassFromTheWorker', async () => {
      const urls = tiles().slice(0, 8).map((i) => i.url);
      const first = await openControlledIn(driver, a);
      const loads = await loadImagesIn(first, urls);
      expect(loads.filter((l) => !(l.ok && l.width > 0))).toEqual([]);
      expect(loads.map((l) => l.timing)).toEqual(urls.map(() => 'miss'));
      await waitForStats(first, (s) => s.entries >= urls.length && s.stored >= urls.length);
      expect(urls.map((u) => a.requests.get(u))).toEqual(urls.map(() => 1));
      await first.close();

      // A new tab (per-document image caches): the worker answers from its cache, no network.
      const again = await loadInNewTab(driver, a, urls);
      expect(again.map((l) => l.timing)).toEqual(urls.map(() => 'hit'));
      expect(urls.map((u) => a.requests.get(u))).toEqual(urls.map(() => 1));
      const tab = await openControlledIn(driver, a);
      const stats = await fetchJson<Stats>(tab, '/__image-cache/stats');
      expect(stats.hits).toBeGreaterThanOrEqual(urls.length);
      // Static routes (coldHits, issue 16): Chromium only; Firefox and WebKit unchanged.
      expect(stats.staticRoute).toMatchObject({ supported: engine === 'chromium', active: engine === 'chromium', reportedHits: 0 });
      await tab.close();
    });

    it('answersStatsEntriesAndHealthEndpointsEqualToTheStores', async () => {
      const page = await openControlledIn(driver, a);
      await settle(page);
      const stats = await fetchJson<Stats>(page, '/__image-cache/stats');
      const entries = await fetchJson<EntryInfo[]>(page, '/__image-cache/entries');
      const health = await fetchJson<HealthReport>(page, '/__image-cache/health');
      const { bodies, records } = await readStoresIn(page, 'engines-a');
      expect(stats).toMatchObject({ cacheName: 'engines-a', maxBytes: A_MAX_BYTES, entries: records.length });
      expect(stats.entries).toBeGreaterThanOrEqual(8);
      expect(stats.bytesUsed).toBe(Object.values(bodies).reduce((s, n) => s + n, 0));
      expect(new Set(entries.map((e) => e.url))).toEqual(new Set(Object.keys(bodies)));
      for (const e of entries) expect(e.bytes, e.url).toBe(bodies[e.url]);
      expect(health).toMatchObject({ status: 'ok', indexLoaded: true, recentErrors: { count: 0 }, effectiveMaxBytes: A_MAX_BYTES, maxBytes: A_MAX_BYTES });
      await page.close();
    });

    it('degradesCleanlyWhereTheEngineHasNoStorageApi', async () => {
      // `persist.html` registers with data-persist="true": where navigator.storage.persist() is
      // missing (WebKitGTK) nothing may throw, and the page is controlled as anywhere else.
      const page = await openControlledIn(driver, a, '/persist.html');
      const hasEstimate = await page.evaluate(() => typeof navigator.storage?.estimate === 'function');
      const health = await fetchJson<HealthReport>(page, '/__image-cache/health');
      expect(await page.evaluate(() => (window as unknown as { __errors: string[] }).__errors)).toEqual([]);
      if (engine === 'webkit') expect(hasEstimate).toBe(false); // WebKitGTK 2.50: StorageAPI off by default
      expect(health.storageEstimate).toBe(hasEstimate ? 'supported' : 'unsupported');
      if (hasEstimate) expect(health.storage?.quota).toBeGreaterThan(0);
      else expect(health.storage).toBeNull();
      // No quota to clamp to: the budget is maxBytes as configured, and that is not a degradation.
      expect(health).toMatchObject({ status: 'ok', effectiveMaxBytes: A_MAX_BYTES });
      await page.close();
    });

    it('pageClientAnswersLikeTheEndpointsAndStreamsItsEvents', async () => {
      const page = await openControlledIn(driver, a);
      await page.evaluate(`import('/client.mjs').then((m) => {
        const c = new m.ImageCacheClient();
        window.__client = c;
        window.__events = [];
        window.__evicted = [];
        c.on('*', (e) => window.__events.push(e));
        c.on('evicted', (e) => window.__evicted.push(e));
      })`);
      const viaClient = await page.evaluate<{ stats: Stats; entries: EntryInfo[]; health: HealthReport }>(`(async () => {
        const c = window.__client;
        return { stats: await c.stats(), entries: await c.entries(), health: await c.health() };
      })()`);
      expect(viaClient.stats).toEqual(await fetchJson<Stats>(page, '/__image-cache/stats'));
      expect(viaClient.entries).toEqual(await fetchJson<EntryInfo[]>(page, '/__image-cache/entries'));
      expect(viaClient.health.status).toBe('ok');

      const fresh = tiles().slice(20, 22).map((i) => i.url);
      await loadInNewTab(driver, a, fresh); // miss, stored
      await sleep(300);
      await loadInNewTab(driver, a, fresh); // hit
      const abs = fresh.map((u) => a.origin + u);
      const events = await page.waitFor(
        (want: string[]) => {
          const got = (window as unknown as { __events: CacheEvent[] }).__events;
          const ok = want.every((u) => ['miss', 'stored', 'hit'].every((t) => got.some((e) => e.type === t && e.url === u)));
          return ok ? got : null;
        },
        abs,
        { what: 'miss, stored and hit events for both images' },
      );
      for (const url of abs) {
        const order = events.filter((e) => e.url === url).map((e) => e.type);
        expect(order.indexOf('miss'), url).toBeLessThan(order.indexOf('stored'));
        expect(order.indexOf('stored'), url).toBeLessThan(order.lastIndexOf('hit'));
      }

      // delete(): gone from both stores, announced as an eviction to the typed listener.
      const deleted = await page.evaluate((u: string) => (window as unknown as { __client: { delete(u: string): Promise<boolean> } }).__client.delete(u), abs[0]!);
      expect(deleted).toBe(true);
      const evicted = await page.waitFor(() => {
        const e = (window as unknown as { __evicted: CacheEvent[] }).__evicted;
        return e.length > 0 ? e : null;
      });
      expect(evicted[0]).toMatchObject({ type: 'evicted', url: abs[0], reason: 'delete' });
      const { bodies, records } = await readStoresIn(page, 'engines-a');
      expect(bodies[abs[0]!]).toBeUndefined();
      expect(records.some((r) => r.url === abs[0])).toBe(false);
      await page.close();
    });

    it.skipIf(caps.workerStop === null)('keepsStatsOrderAndHitsAcrossAWorkerRestart [capability workerStop]', async () => {
      const urls = tiles().slice(0, 3).map((i) => i.url);
      const tab = await openControlledIn(driver, a);
      await loadImagesIn(tab, [urls[0]!]); // urls[0] becomes most recently used
      await sleep(400); // > writeBehindMs
      const before = await fetchJson<Stats>(tab, '/__image-cache/stats');
      const order = (await fetchJson<EntryInfo[]>(tab, '/__image-cache/entries')).map((e) => e.url);
      await tab.close();
      await driver.stopWorkers();
      await sleep(200);
      const page = await openControlledIn(driver, a); // wakes the worker: recovery from IndexedDB
      expect((await fetchJson<EntryInfo[]>(page, '/__image-cache/entries')).map((e) => e.url)).toEqual(order);
      const after = await fetchJson<Stats & { lastRecovery: { records: number } }>(page, '/__image-cache/stats');
      expect(after.lastRecovery.records, 'a new worker instance recovered the index').toBe(before.entries);
      expect(after).toMatchObject({
        hits: before.hits,
        misses: before.misses,
        bytesUsed: before.bytesUsed,
        entries: before.entries,
      });
      await page.close();
      const counts = urls.map((u) => a.requests.get(u));
      expect((await loadInNewTab(driver, a, urls)).map((l) => l.timing)).toEqual(urls.map(() => 'hit'));
      expect(urls.map((u) => a.requests.get(u))).toEqual(counts);
    });

    it('keepsTheByteBudgetWithEntriesAndBodiesOneToOne', async () => {
      const maxBytes = 300 * 1024;
      const b = await serve({ cacheName: 'engines-b', maxBytes, maxEntryBytes: 200 * 1024, writeBehindMs: 100 });
      expect(images.reduce((s, i) => s + i.bytes, 0)).toBeGreaterThan(2 * maxBytes); // really overflows
      const page = await openControlledIn(driver, b);
      for (let i = 0; i < images.length; i += 8) {
        const loads = await loadImagesIn(page, images.slice(i, i + 8).map((img) => img.url));
        expect(loads.filter((l) => !l.ok)).toEqual([]); // the page never gets an error
      }
      await settle(page);
      const { bodies, records } = await readStoresIn(page, 'engines-b');
      const stats = await fetchJson<Stats>(page, '/__image-cache/stats');
      expect(stats.evictions).toBeGreaterThan(0);
      expect(stats.bytesUsed).toBeLessThanOrEqual(maxBytes);
      expect(stats.bytesUsed).toBe(Object.values(bodies).reduce((s, n) => s + n, 0));
      expect(stats.bytesUsed).toBe(records.reduce((s, r) => s + r.bytes, 0));
      expect(new Set(records.map((r) => r.url))).toEqual(new Set(Object.keys(bodies)));
      for (const r of records) expect(bodies[r.url], r.url).toBe(r.bytes);
      expect(records.every((r) => r.state === 'committed')).toBe(true);
      expect(stats.entries).toBe(records.length);
      await page.close();
    });

    it('storesTheOriginalWithItsTypeWhereTheEngineCannotEncodeWebp', async () => {
      // Issue 14 §4: WebKitGTK's convertToBlob has no WebP encoder (it returns a PNG).
      const t = await serve({ cacheName: 'engines-t', maxBytes: 20 * 1024 * 1024, writeBehindMs: 100, routes: [{ pattern: '/data/images/map_tile/', transcode: { to: 'image/webp', lossless: true } }] });
      const list = tiles().slice(0, 6);
      await loadInNewTab(driver, t, list.map((i) => i.url));
      const page = keepers.get(t)!;
      await waitForStats(page, (s) => s.stored >= list.length, 'transcode stores');
      await settle(page);
      const health = await fetchJson<HealthReport>(page, '/__image-cache/health');
      expect(health.transcode?.encoders).toEqual({ 'image/webp': WEBP_ENCODER[engine] });
      const stored = await page.evaluate(async (urls: string[]) => {
        const cache = await caches.open('engines-t');
        return Promise.all(urls.map(async (u) => { const r = (await cache.match(u))!; return { type: r.headers.get('content-type'), bytes: (await r.arrayBuffer()).byteLength, transcoded: r.headers.get('x-sw-image-cache-transcoded') }; }));
      }, list.map((i) => i.url));
      if (WEBP_ENCODER[engine] === 'unsupported') {
        expect(stored).toEqual(list.map((i) => ({ type: 'image/png', bytes: i.bytes, transcoded: null })));
      } else {
        for (const [k, s] of stored.entries()) expect(s.type === 'image/webp' ? s.bytes < list[k]!.bytes && s.transcoded !== null : s.bytes === list[k]!.bytes).toBe(true);
      }
    });

    describe('warm-up and expiry', () => {
      let c: Site;
      beforeAll(async () => {
        c = await serve({
          cacheName: 'engines-c',
          maxBytes: 20 * 1024 * 1024,
          writeBehindMs: 100,
          routes: [{ pattern: '/data/images/vehicle/', maxAgeSeconds: 2 }],
          warmup: { sources: [{ directory: '.cache/test-data/images/map_tile', urlPrefix: '/data/images/map_tile/', include: '^\\d+/[0-2]/' }] },
        });
      });

      it('precachesTheWarmUpManifestOnInstall', async () => {
        const manifest = c.build.manifest.images;
        expect(manifest.length).toBeGreaterThan(3);
        const page = await openControlledIn(driver, c); // control implies install (with warm-up) finished
        const stats = await fetchJson<Stats>(page, '/__image-cache/stats');
        expect(stats.warmup).toMatchObject({ total: manifest.length, stored: manifest.length, failed: 0 });
        const entries = await fetchJson<EntryInfo[]>(page, '/__image-cache/entries');
        for (const m of manifest) {
          expect(entries.find((e) => e.url === c.origin + m.url), m.url).toMatchObject({ kind: 'precache', revision: m.revision, bytes: m.bytes });
          expect(c.requests.get(m.url), m.url).toBe(1); // fetched once, by the worker's install
        }
        await page.close();
        const first = manifest[0]!.url;
        expect((await loadInNewTab(driver, c, [first]))[0]!.timing).toBe('hit');
        expect(c.requests.get(first)).toBe(1);
      });

      it('revalidatesAnExpiredEntryWithAConditionalRequestAnswered304', async () => {
        const vehicle = images.find((i) => i.category === 'vehicle')!.url;
        // The worker is kept awake throughout: a woken worker's recovery removes expired entries
        // instead of revalidating them, and Firefox's short idle timeout would stop it meanwhile.
        const release = keepAwake(c);
        try {
          expect((await loadInNewTab(driver, c, [vehicle]))[0]!.timing).toBe('miss');
          const page = await openControlledIn(driver, c);
          await waitForStats(page, (s) => s.entries >= c.build.manifest.images.length + 1);
          await page.close();
          await sleep(2200); // past maxAgeSeconds: 2
          expect((await loadInNewTab(driver, c, [vehicle]))[0]!.timing).toBe('stale'); // served after revalidation
        } finally {
          await release();
        }
        expect(c.conditional.get(vehicle)).toBe(1); // If-None-Match / If-Modified-Since sent once
        expect(c.statuses.get(vehicle)).toEqual([200, 304]);
        const tab = await openControlledIn(driver, c);
        const entry = (await fetchJson<EntryInfo[]>(tab, '/__image-cache/entries')).find((e) => e.url === c.origin + vehicle);
        expect(entry, 'still cached after the 304').toBeDefined();
        expect((await fetchJson<Stats>(tab, '/__image-cache/stats')).stale).toBeGreaterThanOrEqual(1);
        await tab.close();
      });
    });

    it('showsEveryImageSeenOnAnOfflineReload', async () => {
      const d = await serve({
        cacheName: 'engines-d',
        maxBytes: 20 * 1024 * 1024,
        writeBehindMs: 100,
        shell: DEMO_SHELL,
        navigateFallback: '/index.html',
      });
      const page = await driver.newPage(`${d.origin}/`);
      await waitControlled(page);
      const first = await demoImages(page);
      expect(first.length).toBeGreaterThan(4);
      expect(first.filter((i) => !i.ok)).toEqual([]);
      const seen = [...new Set(first.map((i) => i.src))];
      // Images requested before the worker took control went to the network: request each once
      // more through the worker (as the page's next view would) so that everything seen is cached.
      const tab = await openControlledIn(driver, d);
      await loadImagesIn(tab, seen);
      await waitForStats(tab, (s) => s.entries >= seen.length, 'every seen image stored');
      await settle(tab);
      const hitsBefore = (await fetchJson<Stats>(tab, '/__image-cache/stats')).hits;
      await tab.close();

      await d.down();
      try {
        await page.reload();
        const offline = await demoImages(page);
        expect(offline.length).toBeGreaterThan(4);
        expect(seen.filter((src) => !offline.some((i) => i.src === src && i.ok))).toEqual([]);
        expect(offline.filter((i) => !i.ok)).toEqual([]);
        const hitsAfter = (await fetchJson<Stats>(page, '/__image-cache/stats')).hits;
        console.log(`${engine}: offline reload, ${offline.length} images shown, worker hits +${hitsAfter - hitsBefore}`);
        expect(hitsAfter).toBeGreaterThan(hitsBefore); // the worker answered, not only the engine's image cache
      } finally {
        await d.up();
      }
      await page.close();
    });

    it.runIf(engine === 'webkit')('recoversStoresOneToOneWhenWebKitEmptiesCacheStorageWhileNoPageIsOpen', async () => {
      // WebKitGTK 2.50 (automation, ephemeral session): once an origin's last page is closed, its
      // worker stops within ~10 s and its Cache Storage comes back empty while IndexedDB keeps the
      // records. The next worker's recovery must drop the orphaned records: stores stay one to one,
      // and the images are fetched and stored again.
      const f = await serve({ cacheName: 'engines-f', maxBytes: 20 * 1024 * 1024, writeBehindMs: 100 }, false);
      const urls = tiles().slice(0, 4).map((i) => i.url);
      const page = await openControlledIn(driver, f);
      await loadImagesIn(page, urls);
      await waitForStats(page, (s) => s.entries === urls.length);
      await settle(page);
      await page.close();
      await sleep(15_000); // no page of this origin: the worker stops
      const back = await openControlledIn(driver, f);
      const stats = await fetchJson<Stats & { lastRecovery: { records: number; droppedRecords: number } }>(back, '/__image-cache/stats');
      const { bodies, records } = await readStoresIn(back, 'engines-f');
      console.log(`webkit: after 15 s with no page open, recovery ${JSON.stringify(stats.lastRecovery)}, bodies left ${Object.keys(bodies).length}`);
      expect(stats.lastRecovery.records).toBe(urls.length); // a new worker ran recovery
      expect(new Set(records.map((r) => r.url))).toEqual(new Set(Object.keys(bodies)));
      expect(stats.bytesUsed).toBe(Object.values(bodies).reduce((s, n) => s + n, 0));
      expect(stats.entries).toBe(records.length);
      const loads = await loadImagesIn(back, urls);
      expect(loads.filter((l) => !l.ok)).toEqual([]);
      await waitForStats(back, (s) => s.entries === urls.length, 'images stored again');
      await back.close();
    });

    it('announcesANewWorkerVersionThroughTheRegistrationSnippet', async () => {
      const e = await serve({ cacheName: 'engines-e', maxBytes: 20 * 1024 * 1024, writeBehindMs: 100 });
      const urls = tiles().slice(0, 2).map((i) => i.url);
      const page = await openControlledIn(driver, e); // `/register.js`, as a host page has it
      expect((await loadImagesIn(page, urls)).map((l) => l.ok)).toEqual([true, true]);
      await waitForStats(page, (s) => s.entries >= 2);
      await page.evaluate(() => {
        const w = window as unknown as { __updates: boolean[] };
        w.__updates = [];
        addEventListener('sw-image-cache:update', (ev) => w.__updates.push(Boolean((ev as CustomEvent).detail?.registration)));
      });
      await e.rebuild({ cacheName: 'engines-e', maxBytes: 30 * 1024 * 1024, writeBehindMs: 100 }); // a new sw.js
      await page.evaluate(async () => {
        await (await navigator.serviceWorker.getRegistration())!.update();
      });
      const updates = await page.waitFor(() => {
        const u = (window as unknown as { __updates: boolean[] }).__updates;
        return u.length > 0 ? u : null;
      }, undefined, { what: 'sw-image-cache:update event' });
      expect(updates[0]).toBe(true); // with detail.registration
      // The new version controls the page, and the cache outlived the update.
      // Wait without fetching (a request to the old worker can hold its replacement's activation).
      await page.waitFor(
        async () => {
          const reg = await navigator.serviceWorker.getRegistration();
          return !!reg && reg.installing === null && reg.waiting === null && reg.active?.state === 'activated' && navigator.serviceWorker.controller === reg.active;
        },
        undefined,
        { what: 'the new version active and controlling', timeoutMs: 30_000 },
      );
      expect((await fetchJson<Stats>(page, '/__image-cache/stats')).maxBytes).toBe(30 * 1024 * 1024);
      await page.close();
      const counts = urls.map((u) => e.requests.get(u));
      expect((await loadInNewTab(driver, e, urls)).map((l) => l.timing)).toEqual(['hit', 'hit']);
      expect(urls.map((u) => e.requests.get(u))).toEqual(counts);
    });
  });
}
