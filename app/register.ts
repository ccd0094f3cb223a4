/**
 * The registration snippet a host page adds to install the image-cache service worker.
 *
 * ```ts
 * import { registerImageCache } from '/register.mjs';
 * await registerImageCache({ onUpdate: () => showReloadNotice() });
 * ```
 *
 * or, with no module code at all, `<script src="/register.js"></script>` (see `register-auto.ts`).
 *
 * Besides the callbacks, it dispatches two DOM events on `window`:
 * - {@link CONTROLLED_EVENT} (`sw-image-cache:controlled`) once the page is controlled;
 * - {@link UPDATE_EVENT} (`sw-image-cache:update`) when a new worker version has installed and
 *   taken over, with `detail.registration`.
 */

import { PROTOCOL, type CaptureMessage, type StaticRouteReport } from '../sw/protocol.ts';

/** Dispatched on `window` once the page is controlled by a service worker. */
export const CONTROLLED_EVENT = 'sw-image-cache:controlled';

/** Dispatched on `window` when a new worker version has installed and taken over. */
export const UPDATE_EVENT = 'sw-image-cache:update';

/** The `detail` of {@link CONTROLLED_EVENT} and {@link UPDATE_EVENT}. */
export interface ImageCacheEventDetail {
  /** The registration, when known (it is not yet when the page was already controlled on load). */
  registration?: ServiceWorkerRegistration;
}

/** Options of {@link registerImageCache}. */
export interface RegisterOptions {
  /**
   * URL of the service worker script. It must be same-origin, and its directory must contain
   * `scope` (the build serves it at the root).
   * @default '/sw.js'
   */
  swUrl?: string;
  /**
   * Scope of the registration: the worker controls pages under it, and answers its virtual
   * endpoints (`<scope>__image-cache/stats`) there.
   * @default '/'
   */
  scope?: string;
  /**
   * Ask the browser not to evict this origin's storage under pressure, through
   * [`navigator.storage.persist()`](https://developer.mozilla.org/en-US/docs/Web/API/StorageManager/persist).
   * Browsers may grant or refuse it silently (Chromium grants it from engagement, Firefox may
   * prompt); a refusal or an error is ignored, and registration never waits for it.
   * @default false
   */
  persist?: boolean;
  /**
   * Called when a new worker version has installed and taken over from a previous one: a
   * [`controllerchange`](https://developer.mozilla.org/en-US/docs/Web/API/ServiceWorkerContainer/controllerchange_event)
   * after an existing controller, or an
   * [`updatefound`](https://developer.mozilla.org/en-US/docs/Web/API/ServiceWorkerRegistration/updatefound_event)
   * whose worker reached `installed` while the page had a controller. Called at most once per
   * new worker. A typical handler offers a reload. Not called for the first install.
   */
  onUpdate?: (registration: ServiceWorkerRegistration) => void;
  /** Called once the page is controlled; immediately (after a microtask) if it already is. */
  onControlled?: () => void;
  /**
   * Re-request, once, an `<img>` of the document that failed to load while the page was
   * controlled. The browser fails the requests a worker was handling when it is stopped or
   * crashes (Chromium does not fall back to the network); the retry reaches the restarted worker,
   * which serves it from cache or network. A genuinely broken image costs one extra request.
   * Never retried: an image that failed while the browser is offline (`navigator.onLine` false),
   * and one the worker answered as "offline and not cached" (`504` with `Server-Timing:
   * sw-image-cache;desc="offline"`, read through Resource Timing): a retry could only fail again.
   * @default true
   */
  retryFailedImages?: boolean;
  /**
   * Once the page is controlled (the first visit's `controllerchange`, or already on load), send
   * the worker the image URLs the document loaded without it ({@link loadedImageUrls}), after the
   * window's `load` event, so that it stores them (the worker's `captureLoadedImages`): a first
   * visit then works offline and is a hit on the next visit. The worker fetches them with
   * `cache: 'force-cache'`, from the HTTP cache when the responses allow (no second download), and
   * skips what it has. Costs one message.
   * @default true
   */
  captureLoadedImages?: boolean;
  /**
   * Report to the worker the image loads the browser answered by static route while the worker
   * was stopped (config `coldHits`; Chromium 123+), which the worker never sees: found in
   * Resource Timing (`workerMatchedSourceType: 'cache'`; `workerFinalSourceType` `'cache'` for a
   * hit, `'network'` for a miss), sent in batches when the page is idle (at most 5 s after the
   * load) or hidden, and at least every 60 s while the page is visible (a heartbeat, empty if
   * nothing happened: it wakes the worker, which moves the entries about to expire out of the
   * routed cache). The worker applies the hits to the LRU order and the counters, and stores the
   * misses through the capture path. Does nothing where Resource Timing has no
   * `workerMatchedSourceType` (Firefox, WebKit: no static routes there). See
   * {@link installStaticRouteReporter}. @default true
   */
  reportStaticRoutes?: boolean;
}

