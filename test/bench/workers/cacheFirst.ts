/**
 * The bare cache-first image worker's handlers, shared by `bare.ts` (the floor) and
 * `bare-static.ts`: `activate` claims the clients; `fetch` answers same-origin requests whose
 * destination is `image` with one `Cache.match` on a cache handle opened once, or on a miss with
 * `fetch` + `cache.put` of a clone (in `waitUntil`, so the page gets the response at once). No
 * metadata, no budget, no expiry, no headers added.
 */
/// <reference lib="webworker" />
declare const self: ServiceWorkerGlobalScope;

/** Registers the `activate` and `fetch` handlers of the bare worker over the cache `cacheName`. */
export function serveCacheFirst(cacheName: string): void {
  let cache: Promise<Cache> | null = null;
  const open = (): Promise<Cache> => (cache ??= caches.open(cacheName));
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
}
