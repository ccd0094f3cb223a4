import { createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { installImageCache } from 'sw-image-cache/worker';
import imageCacheConfig from '../image-cache.config.json';

// The app's own worker: its precached shell, and navigations answered by the precached page.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html')));

// The image cache, with the config that `injectManifest` from sw-image-cache/build reads.
installImageCache({ ...imageCacheConfig, manifest: self.__IMAGE_CACHE_MANIFEST });
