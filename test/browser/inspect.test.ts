/**
 * Seeing inside the cache, in real Chromium: the page client (`dist/client.mjs`) against a live
 * worker (its answers equal the HTTP endpoints and what is really in Cache Storage and IndexedDB),
 * its coded errors, the event stream (miss → stored → hit → evicted), `Server-Timing` on image
 * responses, and the live dashboard (its numbers equal the stats endpoint, its chart is drawn).
 * Screenshots for the docs are written to `docs/img/`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheEvent, CacheStats, EntryInfo, HealthReport, WarmResult } from '../../sw/protocol.ts';
import { getJson, importClient, loadImages, openControlled, readStores, setupEnv, sleep, TEST_DATA_DIR, type Env } from './harness.ts';

const DOCS_IMG = path.resolve('docs/img');

type ClientMethod = 'stats' | 'entries' | 'health' | 'delete' | 'clear' | 'warm';
type ClientOutcome<T> = { ok: true; value: T } | { ok: false; error: { name: string; code: string; message: string; details: unknown } };

/**
 * Calls one method of an `ImageCacheClient` (imported from `/client.mjs`) in the page and returns
 * its value or its error, serialised.
 */
async function callClient<T>(page: Page, method: ClientMethod, arg?: unknown, timeoutMs?: number): Promise<ClientOutcome<T>> {
  await importClient(page);
  return page.evaluate(
    async ({ method, arg, timeoutMs }) => {
      const mod = (window as unknown as { swImageCacheClient: any }).swImageCacheClient;
      const client = new mod.ImageCacheClient(timeoutMs ? { timeoutMs } : {});
      try {
        const value = arg === undefined ? await client[method]() : await client[method](arg);
        return { ok: true, value };
      } catch (e) {
        const err = e as { name: string; code: string; message: string; details: unknown };
        return { ok: false, error: { name: err.name, code: err.code, message: err.message, details: err.details } };
      }
    },
    { method, arg, timeoutMs },
  ) as Promise<ClientOutcome<T>>;
}

/** The client's value, or a failed assertion showing its error. */
async function client<T>(page: Page, method: ClientMethod, arg?: unknown): Promise<T> {
  const outcome = await callClient<T>(page, method, arg);
  if (!outcome.ok) throw new Error(`client.${method}() rejected: ${JSON.stringify(outcome.error)}`);
  return outcome.value;
}

/** Polls the stats (through the client) until `done` holds: stores finish after the response. */
async function waitForStats(page: Page, done: (s: CacheStats) => boolean): Promise<CacheStats> {
  let last: CacheStats | undefined;
  for (let i = 0; i < 100; i++) {
    last = await client<CacheStats>(page, 'stats');
    if (done(last)) return last;
    await sleep(100);
  }
  throw new Error(`stats never settled: ${JSON.stringify(last)}`);
}

/** Loads `urls` as images in a new tab (so Blink's memory cache does not hide them from the worker). */
async function loadInNewTab(env: Env, urls: string[]): Promise<void> {
  const tab = await openControlled(env);
  const loaded = await loadImages(tab, urls);
  expect(loaded.filter((l) => !l.ok)).toEqual([]);
  await tab.close();
}

/** Subscribes a page to every event through the client; they collect in `window.__events`. */
async function collectEvents(page: Page): Promise<void> {
  await importClient(page);
  await page.evaluate(() => {
    const mod = (window as unknown as { swImageCacheClient: any }).swImageCacheClient;
    const w = window as unknown as { __events: CacheEvent[]; __evicted: CacheEvent[]; __client: unknown };
    w.__events = [];
    w.__evicted = [];
    const c = new mod.ImageCacheClient();
    c.on('*', (e: CacheEvent) => w.__events.push(e));
    c.on('evicted', (e: CacheEvent) => w.__evicted.push(e));
    w.__client = c;
  });
}

const eventsOf = (page: Page) => page.evaluate(() => (window as unknown as { __events: CacheEvent[] }).__events);

