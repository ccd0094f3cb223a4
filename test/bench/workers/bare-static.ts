/**
 * The floor plus the static route of issue 16: the bare cache-first worker (`bare.ts`), and in
 * `install` one `event.addRoutes` rule: while the worker is not running, same-scope requests whose
 * destination is `image` are answered by the browser from Cache Storage (`source: { cacheName }`),
 * without starting the worker (a miss there falls back to the network). Where `addRoutes` is missing
 * it is the bare worker. Bundled by the benchmark with esbuild (`test/bench/bundles.ts`).
 */
/// <reference lib="webworker" />
import { serveCacheFirst } from './cacheFirst.ts';

declare const self: ServiceWorkerGlobalScope;

const CACHE_NAME = 'bench-bare-static';

interface RouterInstallEvent extends ExtendableEvent {
  addRoutes?: (rules: unknown) => Promise<void>;
}

self.addEventListener('install', (event) => {
  const e = event as RouterInstallEvent;
  if (typeof e.addRoutes === 'function') {
    e.waitUntil(e.addRoutes({ condition: { requestDestination: 'image', runningStatus: 'not-running' }, source: { cacheName: CACHE_NAME } }));
  }
  void self.skipWaiting();
});
serveCacheFirst(CACHE_NAME);

export {};
