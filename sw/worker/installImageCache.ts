/// <reference lib="webworker" />
import { storedResponseHeaders } from '../strategy/storedHeaders.ts';
import { logger } from 'workbox-core/_private/logger.js';
import { Route, registerRoute } from 'workbox-routing';
import { API_PREFIX, handleApiRequest, handleMessage, type ApiContext } from '../api/endpoints.ts';
import { EventBroadcaster } from '../api/EventBroadcaster.ts';
import { ErrorLog, healthReport } from '../api/Health.ts';
import { Transcoder } from '../transcode/Transcoder.ts';
import { createPolicy } from '../policy/createPolicy.ts';
import { lifetimeFloorSeconds } from '../policy/freshness.ts';
import { cacheKey, ImageCache } from '../storage/ImageCache.ts';
import { ImageCacheStrategy, type RouteRules } from '../strategy/ImageCacheStrategy.ts';
import type { WarmResult } from '../protocol.ts';
import type { WarmupReport } from '../warmup/precache.ts';
import { BackgroundJobs } from './BackgroundJobs.ts';
import { LoadedImageCapture } from './capture.ts';
import { resolveInstallOptions, type InstallImageCacheOptions } from './options.ts';
import { findVariant } from './variants.ts';
import { SplitBodyStore } from '../storage/staleStore.ts';
import { isStaticRouteReport, staleHorizonMs, staticRouteRules, StaticRouteState } from './staticRoute.ts';

declare const self: ServiceWorkerGlobalScope;

/** What {@link installImageCache} returns. */
export interface InstalledImageCache {
  /** The byte-bounded image cache (stats, entries, delete, clear, put). */
  cache: ImageCache;
  /** The Workbox strategy answering image requests over `cache`. */
  strategy: ImageCacheStrategy;
  /** The image route (GET; matches the configured `routes` and, unless turned off, every same-origin `destination: 'image'` request). */
  route: Route;
  /**
   * Every route, in the order they must be registered: the `__image-cache/*` endpoints
   * (GET, POST, DELETE) first, then `route`. Already registered unless `register: false`.
   */
  routes: Route[];
  /** The name of the Cache Storage cache holding the precached `fallbackImage` (`<cacheName>-fallback`). */
  fallbackCacheName: string;
}

/**
 * Adds the image cache to the service worker that calls it (call it once, at the worker's top
 * level, so its listeners are added during the script's first evaluation as the platform requires):
 *
 * - validates `options` with the config file's keys and units (errors name the key);
 * - creates the {@link ImageCache} and the {@link ImageCacheStrategy};
 * - registers, on workbox-routing's default router (unless `register: false`), the virtual
 *   endpoints `<scope>__image-cache/{stats,entries,health,clear,warm}` and the image route;
 *   routes registered before these win for the requests they match;
 * - `install`: precaches `manifest` into the budget and the `fallbackImage` into its own cache
 *   (neither failure fails install; both are reported in `__image-cache/health`);
 * - `activate`: recovers the stores (invariant 2), sweeps expired entries, clamps the budget to
 *   the storage quota;
 * - while running: write-behind of access times and maintenance (at most every `sweepIntervalSeconds`)
 *   in the fetch events' `waitUntil`; page-client requests (`sw-image-cache/client`) over `message`.
 *
 * It never calls `skipWaiting()` or `clients.claim()` and never handles navigations or the app
 * shell: those stay the host worker's. It touches no global until called.
 *
 * @param options See {@link InstallImageCacheOptions}; only `maxBytes` is required.
 * @returns `{ cache, strategy, route, routes, fallbackCacheName }`.
 * @throws ImageCacheError `invalid-config` (with `details.key`), `max-bytes-required`,
 *   `invalid-manifest`, `manifest-over-budget`: thrown synchronously, which fails the worker's
 *   evaluation (and so its install) loudly rather than running with a wrong budget.
 * @example
 * ```ts
 * import { installImageCache } from 'sw-image-cache/worker';
 * installImageCache({ maxBytes: 50 * 1024 * 1024, manifest: self.__IMAGE_CACHE_MANIFEST });
 * ```
 */