/** Waits until the collected events satisfy `done`. */
async function waitForEvents(page: Page, done: (events: CacheEvent[]) => boolean, what: string): Promise<CacheEvent[]> {
  let events: CacheEvent[] = [];
  for (let i = 0; i < 100; i++) {
    events = await eventsOf(page);
    if (done(events)) return events;
    await sleep(100);
  }
  throw new Error(`${what}: not seen in ${JSON.stringify(events.map((e) => [e.type, e.url]))}`);
}

describe('page client and events against a live worker', () => {
  const CACHE_NAME = 'inspect-images';
  const MAX_BYTES = 150_000;
  let env: Env;
  let tiles: Array<{ url: string; bytes: number }>;
  let page: Page;
  const abs = (u: string) => env.origin + u;

  beforeAll(async () => {
    env = await setupEnv({ cacheName: CACHE_NAME, maxBytes: MAX_BYTES, writeBehindMs: 100 });
    tiles = env.images.filter((i) => i.category === 'map_tile').sort((a, b) => a.bytes - b.bytes);
    page = await openControlled(env);
  });
  afterAll(() => env?.close());

  it('rejectsWithNoControllerOnAnUncontrolledPage', async () => {
    // DevTools' "Bypass for network": the page loads without the worker, so nothing controls it.
    const bare = await env.context.newPage();
    const cdp = await env.context.newCDPSession(bare);
    await cdp.send('Network.enable');
    await cdp.send('Network.setBypassServiceWorker', { bypass: true });
    await bare.goto(`${env.origin}/blank.html`);
    expect(await bare.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    for (const method of ['stats', 'entries', 'health', 'clear'] as const) {
      const outcome = await callClient(bare, method);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error).toMatchObject({ name: 'ImageCacheClientError', code: 'no-controller' });
      expect(outcome.error.message).toMatch(/no service worker controls this page/);
      expect(outcome.error.message).toMatch(/register\.js/);
    }
    await cdp.detach();
    await bare.close();
  });

  it('answersStatsEntriesAndHealthEqualToTheEndpointsAndTheStores', async () => {
    const urls = tiles.slice(0, 5).map((t) => t.url);
    await loadInNewTab(env, urls);
    await waitForStats(page, (s) => s.entries === urls.length && s.stored >= urls.length);

    const [stats, httpStats] = [await client<CacheStats & { cacheName: string }>(page, 'stats'), await getJson<CacheStats>(page, '/__image-cache/stats')];
    expect(stats).toEqual(httpStats);
    expect(stats).toMatchObject({ maxBytes: MAX_BYTES, entries: urls.length, misses: urls.length, hits: 0, cacheName: CACHE_NAME });

    const entries = await client<EntryInfo[]>(page, 'entries');
    expect(entries).toEqual(await getJson<EntryInfo[]>(page, '/__image-cache/entries'));
    expect(entries.map((e) => e.url).sort()).toEqual(urls.map(abs).sort());
    for (const e of entries) {
      expect(e.bytes).toBe(tiles.find((t) => abs(t.url) === e.url)!.bytes);
      expect(e.kind).toBe('runtime');
      expect(e.storedAt).toBeGreaterThan(Date.now() - 60_000); // ms since epoch
      expect(e.expiresAt).toBeGreaterThan(e.storedAt);
    }

    const stores = await readStores(page, CACHE_NAME);
    expect(Object.keys(stores.bodies).sort()).toEqual(entries.map((e) => e.url).sort());
    for (const e of entries) expect(stores.bodies[e.url]).toBe(e.bytes);
    expect(stores.records.map((r) => [r.url, r.bytes]).sort()).toEqual(entries.map((e) => [e.url, e.bytes]).sort());
    expect(stats.bytesUsed).toBe(entries.reduce((s, e) => s + e.bytes, 0));

    const health = await client<HealthReport>(page, 'health');
    const httpHealth = await getJson<HealthReport>(page, '/__image-cache/health');
    expect(health).toMatchObject({ status: 'ok', indexLoaded: true, maxBytes: MAX_BYTES, recentErrors: { count: 0 } });
    const { at: _a, storage: _s, ...rest } = health;
    const { at: _b, storage: _t, ...httpRest } = httpHealth;
    expect(rest).toEqual(httpRest);
    expect(health.storage?.quota).toBeGreaterThan(0);
  });

  it('deletesAnEntryFromBothStores', async () => {
    const target = tiles[0]!.url;
    await loadInNewTab(env, [target]); // cached already, or stored now
    await waitForStats(page, (s) => s.entries >= 1);
    expect((await readStores(page, CACHE_NAME)).bodies[abs(target)]).toBeGreaterThan(0);
    expect(await client<boolean>(page, 'delete', target)).toBe(true);
    const stores = await readStores(page, CACHE_NAME);
    expect(stores.bodies[abs(target)]).toBeUndefined();
    expect(stores.records.find((r) => r.url === abs(target))).toBeUndefined();
    expect((await client<EntryInfo[]>(page, 'entries')).some((e) => e.url === abs(target))).toBe(false);
    expect(await client<boolean>(page, 'delete', target)).toBe(false); // nothing left to delete
  });

  it('warmsListedUrlsAndReportsAFailingOne', async () => {
    const wanted = [tiles[10]!.url, tiles[11]!.url];
    const missing = '/data/images/map_tile/9/9/does-not-exist.png';
    const result = await client<WarmResult>(page, 'warm', [...wanted, missing]);
    expect(result.stored.sort()).toEqual(wanted.map(abs).sort());
    expect(result.failed).toEqual([{ url: abs(missing), reason: 'HTTP 404' }]);
    const stores = await readStores(page, CACHE_NAME);
    for (const u of wanted) {
      expect(stores.bodies[abs(u)]).toBe(tiles.find((t) => t.url === u)!.bytes);
      expect(stores.records.find((r) => r.url === abs(u))).toMatchObject({ kind: 'runtime', state: 'committed' });
    }
    // Warming them again finds them fresh.
    expect(await client<WarmResult>(page, 'warm', wanted)).toMatchObject({ stored: [], failed: [] });
  });

  it('reportsAWorkerErrorWithItsName', async () => {
    const outcome = await callClient(page, 'warm', 'not-an-array-of-urls');
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.error.code).toBe('worker-error');
      expect(outcome.error.details).toMatchObject({ op: 'warm', worker: { name: 'TypeError' } });
    }
  });

  it('clearsEverything', async () => {
    expect((await client<CacheStats>(page, 'stats')).entries).toBeGreaterThan(0);
    await client<void>(page, 'clear');
    const stats = await client<CacheStats>(page, 'stats');
    expect(stats).toMatchObject({ entries: 0, bytesUsed: 0 });
    expect(await client<EntryInfo[]>(page, 'entries')).toEqual([]);
    const stores = await readStores(page, CACHE_NAME);
    expect(stores.bodies).toEqual({});
    expect(stores.records).toEqual([]);
  });

  it('streamsMissStoredHitAndEvictedEventsInOrder', async () => {
    await client<void>(page, 'clear');
    await collectEvents(page);
    const first = abs(tiles[20]!.url);

    await loadInNewTab(env, [tiles[20]!.url]); // miss → stored
    await waitForEvents(page, (ev) => ev.some((e) => e.type === 'stored' && e.url === first), 'stored');
    await loadInNewTab(env, [tiles[20]!.url]); // hit
    await waitForEvents(page, (ev) => ev.some((e) => e.type === 'hit' && e.url === first), 'hit');

    // Overflow the budget: the first tile is the least recently used, so it goes first.
    const others: string[] = [];
    let bytes = tiles[20]!.bytes;
    for (const t of tiles.slice(21)) {
      others.push(t.url);
      bytes += t.bytes;
      if (bytes > MAX_BYTES * 1.3) break;
    }
    await loadInNewTab(env, others);
    let events = await waitForEvents(
      page,
      (ev) => ev.some((e) => e.type === 'evicted' && e.url === first),
      'eviction of the least recently used tile',
    );

    const forFirst = events.filter((e) => e.url === first).map((e) => (e.type === 'evicted' ? `evicted:${e.reason}` : e.type));
    expect(forFirst).toEqual(['miss', 'stored', 'hit', 'evicted:evict']);
    for (const e of events) {
      expect(e.at).toBeGreaterThan(Date.now() - 60_000);
      expect(e.at).toBeLessThanOrEqual(Date.now());
    }
    const stored = events.find((e) => e.type === 'stored' && e.url === first);
    expect(stored).toMatchObject({ bytes: tiles[20]!.bytes, kind: 'runtime' });
    expect(events.find((e) => e.type === 'hit' && e.url === first)).toMatchObject({ bytes: tiles[20]!.bytes });

    // client.delete → evicted with reason delete.
    const stats = await waitForStats(page, (s) => s.stored >= others.length);
    expect(stats.bytesUsed).toBeLessThanOrEqual(MAX_BYTES);
    const victim = (await client<EntryInfo[]>(page, 'entries')).at(-1)!;
    expect(await client<boolean>(page, 'delete', victim.url)).toBe(true);
    events = await waitForEvents(page, (ev) => ev.some((e) => e.type === 'evicted' && e.url === victim.url), 'delete event');
    expect(events.find((e) => e.type === 'evicted' && e.url === victim.url)).toMatchObject({ reason: 'delete', bytes: victim.bytes });

    // A typed listener gets only its type; the '*' listener gets the same evicted events.
    const evicted = await page.evaluate(() => (window as unknown as { __evicted: CacheEvent[] }).__evicted);
    expect(evicted.length).toBeGreaterThan(0);
    expect(evicted.every((e) => e.type === 'evicted')).toBe(true);
    expect(evicted).toEqual(events.filter((e) => e.type === 'evicted'));
  });

  it('marksImageResponsesWithServerTiming', async () => {
    await client<void>(page, 'clear');
    const url = tiles[30]!.url;
    const timings: Array<string | undefined> = [];
    for (let pass = 0; pass < 2; pass++) {
      const tab = await openControlled(env);
      const seen = tab.waitForResponse((r) => new URL(r.url()).pathname === url);
      await loadImages(tab, [url]);
      timings.push((await seen).headers()['server-timing']);
      await tab.close();
      if (pass === 0) await waitForStats(page, (s) => s.stored > 0 && s.entries > 0);
      await sleep(200);
    }
    expect(timings[0]).toMatch(/(^|, )sw-image-cache;dur=\d+(\.\d+)?;desc="miss"/);
    expect(timings[1]).toMatch(/(^|, )sw-image-cache;desc="hit"/); // a hit is served as stored: nothing timed
  });
});