/** Resource Timing initiator types of image loads (`<img>`, `<picture>`, `new Image()`, CSS images, SVG `<image>`). */
const IMAGE_INITIATORS = new Set(['img', 'image', 'css', 'imageset']);

/**
 * The image URLs this document has loaded or is loading, absolute, fragment removed, deduplicated,
 * `http(s)` only: the
 * [Resource Timing](https://developer.mozilla.org/en-US/docs/Web/API/PerformanceResourceTiming)
 * entries whose `initiatorType` is an image load (`img`, `image`, `css`; a CSS entry whose
 * `contentType`, where the browser reports it, is not `image/*` is left out: a font), and the
 * `currentSrc` of every `document.images` (the candidate the browser chose from `srcset` or
 * `<picture>`, also for images still loading). The worker decides which it stores (its routes).
 * Resource Timing keeps 250 entries unless the page enlarged the buffer
 * (`performance.setResourceTimingBufferSize`); `<img>` elements are covered regardless.
 */
export function loadedImageUrls(): string[] {
  const urls = new Set<string>();
  const add = (href: string): void => {
    if (!href) return;
    try {
      const url = new URL(href, document.baseURI);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
      url.hash = '';
      urls.add(url.href);
    } catch {
      // not a URL: nothing to capture
    }
  };
  if (typeof performance !== 'undefined' && typeof performance.getEntriesByType === 'function') {
    for (const e of performance.getEntriesByType('resource') as Array<PerformanceResourceTiming & { contentType?: string; responseStatus?: number }>) {
      if (!IMAGE_INITIATORS.has(e.initiatorType)) continue;
      if (e.contentType && !e.contentType.startsWith('image/')) continue;
      if (e.responseStatus && e.responseStatus >= 300) continue;
      add(e.name);
    }
  }
  for (const img of Array.from(document.images)) add(img.currentSrc || img.src);
  return [...urls];
}

/**
 * Sends `worker` the {@link loadedImageUrls} of this document, once it has loaded (a capture
 * message of the page protocol, `{ protocol, type: 'capture', urls }`; fire and forget).
 */
export function sendLoadedImages(worker: ServiceWorker): void {
  const send = (): void => {
    const urls = loadedImageUrls();
    if (urls.length > 0) worker.postMessage({ protocol: PROTOCOL, type: 'capture', urls } satisfies CaptureMessage);
  };
  if (document.readyState === 'complete') send();
  else window.addEventListener('load', () => send(), { once: true });
}

/** A resource entry with the static-routing fields of Chromium's Resource Timing. */
export type RoutedTiming = PerformanceResourceTiming & { workerMatchedSourceType?: string; workerFinalSourceType?: string };

/** Longest wait, in ms, between a static-route load and its report while the page stays visible. */
export const REPORT_DELAY_MS = 5000;
/** Heartbeat period, in ms, while the page is visible (the worker's horizon assumes ≤ 60 s). */
export const HEARTBEAT_MS = 60_000;

/**
 * What one resource entry says about static routes: `'hit'` (answered from the routed cache
 * without the worker), `'miss'` (a static route sent it to the network), or `null` (the worker
 * or the network answered it as usual, or the browser does not say).
 */
