/**
 * The floor: the barest cache-first image worker we could write (`cacheFirst.ts`). A hit is one
 * `Cache.match` on a cache handle opened once; a miss is `fetch` + `cache.put` of a clone (in
 * `waitUntil`, so the page gets the response at once). No metadata, no budget, no expiry, no
 * headers added. Same routing rule as ours: same-origin requests whose destination is `image`.
 * Bundled by the benchmark with esbuild (`test/bench/bundles.ts`).
 */
/// <reference lib="webworker" />
import { serveCacheFirst } from './cacheFirst.ts';

declare const self: ServiceWorkerGlobalScope;

self.addEventListener('install', () => {
  void self.skipWaiting();
});
serveCacheFirst('bench-bare');

export {};
