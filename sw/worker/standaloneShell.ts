/// <reference lib="webworker" />
import { clientsClaim } from 'workbox-core';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import type { ShellEntry } from '../config.ts';
import { cacheKey, type ImageCache } from '../storage/ImageCache.ts';
import { precacheShell } from '../warmup/precache.ts';

declare const self: ServiceWorkerGlobalScope;

/** Options of {@link installStandaloneShell}. */
export interface StandaloneShellOptions {
  /** The installed image cache (its recovery report names a previous cache name to clean up). */
  cache: ImageCache;
  /** The image cache's `cacheName`; the shell lives in `<cacheName>-shell`. */
  cacheName: string;
  /** The app-shell files with their content revisions (made by the build). */
  shell: readonly ShellEntry[];
  /** URL served for navigations when the network fails, or `null`. */
  navigateFallback: string | null;
}

/**
 * The parts of the standalone worker (`npx sw-image-cache build`) that a host worker keeps for
 * itself, and that {@link installImageCache} therefore never does: `skipWaiting()` on install and
 * `clients.claim()` on activate, the app-shell precache (`<cacheName>-shell`, failing install when
 * a shell file cannot be fetched), a cache-first route for shell files, and network-first
 * navigations falling back to the shell page (a directory URL maps to its `index.html`), else to
 * `navigateFallback`. Call it after `installImageCache`, so the image routes come first.
 * @internal
 */
export function installStandaloneShell(options: StandaloneShellOptions): void {
  const { cache, shell } = options;
  const shellCacheName = `${options.cacheName}-shell`;
  const scopeUrl = new URL(self.registration.scope);
  const shellUrls = new Set(shell.map((e) => new URL(e.url, scopeUrl).href));

  self.addEventListener('install', (event) => {
    void self.skipWaiting();
    // The shell must be complete for the app to start offline: a failure fails install.
    event.waitUntil(precacheShell(shellCacheName, shell));
  });

  clientsClaim();

  self.addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        // installImageCache's activate listener (added first) has started the recovery; wait for it.
        const report = await cache.ready().catch(() => null);
        const previous = report?.previousCacheName ?? cache.lastRecovery?.previousCacheName;
        if (previous) await caches.delete(`${previous}-shell`);
      })(),
    );
  });

  // App shell files: cache-first from the shell cache (revisioned at install).
  registerRoute(
    ({ url, request }) => request.mode !== 'navigate' && shellUrls.has(cacheKey(url)),
    async ({ request, url }) => (await (await caches.open(shellCacheName)).match(cacheKey(url))) ?? fetch(request),
  );

  // Navigations: network first; offline, the page itself from the shell (a directory URL maps to
  // its index.html), else `navigateFallback`.
  if (options.navigateFallback) {
    const fallbackUrl = new URL(options.navigateFallback, scopeUrl).href;
    registerRoute(
      new NavigationRoute(async ({ request }) => {
        try {
          return await fetch(request);
        } catch (error) {
          const shellCache = await caches.open(shellCacheName);
          const url = new URL(cacheKey(request.url));
          url.search = '';
          const candidates = url.pathname.endsWith('/') ? [url.href, `${url.href}index.html`] : [url.href];
          for (const candidate of [...candidates, fallbackUrl]) {
            const page = await shellCache.match(candidate);
            if (page) return page;
          }
          throw error;
        }
      }),
    );
  }
}
