/**
 * The one background job queue (issue 11, item 2) in Chromium, observed at the server: priority
 * order (capture > manifest > warm, and nothing queued while a page miss waits), the token-bucket
 * rate limit, retry then dead letter, and resume after the worker is stopped mid-warm-up
 * (CDP `ServiceWorker.stopAllWorkers`).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, importClient, loadImages, openControlled, setupEnv, sleep, stopWorkers, type Env } from './harness.ts';

const CACHE_NAME = 'queue-test-images';

interface QueueStats {
  byPriority: Record<'capture' | 'manifest' | 'warm', { pending: number; running: number; done: number; dead: number }>;
  pageFetches: number;
  resumed: number;
  dead: Array<{ url: string; priority: string; attempts: number; reason: string }>;
}
type Stats = { entries: number; queue: QueueStats };

/** Image requests as they reach the server: pathname and arrival time (ms). */
type Log = Array<{ path: string; atMs: number }>;

function recorder(log: Log) {
  return (_req: unknown, _res: unknown, url: URL): boolean => {
    if (url.pathname.startsWith('/data/images/')) log.push({ path: url.pathname, atMs: performance.now() });
    return false;
  };
}

/** `client.warm(urls, options)` in the page; resolves with the result and the progress seen. */
function warmIn(page: Page, urls: string[], priority?: string): Promise<{ result: { stored: string[]; skipped: string[]; failed: Array<{ url: string; reason: string }> }; progress: number[] }> {
  return page.evaluate(
    async ({ urls, priority }) => {
      const m = (window as any).swImageCacheClient;
      const client = new m.ImageCacheClient({ timeoutMs: 30_000 });
      const progress: number[] = [];
      const result = await client.warm(urls, { priority, onProgress: (p: { stored: number; skipped: number; failed: number }) => progress.push(p.stored + p.skipped + p.failed) });
      return { result, progress };
    },
    { urls, priority },
  );
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await sleep(100);
  }
}