export function staticRouteOutcome(entry: RoutedTiming): 'hit' | 'miss' | null {
  if (entry.workerMatchedSourceType !== 'cache') return null;
  if (entry.workerFinalSourceType === 'cache') return 'hit';
  return entry.workerFinalSourceType === 'network' ? 'miss' : null;
}

/** Whether this browser's Resource Timing tells static-route loads apart (Chromium 123+). */
export function staticRouteTimingSupported(): boolean {
  return typeof PerformanceResourceTiming !== 'undefined' && 'workerMatchedSourceType' in PerformanceResourceTiming.prototype;
}

/**
 * Reports static-route loads to the controlling worker (see {@link RegisterOptions.reportStaticRoutes}):
 * observes Resource Timing (`buffered`, so loads made before it started count too, within the
 * buffer's 250 entries), batches {@link StaticRouteReport}s and posts them to
 * `navigator.serviceWorker.controller` when the page is idle (`requestIdleCallback`, at most
 * {@link REPORT_DELAY_MS} after the first unreported load) or hidden (`visibilitychange`,
 * `pagehide`), plus a heartbeat every {@link HEARTBEAT_MS} while visible and one when the page
 * becomes visible again or is restored from the back/forward cache. Loads a page makes
 * and closes before a report is posted are lost (recency and counters only, never consistency).
 * Idempotent. Returns a function that stops it (posting what is pending).
 */
export function installStaticRouteReporter(): () => void {
  if (!staticRouteTimingSupported() || typeof PerformanceObserver === 'undefined' || !('serviceWorker' in navigator)) return () => undefined;
  const w = window as Window & { __swImageCacheReporter?: () => void };
  if (w.__swImageCacheReporter) return w.__swImageCacheReporter;
  let hits: StaticRouteReport['hits'] = [];
  let misses: string[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let idle: number | null = null;
  const flush = (heartbeat = false): void => {
    if (timer !== null) clearTimeout(timer);
    if (idle !== null && typeof cancelIdleCallback === 'function') cancelIdleCallback(idle);
    timer = idle = null;
    const controller = navigator.serviceWorker.controller;
    if (!controller || (!heartbeat && hits.length === 0 && misses.length === 0)) return;
    controller.postMessage({ protocol: PROTOCOL, type: 'static-route', hits, misses } satisfies StaticRouteReport);
    hits = [];
    misses = [];
  };
  const schedule = (): void => {
    if (timer !== null) return;
    timer = setTimeout(() => flush(), REPORT_DELAY_MS);
    if (typeof requestIdleCallback === 'function') idle = requestIdleCallback(() => flush(), { timeout: REPORT_DELAY_MS });
  };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries() as RoutedTiming[]) {
      const outcome = staticRouteOutcome(entry);
      if (outcome === 'hit') hits.push({ url: entry.name, at: Math.round(performance.timeOrigin + entry.startTime) });
      else if (outcome === 'miss') misses.push(entry.name);
      else continue;
      schedule();
    }
  });
  observer.observe({ type: 'resource', buffered: true });
  // Hidden: post what is pending. Visible again (or restored from the back/forward cache): a
  // heartbeat at once, so that the worker's pass runs before the page's next images if it can.
  const onHidden = (): void => flush(document.visibilityState === 'visible');
  const onPageHide = (): void => flush();
  const onPageShow = (e: PageTransitionEvent): void => {
    if (e.persisted) flush(true);
  };
  window.addEventListener('pageshow', onPageShow);
  document.addEventListener('visibilitychange', onHidden);
  window.addEventListener('pagehide', onPageHide);
  const beat = setInterval(() => {
    if (document.visibilityState === 'visible') flush(true);
  }, HEARTBEAT_MS);
  const stop = (): void => {
    observer.disconnect();
    document.removeEventListener('visibilitychange', onHidden);
    window.removeEventListener('pagehide', onPageHide);
    window.removeEventListener('pageshow', onPageShow);
    clearInterval(beat);
    flush();
    delete w.__swImageCacheReporter;
  };
  w.__swImageCacheReporter = stop;
  return stop;
}

