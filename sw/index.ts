/**
 * sw-image-cache: the service worker entry point, and the only file that touches `self`,
 * lifecycle events and `registerRoute`. Built by `npm run build` to `dist/sw.js`, with the
 * validated config and the warm-up manifest inlined (so a new manifest is a new worker version).
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
import { clientsClaim } from 'workbox-core';
import { logger } from 'workbox-core/_private/logger.js';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { ResolvedConfig, WarmupManifest } from './config.ts';
import { FifoPolicy } from './policy/FifoPolicy.ts';
import { GdsfPolicy } from './policy/GdsfPolicy.ts';
import { LfuPolicy } from './policy/LfuPolicy.ts';
import { LruPolicy } from './policy/LruPolicy.ts';
import type { PolicyName } from './policy/policyNames.ts';
import type { ReplacementPolicy } from './policy/ReplacementPolicy.ts';
import { S3FifoPolicy } from './policy/S3FifoPolicy.ts';
import { SievePolicy } from './policy/SievePolicy.ts';
import { API_PREFIX, handleApiRequest, handleMessage, type ApiContext } from './api/endpoints.ts';
import { EventBroadcaster } from './api/EventBroadcaster.ts';
import { ErrorLog, healthReport } from './api/Health.ts';
import { cacheKey, ImageCache } from './storage/ImageCache.ts';
import { ImageCacheStrategy, type RouteRules } from './strategy/ImageCacheStrategy.ts';
import { storedResponseHeaders } from './strategy/storedHeaders.ts';
import { precacheImages, precacheShell, type WarmupReport } from './warmup/precache.ts';

declare const self: ServiceWorkerGlobalScope & { imageCache?: ImageCache };
/** Inlined by the build: the resolved config (`sw/config.ts`). */
declare const __SW_IMAGE_CACHE_CONFIG__: ResolvedConfig;
/** Inlined by the build: the warm-up manifest. */
declare const __SW_IMAGE_CACHE_MANIFEST__: WarmupManifest;
/** Inlined by the build: `config.policy`, as a constant so only that policy's code is bundled. */
declare const __SW_IMAGE_CACHE_POLICY__: PolicyName;

/** The configured replacement policy (the minifier folds this to one constructor). */
function makePolicy(): ReplacementPolicy {
  const name = __SW_IMAGE_CACHE_POLICY__;
  return name === 'fifo'
    ? new FifoPolicy()
    : name === 'lfu'
      ? new LfuPolicy()
      : name === 'sieve'
        ? new SievePolicy()
        : name === 's3fifo'
          ? new S3FifoPolicy()
          : name === 'gdsf'
            ? new GdsfPolicy()
            : new LruPolicy();
}

const config = __SW_IMAGE_CACHE_CONFIG__;
const manifest = __SW_IMAGE_CACHE_MANIFEST__;
const shellCacheName = `${config.cacheName}-shell`;
const scopeUrl = new URL(self.registration.scope);
const origin = scopeUrl.origin;
const apiPath = `${scopeUrl.pathname}${API_PREFIX}`;
const routes = config.routes.map((r) => ({ ...r, re: new RegExp(r.pattern) }));
const shellUrls = new Set(manifest.shell.map((e) => new URL(e.url, scopeUrl).href));

const errors = new ErrorLog();
const broadcaster = new EventBroadcaster();
const cache = new ImageCache({
  cacheName: config.cacheName,
  maxBytes: config.maxBytes,
  maxEntries: config.maxEntries,
  maxEntryBytes: config.maxEntryBytes,
  maxAgeSeconds: config.maxAgeSeconds,
  maxAgeSecondsFor: (url) => rulesFor(url).maxAgeSeconds,
  policy: makePolicy(),
  storedHeaders: storedResponseHeaders,
  writeBehindMs: config.writeBehindMs,
  memoryTierBytes: config.memoryTierBytes,
  onEvent(event) {
    broadcaster.push(event);
    if (event.type === 'error') {
      errors.add(event.at, event.operation, event.message);
      // Quota pressure: re-check the quota with the next response (maintenance runs in waitUntil).
      if (event.code === 'quota-exceeded') lastMaintenanceAt = Number.NEGATIVE_INFINITY;
      if (process.env.NODE_ENV !== 'production') logger.warn(`${event.operation} failed${event.url ? ` for ${event.url}` : ''}: ${event.message}`);
    } else if (process.env.NODE_ENV !== 'production' && event.type === 'evicted') {
      logger.debug(`${event.reason}: ${event.url} (${event.bytes} bytes)`);
    }
  },
});
self.imageCache = cache;

let warmup: WarmupReport | null = null;
let lastMaintenanceAt = Number.NEGATIVE_INFINITY;

/** The rules of the first configured route matching `url`, else the defaults. */
function rulesFor(url: URL | string): RouteRules {
  const href = String(url);
  for (const r of routes) if (r.re.test(href)) return r;
  return { maxAgeSeconds: config.maxAgeSeconds };
}

/**
 * Clamps the budget to what the storage quota allows: what is free plus what we already hold,
 * keeping 10 % headroom for Cache Storage and IndexedDB overhead.
 */
async function clampToQuota(): Promise<void> {
  const estimate = await navigator.storage?.estimate?.().catch((e: unknown) => void cache.reportError('storage estimate', e));
  if (!estimate || typeof estimate.quota !== 'number' || typeof estimate.usage !== 'number') return;
  const ours = cache.stats().bytesUsed;
  const allowed = Math.floor((estimate.quota - estimate.usage + ours) * 0.9);
  await cache.setEffectiveMaxBytes(allowed);
  if (process.env.NODE_ENV !== 'production' && allowed < config.maxBytes) logger.warn(`storage quota clamps the budget to ${allowed} bytes (maxBytes ${config.maxBytes})`);
}

