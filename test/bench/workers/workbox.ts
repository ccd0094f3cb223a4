/**
 * What most apps ship: Workbox `CacheFirst` with an `ExpirationPlugin({ maxEntries, maxAgeSeconds })`
 * on every request whose destination is `image`, plus `skipWaiting` and `clientsClaim`.
 * Bundled by the benchmark with esbuild in production mode (dev logging compiled out, minified).
 * `__BENCH_WORKBOX_MAX_ENTRIES__` and `__BENCH_WORKBOX_MAX_AGE_SECONDS__` are defined at bundle time.
 */
/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import { registerRoute } from 'workbox-routing';
import { CacheFirst } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope;
declare const __BENCH_WORKBOX_MAX_ENTRIES__: number;
declare const __BENCH_WORKBOX_MAX_AGE_SECONDS__: number;

self.addEventListener('install', () => {
  void self.skipWaiting();
});
clientsClaim();

registerRoute(
  ({ request }) => request.destination === 'image',
  new CacheFirst({
    cacheName: 'bench-workbox-images',
    plugins: [
      new ExpirationPlugin({
        maxEntries: __BENCH_WORKBOX_MAX_ENTRIES__,
        maxAgeSeconds: __BENCH_WORKBOX_MAX_AGE_SECONDS__,
      }),
    ],
  }),
);
