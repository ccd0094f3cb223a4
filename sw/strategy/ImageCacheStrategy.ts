import type { RouteHandlerCallbackOptions, RouteHandlerObject } from 'workbox-core/types.js';
import type { Seconds } from '../policy/types.ts';
import { cacheKey, type ImageCache } from '../storage/ImageCache.ts';
import { whyNotStorable } from '../storage/storable.ts';
import { cacheStatus, withCacheStatus } from './cacheStatus.ts';

/** What the route a URL matched allows (from the config's `routes`). */
export interface RouteRules {
  /** Freshness lifetime of entries stored through this route, in seconds. */
  maxAgeSeconds: Seconds;
  /** Store cross-origin responses (only CORS-readable ones, `type: 'cors'`). @default false */
  crossOrigin?: boolean;
  /** Store responses to requests carrying an `Authorization` header. @default false */
  storeAuthorized?: boolean;
  /** Store opaque responses, each counted as this many bytes (needs `crossOrigin`). @default none */
  opaqueBytes?: number;
}

/** Options of an {@link ImageCacheStrategy}. */
export interface ImageCacheStrategyOptions {
  /** The storage-backed index. */
  cache: ImageCache;
  /** The rules for `url`. @default the cache's maxAgeSeconds, same-origin only, no Authorization */
  rulesFor?: (url: URL) => RouteRules;
  /** The worker's origin (cross-origin requests are stored only when their route opts in). @default self.location.origin */
  origin?: string;
  /** Answers an image that is neither cached nor reachable (offline), or `undefined`. */
  fallback?: (request: Request) => Promise<Response | undefined>;
  /** The network. @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
  /** Called after each response is produced, with the event, for background work (write-behind, sweeps). */
  afterResponse?: (event: ExtendableEvent) => void;
}

/** What a miss's leader shares with collapsed followers: the body read once, plus status and headers. */
interface SharedBody {
  body: ArrayBuffer;
  status: number;
  statusText: string;
  headers: Headers;
}

/**
 * The Workbox-compatible route handler (a `RouteHandlerObject` for workbox-routing): cache-first
 * over the byte-bounded {@link ImageCache}, with an RFC 9211 `Cache-Status` on every response it
 * produces (opaque responses excepted: their headers cannot be changed).
 *
 * - fresh entry → served from Cache Storage: `sw-image-cache; hit; ttl=N`; the access is written behind;
 * - expired entry → revalidated (conditional when it has validators, RFC 9111 §4.3.1):
 *   `304` → `fwd=stale; fwd-status=304` (served from cache, freshness renewed);
 *   `200` → `fwd=stale; fwd-status=200; stored`; network failure → the stale body, `detail=stale-offline`;
 * - miss → one network fetch per URL; concurrent misses for the same URL share it
 *   (`fwd=miss; collapsed` on the followers); the page gets the response at once and the body is
 *   stored in `event.waitUntil` (`fwd=miss; stored`), or passed through unstored with a `detail`
 *   naming why (`status`, `not-image`, `no-store`, `vary-star`, `too-large`, `opaque`).
 * - the index unavailable (IndexedDB blocked or broken) → plain network, `fwd=bypass; detail=index-unavailable`.
 */
export class ImageCacheStrategy implements RouteHandlerObject {
  readonly #cache: ImageCache;
  readonly #rulesFor: (url: URL) => RouteRules;
  readonly #origin: string;
  readonly #fallback?: (request: Request) => Promise<Response | undefined>;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #afterResponse?: (event: ExtendableEvent) => void;
  /** In-flight misses by cache key: resolves with the shared body, or `null` when it cannot be shared. */
  readonly #inflight = new Map<string, Promise<SharedBody | null>>();

  constructor(options: ImageCacheStrategyOptions) {
    this.#cache = options.cache;
    this.#rulesFor = options.rulesFor ?? (() => ({ maxAgeSeconds: options.cache.maxAgeSeconds }));
    this.#origin = options.origin ?? (typeof location === 'undefined' ? '' : location.origin);
    this.#fallback = options.fallback;
    this.#fetch = options.fetch ?? ((r) => fetch(r));
    this.#afterResponse = options.afterResponse;
  }