export function installImageCache(options: InstallImageCacheOptions): InstalledImageCache {
  const { config, manifest, register, scope, plugins } = resolveInstallOptions(options);
  const scopeUrl = new URL(scope ?? self.registration.scope);
  const origin = scopeUrl.origin;
  const apiPath = `${scopeUrl.pathname}${API_PREFIX}`;
  const routeRules = config.routes.map((r) => ({ ...r, re: new RegExp(r.pattern) }));
  const variantPatterns = new Map<RouteRules, RegExp>(routeRules.flatMap((r) => (r.variants ? [[r, new RegExp(r.variants.pattern)] as const] : [])));
  const fallbackCacheName = `${config.cacheName}-fallback`;
  const fallbackUrl = config.fallbackImage ? new URL(config.fallbackImage, scopeUrl).href : null;

  const errors = new ErrorLog();
  // Per-route re-encoding of stored images (routes[].transcode, issue 14).
  const transcoder = new Transcoder({
    onUnsupported(type) {
      if (process.env.NODE_ENV !== 'production') logger.warn(`this engine cannot encode ${type}: originals are stored (transcode)`);
    },
  });
  const broadcaster = new EventBroadcaster();
  let warmup: WarmupReport | null = null;
  let lastMaintenanceAt = Number.NEGATIVE_INFINITY;

  // Cold hits by static route (coldHits, issue 16): the rules added at install, and the
  // fresh/stale split of the body store wherever the browser has static routes.
  const staticPlan = staticRouteRules(config, origin);
  const staticRoute = new StaticRouteState(staticPlan.rules.length > 0);
  const horizonMs = staleHorizonMs(config.sweepIntervalSeconds);
  if (process.env.NODE_ENV !== 'production' && staticRoute.supported && staticPlan.unexpressed.length > 0) {
    logger.log(`no static route for ${staticPlan.unexpressed.join(', ')} (not expressible as a same-origin URLPattern): the worker answers them`);
  }

  const cache = new ImageCache({
    cacheName: config.cacheName,
    maxBytes: config.maxBytes,
    maxEntries: config.maxEntries,
    maxEntryBytes: config.maxEntryBytes,
    maxAgeSeconds: config.maxAgeSeconds,
    // Clock sanity: no record is trusted beyond now + its route's maxAgeSeconds.
    maxAgeSecondsFor: (url) => rulesFor(url).maxAgeSeconds,
    // Records within the shortest route's lifetime are not matched against the routes at all.
    minMaxAgeSeconds: lifetimeFloorSeconds([config.maxAgeSeconds, ...config.routes.map((r) => r.maxAgeSeconds)]),
    policy: createPolicy(config.policy),
    writeBehindMs: config.writeBehindMs,
    memoryTierBytes: config.memoryTierBytes,
    maxStaleSeconds: config.maxStaleSeconds,
    maxPendingBytes: config.maxPendingBytes,
    storedHeaders: storedResponseHeaders,
    // Firefox and WebKit (no static routes): the one cache, as before.
    bodies: staticRoute.supported ? new SplitBodyStore(config.cacheName, { horizonMs: () => (staticRoute.active ? horizonMs : null) }) : undefined,
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

  // The one background job queue: warm-up, capture and client.warm() (issue 11, item 2).
  const jobs: BackgroundJobs = new BackgroundJobs({
    cache,
    warmup: config.warmup,
    dbName: `${config.cacheName}-jobs`,
    lifetimeSecondsFor: (url) => strategy.lifetimeSecondsFor(url),
    capture: (url) => (capture ? capture.storeOne(url) : Promise.reject(new Error('captureLoadedImages is off'))),
    onEvent(event) {
      if (event.type === 'error') errors.add(Date.now(), event.operation, String(event.error));
      else if (process.env.NODE_ENV !== 'production' && event.type === 'dead') logger.warn(`gave up ${event.job.url} (${event.job.priority}): ${event.reason}`);
    },
  });
  /** Resumes the persisted queue (once per worker) and keeps the event alive until it is empty. */
  const keepQueueAlive = (event: ExtendableEvent): void => event.waitUntil(jobs.resume().then(() => jobs.whenIdle()));

  /** The rules of the first configured route matching `url`, else the defaults (one frozen object: asked per entry on every wake). */
  const defaultRules: RouteRules = Object.freeze({ maxAgeSeconds: config.maxAgeSeconds, maxAgeJitter: config.maxAgeJitter, staleWhileRevalidateSeconds: config.staleWhileRevalidateSeconds, freshness: config.freshness });
  const rulesFor = (url: URL | string): RouteRules => {
    const href = String(url);
    for (const r of routeRules) if (r.re.test(href)) return r;
    return defaultRules;
  };

  /**
   * Clamps the budget to what the storage quota allows: what is free plus what we already hold,
   * keeping 10 % headroom for Cache Storage and IndexedDB overhead.
   */
  const clampToQuota = async (): Promise<void> => {
    const estimate = await navigator.storage?.estimate?.().catch((e: unknown) => void cache.reportError('storage estimate', e));
    if (!estimate || typeof estimate.quota !== 'number' || typeof estimate.usage !== 'number') return;
    const ours = cache.stats().bytesUsed;
    const allowed = Math.floor((estimate.quota - estimate.usage + ours) * 0.9);
    await cache.setEffectiveMaxBytes(allowed);
    if (process.env.NODE_ENV !== 'production' && allowed < config.maxBytes) logger.warn(`storage quota clamps the budget to ${allowed} bytes (maxBytes ${config.maxBytes})`);
  };

  /** Periodic work, at most every `sweepIntervalSeconds`: expiry sweep and quota check. */
  const maintenance = async (): Promise<void> => {
    lastMaintenanceAt = Date.now();
    await cache.sweep().catch((e: unknown) => cache.reportError('sweep', e));
    // Keep the routed cache fresh until the next pass is due (staleStore.ts).
    if (staticRoute.active) {
      await cache
        .moveExpiring(Date.now() + horizonMs)
        .then((n) => staticRoute.moved(n))
        .catch((e: unknown) => cache.reportError('move expiring', e));
    }
    await clampToQuota().catch((e: unknown) => cache.reportError('quota clamp', e));
  };

  const strategy = new ImageCacheStrategy({
    cache,
    rulesFor,
    origin,
    afterResponse(event) {
      keepQueueAlive(event);
      event.waitUntil(cache.flushSoon());
      event.waitUntil(broadcaster.whenFlushed());
      if (Date.now() - lastMaintenanceAt >= config.sweepIntervalSeconds * 1000) event.waitUntil(maintenance());
    },
    fallback: fallbackUrl ? async () => (await caches.open(fallbackCacheName)).match(fallbackUrl) : undefined,
    // Offline, a missing size of an image answered by a cached one (routes[].variants).
    variant: async (_request, url) => {
      const re = variantPatterns.get(rulesFor(url));
      return re ? findVariant(cache, cacheKey(url), re) : undefined;
    },
    plugins,
    transformBody: (input, rules) => transcoder.transform(input, rules.transcode),
    // Page misses: queued background work waits while any is in flight.
    fetch: (request) => {
      jobs.queue.pageFetchStarted();
      return Promise.resolve()
        .then(() => fetch(request))
        .finally(() => jobs.queue.pageFetchEnded());
    },
  });

  // Images a page loaded before this worker controlled it (captureLoadedImages, issue 11).
  const capture: LoadedImageCapture | null = config.captureLoadedImages ? new LoadedImageCapture({ cache, strategy, config, origin, jobs }) : null;

  const api: ApiContext = {
    cache,
    statsExtras: () => ({
      warmup,
      lastRecovery: cache.lastRecovery,
      cacheName: config.cacheName,
      droppedEvents: broadcaster.dropped,
      capture: capture?.totals ?? null,
      queue: jobs.stats(),
      transcode: transcoder.stats,
      staticRoute: staticRoute.stats(cache.stats()),
    }),
    health: async () => {
      const report = await healthReport(cache, errors, warmup, async () => (await navigator.storage?.estimate?.()) ?? null);
      const queue = jobs.stats();
      // A URL that kept failing degrades health like a failed warm-up URL.
      return { ...report, status: report.status === 'ok' && queue.dead.length > 0 ? 'degraded' : report.status, queue, transcode: transcoder.health };
    },
    warm: async (urls, priority, onProgress) => {
      const result: WarmResult = { stored: [], skipped: [], failed: [] };
      await jobs.enqueue(
        urls.map((url) => ({ url })),
        priority,
        (progress, url, outcome, reason) => {
          if (outcome === 'failed') result.failed.push({ url, reason: reason ?? 'failed' });
          else result[outcome].push(url);
          onProgress?.({ ...progress, url, outcome });
        },
      );
      return result;
    },
  };

  // ----- lifecycle -----------------------------------------------------------------------------

  self.addEventListener('install', (event) => {
    // Static routes are declared during install only; the host may add its own (several calls allowed).
    const addRoutes = (event as ExtendableEvent & { addRoutes?: (rules: unknown) => Promise<void> }).addRoutes;
    if (staticPlan.rules.length > 0 && typeof addRoutes === 'function') {
      let added: Promise<void>;
      try {
        added = addRoutes.call(event, staticPlan.rules); // synchronously, while the event is dispatched
      } catch (e) {
        added = Promise.reject(e);
      }
      event.waitUntil(
        added.catch((e: unknown) => {
          staticRoute.failed(String(e));
          errors.add(Date.now(), 'static routes', String(e));
        }),
      );
    }
    event.waitUntil(
      (async () => {
        if (fallbackUrl) {
          // Refreshed with each new worker version; a failure leaves offline misses without a fallback.
          await caches
            .open(fallbackCacheName)
            .then((c) => c.add(new Request(fallbackUrl, { cache: 'no-cache' })))
            .catch((e: unknown) => errors.add(Date.now(), 'fallback', String(e)));
        }
        if (manifest.length === 0) return;
        // Through the job queue at priority `manifest`. Install waits until `warmup.installBytes`
        // are stored (or the manifest is done); the rest goes on in the background, persisted and
        // resumed after a worker restart. A failing URL never fails install (stats, health).
        const report: WarmupReport = { total: manifest.length, stored: 0, skipped: 0, failed: 0, failures: [], finishedAt: 0 };
        warmup = report;
        let reachedInstallBytes = (): void => {};
        const gate = new Promise<void>((resolve) => (reachedInstallBytes = resolve));
        if (config.warmup.installBytes === 0) reachedInstallBytes();
        const done = jobs
          .enqueue(
            manifest.map((e) => ({ url: new URL(e.url, self.location.href).href, revision: e.revision })),
            'manifest',
            (progress, url, outcome, reason) => {
              report.stored = progress.stored;
              report.skipped = progress.skipped;
              report.failed = progress.failed;
              if (outcome === 'failed' && report.failures.length < 20) report.failures.push({ url, reason: reason ?? 'failed' });
              if (progress.bytes >= config.warmup.installBytes) reachedInstallBytes();
            },
          )
          .then(() => {
            report.finishedAt = Date.now();
          });
        await Promise.race([done, gate]);
        await cache.flush();
        if (process.env.NODE_ENV !== 'production') logger.log(`install: precached ${JSON.stringify(warmup)}`);
      })(),
    );
  });

  self.addEventListener('activate', (event) => {
    // Jobs left by a stopped worker of an earlier version: re-queued (not awaited).
    event.waitUntil(jobs.resume());
    event.waitUntil(
      (async () => {
        try {
          const report = await cache.recover();
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

  // Page client requests over a MessageChannel (sw-image-cache/client), from same-origin pages only.
  self.addEventListener('message', (event) => {
    const source = event.source as Client | null;
    if (!source || new URL(source.url).origin !== origin) return;
    keepQueueAlive(event);
    if (isStaticRouteReport(event.data)) {
      // What the browser answered by static route while this worker was stopped (or a heartbeat).
      const report = event.data;
      event.waitUntil(
        (async () => {
          await cache.recordStaticRoute(report.hits, report.misses.length).catch((e: unknown) => cache.reportError('static route report', e));
          if (capture && report.misses.length > 0) await capture.run({ protocol: report.protocol, type: 'capture', urls: report.misses });
          if (Date.now() - lastMaintenanceAt >= config.sweepIntervalSeconds * 1000) await maintenance();
          await cache.flushSoon();
        })(),
      );
      return;
    }
    if (LoadedImageCapture.isCaptureMessage(event.data)) {
      if (capture) event.waitUntil(capture.run(event.data).then((r) => event.ports[0]?.postMessage(r)));
      return;
    }
    const handled = handleMessage(api, event.data, event.ports[0], source.url);
    if (handled) event.waitUntil(handled);
  });

  // ----- routes (first match wins) --------------------------------------------------------------

  /**
   * The virtual endpoints under `<scope>__image-cache/`: same-origin only. Reads may be opened in
   * a tab (a navigation) for inspection; mutations must come from a page this worker controls (a
   * cross-site form cannot clear the cache).
   */
  const apiHandler = async ({ request, url, event }: { request: Request; url: URL; event: ExtendableEvent }): Promise<Response> => {
    const name = url.pathname.slice(apiPath.length);
    keepQueueAlive(event);
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
  };
  const isApi = ({ url }: { url: URL }) => url.origin === origin && url.pathname.startsWith(apiPath);
  const apiRoutes = (['GET', 'POST', 'DELETE'] as const).map((method) => new Route(isApi, apiHandler, method));

  // Image routes: every same-origin image request, plus the configured URL patterns.
  const route = new Route(({ request, url }) => {
    if (routeRules.some((r) => r.re.test(url.href))) return true;
    return config.matchImageDestination && request.destination === 'image' && url.origin === origin;
  }, strategy);

  const routes = [...apiRoutes, route];
  if (register) for (const r of routes) registerRoute(r);
  return { cache, strategy, route, routes, fallbackCacheName };
}
