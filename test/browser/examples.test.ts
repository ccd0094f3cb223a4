/**
 * The three example apps of `examples/`, each installed from the tarball that `npm pack` makes
 * (never from source paths) and built with its own pinned tools, then driven in Chromium:
 * - `workbox-inject-manifest`: workbox-precaching + a navigation route, built by workbox-build;
 * - `classic-importscripts`: a hand-written classic worker that calls `importScripts`;
 * - `vite-pwa`: Vite + vite-plugin-pwa in `injectManifest` mode.
 * For each: the host's precache still serves the shell offline, images come back as hits with
 * our `Cache-Status`, the stats endpoint answers, and an offline reload shows every image seen.
 *
 * Setup cost: `npm pack` (runs `prepack`: the package build) once, then `npm install` per example
 * from the public registry. Each example pins its tools exactly and commits its package-lock.json
 * (without an integrity for the tarball, which changes with every pack), so the whole tree is
 * reproduced; the npm cache makes reruns fast (cold: about 2 minutes of installs on 2 cores).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../build/server.ts';
import { CHROMIUM_ARGS, chromiumPath } from './drivers/chromium.ts';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const PAGE_IMAGES = ['/images/red.png', '/images/green.png', '/images/blue.png', '/images/yellow.png'];
const WARM_IMAGES = ['/images/warm/purple.png', '/images/warm/teal.png'];
const MAX_BYTES = 10 * 1024 * 1024;

/** The environment for a child npm: without the outer `npm test`'s `npm_*` variables (prefix, config). */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.toLowerCase().startsWith('npm_')) env[k] = v;
  return { ...env, NO_UPDATE_NOTIFIER: '1' };
}

async function npm(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('npm', args, { cwd, env: npmEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} in ${cwd} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
  }
}

let work: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-examples-'));
  await npm(REPO_ROOT, ['pack', '--pack-destination', work, '--silent']);
  const tarballs = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  // The examples depend on "file:../../sw-image-cache-<version>.tgz", as after `npm pack` at the repository root.
  expect(tarballs).toEqual(['sw-image-cache-0.2.0.tgz']);
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** Copies `examples/<name>` next to the tarball, installs its dependencies and builds it; returns its `dist/`. */
async function installAndBuild(name: string): Promise<string> {
  const dir = path.join(work, 'examples', name);
  await cp(path.join(REPO_ROOT, 'examples', name), dir, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist|\.build)([/\\]|$)/.test(path.relative(REPO_ROOT, src)),
  });
  await npm(dir, ['install', '--no-audit', '--no-fund', '--loglevel=error']);
  // Installed from the tarball, not linked to this repository's sources.
  const installed = path.join(dir, 'node_modules', 'sw-image-cache');
  expect((await stat(installed)).isSymbolicLink()).toBe(false);
  expect((await readdir(installed)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'lib', 'package.json']);
  await npm(dir, ['run', 'build', '--silent']);
  return path.join(dir, 'dist');
}

/** Resolves once the page is controlled by a service worker. */
async function waitControlled(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        if (navigator.serviceWorker.controller) return resolve();
        const t = setTimeout(() => reject(new Error('page not controlled after 30 s')), 30_000);
        navigator.serviceWorker.addEventListener('controllerchange', () => {
          clearTimeout(t);
          resolve();
        });
      }),
  );
}

/** Records the `Cache-Status` of every response the page sees, by pathname (the last one wins). */
function recordCacheStatus(page: Page): Map<string, string | null> {
  const seen = new Map<string, string | null>();
  page.on('response', (response) => seen.set(new URL(response.url()).pathname, response.headers()['cache-status'] ?? null));
  return seen;
}

/** Waits until every `<img>` of the document has finished; returns the pathnames that loaded. */
async function documentImages(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const images = [...document.images];
    await Promise.all(
      images.map((img) =>
        img.complete
          ? null
          : new Promise((resolve) => {
              img.addEventListener('load', resolve, { once: true });
              img.addEventListener('error', resolve, { once: true });
            }),
      ),
    );
    return images.filter((img) => img.complete && img.naturalWidth > 0).map((img) => new URL(img.src).pathname);
  });
}