/** Periodic work, at most every `sweepIntervalSeconds`: expiry sweep and quota check. */
async function maintenance(): Promise<void> {
  lastMaintenanceAt = Date.now();
  await cache.sweep().catch((e: unknown) => cache.reportError('sweep', e));
  await clampToQuota().catch((e: unknown) => cache.reportError('quota clamp', e));
}

/** Background work after a response: write-behind flush, and opportunistic maintenance. */
function afterResponse(event: ExtendableEvent): void {
  event.waitUntil(cache.flushSoon());
  event.waitUntil(broadcaster.whenFlushed());
  if (Date.now() - lastMaintenanceAt >= config.sweepIntervalSeconds * 1000) event.waitUntil(maintenance());
}

const strategy = new ImageCacheStrategy({
  cache,
  rulesFor,
  origin,
  afterResponse,
  fallback: config.fallbackImage
    ? async () => (await caches.open(shellCacheName)).match(new URL(config.fallbackImage!, scopeUrl).href)
    : undefined,
});

const api: ApiContext = {
  cache,
  statsExtras: () => ({ warmup, lastRecovery: cache.lastRecovery, cacheName: config.cacheName, droppedEvents: broadcaster.dropped }),
  health: () => healthReport(cache, errors, warmup, async () => (await navigator.storage?.estimate?.()) ?? null),
  maxAgeSecondsFor: (url) => rulesFor(url).maxAgeSeconds,
};

// ----- lifecycle -------------------------------------------------------------------------------

self.addEventListener('install', (event) => {
  void self.skipWaiting();
  event.waitUntil(
    (async () => {
      // The shell must be complete for the app to start offline: a failure fails install.
      await precacheShell(shellCacheName, manifest.shell);
      // A failing warm-up image never fails install; it is reported in stats and health.
      warmup = await precacheImages(cache, manifest.images, {
        concurrency: config.warmup.concurrency,
        retries: config.warmup.retries,
        maxAgeSecondsFor: (url) => rulesFor(url).maxAgeSeconds,
      }).catch((e: unknown) => {
        errors.add(Date.now(), 'warmup', String(e));
        return null;
      });
      await cache.flush();
      if (process.env.NODE_ENV !== 'production') logger.log(`install: precached ${JSON.stringify(warmup)}`);
    })(),
  );
});

clientsClaim();

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      try {
        const report = await cache.recover();
        if (report.previousCacheName) await caches.delete(`${report.previousCacheName}-shell`);
        if (process.env.NODE_ENV !== 'production') logger.log(`activate: recovery ${JSON.stringify(report)}`);
        await maintenance();
        await cache.flush();
      } catch (e) {
        // IndexedDB unavailable: the worker still activates; images go to the network.
        errors.add(Date.now(), 'recover', String(e));
      }
    })(),
  );
});

// Page client requests over a MessageChannel (app/client.ts), from same-origin pages only.
self.addEventListener('message', (event) => {
  const source = event.source as Client | null;
  if (!source || new URL(source.url).origin !== origin) return;
  const handled = handleMessage(api, event.data, event.ports[0], source.url);
  if (handled) event.waitUntil(handled);
});

// ----- routes (first match wins) ----------------------------------------------------------------

/**
 * The virtual endpoints under `<scope>__image-cache/`: same-origin only. Reads may be opened in a
 * tab (a navigation) for inspection; mutations must come from a page this worker controls (a
 * cross-site form cannot clear the cache).
 */
async function apiHandler({ request, url, event }: { request: Request; url: URL; event: ExtendableEvent }): Promise<Response> {
  const name = url.pathname.slice(apiPath.length);
  if (request.method !== 'GET') {
    const clientId = (event as FetchEvent).clientId;
    const client = clientId ? await self.clients.get(clientId) : undefined;
    if (request.mode === 'navigate' || !client || new URL(client.url).origin !== origin) {
      return new Response(JSON.stringify({ error: 'forbidden: only pages of this origin controlled by the worker may change the cache' }), {
        status: 403,
        headers: { 'Content-Type': 'application/json' },
      });
    }
  }
  return handleApiRequest(api, request, name);
}
const isApi = ({ url }: { url: URL }) => url.origin === origin && url.pathname.startsWith(apiPath);
for (const method of ['GET', 'POST', 'DELETE'] as const) registerRoute(isApi, apiHandler, method);

// Image routes: every same-origin image request, plus the configured URL patterns.
registerRoute(({ request, url }) => {
  if (routes.some((r) => r.re.test(url.href))) return true;
  return config.matchImageDestination && request.destination === 'image' && url.origin === origin;
}, strategy);

// App shell files: cache-first from the shell cache (revisioned at install).
registerRoute(
  ({ url, request }) => request.mode !== 'navigate' && shellUrls.has(cacheKey(url)),
  async ({ request, url }) => (await (await caches.open(shellCacheName)).match(cacheKey(url))) ?? fetch(request),
);

// Navigations: network first; offline, the page itself from the shell (a directory URL maps to its
// index.html), else `navigateFallback`.
if (config.navigateFallback) {
  const fallbackUrl = new URL(config.navigateFallback, scopeUrl).href;
  registerRoute(
    new NavigationRoute(async ({ request }) => {
      try {
        return await fetch(request);
      } catch (error) {
        const shell = await caches.open(shellCacheName);
        const url = new URL(cacheKey(request.url));
        url.search = '';
        const candidates = url.pathname.endsWith('/') ? [url.href, `${url.href}index.html`] : [url.href];
        for (const candidate of [...candidates, fallbackUrl]) {
          const page = await shell.match(candidate);
          if (page) return page;
        }
        throw error;
      }
    }),
  );
}