  /** workbox-routing entry point. */
  handle = async ({ event, request, url }: RouteHandlerCallbackOptions): Promise<Response> => {
    try {
      return await this.#handle(event, request, url);
    } finally {
      if (this.#afterResponse) this.#afterResponse(event);
    }
  };

  async #handle(event: ExtendableEvent, request: Request, url: URL): Promise<Response> {
    const t0 = performance.now();
    const rules = this.#rulesFor(url);
    const crossOrigin = this.#origin !== '' && url.origin !== this.#origin;
    if (crossOrigin && !rules.crossOrigin) return this.#passThrough(request, 'cross-origin', t0);
    if (request.headers.has('authorization') && !rules.storeAuthorized) return this.#passThrough(request, 'authorization', t0);
    const key = cacheKey(url);
    let found;
    try {
      found = await this.#cache.lookup(key);
    } catch (error) {
      // IndexedDB or Cache Storage unavailable (or blocked by another tab): never break the page.
      this.#cache.reportError('lookup', error);
      return this.#passThrough(request, 'index-unavailable', t0);
    }
    if (found.result === 'hit') {
      // Served exactly as stored: the body carries `Cache-Status: sw-image-cache; hit` and its
      // `Server-Timing` (see storedHeaders), so no Response is rebuilt on the hot path. Bodies
      // stored by an older version lack them and are decorated the slow way.
      if (found.response.headers.has('cache-status')) return found.response;
      return withCacheStatus(found.response, cacheStatus('hit'), this.#timing(t0, 'hit'));
    }
    if (found.result === 'stale') return this.#revalidate(event, request, url, key, found.response, found.entry, rules, t0);
    return this.#miss(event, request, url, key, rules, t0);
  }

  #timing(t0: number, desc: string): { durMs: number; desc: string } {
    return { durMs: performance.now() - t0, desc };
  }

  async #passThrough(request: Request, detail: string, t0: number): Promise<Response> {
    const response = await this.#fetch(request);
    this.#cache.recordOutcome('bypassed');
    return withCacheStatus(response, cacheStatus('fwd=bypass', { detail }), this.#timing(t0, 'bypass'));
  }