/** Loads `urls` as a page does (`new Image()`, destination `image`); returns those that loaded. */
async function loadImages(page: Page, urls: string[]): Promise<string[]> {
  return page.evaluate(async (list) => {
    const ok = await Promise.all(
      list.map(
        (u) =>
          new Promise<boolean>((resolve) => {
            const img = new Image();
            img.onload = () => resolve(img.naturalWidth > 0);
            img.onerror = () => resolve(false);
            img.src = u;
          }),
      ),
    );
    return list.filter((_, i) => ok[i]);
  }, urls);
}

async function getJson<T>(page: Page, pathname: string): Promise<T> {
  return page.evaluate(async (p) => {
    const res = await fetch(p);
    if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
    return res.json();
  }, pathname);
}

/** Polls the entries endpoint until it lists every URL of `pathnames`. */
async function waitForEntries(page: Page, pathnames: string[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const entries = await getJson<Array<{ url: string }>>(page, '/__image-cache/entries');
    const have = new Set(entries.map((e) => new URL(e.url).pathname));
    if (pathnames.every((p) => have.has(p))) return;
    if (Date.now() > deadline) throw new Error(`entries never listed ${pathnames.filter((p) => !have.has(p)).join(', ')}; have ${[...have].join(', ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each([
  { name: 'workbox-inject-manifest', title: /Workbox injectManifest/ },
  { name: 'classic-importscripts', title: /classic worker with importScripts/ },
  { name: 'vite-pwa', title: /Vite/ },
])('examples/$name, installed from the npm pack tarball', ({ name, title }) => {
  let server: StaticServer;
  let context: BrowserContext;
  let profile: string;
  let serverDown = false;

  beforeAll(async () => {
    const dist = await installAndBuild(name);
    server = await startStaticServer({ mounts: [{ prefix: '/', dir: dist }] });
    profile = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-profile-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  }, 600_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    if (!serverDown) await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  it('servesImagesAsHitsAnswersStatsAndShowsEveryImageSeenAfterAnOfflineReload', async () => {
    // First visit: the host's worker installs (its shell precache and our warm-up manifest).
    const first = await context.newPage();
    await first.goto(`${server.url}/`);
    await waitControlled(first);
    await waitForEntries(first, WARM_IMAGES);

    // Second visit (a new tab, so Blink's memory cache does not answer): page images go through
    // the worker and are stored.
    const second = await context.newPage();
    await second.goto(`${server.url}/`);
    expect(await documentImages(second)).toEqual(PAGE_IMAGES);
    await waitForEntries(second, PAGE_IMAGES);

    // Third visit: every image, including the warm-up ones no page asked for yet, is a hit that
    // never reaches the server.
    server.resetCounts();
    const third = await context.newPage();
    const statuses = recordCacheStatus(third);
    await third.goto(`${server.url}/`);
    expect(await documentImages(third)).toEqual(PAGE_IMAGES);
    expect(await loadImages(third, WARM_IMAGES)).toEqual(WARM_IMAGES);
    for (const p of [...PAGE_IMAGES, ...WARM_IMAGES]) {
      expect(statuses.get(p), p).toMatch(/^sw-image-cache; hit/);
      expect(server.requests.get(p) ?? 0, p).toBe(0);
    }

    const stats = await getJson<{ hits: number; entries: number; bytesUsed: number; maxBytes: number }>(third, '/__image-cache/stats');
    expect(stats.maxBytes).toBe(MAX_BYTES);
    expect(stats.entries).toBe(PAGE_IMAGES.length + WARM_IMAGES.length);
    expect(stats.hits).toBeGreaterThanOrEqual(PAGE_IMAGES.length + WARM_IMAGES.length);
    expect(stats.bytesUsed).toBeGreaterThan(0);

    // Offline: the server goes down (connection refused). A reload is answered by the host's own
    // shell precache, and every image seen comes from the image cache.
    await server.close();
    serverDown = true;
    await third.reload();
    expect(await third.title()).toMatch(title);
    expect(await documentImages(third)).toEqual(PAGE_IMAGES);

    const offline = await context.newPage();
    const offlineStatuses = recordCacheStatus(offline);
    await offline.goto(`${server.url}/`);
    expect(await offline.title()).toMatch(title);
    expect(await documentImages(offline)).toEqual(PAGE_IMAGES);
    expect(await loadImages(offline, WARM_IMAGES)).toEqual(WARM_IMAGES);
    for (const p of PAGE_IMAGES) expect(offlineStatuses.get(p), p).toMatch(/^sw-image-cache; hit/);
  });
});
