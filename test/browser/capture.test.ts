/**
 * `captureLoadedImages` (issue 11 item 1), on the demo app in Chromium with a fresh profile: the
 * images the first visit loaded before the worker controlled the page are stored, from the HTTP
 * cache (no second download), so an offline reload shows every one of them and a revisit online
 * is served from the worker's cache. A second browser with the worker's `captureLoadedImages:
 * false` measures today's behaviour, so the test would fail without the capture.
 */
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SHELL, getJson, recordCacheStatus, setupEnv, sleep, type Env } from './harness.ts';


/** The demo's config (image-cache.config.json) over the test dataset. */
const config = (captureLoadedImages: boolean) => ({
  cacheName: 'demo-images',
  maxBytes: 20 * 1024 * 1024,
  writeBehindMs: 100,
  shell: DEMO_SHELL,
  navigateFallback: '/index.html',
  routes: [{ pattern: '/data/images/banner/', maxAgeSeconds: 86400 }],
  warmup: { sources: [{ directory: '.cache/test-data/images/map_tile', urlPrefix: '/data/images/map_tile/', include: '^5/[2-3]/[2-3]\\.png$' }] },
  captureLoadedImages,
});

/** Image requests that reached the server, by pathname and `Sec-Fetch-Dest` (`image`: a page's; `empty`: the worker's `fetch()`). */
type Counts = Map<string, { image: number; empty: number }>;

async function start(capture: boolean): Promise<{ env: Env; counts: Counts }> {
  const counts: Counts = new Map();
  const env = await setupEnv(config(capture), {
    hooks: [
      (req, _res, url) => {
        if (url.pathname.startsWith('/data/images/')) {
          const c = counts.get(url.pathname) ?? { image: 0, empty: 0 };
          if (req.headers['sec-fetch-dest'] === 'image') c.image++;
          else c.empty++;
          counts.set(url.pathname, c);
        }
        return false;
      },
    ],
  });
  return { env, counts };
}

/** Opens the demo in a new tab, waits until its images have settled, and lists them. */
async function openDemo(env: Env): Promise<{ page: Page; images: Array<{ src: string; ok: boolean }>; status: Map<string, string | null> }> {
  const page = await env.context.newPage();
  const status = recordCacheStatus(page);
  await page.goto(`${env.origin}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.waitForFunction(() => [...document.images].filter((i) => i.src.includes('/data/images/')).every((i) => i.complete), null, {
    timeout: 20_000,
  });
  const images = await page.evaluate(() =>
    [...document.images]
      .filter((i) => i.src.includes('/data/images/'))
      .map((i) => ({ src: new URL(i.currentSrc || i.src).pathname, ok: i.complete && i.naturalWidth > 0 })),
  );
  return { page, images, status };
}

interface Visit {
  /** Distinct images the first visit showed. */
  shown: string[];
  /** Of those, how many an offline reload showed. */
  offlineShown: number;
  /** Image responses of the online revisit, and how many were `sw-image-cache; hit`. */
  revisitImages: number;
  revisitHits: number;
  /** Server requests made by the worker's own fetches for images the page had already loaded (the capture's cost). */
  secondDownloads: number;
  capture: { messages: number; stored: number; skipped: number; ignored: number; failed: number; pending: number } | null;
}

/** First visit → capture settles → offline reload → online revisit. */
async function firstVisitThenOfflineThenRevisit(env: Env, counts: Counts, capture: boolean): Promise<Visit> {
  const first = await openDemo(env);
  await first.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
  const shown = [...new Set(first.images.filter((i) => i.ok).map((i) => i.src))];
  expect(shown.length).toBeGreaterThan(10);
  const warmedUp = new Set([...counts].filter(([, c]) => c.empty > 0).map(([p]) => p));

  // Wait until the capture is over (stats.capture), then until the write-behind has settled.
  type Stats = { entries: number; capture: Visit['capture'] };
  let stats = await getJson<Stats>(first.page, '/__image-cache/stats');
  for (let i = 0; i < 100 && capture && (!stats.capture || stats.capture.messages === 0 || stats.capture.pending > 0); i++) {
    await sleep(100);
    stats = await getJson<Stats>(first.page, '/__image-cache/stats');
  }
  await sleep(capture ? 300 : 1000);
  stats = await getJson<Stats>(first.page, '/__image-cache/stats');
  const secondDownloads = shown.filter((p) => !warmedUp.has(p)).reduce((n, p) => n + (counts.get(p)?.empty ?? 0), 0);
  await first.page.close();

  await env.context.setOffline(true);
  let offlineShown: number;
  try {
    const offline = await openDemo(env);
    const ok = new Set(offline.images.filter((i) => i.ok).map((i) => i.src));
    offlineShown = shown.filter((p) => ok.has(p)).length;
    await offline.page.close();
  } finally {
    await env.context.setOffline(false);
  }

  const revisit = await openDemo(env);
  const imageStatuses = [...revisit.status].filter(([p]) => p.startsWith('/data/images/'));
  const revisitHits = imageStatuses.filter(([, s]) => (s ?? '').startsWith('sw-image-cache; hit')).length;
  await revisit.page.close();
  return { shown, offlineShown, revisitImages: imageStatuses.length, revisitHits, secondDownloads, capture: stats.capture };
}

describe('captureLoadedImages on the demo in Chromium (fresh profile)', () => {
  const envs: Env[] = [];
  afterAll(async () => {
    for (const e of envs) await e.close();
  });

  it('aFirstVisitWorksOfflineAndIsServedFromTheCacheOnTheNextVisit', async () => {
    const { env, counts } = await start(true);
    envs.push(env);
    const v = await firstVisitThenOfflineThenRevisit(env, counts, true);
    console.info(
      `capture on: offline reload showed ${v.offlineShown} of ${v.shown.length} images; revisit hits ${v.revisitHits} of ${v.revisitImages} (${((100 * v.revisitHits) / v.revisitImages).toFixed(1)} %); ` +
        `capture ${JSON.stringify(v.capture)}; second downloads ${v.secondDownloads}`,
    );
    expect(v.capture).toMatchObject({ messages: 1, failed: 0, pending: 0 });
    expect(v.capture!.stored).toBeGreaterThan(0);
    expect(v.secondDownloads).toBe(0); // served by the HTTP cache (force-cache)
    expect(v.offlineShown).toBe(v.shown.length);
    expect(v.revisitImages).toBeGreaterThan(10);
    expect(v.revisitHits / v.revisitImages).toBeGreaterThanOrEqual(0.95);
  });

  it('withoutCaptureTheFirstVisitIsOnlyPartlyOffline', async () => {
    const { env, counts } = await start(false);
    envs.push(env);
    const v = await firstVisitThenOfflineThenRevisit(env, counts, false);
    console.info(
      `capture off: offline reload showed ${v.offlineShown} of ${v.shown.length} images; revisit hits ${v.revisitHits} of ${v.revisitImages} (${((100 * v.revisitHits) / v.revisitImages).toFixed(1)} %)`,
    );
    expect(v.capture).toBeNull();
    expect(v.offlineShown).toBeLessThan(v.shown.length);
  });
});