describe('job queue in Chromium: priorities and the page first', () => {
  let env: Env;
  const log: Log = [];
  const slow = '/data/images/vehicle/';
  let slowPath = '';
  beforeAll(async () => {
    env = await setupEnv(
      { cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100, warmup: { concurrency: 1, retries: 0 } },
      {
        hooks: [
          recorder(log),
          async (_req, _res, url) => {
            if (url.pathname === slowPath) await sleep(1500); // a page miss that waits for the network
            return false;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  it('runsCaptureThenManifestThenWarmAndNothingWhileAPageMissWaits', async () => {
    const page = await openControlled(env);
    await importClient(page);
    slowPath = env.images.find((i) => i.url.startsWith(slow))!.url;
    const tiles = env.images.filter((i) => i.category === 'map_tile').map((i) => i.url);
    const warm = tiles.slice(0, 3);
    const manifest = tiles.slice(3, 6);
    const capture = tiles.slice(6, 9);
    log.length = 0;
    const pageLoad = loadImages(page, [slowPath]);
    await sleep(300); // the page miss is in flight
    const results = Promise.all([warmIn(page, warm, 'warm'), warmIn(page, manifest, 'manifest'), warmIn(page, capture, 'capture')]);
    await sleep(500);
    expect(log.map((l) => l.path)).toEqual([slowPath]); // queued work waits for the page
    expect((await pageLoad)[0]!.ok).toBe(true);
    const [w, m, c] = await results;
    expect(log.map((l) => l.path)).toEqual([slowPath, ...capture, ...manifest, ...warm]);
    for (const r of [w, m, c]) {
      expect(r.result.stored).toHaveLength(3);
      expect(r.progress).toEqual([1, 2, 3]);
    }
    const stats = await getJson<Stats>(page, '/__image-cache/stats');
    expect(stats.queue.byPriority).toMatchObject({ capture: { done: 3 }, manifest: { done: 3 }, warm: { done: 3 } });
    await page.close();
  });
});

describe('job queue in Chromium: rate limit, retry and dead letter', () => {
  let env: Env;
  const log: Log = [];
  const failing = '/data/images/driver_photo/';
  let failingPath = '';
  const missing = '/data/images/map_tile/9/9/9.png';
  beforeAll(async () => {
    env = await setupEnv(
      { cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100, warmup: { concurrency: 4, retries: 2, requestsPerSecond: 5 } },
      {
        hooks: [
          recorder(log),
          (_req, res, url) => {
            if (url.pathname !== failingPath) return false;
            res.writeHead(503, { 'content-type': 'text/plain' });
            res.end('unavailable');
            return true;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  it('startsAtMostRequestsPerSecondAfterTheBurst', async () => {
    const page = await openControlled(env);
    await importClient(page);
    const tiles = env.images.filter((i) => i.category === 'map_tile').map((i) => i.url).slice(0, 20);
    log.length = 0;
    const { result } = await warmIn(page, tiles);
    expect(result.stored).toHaveLength(20);
    const times = log.map((l) => l.atMs);
    // Burst of 5 (the bucket's capacity), then 5 per second: the 15 after the burst need ≥ 3 s
    // from the first request (server arrival times carry a few ms of jitter: 10 % slack).
    const spanMs = times[19]! - times[0]!;
    const rate = 15 / (spanMs / 1000);
    console.log(`rate limit 5/s: 20 requests in ${Math.round(spanMs)} ms; after the burst ${rate.toFixed(2)} requests/s`);
    expect(spanMs).toBeGreaterThanOrEqual(2700);
    expect(rate).toBeGreaterThan(3.5);
    // Token bucket bound: in any 1 s window at most burst + rate = 10; past the burst, 5 (+1 for jitter).
    for (const t of times) expect(times.filter((u) => u > t && u <= t + 1000).length).toBeLessThanOrEqual(10);
    const tail = times.slice(5);
    for (const t of tail) expect(tail.filter((u) => u > t && u <= t + 1000).length).toBeLessThanOrEqual(6);
    await page.close();
  });

  it('retriesAFailingUrlThenDeadLettersItAndA404AtOnce', async () => {
    const page = await openControlled(env);
    await importClient(page);
    failingPath = env.images.find((i) => i.url.startsWith(failing))!.url;
    log.length = 0;
    const { result } = await warmIn(page, [failingPath, missing]);
    expect(result.failed.sort((a, b) => a.url.localeCompare(b.url))).toEqual(
      [
        { url: env.origin + failingPath, reason: 'HTTP 503' },
        { url: env.origin + missing, reason: 'HTTP 404' },
      ].sort((a, b) => a.url.localeCompare(b.url)),
    );
    expect(log.filter((l) => l.path === failingPath)).toHaveLength(3); // first try + 2 retries
    expect(log.filter((l) => l.path === missing)).toHaveLength(1); // not worth retrying
    const stats = await getJson<Stats>(page, '/__image-cache/stats');
    expect(stats.queue.dead).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: env.origin + failingPath, attempts: 3, reason: 'HTTP 503', priority: 'warm' }),
        expect.objectContaining({ url: env.origin + missing, attempts: 1, reason: 'HTTP 404' }),
      ]),
    );
    const health = await getJson<{ status: string; queue: QueueStats }>(page, '/__image-cache/health');
    expect(health.status).toBe('degraded');
    expect(health.queue.dead.length).toBe(2);
    await page.close();
  });
});

describe('job queue in Chromium: a big manifest, installBytes and resume after a stop', () => {
  let env: Env;
  const log: Log = [];
  beforeAll(async () => {
    env = await setupEnv(
      {
        cacheName: CACHE_NAME,
        maxBytes: 20 * 1024 * 1024,
        writeBehindMs: 100,
        warmup: {
          concurrency: 2,
          requestsPerSecond: 4,
          installBytes: 1,
          sources: [{ directory: '.cache/test-data/images/map_tile', urlPrefix: '/data/images/map_tile/' }],
        },
      },
      { hooks: [recorder(log)] },
    );
  });
  afterAll(() => env?.close());

  it('completesInstallEarlyAndResumesThePersistedQueueAfterAWorkerStop', async () => {
    const total = env.build.manifest.images.length;
    expect(total).toBe(36);
    const page = await openControlled(env); // install waited for 1 byte only
    const early = await getJson<Stats>(page, '/__image-cache/stats');
    expect(early.entries).toBeLessThan(total);
    await stopWorkers(page);
    const atStop = log.length;
    const persisted = await page.evaluate(async (name) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const n = await new Promise<number>((resolve, reject) => {
        const req = db.transaction('jobs').objectStore('jobs').count();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      db.close();
      return n;
    }, `${CACHE_NAME}-jobs`);
    expect(persisted).toBeGreaterThan(0);
    await sleep(1000);
    expect(log.length).toBe(atStop); // a stopped worker fetches nothing
    // Any event wakes the worker; it re-queues what was persisted and finishes the manifest.
    const done = await until(
      () => getJson<Stats>(page, '/__image-cache/stats'),
      (s) => s.entries === total,
      30_000,
    );
    console.log(`resume: ${atStop} requests before the stop, ${persisted} jobs persisted, ${done.queue.resumed} resumed, ${log.length} requests in all`);
    expect(done.entries).toBe(total);
    expect(done.queue.resumed).toBe(persisted);
    const paths = new Set(log.map((l) => l.path));
    expect(paths.size).toBe(total);
    // Only a job running at the stop may be fetched twice (concurrency 2).
    expect(log.length).toBeLessThanOrEqual(total + 2);
    await page.close();
  });
});

describe('job queue in Chromium: the demo and the dashboard show it', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setupEnv({ cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100 });
  });
  afterAll(() => env?.close());

  it('savesTheAreaAroundTheViewWithAProgressBarAndTheDashboardCountsIt', async () => {
    const page = await openControlled(env, '/index.html');
    await page.getByTestId('save-area-button').click();
    const status = page.getByTestId('save-area-status');
    await status.filter({ hasText: 'Saved' }).waitFor({ timeout: 30_000 });
    const text = (await status.textContent())!;
    const [, saved, total] = /Saved (\d+) of (\d+) tiles/.exec(text)!;
    expect(Number(total)).toBeGreaterThan(4);
    expect(saved).toBe(total);
    const bar = page.getByTestId('save-area-progress');
    expect(await bar.evaluate((b: HTMLProgressElement) => [b.value, b.max])).toEqual([Number(total), Number(total)]);
    const dash = await openControlled(env, '/dashboard/index.html');
    await dash.locator('[data-testid="queue-table"] tr[data-priority="warm"]').waitFor({ timeout: 10_000 });
    const rows = await dash.locator('[data-testid="queue-table"] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [(tr as HTMLElement).dataset.priority, ...[...tr.querySelectorAll('td')].map((td) => Number(td.textContent!.replace(/\D/g, '')))]),
    );
    expect(rows.map((r) => r[0])).toEqual(['capture', 'manifest', 'warm']);
    // A tile the page had already loaded was queued by the capture first: it is counted there.
    const done = rows.reduce((sum, r) => sum + (r[3] as number), 0);
    expect(done).toBeGreaterThanOrEqual(Number(total));
    for (const r of rows) expect([r[1], r[2], r[4]]).toEqual([0, 0, 0]); // nothing pending, running or dead
    await page.close();
    await dash.close();
  });
});