/** Marks an image already retried by {@link installImageRetry}. */
const RETRIED = 'swImageCacheRetried';

/**
 * Installs the document-wide, capture-phase `error` listener behind `retryFailedImages`.
 * Idempotent. Returns a function that removes it.
 */
export function installImageRetry(): () => void {
  const w = window as Window & { [RETRIED]?: () => void };
  if (w[RETRIED]) return w[RETRIED];
  const offlineMisses = watchOfflineMisses();
  const onError = (event: Event): void => {
    const img = event.target;
    if (!(img instanceof HTMLImageElement) || img.dataset[RETRIED] || !navigator.serviceWorker?.controller) return;
    const src = img.currentSrc || img.src;
    if (!src || src.startsWith('data:')) return;
    // Offline: the worker had no copy and the network is down; a retry would fail the same way.
    if (navigator.onLine === false) return;
    // The Resource Timing entry of the failed load arrives with (or just after) the error event.
    setTimeout(() => {
      if (offlineMisses.take(src) || img.dataset[RETRIED]) return;
      img.dataset[RETRIED] = '1';
      // Assigning `src` again runs "update the image data" (HTML §4.8.4.3.5), a new request.
      img.src = src;
    }, 50);
  };
  document.addEventListener('error', onError, true);
  const remove = (): void => {
    document.removeEventListener('error', onError, true);
    offlineMisses.disconnect();
    delete w[RETRIED];
  };
  w[RETRIED] = remove;
  return remove;
}

/** The `Server-Timing` entry the worker puts on an image it could neither find nor fetch (a `504`). */
const OFFLINE_TIMING = { name: 'sw-image-cache', description: 'offline' } as const;

/**
 * Watches Resource Timing for loads the worker answered "offline and not cached" (its `504` with
 * `Server-Timing: sw-image-cache;desc="offline"`). A PerformanceObserver sees entries even once
 * the page's Resource Timing buffer is full (a gallery of hundreds of images).
 */
function watchOfflineMisses(): { take(url: string): boolean; disconnect(): void } {
  const urls = new Set<string>();
  let observer: PerformanceObserver | undefined;
  const note = (entries: PerformanceEntryList): void => {
    for (const e of entries as PerformanceResourceTiming[]) {
      if (e.serverTiming?.some((t) => t.name === OFFLINE_TIMING.name && t.description === OFFLINE_TIMING.description)) urls.add(e.name);
    }
    // Bounded: a page offline for long only needs the recent ones.
    if (urls.size > 1000) urls.delete(urls.values().next().value!);
  };
  try {
    observer = new PerformanceObserver((list) => note(list.getEntries()));
    observer.observe({ type: 'resource', buffered: true });
  } catch {
    observer = undefined; // no Resource Timing: every failure is retried once, as before
  }
  return {
    take(url) {
      // Entries not yet delivered to the observer are in the buffer (unless it is full).
      note(performance.getEntriesByName?.(url, 'resource') ?? []);
      return urls.delete(url);
    },
    disconnect: () => observer?.disconnect(),
  };
}

function dispatch(type: string, detail: ImageCacheEventDetail): void {
  if (typeof window === 'undefined' || typeof CustomEvent === 'undefined') return;
  window.dispatchEvent(new CustomEvent<ImageCacheEventDetail>(type, { detail }));
}

/** Runs a user callback without letting its exception break registration. */
function safely(callback: () => void): void {
  try {
    callback();
  } catch (error) {
    console.warn('sw-image-cache: a registration callback threw', error);
  }
}