  async #miss(event: ExtendableEvent, request: Request, url: URL, key: string, rules: RouteRules, t0: number): Promise<Response> {
    const leader = this.#inflight.get(key);
    if (leader) {
      const shared = await leader.catch(() => null);
      if (shared) {
        this.#cache.recordOutcome('collapsed');
        return new Response(shared.body, {
          status: shared.status,
          statusText: shared.statusText,
          headers: withHeader(shared.headers, 'Cache-Status', cacheStatus('fwd=miss', { collapsed: true }), this.#timing(t0, 'miss')),
        });
      }
      // The leader's response could not be shared (not storable, or failed): fetch on our own.
    }
    let resolveShared!: (shared: SharedBody | null) => void;
    const sharedPromise = new Promise<SharedBody | null>((resolve) => {
      resolveShared = resolve;
    });
    this.#inflight.set(key, sharedPromise);
    const done = () => {
      if (this.#inflight.get(key) === sharedPromise) this.#inflight.delete(key);
    };

    let response: Response;
    try {
      response = await this.#fetch(request);
    } catch (error) {
      resolveShared(null);
      done();
      return this.#offline(request, error, t0);
    }
    if (response.type === 'opaque' && rules.opaqueBytes && rules.crossOrigin && response.status === 0) {
      // Opted in: stored unread, counted as the route's assumed size. No header can be added.
      resolveShared(null);
      done();
      event.waitUntil(this.#cache.putOpaque(key, response.clone(), rules.opaqueBytes, { maxAgeSeconds: rules.maxAgeSeconds }));
      return response;
    }
    const reason = whyNotStorable(response, this.#cache.maxEntryBytes);
    if (reason) {
      resolveShared(null);
      done();
      this.#cache.recordOutcome('bypassed');
      return withCacheStatus(response, cacheStatus('fwd=miss', { detail: reason }), this.#timing(t0, 'miss'));
    }
    const forStore = response.clone();
    event.waitUntil(
      this.#store(key, forStore, rules, resolveShared)
        .catch(() => resolveShared(null))
        .finally(done),
    );
    return withCacheStatus(response, cacheStatus('fwd=miss', { stored: true }), this.#timing(t0, 'miss'));
  }

  /** Reads the body once, shares it with collapsed followers, and hands it to the cache to store. */
  async #store(
    key: string,
    response: Response,
    rules: RouteRules,
    resolveShared: (shared: SharedBody | null) => void,
    replaces?: 'expire',
  ): Promise<void> {
    const body = await response.arrayBuffer();
    // Followers get exactly what the leader's page got; whether it is stored is putBuffered's call.
    resolveShared({ body, status: response.status, statusText: response.statusText, headers: response.headers });
    const { type, status, headers } = response;
    await this.#cache.putBuffered(key, { type, status, headers, body }, { maxAgeSeconds: rules.maxAgeSeconds, replaces });
  }

  async #revalidate(
    event: ExtendableEvent,
    request: Request,
    url: URL,
    key: string,
    stale: Response,
    entry: { etag: string | null; lastModified: string | null },
    rules: RouteRules,
    t0: number,
  ): Promise<Response> {
    const sameOrigin = this.#origin === '' || url.origin === this.#origin;
    let conditional = request;
    if (sameOrigin && (entry.etag || entry.lastModified)) {
      const headers = new Headers();
      if (entry.etag) headers.set('If-None-Match', entry.etag);
      if (entry.lastModified) headers.set('If-Modified-Since', entry.lastModified);
      conditional = new Request(url.href, { headers, credentials: request.credentials, cache: 'no-store' });
    }
    let response: Response;
    try {
      response = await this.#fetch(conditional);
    } catch {
      // Offline: an expired image beats none (RFC 9111 §4.2.4), marked as such.
      return withCacheStatus(stale, cacheStatus('fwd=stale', { detail: 'stale-offline' }), this.#timing(t0, 'stale'));
    }
    if (response.status === 304) {
      event.waitUntil(this.#cache.refresh(key, rules.maxAgeSeconds));
      return withCacheStatus(stale, cacheStatus('fwd=stale', { fwdStatus: 304 }), this.#timing(t0, 'stale'));
    }
    void stale.body?.cancel().catch(() => {});
    const reason = whyNotStorable(response, this.#cache.maxEntryBytes);
    if (reason) {
      this.#cache.recordOutcome('bypassed');
      return withCacheStatus(response, cacheStatus('fwd=stale', { fwdStatus: response.status, detail: reason }), this.#timing(t0, 'stale'));
    }
    const forStore = response.clone();
    event.waitUntil(this.#store(key, forStore, rules, () => {}, 'expire').catch(() => {}));
    return withCacheStatus(response, cacheStatus('fwd=stale', { fwdStatus: response.status, stored: true }), this.#timing(t0, 'stale'));
  }

  async #offline(request: Request, error: unknown, t0: number): Promise<Response> {
    const fallback = this.#fallback ? await this.#fallback(request).catch(() => undefined) : undefined;
    if (fallback) return withCacheStatus(fallback, cacheStatus('fwd=miss', { detail: 'offline-fallback' }), this.#timing(t0, 'fallback'));
    throw error;
  }
}

function withHeader(headers: Headers, name: string, value: string, timing: { durMs: number; desc: string }): Headers {
  const h = new Headers(headers);
  h.set(name, value);
  h.append('Server-Timing', `sw-image-cache;dur=${timing.durMs.toFixed(2)};desc="${timing.desc}"`);
  return h;
}
