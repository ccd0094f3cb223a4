/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { NavigationRoute, registerRoute, type Route } from 'workbox-routing';
import type { ShellEntry } from '../config.ts';
import type { Seconds } from '../policy/types.ts';
import { cacheKey, type ImageCache } from '../storage/ImageCache.ts';
import { CACHE_STATUS_NAME, cacheStatus } from '../strategy/cacheStatus.ts';
import type { ImageCacheStrategy } from '../strategy/ImageCacheStrategy.ts';
import { precacheShell } from '../warmup/precache.ts';

declare const self: ServiceWorkerGlobalScope;

/** At most this many pages are kept in `<cacheName>-pages` (the least recently written go first). */
export const MAX_PAGES = 100;

/**
 * The `Server-Timing` description of {@link offlineMissResponse}: the registration snippet reads it
 * (Resource Timing) to tell "offline and not cached" from "the worker was stopped", and retries
 * only the latter.
 */
export const OFFLINE_MISS_TIMING = 'offline';

/** File extensions of images: a navigation to such a URL is an image, never a page. */
const IMAGE_EXTENSION = /\.(?:png|jpe?g|gif|webp|avif|svg|ico|bmp|jxl|tiff?)$/i;

/** Options of {@link installStandaloneShell}. */
export interface StandaloneShellOptions {
  /** The installed image cache (its recovery report names a previous cache name to clean up). */
  cache: ImageCache;
  /** The image cache's `cacheName`; the shell lives in `<cacheName>-shell`, pages in `<cacheName>-pages`. */
  cacheName: string;
  /** The app-shell files with their content revisions (made by the build). */
  shell: readonly ShellEntry[];
  /** URL served for navigations when the network fails and no copy of the page is kept, or `null`. */
  navigateFallback: string | null;
  /** Keep the last successful response of each visited page (config `cachePages`). @default true */
  cachePages?: boolean;
  /** Seconds a navigation or shell file waits for the network before a cached copy is served; `0`: no time-out. @default 3 */
  networkTimeoutSeconds?: Seconds;
  /** The image strategy: answers navigations to image URLs (from the image cache, else the network). */
  strategy?: ImageCacheStrategy;
  /** The image route (installImageCache's `route`): its failures for `<img>` become {@link offlineMissResponse}. */
  imageRoute?: Route;
  /** URL patterns of the image routes (config `routes[].pattern`): navigations to them are images. @default [] */
  imagePatterns?: readonly string[];
}

/**
 * The answer to an image request that is neither cached nor reachable and has no `fallbackImage`:
 * `504 Gateway Timeout`, empty, `Cache-Status: sw-image-cache; fwd=miss; detail=offline`,
 * `Server-Timing: sw-image-cache;desc="offline"`. An `<img>` fails as it would on a network error,
 * but the page can tell why (the snippet does not retry it).
 */
export function offlineMissResponse(): Response {
  return new Response(null, {
    status: 504,
    statusText: 'Gateway Timeout',
    headers: {
      'Cache-Status': cacheStatus('fwd=miss', { detail: 'offline' }),
      'Server-Timing': `${CACHE_STATUS_NAME};desc="${OFFLINE_MISS_TIMING}"`,
      'Cache-Control': 'no-store',
    },
  });
}

/**
 * Network first, with a time-out: the network's answer when it comes within `timeoutMs` (or when
 * there is no cached copy), else the cached copy; the cached copy when the network fails. A
 * network answer, even a late one, is handed to `store` (in `event.waitUntil`).
 * @throws the network's error when it fails and there is no cached copy.
 */
async function networkFirst(
  event: ExtendableEvent,
  request: Request,
  cached: () => Promise<Response | undefined>,
  timeoutMs: number,
  store: (response: Response) => Promise<void>,
): Promise<Response> {
  const network = fetch(request).then((response) => {
    event.waitUntil(store(response.clone()).catch(() => undefined));
    return response;
  });
  if (timeoutMs > 0) {
    event.waitUntil(network.catch(() => undefined));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([network.catch(() => 'failed' as const), timedOut]);
    clearTimeout(timer);
    if (first === 'timeout') {
      const copy = await cached();
      if (copy) return copy;
    } else if (first !== 'failed') {
      return first;
    }
  }
  try {
    return await network;
  } catch (error) {
    const copy = await cached();
    if (copy) return copy;
    throw error;
  }
}

/** Whether `response` is a page worth keeping: same-origin, 200, HTML, not `no-store`. */
function isKeepablePage(response: Response): boolean {
  return (
    response.type === 'basic' &&
    response.status === 200 &&
    /^text\/html\b/i.test(response.headers.get('content-type') ?? '') &&
    !/\bno-store\b/i.test(response.headers.get('cache-control') ?? '')
  );
}

/**
 * The parts of the standalone worker (`npx sw-image-cache build`) that a host worker keeps for
 * itself, and that {@link installImageCache} therefore never does:
 * - `skipWaiting()` on install and `clients.claim()` on activate;
 * - the app-shell precache (`<cacheName>-shell`, failing install when a shell file cannot be
 *   fetched);
 * - shell files network-first (`cache: 'no-cache'`, so never older than the server's online),
 *   after `networkTimeoutSeconds` or offline from the shell cache, which each network answer
 *   refreshes;
 * - navigations network-first with the same time-out; offline the last copy of the page kept in
 *   `<cacheName>-pages` (`cachePages`; on activate, the pages already open are fetched once and
 *   kept too, so a first visit reloads offline), else the shell page (a directory URL maps to its
 *   `index.html`), else `navigateFallback`;
 * - a navigation to an image URL (an image route's pattern, or an image file extension) is an
 *   image: the image cache answers it, else the network, else a network error: never a page;
 * - an `<img>` that is neither cached nor reachable gets {@link offlineMissResponse} (when no
 *   `fallbackImage` answered), so the page's snippet does not retry it.
 * Call it after `installImageCache`, so the image routes come first.
 * @internal
 */
