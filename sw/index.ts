/**
 * sw-image-cache: the service worker entry point, and the only file that touches `self`,
 * lifecycle events and `registerRoute`. Built by `npm run build` to `dist/sw.js`, with the
 * validated config and the warm-up manifest inlined (so a new manifest is a new worker version).
 *
 * Glossary: an *entry* is one cached image (URL key + metadata); to *evict* is to remove entries to
 * satisfy `maxBytes`/`maxEntries` (least recently used first); to *expire* is to remove an entry
 * past its freshness lifetime; to *purge* is to drop entries under quota pressure; a *revision* is
 * the content version of a precached URL; to *precache* is to fill the cache at install from the
 * warm-up manifest; a *runtime* entry is one stored on a fetch.
 *
 * In DevTools' console for this worker, `imageCache` is the live {@link ImageCache}:
 * `await imageCache.entries()`, `imageCache.stats()`.
 * @module
 */
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { ResolvedConfig, WarmupManifest } from './config.ts';
import { API_PREFIX, handleApiRequest } from './api/endpoints.ts';
import { cacheKey, ImageCache } from './storage/ImageCache.ts';
import { ImageCacheStrategy } from './strategy/ImageCacheStrategy.ts';
import { precacheImages, precacheShell, type WarmupReport } from './warmup/precache.ts';

declare const self: ServiceWorkerGlobalScope & { imageCache?: ImageCache };
/** Inlined by the build: the resolved config (`sw/config.ts`). */
declare const __SW_IMAGE_CACHE_CONFIG__: ResolvedConfig;
/** Inlined by the build: the warm-up manifest. */
declare const __SW_IMAGE_CACHE_MANIFEST__: WarmupManifest;

const config = __SW_IMAGE_CACHE_CONFIG__;
const manifest = __SW_IMAGE_CACHE_MANIFEST__;
const shellCacheName = `${config.cacheName}-shell`;
const scopeUrl = new URL(self.registration.scope);
const apiPath = `${scopeUrl.pathname}${API_PREFIX}`;
const routePatterns = config.routes.map((r) => ({ re: new RegExp(r.pattern), maxAgeSeconds: r.maxAgeSeconds }));
const shellUrls = new Set(manifest.shell.map((e) => new URL(e.url, scopeUrl).href));

const cache = new ImageCache({
  cacheName: config.cacheName,
  maxBytes: config.maxBytes,
  maxEntries: config.maxEntries,
  maxEntryBytes: config.maxEntryBytes,
  maxAgeSeconds: config.maxAgeSeconds,
  policy: config.policy,
  writeBehindMs: config.writeBehindMs,
});
self.imageCache = cache;

let warmup: WarmupReport | null = null;
let lastSweepAt = 0;

function maxAgeSecondsFor(url: URL | string): number {
  const href = String(url);
  for (const r of routePatterns) if (r.re.test(href)) return r.maxAgeSeconds;
  return config.maxAgeSeconds;
}

/** Background work after a response: write-behind flush, and an opportunistic expiry sweep. */
function afterResponse(event: ExtendableEvent): void {
  event.waitUntil(cache.flushSoon());
  const now = Date.now();
  if (now - lastSweepAt >= config.sweepIntervalSeconds * 1000) {
    lastSweepAt = now;
    event.waitUntil(cache.sweep().catch(() => 0));
  }
}

const strategy = new ImageCacheStrategy({
  cache,
  maxAgeSecondsFor,
  afterResponse,
  fallback: config.fallbackImage
    ? async () => (await caches.open(shellCacheName)).match(new URL(config.fallbackImage!, scopeUrl).href)
    : undefined,
});

// ----- lifecycle -------------------------------------------------------------------------------

self.addEventListener('install', (event) => {
  void self.skipWaiting();
  event.waitUntil(
    (async () => {
      // The shell must be complete for the app to start offline: a failure fails install.
      await precacheShell(shellCacheName, manifest.shell);
      // A failing warm-up image never fails install; it is reported in stats.
      warmup = await precacheImages(cache, manifest.images, {
        concurrency: config.warmup.concurrency,
        retries: config.warmup.retries,
        maxAgeSecondsFor,
      });
      await cache.flush();
    })(),
  );
});

clientsClaim();

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      await cache.recover();
      lastSweepAt = Date.now();
      await cache.flush();
    })(),
  );
});

// ----- routes (first match wins) ----------------------------------------------------------------

// The virtual endpoints: same-origin requests under <scope>__image-cache/.
registerRoute(
  ({ url }) => url.origin === scopeUrl.origin && url.pathname.startsWith(apiPath),
  ({ request, url }) =>
    handleApiRequest(cache, request, url.pathname.slice(apiPath.length), () => ({
      warmup,
      lastRecovery: cache.lastRecovery,
      cacheName: config.cacheName,
    })),
  'GET',
);
for (const method of ['POST', 'DELETE'] as const) {
  registerRoute(
    ({ url }) => url.origin === scopeUrl.origin && url.pathname.startsWith(apiPath),
    ({ request, url }) => handleApiRequest(cache, request, url.pathname.slice(apiPath.length)),
    method,
  );
}

// Image routes: every same-origin image request, plus the configured URL patterns.
registerRoute(({ request, url }) => {
  if (routePatterns.some((r) => r.re.test(url.href))) return true;
  return config.matchImageDestination && request.destination === 'image' && url.origin === scopeUrl.origin;
}, strategy);

// App shell files: cache-first from the shell cache (revisioned at install).
registerRoute(
  ({ url, request }) => request.mode !== 'navigate' && shellUrls.has(cacheKey(url)),
  async ({ request, url }) =>
    (await (await caches.open(shellCacheName)).match(cacheKey(url))) ?? fetch(request),
);

// Navigations: network first, the shell's page when offline.
if (config.navigateFallback) {
  const fallbackUrl = new URL(config.navigateFallback, scopeUrl).href;
  registerRoute(
    new NavigationRoute(async ({ request }) => {
      try {
        return await fetch(request);
      } catch (error) {
        const page = await (await caches.open(shellCacheName)).match(fallbackUrl);
        if (page) return page;
        throw error;
      }
    }),
  );
}
