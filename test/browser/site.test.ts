/**
 * A host site nobody here wrote, set up by following the README's "Adding it to a host page"
 * (issue 15): the fixture site of test/fixtures/site (its own `index.html`, `<picture>` with
 * WebP/JPEG `srcset` at two widths, a lazy image, a web font, two scripts, a tile pyramid), the
 * worker built into the site's folder with `shellRoot`, served as is. Offline is the server taken
 * down (connection refused; `navigator.onLine` stays true) unless a test says otherwise.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../build/build.ts';
import { startStaticServer, type StaticServer } from '../../build/server.ts';
import { makeSite } from '../fixtures/site/makeSite.ts';
import { ChromiumDriver } from './drivers/chromium.ts';
import { getJson, sleep } from './harness.ts';

/** One host site: its folder (the worker built into it), served on a fixed port that can go down. */
interface HostSite {
  dir: string;
  origin: string;
  /** The host's `index.html` before the build. */
  indexHtml: string;
  /** Pathname → GET requests the server received. */
  requests: Map<string, number>;
  /** Pathname → milliseconds the server waits before answering it (a slow network). */
  slow: Map<string, number>;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Makes the fixture site in a temp folder, writes `site.config.json` next to it (`shellRoot:
 * "site"`), builds with `--out site` (only the worker files are written) and serves the folder.
 */
async function hostSite(config: Record<string, unknown>): Promise<HostSite> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-host-'));
  const dir = path.join(root, 'site');
  await mkdir(dir);
  await makeSite(dir);
  const indexHtml = await readFile(path.join(dir, 'index.html'), 'utf8');
  await writeFile(path.join(root, 'site.config.json'), JSON.stringify(config));
  await build({ root, configPath: 'site.config.json', outDir: 'site', demo: false, log: false, mounts: [] });
  const requests = new Map<string, number>();
  const slow = new Map<string, number>();
  const serve = (port = 0) =>
    startStaticServer({
      port,
      mounts: [{ prefix: '/', dir }],
      hooks: [
        async (req, _res, url) => {
          if (req.method === 'GET') requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
          const ms = slow.get(url.pathname);
          if (ms) await sleep(ms);
          return false;
        },
      ],
    });
  let server: StaticServer | null = await serve();
  const port = server.port;
  return {
    dir,
    origin: server.url,
    indexHtml,
    requests,
    slow,
    async down() {
      await server?.close();
      server = null;
    },
    async up() {
      if (server === null) server = await serve(port);
    },
    async close() {
      await server?.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** The fixture's visible images (photos and tiles) as the page shows them. */
interface ShownImage {
  src: string;
  ok: boolean;
}

/**
 * Opens `pathname` in a new tab, waits for the load event and until every non-lazy image has
 * settled; returns the page, the images with their chosen source (`currentSrc`) and whether each shows.
 */
async function openPage(context: BrowserContext, origin: string, pathname = '/'): Promise<{ page: Page; images: ShownImage[] }> {
  const page = await context.newPage();
  await page.goto(origin + pathname, { waitUntil: 'load' });
  await page.waitForFunction(() => [...document.images].filter((i) => i.loading !== 'lazy').every((i) => i.complete), null, { timeout: 20_000 });
  const images = await page.evaluate(() =>
    [...document.images]
      .filter((i) => i.loading !== 'lazy')
      .map((i) => ({ src: new URL(i.currentSrc || i.src).pathname, ok: i.complete && i.naturalWidth > 0 })),
  );
  return { page, images };
}

/** Waits until the page is controlled (`controllerchange`, BROWSER-TESTING.md §4). */
async function controlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
}

/** Waits until the worker has stored at least `count` images. */
async function storedAtLeast(page: Page, count: number): Promise<number> {
  let entries = 0;
  for (let i = 0; i < 100; i++) {
    entries = (await getJson<{ entries: number }>(page, '/__image-cache/stats')).entries;
    if (entries >= count) return entries;
    await sleep(100);
  }
  return entries;
}

/**
 * First visit (installs the worker), then a second visit through the controlling worker, which
 * stores every image the page shows. Returns the images seen.
 */
async function visitTwice(context: BrowserContext, site: HostSite): Promise<ShownImage[]> {
  const first = await openPage(context, site.origin);
  await controlled(first.page);
  await first.page.close();
  const second = await openPage(context, site.origin);
  expect(second.images.every((i) => i.ok)).toBe(true);
  await second.page.waitForFunction(() => document.body.dataset.map === 'ready');
  expect(await storedAtLeast(second.page, second.images.length)).toBeGreaterThanOrEqual(second.images.length);
  await second.page.close();
  return second.images;
}

describe('a host site following the README (Chromium)', () => {
  let driver: ChromiumDriver;
  /** The budget-only config: no shell, no navigateFallback, no fallbackImage. */
  let bare: HostSite;
  /** The README's offline config: shellRoot + shell + navigateFallback. */
  let full: HostSite;

  beforeAll(async () => {
    bare = await hostSite({ maxBytes: 8 * 1024 * 1024, writeBehindMs: 100 });
    full = await hostSite({
      maxBytes: 8 * 1024 * 1024,
      writeBehindMs: 100,
      shellRoot: 'site',
      shell: ['/index.html', '/style.css', '/app.js', '/map.js', '/fonts/site.ttf'],
      navigateFallback: '/index.html',
      routes: [{ pattern: '/photos/', variants: { pattern: '/photos/(?<image>[^/]+)-(?<width>\\d+)\\.(?<format>webp|jpg)$' } }],
    });
    driver = await ChromiumDriver.launch();
  });
  afterAll(async () => {
    await driver?.close();
    await bare?.close();
    await full?.close();
  });

  it('buildsIntoTheSiteFolderWithoutTouchingTheHostsIndexHtml', async () => {
    expect(await readFile(path.join(full.dir, 'index.html'), 'utf8')).toBe(full.indexHtml);
    expect(await readFile(path.join(bare.dir, 'index.html'), 'utf8')).toBe(bare.indexHtml);
  });

  it('reloadsAVisitedPageOfflineWithNoShellAndShowsEveryImageSeen', async () => {
    // Offline right after the first visit: the page loaded before the worker existed, which keeps
    // it on activate.
    const first = await openPage(driver.context, bare.origin);
    await controlled(first.page);
    const keptPages = () => first.page.evaluate(async () => (await (await caches.open('sw-image-cache-images-pages')).keys()).map((r) => new URL(r.url).pathname));
    let kept = await keptPages();
    for (let i = 0; i < 100 && kept.length === 0; i++) {
      await sleep(100);
      kept = await keptPages();
    }
    expect(kept).toEqual(['/']);
    await first.page.close();
    await bare.down();
    try {
      const offline = await openPage(driver.context, bare.origin);
      expect(await offline.page.title()).toBe('Fixture gallery');
      await offline.page.close();
    } finally {
      await bare.up();
    }
    const seen = await visitTwice(driver.context, bare);
    expect(seen.length).toBe(6); // two photos, four tiles
    await bare.down();
    try {
      const offline = await openPage(driver.context, bare.origin);
      expect(await offline.page.title()).toBe('Fixture gallery');
      // map.js is not in a shell here: the tiles need it; the HTML's own images all show.
      const photos = seen.filter((i) => i.src.startsWith('/photos/'));
      expect(offline.images.filter((i) => i.src.startsWith('/photos/'))).toEqual(photos);
      await offline.page.close();
    } finally {
      await bare.up();
    }
  });

  it('runsAScriptChangedOnTheServerOnTheNextOnlineVisitAndOfflineAfterIt', async () => {
    const seen = await visitTwice(driver.context, full);
    const v1 = await openPage(driver.context, full.origin);
    expect(await v1.page.evaluate(() => document.body.dataset.app)).toBe('v1');
    await v1.page.close();
    // A deploy: the script changes on the server; sw.js does not.
    await writeFile(path.join(full.dir, 'app.js'), "document.body.dataset.app = 'v2';\n");
    const online = await openPage(driver.context, full.origin);
    await online.page.waitForFunction(() => document.body.dataset.app !== undefined);
    expect(await online.page.evaluate(() => document.body.dataset.app)).toBe('v2');
    await online.page.close();
    // Offline: the page, its scripts, style and font come from the caches; every image seen shows.
    await full.down();
    try {
      const offline = await openPage(driver.context, full.origin);
      await offline.page.waitForFunction(() => document.body.dataset.map === 'ready');
      expect(await offline.page.evaluate(() => document.body.dataset.app)).toBe('v2');
      const images = await offline.page.evaluate(() =>
        [...document.images].filter((i) => i.loading !== 'lazy').map((i) => ({ src: new URL(i.currentSrc || i.src).pathname, ok: i.naturalWidth > 0 })),
      );
      expect(images).toEqual(seen);
      expect(await offline.page.evaluate(() => document.fonts.check('16px SiteFont'))).toBe(true);
      await offline.page.close();
    } finally {
      await full.up();
    }
  });

  it('servesTheShellCopyOfAScriptAfterNetworkTimeoutSecondsAndKeepsTheLateAnswer', async () => {
    // After the previous test the shell holds app.js v2. The server now has v3 but takes 8 s.
    await writeFile(path.join(full.dir, 'app.js'), "document.body.dataset.app = 'v3';\n");
    full.slow.set('/app.js', 8000);
    try {
      const t0 = Date.now();
      const { page } = await openPage(driver.context, full.origin);
      await page.waitForFunction(() => document.body.dataset.app !== undefined);
      const elapsedMs = Date.now() - t0;
      expect(await page.evaluate(() => document.body.dataset.app)).toBe('v2'); // the cached copy, after 3 s
      console.log(`site: page with an 8 s script answered from the shell copy after ${elapsedMs} ms (networkTimeoutSeconds 3)`);
      expect(elapsedMs).toBeLessThan(7000);
      // The late answer still refreshes the shell cache.
      const shellCopy = () => page.evaluate(async () => (await (await caches.open('sw-image-cache-images-shell')).match('/app.js'))?.text());
      let copy = await shellCopy();
      for (let i = 0; i < 80 && !copy?.includes('v3'); i++) {
        await sleep(250);
        copy = await shellCopy();
      }
      expect(copy).toContain('v3');
      await page.close();
    } finally {
      full.slow.delete('/app.js');
    }
    await full.down();
    try {
      const offline = await openPage(driver.context, full.origin);
      await offline.page.waitForFunction(() => document.body.dataset.app !== undefined);
      expect(await offline.page.evaluate(() => document.body.dataset.app)).toBe('v3');
      await offline.page.close();
    } finally {
      await full.up();
    }
  });

  it('answersANavigationToAnImageUrlWithTheImageOrAFailureNeverThePage', async () => {
    const seen = await visitTwice(driver.context, full);
    const cachedPhoto = seen.find((i) => i.src.startsWith('/photos/'))!.src;
    await driver.context.setOffline(true);
    try {
      const page = await driver.context.newPage();
      const response = await page.goto(full.origin + cachedPhoto);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-type']).toMatch(/^image\//);
      expect(response?.headers()['cache-status']).toMatch(/^sw-image-cache; hit/);
      // An image of which no size was ever stored: a real failure, not the fallback page. (Any
      // cached size of a photo would answer it as `detail=variant`: capture may have stored the
      // lazy p3, so this is a photo the site does not have.)
      const missing = await page.goto(`${full.origin}/photos/p9-420.jpg`).then(
        (r) => ({ status: r?.status(), type: r?.headers()['content-type'], cacheStatus: r?.headers()['cache-status'] }),
        (e: Error) => ({ error: e.message }),
      );
      expect(missing).toMatchObject({ error: expect.stringMatching(/net::ERR_/) });
      await page.close();
      // A page of the site still gets the page.
      const other = await driver.context.newPage();
      const home = await other.goto(`${full.origin}/`);
      expect(home?.status()).toBe(200);
      expect(await home?.headerValue('content-type')).toMatch(/text\/html/);
      await other.close();
    } finally {
      await driver.context.setOffline(false);
    }
  });

  it('showsACachedSizeOfEachPhotoOfflineInANarrowWindowThatNeverFetchedItsOwnSize', async () => {
    const seen = await visitTwice(driver.context, full);
    // 1280 px wide: the 840 px WebP of each photo was fetched and stored, never the 420 px one.
    const photos = seen.filter((i) => i.src.startsWith('/photos/'));
    expect(photos.map((i) => i.src)).toEqual(['/photos/p1-840.webp', '/photos/p2-840.webp']);
    await full.down();
    try {
      const page = await driver.context.newPage();
      await page.setViewportSize({ width: 400, height: 800 });
      const status = new Map<string, string | undefined>();
      page.on('response', (r) => status.set(new URL(r.url()).pathname, r.headers()['cache-status']));
      await page.goto(full.origin + '/', { waitUntil: 'load' });
      await page.waitForFunction(() => [...document.images].filter((i) => i.loading !== 'lazy').every((i) => i.complete), null, { timeout: 20_000 });
      const shown = await page.evaluate(() =>
        [...document.images]
          .filter((i) => new URL(i.currentSrc || i.src).pathname.startsWith('/photos/') && i.loading !== 'lazy')
          .map((i) => ({ src: new URL(i.currentSrc).pathname, width: i.naturalWidth })),
      );
      // The narrow window asks for the 420 px files; the cached 840 px ones answer. naturalWidth
      // is the file's width over the srcset density (420w at 400 px: 1.05): 840 / 1.05 = 800
      // (a 420 px file would give 400).
      expect(shown).toEqual([
        { src: '/photos/p1-420.webp', width: 800 },
        { src: '/photos/p2-420.webp', width: 800 },
      ]);
      expect(status.get('/photos/p1-420.webp')).toBe('sw-image-cache; fwd=stale; detail=variant');
      await page.close();
    } finally {
      await full.up();
    }
  });

  it('requestsAnImageThatIsNeitherCachedNorReachableOnlyOnce', async () => {
    const { page } = await openPage(driver.context, bare.origin);
    await controlled(page);
    const requested: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/photos/')) requested.push(new URL(r.url()).pathname);
    });
    const outcome = async (src: string) =>
      page.evaluate(async (s) => {
        const img = document.createElement('img');
        img.src = s;
        document.body.append(img);
        await new Promise((r) => img.addEventListener('error', r, { once: true }));
        // The snippet retries after 50 ms; give a retry ample time to show up.
        await new Promise((r) => setTimeout(r, 1000));
        return { ok: img.naturalWidth > 0, retried: img.dataset.swImageCacheRetried === '1' };
      }, src);
    // The server is down: navigator.onLine is true; the worker's 504 says "offline, not cached".
    await bare.down();
    try {
      expect(await outcome('/photos/p3-420.webp?never-cached')).toEqual({ ok: false, retried: false });
      expect(requested).toEqual(['/photos/p3-420.webp']);
      // The browser offline (navigator.onLine false): not retried either.
      await driver.context.setOffline(true);
      expect(await outcome('/photos/p2-420.webp?never-cached')).toEqual({ ok: false, retried: false });
      expect(requested).toEqual(['/photos/p3-420.webp', '/photos/p2-420.webp']);
    } finally {
      await driver.context.setOffline(false);
      await bare.up();
      await page.close();
    }
  });
});