export function installStandaloneShell(options: StandaloneShellOptions): void {
  const { cache, shell } = options;
  const shellCacheName = `${options.cacheName}-shell`;
  const pagesCacheName = `${options.cacheName}-pages`;
  const cachePages = options.cachePages ?? true;
  const timeoutMs = (options.networkTimeoutSeconds ?? 3) * 1000;
  const scopeUrl = new URL(self.registration.scope);
  const shellUrls = new Set(shell.map((e) => new URL(e.url, scopeUrl).href));
  const imagePatterns = (options.imagePatterns ?? []).map((p) => new RegExp(p));
  const isImageUrl = (url: URL): boolean => IMAGE_EXTENSION.test(url.pathname) || imagePatterns.some((re) => re.test(url.href));

  self.addEventListener('install', (event) => {
    void self.skipWaiting();
    // The shell must be complete for the app to start offline: a failure fails install.
    event.waitUntil(precacheShell(shellCacheName, shell));
  });

  clientsClaim();

  self.addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        if (!cachePages) await caches.delete(pagesCacheName);
        // The pages open now loaded before this worker could keep them (a first visit): keep them
        // too, so that going offline right after the first visit still reloads the page.
        else await keepOpenPages().catch(() => undefined);
        // installImageCache's activate listener (added first) has started the recovery; wait for it.
        const report = await cache.ready().catch(() => null);
        const previous = report?.previousCacheName ?? cache.lastRecovery?.previousCacheName;
        if (previous) {
          await caches.delete(`${previous}-shell`);
          await caches.delete(`${previous}-pages`);
        }
      })(),
    );
  });

  // An <img> neither cached nor reachable: a recognisable 504 (a navigation: a network error).
  options.imageRoute?.setCatchHandler(async ({ request }) => (request.mode === 'navigate' ? Response.error() : offlineMissResponse()));

  // App shell files: network first (revalidating the HTTP cache), offline from the shell cache.
  registerRoute(
    ({ url, request }) => request.mode !== 'navigate' && shellUrls.has(cacheKey(url)),
    async ({ request, url, event }) => {
      const key = cacheKey(url);
      const shellCache = await caches.open(shellCacheName);
      return networkFirst(event, new Request(request, { cache: 'no-cache' }), () => shellCache.match(key), timeoutMs, async (response) => {
        if (response.status === 200 && response.type === 'basic') await shellCache.put(key, response);
      });
    },
  );

  // Navigations to image URLs: images, never a page.
  const strategy = options.strategy;
  registerRoute(
    ({ url, request }) => request.mode === 'navigate' && url.origin === scopeUrl.origin && isImageUrl(url),
    async ({ request, url, event }) => {
      if (strategy) return strategy.handle({ request, url, event }).catch(() => Response.error());
      return fetch(request).catch(() => Response.error());
    },
  );

  if (!cachePages && !options.navigateFallback) return;

  // Navigations: network first; offline the kept copy of the page, the page itself from the
  // shell (a directory URL maps to its index.html), else `navigateFallback`.
  const fallbackUrl = options.navigateFallback ? new URL(options.navigateFallback, scopeUrl).href : null;
  const offlineCopy = async (request: Request): Promise<Response | undefined> => {
    const key = cacheKey(request.url);
    if (cachePages) {
      const kept = await (await caches.open(pagesCacheName)).match(key);
      if (kept) return kept;
    }
    const shellCache = await caches.open(shellCacheName);
    const url = new URL(key);
    url.search = '';
    const candidates = url.pathname.endsWith('/') ? [url.href, `${url.href}index.html`] : [url.href];
    if (fallbackUrl) candidates.push(fallbackUrl);
    for (const candidate of candidates) {
      const page = await shellCache.match(candidate);
      if (page) return page;
    }
    return undefined;
  };
  const keepPage = async (request: Request, response: Response): Promise<void> => {
    if (!cachePages || !isKeepablePage(response)) return;
    const pages = await caches.open(pagesCacheName);
    const key = cacheKey(request.url);
    await pages.delete(key); // re-written last: keys() lists pages in write order
    await pages.put(key, response);
    const keys = await pages.keys();
    for (const old of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) await pages.delete(old);
  };
  /** Keeps each open window of the scope whose page is not kept yet (fetched again, once). */
  async function keepOpenPages(): Promise<void> {
    const pages = await caches.open(pagesCacheName);
    for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
      const url = new URL(cacheKey(client.url));
      if (!url.href.startsWith(scopeUrl.href) || isImageUrl(url) || (await pages.match(url.href))) continue;
      const request = new Request(url.href, { credentials: 'same-origin' });
      const response = await fetch(request).catch(() => null);
      if (response) await keepPage(request, response);
    }
  }

  registerRoute(
    new NavigationRoute(async ({ request, event }) =>
      networkFirst(event, request, () => offlineCopy(request), timeoutMs, (response) => keepPage(request, response)),
    ),
  );
}
