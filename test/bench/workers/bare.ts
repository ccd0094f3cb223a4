/**
 * The floor: the barest cache-first image worker we could write. A hit is one `Cache.match` on a
 * cache handle opened once; a miss is `fetch` + `cache.put` of a clone (in `waitUntil`, so the
 * page gets the response at once). No metadata, no budget, no expiry, no headers added.
 * Same routing rule as ours: same-origin requests whose destination is `image`.
 * Bundled by the benchmark with esbuild (`test/bench/workers.ts`).
 */
/// <reference lib="webworker" />
declare const self: ServiceWorkerGlobalScope;

const CACHE_NAME = 'bench-bare';
let cache: Promise<Cache> | null = null;
const open = (): Promise<Cache> => (cache ??= caches.open(CACHE_NAME));

self.addEventListener('install', () => {
  void self.skipWaiting();
});
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});
self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.destination !== 'image' || !request.url.startsWith(self.location.origin + '/')) return;
  event.respondWith(
    (async () => {
      const c = await open();
      const cached = await c.match(request);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.status === 200) event.waitUntil(c.put(request, response.clone()));
      return response;
    })(),
  );
});

export {};
