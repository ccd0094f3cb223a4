/// <reference lib="webworker" />
declare const self: ServiceWorkerGlobalScope;
let cache: Promise<Cache> | null = null;
const open = (): Promise<Cache> => (cache ??= caches.open('bench-bare'));
self.addEventListener('install', () => { void self.skipWaiting(); });
self.addEventListener('activate', (event) => { event.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.destination !== 'image') return;
  event.respondWith((async () => {
    const c = await open();
    const cached = await c.match(request);
    if (cached) {
      const headers = new Headers(cached.headers);
      headers.set('Cache-Status', 'x; hit');
      return new Response(cached.body, { status: cached.status, statusText: cached.statusText, headers });
    }
    const response = await fetch(request);
    if (response.status === 200) event.waitUntil(c.put(request, response.clone()));
    return response;
  })());
});
export {};