/**
 * Registers the image-cache service worker with
 * [`navigator.serviceWorker.register()`](https://developer.mozilla.org/en-US/docs/Web/API/ServiceWorkerContainer/register)
 * and reports control and updates through the callbacks and the `window` events.
 *
 * Safe to call anywhere: where service workers are unsupported (no `navigator.serviceWorker`,
 * or not a [secure context](https://developer.mozilla.org/en-US/docs/Web/Security/Secure_Contexts):
 * `http://127.0.0.1` and `http://localhost` count as secure) it logs one `console.info` and
 * resolves `undefined`.
 *
 * Note that `register()` resolving does not mean the page is controlled (the worker may still
 * be installing): wait for `onControlled` or {@link CONTROLLED_EVENT}.
 *
 * @param options see {@link RegisterOptions}.
 * @returns resolves with the registration, or `undefined` when service workers are unsupported
 *   or registration failed (the failure is reported with `console.warn`). Never rejects.
 */
export async function registerImageCache(
  options: RegisterOptions = {},
): Promise<ServiceWorkerRegistration | undefined> {
  const { swUrl = '/sw.js', scope = '/', persist = false, onUpdate, onControlled, retryFailedImages = true, captureLoadedImages = true, reportStaticRoutes = true } = options;

  if (
    typeof navigator === 'undefined' ||
    !('serviceWorker' in navigator) ||
    (typeof isSecureContext !== 'undefined' && !isSecureContext)
  ) {
    console.info('sw-image-cache: service workers are not available here; images load from the network.');
    return undefined;
  }
  const container = navigator.serviceWorker;
  if (retryFailedImages && typeof document !== 'undefined') installImageRetry();
  if (reportStaticRoutes && typeof document !== 'undefined') safely(() => void installStaticRouteReporter());

  if (persist) {
    // Fire and forget: never delays or fails registration.
    navigator.storage?.persist?.().catch(() => undefined);
  }

  let registration: ServiceWorkerRegistration | undefined;
  let controlled = false;
  let hadController = container.controller !== null;
  const announced = new WeakSet<ServiceWorker>();

  const markControlled = (): void => {
    hadController = true;
    if (controlled) return;
    controlled = true;
    if (captureLoadedImages && typeof document !== 'undefined' && container.controller) {
      const controller = container.controller;
      safely(() => sendLoadedImages(controller));
    }
    if (onControlled) safely(onControlled);
    dispatch(CONTROLLED_EVENT, { registration });
  };

  const announceUpdate = (worker: ServiceWorker | null): void => {
    if (worker !== null) {
      if (announced.has(worker)) return;
      announced.add(worker);
    }
    const notify = (reg: ServiceWorkerRegistration): void => {
      if (onUpdate) safely(() => onUpdate(reg));
      dispatch(UPDATE_EVENT, { registration: reg });
    };
    if (registration !== undefined) notify(registration);
    else void container.ready.then(notify, () => undefined);
  };

  // Listen before registering, so a fast first activation (skipWaiting + clients.claim) is not missed.
  container.addEventListener('controllerchange', () => {
    if (hadController) announceUpdate(container.controller);
    else markControlled();
  });

  if (container.controller !== null) {
    // Already controlled (a reload, or offline): report it now, whatever registration does.
    await Promise.resolve();
    markControlled();
  }

  try {
    registration = await container.register(swUrl, { scope });
  } catch (error) {
    console.warn(`sw-image-cache: could not register ${swUrl} (scope ${scope}):`, error);
    return undefined;
  }

  const reg = registration;
  const watchInstalling = (worker: ServiceWorker | null): void => {
    if (worker === null) return;
    const onState = (): void => {
      // `installed` with a controller in place means an update waiting (or about to skip waiting).
      if (worker.state === 'installed' && container.controller !== null) announceUpdate(worker);
      if (worker.state !== 'installing') worker.removeEventListener('statechange', onState);
    };
    worker.addEventListener('statechange', onState);
  };
  reg.addEventListener('updatefound', () => watchInstalling(reg.installing));
  // An update found before `register()` resolved (its `updatefound` already fired).
  if (reg.installing !== null && container.controller !== null) watchInstalling(reg.installing);

  // Control may have been taken while register() was pending without an event reaching us
  // (e.g. the page was controlled between the first check and the listener).
  if (container.controller !== null) markControlled();
  return reg;
}
