/**
 * The classic-worker build of `sw-image-cache/worker` (`lib/classic/sw-image-cache.js`, an IIFE
 * with workbox-routing, workbox-core and idb bundled in, production mode): for a worker that
 * loads scripts with `importScripts`. It puts the same API on one global, `self.swImageCache`:
 *
 * ```js
 * importScripts('/sw-image-cache.js');
 * self.swImageCache.installImageCache({ maxBytes: 50 * 1024 * 1024 });
 * ```
 *
 * Its routes go to the default router of its own bundled copy of workbox-routing, which listens
 * to `fetch` from the moment `installImageCache` is called.
 * @module
 */
/// <reference lib="webworker" />
import * as api from './worker/index.ts';

/** What the classic build puts on `self.swImageCache`: the exports of `sw-image-cache/worker`. */
export type SwImageCacheGlobal = typeof api;

declare const self: ServiceWorkerGlobalScope & { swImageCache?: SwImageCacheGlobal };

self.swImageCache = api;
