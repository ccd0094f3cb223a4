/**
 * sw-image-cache: the standalone service worker (`npx sw-image-cache build`, `npm run build` →
 * `dist/sw.js`). A thin entry over the library: {@link installImageCache} adds the image cache,
 * and {@link installStandaloneShell} adds what a host worker would otherwise own (skipWaiting and
 * clients.claim, the app-shell precache, shell and navigation routes). The build writes the
 * validated config and the content-hashed manifests in place of `self.__IMAGE_CACHE_STANDALONE`
 * and `self.__IMAGE_CACHE_MANIFEST` (so a new manifest is a new worker version).
 *
 * Glossary: an *entry* is one cached image (URL key + metadata); to *evict* is to remove entries to
 * satisfy `maxBytes`/`maxEntries` (least recently used first); to *expire* is to remove an entry
 * past its freshness lifetime; to *purge* is to drop entries under quota pressure; a *revision* is
 * the content version of a precached URL; to *precache* is to fill the cache at install from the
 * warm-up manifest; a *runtime* entry is one stored on a fetch; *quota* is what
 * `navigator.storage.estimate()` allows.
 *
 * In DevTools' console for this worker, `imageCache` is the live {@link ImageCache}:
 * `await imageCache.entries()`, `imageCache.stats()`.
 * @module
 */
/// <reference lib="webworker" />
import type { ManifestEntry } from './config.ts';
import type { StandaloneInjection } from './standalone.ts';
import type { ImageCache } from './storage/ImageCache.ts';
import { installImageCache } from './worker/installImageCache.ts';
import { installStandaloneShell } from './worker/standaloneShell.ts';

declare const self: ServiceWorkerGlobalScope & {
  imageCache?: ImageCache;
  /** Written by the build: the resolved config and the shell manifest. */
  __IMAGE_CACHE_STANDALONE: StandaloneInjection;
  /** Written by the build: the warm-up manifest. */
  __IMAGE_CACHE_MANIFEST: ManifestEntry[];
};

const { config, shell } = self.__IMAGE_CACHE_STANDALONE;
// Every key of the resolved config except the standalone-only ones, so a new config key reaches the
// library without a change here.
const {
  shell: _shellUrls,
  shellRoot: _shellRoot,
  navigateFallback,
  cachePages,
  networkTimeoutSeconds,
  fallbackImage,
  warmup,
  ...options
} = config;
const { cache, strategy, route } = installImageCache({
  ...options,
  warmup: { concurrency: warmup.concurrency, retries: warmup.retries, requestsPerSecond: warmup.requestsPerSecond, installBytes: warmup.installBytes },
  ...(fallbackImage ? { fallbackImage } : {}),
  manifest: self.__IMAGE_CACHE_MANIFEST,
});
installStandaloneShell({
  cache,
  cacheName: config.cacheName,
  shell,
  navigateFallback,
  cachePages,
  networkTimeoutSeconds,
  strategy,
  imageRoute: route,
  imagePatterns: config.routes.map((r) => r.pattern),
});
self.imageCache = cache;
