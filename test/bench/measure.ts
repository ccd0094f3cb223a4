/**
 * Page-side measurement, following ../shared/BROWSER-TESTING.md:
 * - images are loaded as a page loads them, with `new Image()` (destination `image`);
 * - every pass runs in a NEW tab, so Blink's in-memory cache cannot answer a repeated image;
 * - each image's latency is its Resource Timing `responseEnd - startTime` (the same for every
 *   variant; the buffer is enlarged first); the pass's wall time runs from the first `src` set to the
 *   last `onload`, which gives images per second;
 * - a pass also counts the image requests that reached the variant's server (a hit pass must leave
 *   it at zero) and how many responses came through a service worker (`workerStart > 0`).
 */
import { appendFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { imageRequests, type Variant } from './variants.ts';

/** One image load. */
export interface Sample {
  url: string;
  ok: boolean;
  /** Resource Timing `responseEnd - startTime`, ms; `NaN` when the browser produced no entry. */
  rtMs: number;
  /** From setting `src` to `onload`/`onerror`, ms. */
  onloadMs: number;
  /** The response came through a service worker's fetch event (`workerStart > 0`). */
  viaWorker: boolean;
  /** Our `Server-Timing` member (`desc;dur`), when the response has one: `hit;0` is a hit served as stored. */
  ourTiming?: string;
}

/** One pass over a list of URLs. */
export interface PassResult {
  samples: Sample[];
  /** From the first `src` set to the last `onload`, ms. */
  wallMs: number;
  /** Image requests the server received during the pass. */
  serverRequests: number;
}

/** Opens a new tab on the variant's bench page and waits until a worker controls it (worker variants). */
export async function openTab(context: BrowserContext, v: Variant, timeoutMs = 30_000): Promise<Page> {
  const page = await context.newPage();
  try {
    await page.goto(`${v.origin}/bench.html`, { timeout: timeoutMs });
    await page.evaluate(
      ({ timeout }) =>
        Promise.race([
          (window as unknown as { benchReady: Promise<string> }).benchReady,
          new Promise((_, reject) => setTimeout(() => reject(new Error(`not controlled after ${timeout} ms`)), timeout)),
        ]),
      { timeout: timeoutMs },
    );
    await page.evaluate(() => performance.setResourceTimingBufferSize(1_000_000));
    return page;
  } catch (error) {
    await page.close().catch(() => {});
    throw new Error(`${v.id}: opening ${v.origin}/bench.html failed: ${(error as Error).message}`);
  }
}

/**
 * When `BENCH_SAMPLES` names a file, appends one JSON line per hit pass to it: `tag` (phase, level,
 * round), the variant and every sample as `[url, rtMs, ourTiming]`, in load order (so in time order
 * at c=1). For locating slow hits in time; `npm run bench` does not write it otherwise.
 */
export function dumpSamples(tag: Record<string, string | number>, v: Variant, pass: PassResult): void {
  const file = process.env.BENCH_SAMPLES;
  if (!file) return;
  appendFileSync(file, JSON.stringify({ ...tag, variant: v.id, samples: pass.samples.map((x) => [x.url, x.rtMs, x.ourTiming ?? '']) }) + '\n');
}

/**
 * Loads `urls` in `page` with `new Image()`, at most `concurrency` at once, and times each one.
 * @param v the variant whose server counts requests (counts are reset first).
 */
export async function loadPass(page: Page, v: Variant, urls: string[], concurrency: number): Promise<PassResult> {
  v.server.resetCounts();
  const result = await page.evaluate(
    async ({ list, c }) => {
      performance.clearResourceTimings();
      const onload: number[] = new Array(list.length).fill(0);
      const ok: boolean[] = new Array(list.length).fill(false);
      let next = 0;
      const t0 = performance.now();
      // No named function in here: tsx (esbuild keepNames) would wrap it in a `__name` helper the page lacks.
      await Promise.all(
        Array.from({ length: Math.min(c, list.length) }, async () => {
          while (next < list.length) {
            const i = next++;
            const start = performance.now();
            ok[i] = await new Promise<boolean>((resolve) => {
              const img = new Image();
              img.onload = () => resolve(true);
              img.onerror = () => resolve(false);
              img.src = list[i]!;
            });
            onload[i] = performance.now() - start;
          }
        }),
      );
      const wallMs = performance.now() - t0;
      const rt: number[] = [];
      const via: boolean[] = [];
      const timing: string[] = [];
      for (const u of list) {
        const entries = performance.getEntriesByName(new URL(u, location.href).href, 'resource') as PerformanceResourceTiming[];
        const e = entries[entries.length - 1];
        rt.push(e ? e.responseEnd - e.startTime : NaN);
        via.push(e ? e.workerStart > 0 : false);
        const st = e?.serverTiming?.find((t) => t.name === 'sw-image-cache');
        timing.push(st ? `${st.description};${st.duration}` : '');
      }
      return { wallMs, onload, ok, rt, via, timing };
    },
    { list: urls, c: concurrency },
  );
  return {
    samples: urls.map((url, i) => ({
      url,
      ok: result.ok[i]!,
      rtMs: result.rt[i] ?? NaN,
      onloadMs: result.onload[i]!,
      viaWorker: result.via[i]!,
      ...(result.timing[i] ? { ourTiming: result.timing[i] } : {}),
    })),
    wallMs: result.wallMs,
    serverRequests: imageRequests(v),
  };
}

/** Opens a tab, runs one pass, closes the tab. */
export async function passInNewTab(context: BrowserContext, v: Variant, urls: string[], concurrency: number): Promise<PassResult> {
  const page = await openTab(context, v);
  try {
    return await loadPass(page, v, urls, concurrency);
  } finally {
    await page.close().catch(() => {});
  }
}

/**
 * Stops every service worker of the browser (CDP `ServiceWorker.stopAllWorkers`) and waits, at most
 * `timeoutMs`, until every known worker version reports `runningStatus: 'stopped'`.
 * @returns whether all stopped in time.
 */
export async function stopAllWorkers(page: Page, timeoutMs = 5_000): Promise<boolean> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const status = new Map<string, string>();
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ versionId: string; runningStatus: string }> }) => {
      for (const v of e.versions) status.set(v.versionId, v.runningStatus);
    });
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (status.size > 0 && [...status.values()].every((s) => s === 'stopped')) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/**
 * Stops the service worker of `origin` only (CDP `ServiceWorker.stopWorker` for each of its running
 * versions), leaving other origins' workers running, and waits, at most `timeoutMs`, until its
 * versions report `runningStatus: 'stopped'`. Ends whatever the worker was still doing in the
 * background (Workbox's `ExpirationPlugin` walks every entry with an IndexedDB cursor after each
 * hit, without `waitUntil`).
 * @returns whether it stopped in time (also `true` when no worker of `origin` was running).
 */
