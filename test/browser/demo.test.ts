/**
 * The demo app with the worker, as a user meets it: the page becomes controlled, a second visit is
 * served from the cache (`Cache-Status: sw-image-cache; hit`), and with the network gone a reload
 * still shows the page and every image seen before.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SHELL, getJson, recordCacheStatus, setupEnv, sleep, type Env } from './harness.ts';


/** Opens the demo in a new tab and waits until it is laid out and its images have settled. */
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
      .map((i) => ({ src: new URL(i.src).pathname, ok: i.complete && i.naturalWidth > 0 })),
  );
  return { page, images, status };
}

describe('the demo app in Chromium', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setupEnv({
      cacheName: 'demo-images',
      maxBytes: 20 * 1024 * 1024,
      writeBehindMs: 100,
      shell: DEMO_SHELL,
      navigateFallback: '/index.html',
      warmup: { sources: [{ directory: '.cache/test-data/images/map_tile', urlPrefix: '/data/images/map_tile/', include: '^5/[2-3]/[2-3]\\.png$' }] },
    });
  });
  afterAll(() => env?.close());

  it('isControlledServesASecondVisitFromTheCacheAndWorksOffline', async () => {
    const first = await openDemo(env);
    await first.page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
    const tiles = first.images.filter((i) => i.src.includes('/map_tile/'));
    expect(tiles.length).toBeGreaterThan(4);
    expect(first.images.every((i) => i.ok)).toBe(true);
    const seen = new Set(first.images.map((i) => i.src));
    // Images requested before the worker took control went to the network; fetch each once more
    // through the worker (as the page would on its next view) so everything seen is cached.
    await first.page.evaluate((srcs) => Promise.all(srcs.map((s) => new Promise((r) => {
      const img = new Image();
      img.onload = img.onerror = r;
      img.src = s;
    }))), [...seen]);
    let stats = await getJson<{ entries: number }>(first.page, '/__image-cache/stats');
    for (let i = 0; i < 50 && stats.entries < seen.size; i++) {
      await sleep(100);
      stats = await getJson(first.page, '/__image-cache/stats');
    }
    expect(stats.entries).toBeGreaterThanOrEqual(seen.size);

    // Second visit, new tab: every image comes from the worker's cache.
    const second = await openDemo(env);
    expect(second.images.every((i) => i.ok)).toBe(true);
    for (const img of second.images) {
      if (seen.has(img.src)) expect(second.status.get(img.src), img.src).toMatch(/^sw-image-cache; hit/);
    }

    // Offline: the page itself comes from the app shell, and every image seen before shows.
    await env.context.setOffline(true);
    try {
      const offline = await openDemo(env);
      expect(offline.images.length).toBeGreaterThan(4);
      const broken = offline.images.filter((i) => seen.has(i.src) && !i.ok);
      expect(broken).toEqual([]);
      // The same view requests the same images: every tile of the first visit shows again.
      const shownTiles = offline.images.filter((i) => i.src.includes('/map_tile/') && i.ok).map((i) => i.src);
      expect(new Set(shownTiles)).toEqual(new Set(tiles.map((t) => t.src)));
      expect(await offline.page.getByTestId('status-network').textContent()).toMatch(/offline/i);
      await offline.page.close();
      // Another shell page opens offline as itself, not as the fallback page.
      const dashboard = await env.context.newPage();
      await dashboard.goto(`${env.origin}/dashboard/`);
      expect(await dashboard.title()).toMatch(/dashboard/i);
      await dashboard.close();
    } finally {
      await env.context.setOffline(false);
    }
    await first.page.close();
    await second.page.close();
  });
});