describe('the live dashboard', () => {
  const CACHE_NAME = 'dashboard-images';
  const MAX_BYTES = 1_200_000;
  let env: Env;

  beforeAll(async () => {
    env = await setupEnv({
      cacheName: CACHE_NAME,
      maxBytes: MAX_BYTES,
      writeBehindMs: 100,
      warmup: {
        sources: [{ directory: path.join(TEST_DATA_DIR, 'images/map_tile'), urlPrefix: '/data/images/map_tile/', include: '^5/2/[0-3]\\.png$' }],
      },
    });
    await mkdir(DOCS_IMG, { recursive: true });
  });
  afterAll(() => env?.close());

  /** Reads a field's raw value (`data-value`) from the dashboard. */
  const fieldValue = (page: Page, testId: string) =>
    page.evaluate((id) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)?.dataset.value ?? null, testId);

  it('showsTheNumbersOfTheStatsEndpointAndDrawsTheChart', async () => {
    const dash = await openControlled(env, '/dashboard/');
    await dash.setViewportSize({ width: 1440, height: 1000 });
    await dash.waitForFunction(() => document.querySelector('[data-testid="dash-connection"]')?.textContent === 'live');

    // Traffic in other tabs, in a few rounds so the hit-rate chart gets several points: every
    // category, some twice (hits), enough bytes to evict.
    const byCat = (c: string) => env.images.filter((i) => i.category === c).map((i) => i.url);
    const tiles = byCat('map_tile');
    const rounds = [
      [...tiles.slice(0, 12), ...byCat('driver_photo').slice(0, 4)],
      [...tiles.slice(0, 8), ...byCat('banner')],
      [...tiles.slice(6, 20), ...byCat('driver_photo'), ...byCat('vehicle').slice(0, 2)],
      [...tiles.slice(0, 10), ...byCat('vehicle')],
      [...tiles.slice(10, 30), ...byCat('driver_photo').slice(0, 3)],
      [...tiles.slice(4, 16), ...byCat('banner').slice(0, 1)],
    ];
    for (const round of rounds) {
      await loadInNewTab(env, round);
      await sleep(1_200);
    }

    // Events drive the dashboard: once the traffic has settled, its numbers equal the endpoint's.
    const fields: Array<[string, keyof CacheStats]> = [
      ['dash-bytes-used', 'bytesUsed'],
      ['dash-max-bytes', 'maxBytes'],
      ['dash-peak-bytes', 'peakBytes'],
      ['dash-entries', 'entries'],
      ['dash-hits', 'hits'],
      ['dash-misses', 'misses'],
      ['dash-hit-rate', 'hitRate'],
      ['dash-stored', 'stored'],
      ['dash-evictions', 'evictions'],
      ['dash-expirations', 'expirations'],
    ];
    let stats: CacheStats | undefined;
    let shown: Record<string, string | null> = {};
    for (let i = 0; i < 50; i++) {
      stats = await getJson<CacheStats>(dash, '/__image-cache/stats');
      shown = Object.fromEntries(await Promise.all(fields.map(async ([id]) => [id, await fieldValue(dash, id)] as const)));
      if (fields.every(([id, key]) => shown[id] === String(stats![key]))) break;
      await sleep(200);
    }
    expect(shown).toEqual(Object.fromEntries(fields.map(([id, key]) => [id, String(stats![key])])));
    expect(stats!.evictions).toBeGreaterThan(0);
    expect(stats!.hits).toBeGreaterThan(0);
    expect(stats!.bytesUsed).toBeLessThanOrEqual(MAX_BYTES);
    // The visible text agrees too (formatted).
    expect(await dash.getByTestId('dash-entries').textContent()).toBe(String(stats!.entries));

    // Entries table: one row per entry of the endpoint (it refreshes within ~1 s of the last event).
    const entries = await getJson<EntryInfo[]>(dash, '/__image-cache/entries');
    await dash.waitForFunction((n) => document.querySelectorAll('[data-testid="entry-row"]').length === n, entries.length);
    const rowUrls = await dash.$$eval('[data-testid="entry-row"]', (rows) => rows.map((r) => (r as HTMLElement).dataset.url!));
    expect(rowUrls.sort()).toEqual(entries.map((e) => e.url).sort());
    expect(entries.some((e) => e.kind === 'precache')).toBe(true);


    // Per category: every lookup happened while the dashboard listened, so the sums are the counters.
    const perCategory = await dash.$$eval('[data-testid="category-row"]', (rows) =>
      rows.map((r) => ({
        category: (r as HTMLElement).dataset.category!,
        hits: Number(r.querySelector<HTMLElement>('[data-testid="category-hits"]')!.dataset.value),
        misses: Number(r.querySelector<HTMLElement>('[data-testid="category-misses"]')!.dataset.value),
      })),
    );
    expect(perCategory.map((c) => c.category)).toEqual(expect.arrayContaining(['map_tile', 'driver_photo', 'vehicle', 'banner']));
    expect(perCategory.reduce((s, c) => s + c.hits, 0)).toBe(stats!.hits);
    expect(perCategory.reduce((s, c) => s + c.misses, 0)).toBe(stats!.misses);
    expect(perCategory.find((c) => c.category === 'map_tile')!.hits).toBeGreaterThan(0);

    // Event log: newest first, at most 200, evictions with their reason.
    const log = await dash.$$eval('[data-testid="event-row"]', (rows) =>
      rows.map((r) => ({ type: (r as HTMLElement).dataset.type, reason: (r as HTMLElement).dataset.reason, time: r.querySelector('time')!.dateTime })),
    );
    expect(log.length).toBeGreaterThan(0);
    expect(log.length).toBeLessThanOrEqual(200);
    expect(log.some((e) => e.type === 'evicted' && e.reason === 'evict')).toBe(true);
    const times = log.map((e) => Date.parse(e.time));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    // Health badge equals the health endpoint.
    const health = await getJson<HealthReport>(dash, '/__image-cache/health');
    await dash.waitForFunction((s) => document.querySelector<HTMLElement>('[data-testid="health-status"]')?.dataset.value === s, health.status);

    // The hit-rate chart is drawn: count the pixels of the "overall" line's colour (#0f766e).
    await dash.waitForFunction(() => document.querySelector('[data-testid="hit-rate-chart"] canvas') !== null);
    const pixels = await dash.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="hit-rate-chart"] canvas')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      let line = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 0) painted++;
        if (data[i + 3]! > 200 && Math.abs(data[i]! - 15) < 30 && Math.abs(data[i + 1]! - 118) < 30 && Math.abs(data[i + 2]! - 110) < 30) line++;
      }
      return { painted, line, width: canvas.width, height: canvas.height };
    });
    expect(pixels.width).toBeGreaterThan(200);
    expect(pixels.painted).toBeGreaterThan(1000);
    expect(pixels.line).toBeGreaterThan(50);

    // Sorting by size: descending on the first click, ascending on the second.
    const sizes = () =>
      dash.$$eval('[data-testid="entry-row"] td:nth-child(2)', (cells) => cells.map((c) => Number((c as HTMLElement).dataset.value)));
    await dash.locator('th[data-sort="bytes"] button').click();
    expect(await sizes()).toEqual((await sizes()).sort((a, b) => b - a));
    expect(await dash.locator('th[data-sort="bytes"]').getAttribute('aria-sort')).toBe('descending');
    await dash.mouse.move(0, 0);
    await dash.screenshot({ path: path.join(DOCS_IMG, 'dashboard.png'), fullPage: true });
    await dash.locator('th[data-sort="bytes"] button').click();
    expect(await sizes()).toEqual((await sizes()).sort((a, b) => a - b));
    expect(await dash.locator('th[data-sort="bytes"]').getAttribute('aria-sort')).toBe('ascending');
    await dash.close();
  });

  it('isLinkedFromTheDemoPage', async () => {
    const demo = await openControlled(env, '/');
    await demo.setViewportSize({ width: 1440, height: 900 });
    await expect.poll(() => demo.getByTestId('dashboard-link').getAttribute('href')).toBe('/dashboard/');
    // Let the demo's images load and its panel refresh before the screenshot.
    await demo.waitForLoadState('networkidle');
    await demo.waitForFunction(() => document.querySelector('[data-testid="stat-status"]')?.textContent === 'live', undefined, { timeout: 15_000 });
    await sleep(500);
    await demo.screenshot({ path: path.join(DOCS_IMG, 'demo.png') });
    await demo.getByTestId('dashboard-link').click();
    await demo.waitForURL(`${env.origin}/dashboard/`);
    await demo.waitForFunction(() => document.querySelector('[data-testid="dash-connection"]')?.textContent === 'live');
    await demo.close();
  });
});
