// A hand-written classic worker: its own shell cache and navigations, plus sw-image-cache.
importScripts('/sw-image-cache.js');

const SHELL_CACHE = 'gallery-shell-v1';
const SHELL_FILES = ['/', '/index.html', '/app.js', '/app.css'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL_FILES)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

// The image cache (its routes answer first); the manifest comes from `sw-image-cache inject-manifest`.
self.swImageCache.installImageCache({
  maxBytes: 10 * 1024 * 1024,
  maxAgeSeconds: 86400,
  routes: [{ pattern: '/images/' }],
  manifest: self.__IMAGE_CACHE_MANIFEST,
});

// The shell: network first, the cached copy when offline.
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin || !SHELL_FILES.includes(url.pathname)) return;
  event.respondWith(fetch(event.request).catch(() => caches.match(url.pathname, { cacheName: SHELL_CACHE })));
});