export async function stopWorkerOf(page: Page, origin: string, timeoutMs = 5_000): Promise<boolean> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const versions = new Map<string, { scriptURL: string; runningStatus: string }>();
    cdp.on('ServiceWorker.workerVersionUpdated', (e: { versions: Array<{ versionId: string; scriptURL: string; runningStatus: string }> }) => {
      for (const v of e.versions) versions.set(v.versionId, v);
    });
    await cdp.send('ServiceWorker.enable');
    const deadline = Date.now() + timeoutMs;
    const mine = () => [...versions].filter(([, v]) => v.scriptURL.startsWith(`${origin}/`));
    // The versions arrive as events after `enable`.
    while (mine().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const [versionId, v] of mine()) if (v.runningStatus !== 'stopped') await cdp.send('ServiceWorker.stopWorker', { versionId });
    while (Date.now() < deadline) {
      if (mine().every(([, v]) => v.runningStatus === 'stopped')) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Number of requests stored in the page origin's Cache Storage cache `cacheName`. */
export async function cacheCount(page: Page, cacheName: string): Promise<number> {
  return page.evaluate(async (name) => (await (await caches.open(name)).keys()).length, cacheName);
}

/**
 * Waits until the origin's cache `cacheName` holds at least `expected` entries (the worker stores in
 * `waitUntil`, after the page got its response), polling every 250 ms for at most `timeoutMs`.
 * @returns the last count seen.
 */
export async function waitForCacheCount(page: Page, cacheName: string, expected: number, timeoutMs = 180_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let n = 0;
  while (Date.now() < deadline) {
    n = await cacheCount(page, cacheName);
    if (n >= expected) return n;
    await new Promise((r) => setTimeout(r, 250));
  }
  return n;
}

/** GETs our worker's stats endpoint from the page (answered by the worker itself). */
export async function oursStats(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(async () => (await fetch('/__image-cache/stats')).json());
}
