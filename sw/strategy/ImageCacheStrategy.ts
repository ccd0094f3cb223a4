import type { ManualHandlerCallbackOptions, PluginState, RouteHandlerCallbackOptions, RouteHandlerObject, WorkboxPlugin } from 'workbox-core/types.js';
import { expiresAtMs, isWithinStaleWhileRevalidate, lifetimeSeconds, type HeaderSource } from '../policy/freshness.ts';
import type { Milliseconds, Seconds } from '../policy/types.ts';
import { cacheKey, EXPIRES_HEADER, STORED_HEADER, type ImageCache, type LookupResult, type PutResult } from '../storage/ImageCache.ts';
import { declaredLength, whyNotStorable } from '../storage/storable.ts';
import { cacheStatus, CACHE_STATUS_NAME, HIT_CACHE_STATUS, withCacheStatus } from './cacheStatus.ts';
import { hasHopByHop, isNullBodyStatus, whyPassThrough } from './http.ts';
import { PluginRunner } from './plugins.ts';
import type { TranscodeInput } from '../transcode/Transcoder.ts';
import type { ResolvedTranscodeOptions } from '../transcode/TranscodeOptions.ts';
import { expiresHeaderValue } from './storedHeaders.ts';
import { VARY_HEADER, varyMatches, varyRecord } from './vary.ts';

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
  /** Staggered TTL: lifetimes are shortened by up to this fraction (0..1), at random. @default 0 */
  maxAgeJitter?: number;
  /** Stale-while-revalidate window after expiry, in seconds (RFC 5861). @default 0 (off) */
  staleWhileRevalidateSeconds?: Seconds;
  /** `"response"`: lifetimes from the response's `Cache-Control: max-age` / `Expires`, capped by `maxAgeSeconds`. @default "config" */
  freshness?: 'config' | 'response';
  /** Re-encode stored bodies (see `sw/transcode/`); needs the strategy's `transformBody`. @default none */
  transcode?: ResolvedTranscodeOptions;
}

/** Options of an {@link ImageCacheStrategy}. */
export interface ImageCacheStrategyOptions {
  /** The storage-backed index. Give it `storedHeaders: storedResponseHeaders` so hits are served as stored. */
  cache: ImageCache;
  /** The rules for `url`. @default the cache's maxAgeSeconds, same-origin only, no Authorization */
  rulesFor?: (url: URL) => RouteRules;
  /** The worker's origin (cross-origin requests are stored only when their route opts in). @default self.location.origin */
  origin?: string;
  /** Answers an image that is neither cached nor reachable (offline), or `undefined`. Tried before `handlerDidError` plugins. */
  fallback?: (request: Request) => Promise<Response | undefined>;
  /**
   * Answers a miss the network failed with another cached variant of the same image (another
   * size or format), or `undefined`; tried before `fallback`, served `fwd=stale; detail=variant`.
   */
  variant?: (request: Request, url: URL) => Promise<Response | undefined>;
  /** The network. @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
  /** Called after each response is produced, with the event, for background work (write-behind, sweeps). */
  afterResponse?: (event: ExtendableEvent) => void;
  /**
   * Workbox plugins (objects with lifecycle callbacks, `WorkboxPlugin` from workbox-core), called
   * in order; see {@link ImageCacheStrategy} for which callbacks are called and when. @default []
   */
  plugins?: WorkboxPlugin[];
  /** Random source for `maxAgeJitter`: uniform in [0, 1). Inject a fixed one in tests. @default Math.random */
  random?: () => number;
  /**
   * Rewrites a read body before it is stored (in `event.waitUntil`, after the page got the
   * original): the route's `transcode` (`Transcoder.transform`). Must not reject. @default none
   */
  transformBody?: (input: TranscodeInput, rules: RouteRules) => Promise<TranscodeInput>;
}

/**
 * What a leader tells the followers of its network request once it has the response's headers.
 * - `response`: the response (status, headers) and `spare`, a never-read clone whose body each
 *   follower tees (`spare.clone()`), so followers stream the body as it arrives;
 * - `not-modified`: a revalidation got `304`: followers serve their own stale body, renewed;
 * - `failed`: the network request failed (followers with a stale body serve it, others fetch).
 */
type Outcome =
  | { kind: 'response'; spare: Response; request: Request; detail?: string }
  | { kind: 'not-modified'; expiresAt: Milliseconds }
  | { kind: 'failed' };

/** One network request shared by concurrent requests for the same URL. */
interface Flight {
  outcome: Promise<Outcome>;
}

/** The leader's handle on its `Flight`. */
interface Lead {
  flight: Flight;
  resolve: (o: Outcome) => void;
  /** Removes the flight once no follower can still need its spare. */
  end: () => void;
}

/** The state of one handled request. */
interface Ctx {
  event: ExtendableEvent;
  request: Request;
  url: URL;
  t0: number;
  states: Map<WorkboxPlugin, PluginState>;
  /** Promises handed to `event.waitUntil` (awaited before `handlerDidComplete`). */
  pending: Promise<unknown>[];
}

/**
 * The Workbox-compatible route handler (a `RouteHandlerObject` for workbox-routing:
 * `registerRoute(matcher, new ImageCacheStrategy({ cache }))`): cache-first over the byte-bounded
 * {@link ImageCache}, with an RFC 9211 `Cache-Status` on every response it produces (appended to an
 * upstream one; opaque responses excepted: their headers cannot be changed).
 *
 * - fresh entry → served from Cache Storage as stored: `sw-image-cache; hit` (the body was stored
 *   with its display headers, see `storedResponseHeaders`); rebuilt only when the stored
 *   `X-SW-Image-Cache-Expires` differs from the record's (after a 304 renewal) or the body carries
 *   hop-by-hop headers (stored by an older version); the access is written behind;
 * - expired entry → revalidated (conditional when it has validators, RFC 9111 §4.3.1):
 *   `304` → `fwd=stale; fwd-status=304` (served from cache, freshness renewed);
 *   `200` → `fwd=stale; fwd-status=200; stored`; network failure → the stale body, `detail=stale-offline`;
 * - expired entry inside the route's `staleWhileRevalidateSeconds` window (RFC 5861) → the stale body
 *   at once, `fwd=stale; detail=stale-while-revalidate`, revalidated in `event.waitUntil` as above
 *   (one background request per URL);
 * - lifetimes: each store (and each 304 renewal) gets {@link ImageCacheStrategy.lifetimeSecondsFor}:
 *   the route's `maxAgeSeconds` or, with `freshness: "response"`, the response's own, staggered by `maxAgeJitter`;
 * - miss → one network request per URL: concurrent requests for the same URL share it in every case
 *   (storable or not: a 404, a too-large image, a revalidation), followers get the response as soon
 *   as the leader has its headers and stream the body (a tee per follower), marked `collapsed`;
 *   the body is stored in `event.waitUntil`. `stored` is said only when the response declares a
 *   `Content-Length` within `maxEntryBytes` (it may still fail to store: quota); a response of
 *   unknown length (chunked, compressed) says plain `fwd=miss` and is stored if it fits; a
 *   response that will not be stored says why in `detail` (`status`, `not-image`, `no-store`,
 *   `vary-star`, `too-large`, `opaque`, `plugin`);
 * - `Vary`: `Accept` and `Accept-Encoding` are ignored, other headers honoured (see `vary.ts`):
 *   a stored body whose varied request headers differ is not served: `fwd=vary-miss`;
 * - pass-through (`fwd=bypass`, never stored, never shared): cross-origin requests on routes that
 *   do not opt in (`detail=cross-origin`), requests with `Authorization` (`detail=authorization`),
 *   the page's own conditional requests (`If-None-Match`, …: `detail=conditional`, so a `304` goes
 *   back to the page that asked), `Range` requests (`detail=range`), and the index unavailable
 *   (`detail=index-unavailable`).
 * Every status reaches the page as the server sent it; a null body status (204, 205, 304) is
 * rebuilt with a `null` body (the Fetch standard forbids any other).
 *
 * Workbox plugin callbacks (`plugins` option; each plugin gets its own `state` object per request):
 * - `handlerWillStart({ request, event, state })`: first, for every request. Return ignored.
 * - `cachedResponseWillBeUsed({ cacheName, request, cachedResponse, event, state })`: when a stored
 *   body was found (fresh or expired), before it is used. Returns the response to use instead;
 *   `null`/`undefined` means "no cached response": the request continues as a miss.
 * - `requestWillFetch({ request, event, state })`: before each network request this handler makes
 *   (a miss, a revalidation, a pass-through). Returns the request to send (threaded through the
 *   plugins). Followers of a shared request make none.
 * - `fetchDidFail({ originalRequest, request, error, event, state })`: when a network request
 *   rejects (offline), before the failure is handled. Return ignored.
 * - `fetchDidSucceed({ request, response, event, state })`: when a network request resolves, with
 *   any status. Returns the response to use (threaded); followers get the leader's result.
 * - `cacheWillUpdate({ request, response, event, state })`: for a response that would be stored,
 *   before the page gets it (so `Cache-Status` can say whether it is stored). Return `null` or
 *   `undefined`: not stored (`detail=plugin`); the same response: stored; another response:
 *   that one is stored instead (it must itself be storable) while the page gets the network's.
 * - `handlerWillRespond({ request, response, event, state })`: before the response is returned.
 *   Returns the response returned (threaded).
 * - `handlerDidRespond({ request, response, event, state })`: after, in `event.waitUntil`. Return ignored.
 * - `handlerDidError({ request, event, error, state })`: when the handler would fail (a miss while
 *   offline and no `fallback` answered, or any error). The first response returned is served
 *   (`detail=plugin-fallback`); none: the error propagates (the page sees a network error).
 * - `handlerDidComplete({ request, response, error, event, state })`: when the background work of
 *   this request (store, renewal) has settled, in `event.waitUntil`. Return ignored.
 * Not called: `cacheKeyWillBeUsed` (keys are normalised URLs, which the budget and the metadata
 * rely on) and `cacheDidUpdate` (listen to the cache's `stored` event instead).
 *
 * @example
 * ```ts
 * import { registerRoute } from 'workbox-routing';
 * const cache = new ImageCache({ maxBytes: 50 * 1024 * 1024, storedHeaders: storedResponseHeaders });
 * registerRoute(
 *   ({ request }) => request.destination === 'image',
 *   new ImageCacheStrategy({
 *     cache,
 *     plugins: [{ cacheWillUpdate: async ({ response }) => (response.headers.has('x-private') ? null : response) }],
 *   }),
 * );
 * ```
 */
export class ImageCacheStrategy implements RouteHandlerObject {
  readonly #cache: ImageCache;
  readonly #rulesFor: (url: URL) => RouteRules;
  readonly #origin: string;
  readonly #fallback?: (request: Request) => Promise<Response | undefined>;
  readonly #variant?: (request: Request, url: URL) => Promise<Response | undefined>;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #afterResponse?: (event: ExtendableEvent) => void;
  readonly #plugins: PluginRunner;
  readonly #random: () => number;
  readonly #transformBody?: (input: TranscodeInput, rules: RouteRules) => Promise<TranscodeInput>;
  /** The shared network request per cache key, while followers may still join it. */
  readonly #inflight = new Map<string, Flight>();

  constructor(options: ImageCacheStrategyOptions) {
    this.#cache = options.cache;
    this.#rulesFor = options.rulesFor ?? (() => ({ maxAgeSeconds: options.cache.maxAgeSeconds }));
    this.#origin = options.origin ?? (typeof location === 'undefined' ? '' : location.origin);
    this.#fallback = options.fallback;
    this.#variant = options.variant;
    this.#fetch = options.fetch ?? ((r) => fetch(r));
    this.#afterResponse = options.afterResponse;
    this.#plugins = new PluginRunner(options.plugins ?? []);
    this.#random = options.random ?? Math.random;
    this.#transformBody = options.transformBody;
  }

  /**
   * The freshness lifetime, in seconds, an entry for `url` is stored with now (`0`: never expires):
   * the route's `maxAgeSeconds`, or the response's own lifetime with `freshness: "response"`
   * (capped by it; stale at once for `no-cache`, `max-age=0`), shortened at random by up to
   * `maxAgeJitter` (see `lifetimeSeconds` in `sw/policy/freshness.ts`). Used for every store the
   * strategy makes, and by the worker for warm-up and captured images.
   * @param url The entry's URL (selects the route).
   * @param headers The response's headers, when known; `null`: the route's `maxAgeSeconds` (jittered).
   */
  lifetimeSecondsFor(url: URL | string, headers: Headers | null = null): Seconds {
    return this.#lifetime(this.#rulesFor(typeof url === 'string' ? new URL(url) : url), headers);
  }

  #lifetime(rules: RouteRules, headers: HeaderSource | null): Seconds {
    const maxAgeJitter = rules.maxAgeJitter ?? 0;
    return lifetimeSeconds({
      maxAgeSeconds: rules.maxAgeSeconds,
      freshness: rules.freshness ?? 'config',
      headers,
      nowMs: this.#cache.now(),
      maxAgeJitter,
      random: maxAgeJitter > 0 ? this.#random() : 0,
    });
  }

  /**
   * Answers one request. The workbox-routing entry point (`registerRoute(matcher, strategy)`), also
   * callable by hand as Workbox strategies are: `event.respondWith(strategy.handle({ event, request: event.request }))`.
   * @param options `event` (its `waitUntil` keeps the worker alive for the store), `request` (a
   *   `Request` or a URL string), and `url` (the parsed request URL; derived from `request` when absent).
   * @returns The response for the page. Rejects with the network's error when the network fails, no
   *   stored body can answer, and neither `fallback` nor a `handlerDidError` plugin answers.
   */
  handle = async (options: RouteHandlerCallbackOptions | ManualHandlerCallbackOptions): Promise<Response> => {
    const { event } = options;
    const request = typeof options.request === 'string' ? new Request(options.request) : options.request;
    const url = 'url' in options && options.url ? options.url : new URL(request.url);
    const ctx: Ctx = { event, request, url, t0: performance.now(), states: new Map(), pending: [] };
    const plugins = this.#plugins;
    let response: Response | undefined;
    let error: Error | undefined;
    try {
      if (plugins.has('handlerWillStart')) await plugins.each('handlerWillStart', ctx.states, { request, event });
      try {
        response = await this.#handle(ctx);
      } catch (e) {
        error = e instanceof Error ? e : new Error(String(e));
        if (!plugins.has('handlerDidError')) throw e;
        for (const r of await plugins.each('handlerDidError', ctx.states, { request, event, error })) {
          if (r) {
            response = withCacheStatus(r, cacheStatus('fwd=miss', { detail: 'plugin-fallback' }), { timing: this.#timing(ctx, 'fallback') });
            break;
          }
        }
        if (!response) throw e;
      }
      if (plugins.has('handlerWillRespond')) {
        let current: Response = response;
        await plugins.each('handlerWillRespond', ctx.states, { request, event, response }, (p, r) => {
          if (r) current = r;
          return { ...p, response: current };
        });
        response = current;
      }
      return response;
    } finally {
      if (plugins.has('handlerDidRespond')) this.#waitUntil(ctx, plugins.each('handlerDidRespond', ctx.states, { request, event, response }), 'plugin handlerDidRespond');
      if (plugins.has('handlerDidComplete')) {
        const settled = Promise.allSettled([...ctx.pending]);
        this.#waitUntil(ctx, settled.then(() => plugins.each('handlerDidComplete', ctx.states, { request, event, response, error })), 'plugin handlerDidComplete');
      }
      if (this.#afterResponse) this.#afterResponse(event);
    }
  };

  async #handle(ctx: Ctx): Promise<Response> {
    const { request, url } = ctx;
    const rules = this.#rulesFor(url);
    const crossOrigin = this.#origin !== '' && url.origin !== this.#origin;
    if (crossOrigin && !rules.crossOrigin) return this.#passThrough(ctx, 'cross-origin');
    if (request.headers.has('authorization') && !rules.storeAuthorized) return this.#passThrough(ctx, 'authorization');
    const own = whyPassThrough(request);
    if (own) return this.#passThrough(ctx, own);
    const key = cacheKey(url);
    let found: LookupResult;
    try {
      found = await this.#cache.lookup(key);
    } catch (error) {
      // IndexedDB or Cache Storage unavailable (or blocked by another tab): never break the page.
      this.#cache.reportError('lookup', error, key);
      return this.#passThrough(ctx, 'index-unavailable');
    }
    if (found.result !== 'miss' && this.#plugins.has('cachedResponseWillBeUsed')) {
      const cached = await this.#cachedResponseWillBeUsed(ctx, found.response);
      if (!cached) {
        // Cancelling an unread body: nothing to report if it fails (the body is dropped either way).
        void found.response.body?.cancel().catch(() => {});
        found = { result: 'miss' };
      } else found = { ...found, response: cached };
    }
    if (found.result !== 'miss' && !varyMatches(found.response.headers, request)) {
      // Stored for a request with other values of the headers its response varies on (RFC 9111 §4.1).
      void found.response.body?.cancel().catch(() => {});
      return this.#fromNetwork(ctx, key, rules, 'vary-miss');
    }
    if (found.result === 'hit') return this.#hit(ctx, found);
    if (found.result === 'stale') {
      if (isWithinStaleWhileRevalidate(found.entry.expiresAt, this.#cache.now(), rules.staleWhileRevalidateSeconds ?? 0)) {
        return this.#staleWhileRevalidate(ctx, key, found.response, found.entry, rules);
      }
      return this.#revalidate(ctx, key, found.response, found.entry, rules);
    }
    return this.#fromNetwork(ctx, key, rules, 'miss');
  }

  /**
   * A fresh entry. Served exactly as stored when the stored body already says what a hit says (our
   * `hit` member last in `Cache-Status`, the record's expiry, no hop-by-hop header): a few header
   * reads, no Response rebuilt. Otherwise rebuilt with the right headers.
   */
  #hit(ctx: Ctx, found: Extract<LookupResult, { result: 'hit' }>): Response {
    const response = found.response;
    const h = response.headers;
    const expires = expiresHeaderValue(found.entry.expiresAt);
    if ((h.get('cache-status') ?? '').endsWith(HIT_CACHE_STATUS) && h.get(EXPIRES_HEADER) === expires && !hasHopByHop(h)) return response;
    return withCacheStatus(response, cacheStatus('hit'), {
      timing: this.#timing(ctx, 'hit'),
      set: { [EXPIRES_HEADER]: expires, [STORED_HEADER]: String(found.entry.storedAt) },
    });
  }

  #timing(ctx: Ctx, desc: string): { durMs: number; desc: string } {
    return { durMs: performance.now() - ctx.t0, desc };
  }

  /** Hands `p` to `event.waitUntil`; a rejection is reported as an `error` event naming `operation`, never swallowed. */
  #waitUntil(ctx: Ctx, p: Promise<unknown>, operation: string): void {
    const settled = p.catch((error: unknown) => this.#cache.reportError(operation, error, ctx.url.href));
    ctx.pending.push(settled);
    ctx.event.waitUntil(settled);
  }

  async #cachedResponseWillBeUsed(ctx: Ctx, cachedResponse: Response): Promise<Response | null> {
    let current: Response | null = cachedResponse;
    await this.#plugins.each(
      'cachedResponseWillBeUsed',
      ctx.states,
      { cacheName: this.#cache.cacheName, request: ctx.request, cachedResponse, event: ctx.event },
      (p, r) => {
        current = r ?? null;
        return { ...p, cachedResponse: r ?? undefined };
      },
    );
    return current;
  }

  /** One network request through the plugins (requestWillFetch → fetch → fetchDidFail / fetchDidSucceed). */
  async #network(ctx: Ctx, request: Request): Promise<Response> {
    const plugins = this.#plugins;
    let req = request;
    if (plugins.has('requestWillFetch')) {
      await plugins.each('requestWillFetch', ctx.states, { request: req, event: ctx.event }, (p, r) => {
        if (r) req = r;
        return { ...p, request: req };
      });
    }
    let response: Response;
    try {
      response = await this.#fetch(req);
    } catch (e) {
      if (plugins.has('fetchDidFail')) {
        const error = e instanceof Error ? e : new Error(String(e));
        await plugins.each('fetchDidFail', ctx.states, { originalRequest: request, request: req, error, event: ctx.event });
      }
      throw e;
    }
    if (plugins.has('fetchDidSucceed')) {
      let current = response;
      await plugins.each('fetchDidSucceed', ctx.states, { request: req, response, event: ctx.event }, (p, r) => {
        if (r) current = r;
        return { ...p, response: current };
      });
      response = current;
    }
    return response;
  }

  async #passThrough(ctx: Ctx, detail: string): Promise<Response> {
    let response: Response;
    try {
      response = await this.#network(ctx, ctx.request);
    } catch (error) {
      return this.#offline(ctx, error);
    }
    this.#cache.recordOutcome('bypassed');
    return withCacheStatus(response, cacheStatus('fwd=bypass', { detail }), { timing: this.#timing(ctx, 'bypass') });
  }

  /** Starts a shared network request for `key`; `end()` removes it once no follower can still need its spare. */
  #lead(key: string): Lead {
    let resolve!: (o: Outcome) => void;
    const flight: Flight = { outcome: new Promise<Outcome>((r) => (resolve = r)) };
    this.#inflight.set(key, flight);
    const end = () => {
      if (this.#inflight.get(key) === flight) this.#inflight.delete(key);
    };
    return { flight, resolve, end };
  }

  /**
   * A follower's copy of a shared response: the body is a tee of the leader's spare (streamed as
   * it arrives), the status and headers as the leader got them, our member marked `collapsed`.
   */
  #follow(ctx: Ctx, o: Extract<Outcome, { kind: 'response' }>, fwd: 'miss' | 'stale' | 'vary-miss'): Response {
    this.#cache.recordOutcome('collapsed');
    const copy = o.spare.clone();
    if (copy.type === 'opaque') return copy;
    const status = cacheStatus(`fwd=${fwd}`, { fwdStatus: fwd === 'stale' ? copy.status : undefined, collapsed: true, detail: o.detail });
    return withCacheStatus(copy, status, { timing: this.#timing(ctx, fwd === 'stale' ? 'stale' : 'miss') });
  }

  /**
   * A miss (or a vary-miss): joins the shared request for `key` if there is one, else leads one.
   */
  async #fromNetwork(ctx: Ctx, key: string, rules: RouteRules, fwd: 'miss' | 'vary-miss'): Promise<Response> {
    const existing = this.#inflight.get(key);
    if (existing) {
      const o = await existing.outcome;
      if (o.kind === 'response' && sameVariant(o, ctx.request)) return this.#follow(ctx, o, fwd);
      // A revalidation's 304 (this request has no stale body to renew), a failure, or another
      // variant (the response varies on a header this request has another value of): on our own.
    }
    const lead = this.#lead(key);
    let response: Response;
    try {
      response = await this.#network(ctx, ctx.request);
    } catch (error) {
      lead.resolve({ kind: 'failed' });
      lead.end();
      return this.#offline(ctx, error);
    }
    return this.#respondOrRelease(ctx, key, rules, response, lead, fwd);
  }

  /** `#respond`, releasing the followers (to fetch on their own) if it throws (a plugin's error). */
  async #respondOrRelease(ctx: Ctx, key: string, rules: RouteRules, response: Response, lead: Lead, fwd: 'miss' | 'stale' | 'vary-miss', replaces?: 'expire'): Promise<Response> {
    try {
      return await this.#respond(ctx, key, rules, response, lead, fwd, replaces);
    } catch (error) {
      lead.resolve({ kind: 'failed' });
      lead.end();
      throw error;
    }
  }

  /**
   * The leader's response from the network: shared with the followers at once, stored in
   * `event.waitUntil` when storable, and returned to the page with its `Cache-Status`.
   */
  async #respond(
    ctx: Ctx,
    key: string,
    rules: RouteRules,
    response: Response,
    lead: Lead,
    fwd: 'miss' | 'stale' | 'vary-miss',
    replaces?: 'expire',
  ): Promise<Response> {
    const fwdStatus = fwd === 'stale' ? response.status : undefined;
    const nullBody = isNullBodyStatus(response.status) || response.body === null;
    if (response.type === 'opaque' && rules.opaqueBytes && rules.crossOrigin && response.status === 0) {
      // Opted in: stored unread, counted as the route's assumed size. No header can be added.
      lead.resolve({ kind: 'response', spare: response.clone(), request: ctx.request });
      this.#waitUntil(ctx, this.#cache.putOpaque(key, response.clone(), rules.opaqueBytes, { maxAgeSeconds: this.#lifetime(rules, null) }).finally(lead.end), 'put-opaque');
      return response;
    }
    let reason: string | null = whyNotStorable(response, this.#cache.maxEntryBytes);
    let toStore: Response | null = null;
    if (!reason && this.#plugins.has('cacheWillUpdate')) {
      let current: Response | null = response;
      await this.#plugins.each('cacheWillUpdate', ctx.states, { request: ctx.request, response, event: ctx.event }, (p, r) => {
        current = r ?? null;
        return { ...p, response: r ?? p.response };
      });
      const chosen = current as Response | null;
      if (!chosen) reason = 'plugin';
      else if (chosen !== response) {
        reason = whyNotStorable(chosen, this.#cache.maxEntryBytes) ? 'plugin' : null;
        if (!reason) toStore = chosen;
      }
    }
    // Bounded memory: a body of known length is streamed into Cache Storage (a tee, never held
    // whole), unless the route transcodes it (the transcoder needs the bytes): then it is stored
    // only if the bodies waiting to be stored leave room for it (maxPendingBytes); otherwise it is
    // served, not stored (`detail=busy`).
    const declared = reason ? null : declaredLength((toStore ?? response).headers);
    let held = 0;
    if (declared !== null && !this.#streams(rules)) {
      if (this.#cache.holdPending(declared)) held = declared;
      else reason = 'busy';
    }
    // The spare: never read, teed once per follower. Taken before the page's copy reads the body.
    const spare = response.clone();
    lead.resolve({ kind: 'response', spare, request: ctx.request, ...(reason ? { detail: reason } : {}) });
    const desc = fwd === 'stale' ? 'stale' : 'miss';
    if (reason) {
      this.#cache.recordOutcome('bypassed');
      // Followers may join until the body has arrived: watch it through one more tee, then end.
      const watcher = nullBody ? null : response.clone();
      this.#waitUntil(ctx, drain(watcher).finally(lead.end), 'read-body');
      return withCacheStatus(response, cacheStatus(`fwd=${fwd}`, { fwdStatus, detail: reason }), { timing: this.#timing(ctx, desc) });
    }
    const forStore = toStore ?? response.clone();
    this.#waitUntil(ctx, this.#store(ctx.request, key, forStore, rules, held, replaces).finally(lead.end), 'store');
    // `stored` only when the length is known to fit; an unknown length may still turn out too large.
    const stored = declared !== null;
    return withCacheStatus(response, cacheStatus(`fwd=${fwd}`, { fwdStatus, stored }), { timing: this.#timing(ctx, desc) });
  }

  /**
   * Stores a response the worker fetched outside a page request (the capture of images a page
   * loaded before the worker controlled it) through the same put path as a miss: the route's
   * rules and {@link ImageCacheStrategy.lifetimeSecondsFor}, the `Vary` record, every storability
   * check, the budget, `maxPendingBytes` (`busy`). Plugins are not called (there is no page request).
   * @param request The request that fetched `response` (its URL selects the route).
   * @param response An unread response; it is consumed.
   * @returns The put's result (`stored`, or `reason` why not). Never rejects for a bad response.
   */
  async store(request: Request, response: Response): Promise<PutResult> {
    const url = new URL(request.url);
    return this.#store(request, cacheKey(url), response, this.#rulesFor(url), 0);
  }

  /**
   * Reads the body to store and hands it to the cache (bytes come from the body read).
   * @param held Bytes of `maxPendingBytes` held for this body (its declared length), or 0: the
   *   cache holds the body's length once read (or answers `busy`).
   */
  async #store(request: Request, key: string, response: Response, rules: RouteRules, held: number, replaces?: 'expire'): Promise<PutResult> {
    if (this.#streams(rules) && response.body && declaredLength(response.headers) !== null) {
      // Streamed (tee'd from the page's response): the cache reserves Content-Length bytes and
      // stores the body, checking the length it stored. The response goes as it came, with the
      // Vary record in `headers`: a Response rebuilt around its body would be pumped through
      // the worker's JS heap in Chromium.
      const vary = varyRecord(request, response.headers);
      let headers = response.headers;
      if (vary !== null) {
        headers = new Headers(headers);
        headers.set(VARY_HEADER, vary);
      }
      return this.#cache.put(key, response, { maxAgeSeconds: this.#lifetime(rules, headers), replaces, pendingHeldBytes: held, headers });
    }
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (e) {
      this.#cache.releasePending(held);
      throw e;
    }
    let headers = response.headers;
    if (this.#transformBody && rules.transcode) {
      const read = { type: response.type, body, headers };
      // A failing transform stores the original (the held pending bytes are released by the put).
      ({ body, headers } = await this.#transformBody(read, rules).catch(() => read));
    }
    const vary = varyRecord(request, headers);
    if (vary !== null) {
      headers = new Headers(headers);
      headers.set(VARY_HEADER, vary);
    }
    return this.#cache.putBuffered(key, { type: response.type, status: response.status, headers, body }, { maxAgeSeconds: this.#lifetime(rules, headers), replaces, pendingHeldBytes: held });
  }

  /** Whether a body of known length on this route is streamed into the cache (not when the route transcodes: the transcoder needs the bytes). */
  #streams(rules: RouteRules): boolean {
    return !(this.#transformBody && rules.transcode);
  }

  async #revalidate(
    ctx: Ctx,
    key: string,
    stale: Response,
    entry: { etag: string | null; lastModified: string | null },
    rules: RouteRules,
  ): Promise<Response> {
    const timing = () => ({ timing: this.#timing(ctx, 'stale') });
    const existing = this.#inflight.get(key);
    if (existing) {
      const o = await existing.outcome;
      if (o.kind === 'not-modified') {
        this.#cache.recordOutcome('collapsed');
        return withCacheStatus(stale, cacheStatus('fwd=stale', { fwdStatus: 304, collapsed: true }), {
          ...timing(),
          set: { [EXPIRES_HEADER]: expiresHeaderValue(o.expiresAt) },
        });
      }
      if (o.kind === 'failed') {
        return withCacheStatus(stale, cacheStatus('fwd=stale', { collapsed: true, detail: 'stale-offline' }), timing());
      }
      if (sameVariant(o, ctx.request)) {
        void stale.body?.cancel().catch(() => {});
        return this.#follow(ctx, o, 'stale');
      }
    }
    const { request } = ctx;
    const conditional = this.#conditional(ctx, entry);
    // Led only from here: nothing above may leave followers waiting on an outcome never given.
    const lead = this.#lead(key);
    let response: Response;
    try {
      response = await this.#network(ctx, conditional);
    } catch {
      // Offline: an expired image beats none (RFC 9111 §4.2.4), marked as such.
      lead.resolve({ kind: 'failed' });
      lead.end();
      return withCacheStatus(stale, cacheStatus('fwd=stale', { detail: 'stale-offline' }), timing());
    }
    if (response.status === 304 && conditional !== request) {
      const lifetime = this.#lifetime(rules, renewedHeaders(response.headers, stale.headers));
      const expiresAt = expiresAtMs(this.#cache.now(), lifetime);
      lead.resolve({ kind: 'not-modified', expiresAt });
      this.#waitUntil(ctx, this.#cache.refresh(key, lifetime).finally(lead.end), 'refresh');
      return withCacheStatus(stale, cacheStatus('fwd=stale', { fwdStatus: 304 }), { ...timing(), set: { [EXPIRES_HEADER]: expiresHeaderValue(expiresAt) } });
    }
    void stale.body?.cancel().catch(() => {});
    return this.#respondOrRelease(ctx, key, rules, response, lead, 'stale', 'expire');
  }

  /** The revalidation request for a stored entry: conditional when it has validators (RFC 9111 §4.3.1), else the page's. */
  #conditional(ctx: Ctx, entry: { etag: string | null; lastModified: string | null }): Request {
    const { request, url } = ctx;
    const sameOrigin = this.#origin === '' || url.origin === this.#origin;
    if (!sameOrigin || !(entry.etag || entry.lastModified)) return request;
    // A new same-origin request: a no-cors request (an <img>'s) would silently drop these headers.
    const headers = new Headers(request.headers);
    if (entry.etag) headers.set('If-None-Match', entry.etag);
    if (entry.lastModified) headers.set('If-Modified-Since', entry.lastModified);
    return new Request(url.href, { headers, credentials: request.credentials, cache: 'no-store' });
  }

  /**
   * Stale-while-revalidate (RFC 5861 §3): an expired entry inside its window is served at once,
   * `fwd=stale; detail=stale-while-revalidate`, and revalidated in the background (in
   * `event.waitUntil`). One revalidation per URL: while one is in flight (this one's or a
   * blocking one's), a request inside the window is served stale without another.
   */
  #staleWhileRevalidate(
    ctx: Ctx,
    key: string,
    stale: Response,
    entry: { etag: string | null; lastModified: string | null },
    rules: RouteRules,
  ): Response {
    if (!this.#inflight.has(key)) {
      // Led synchronously, before any await: a concurrent request sees the flight and does not start another.
      const lead = this.#lead(key);
      this.#waitUntil(ctx, this.#revalidateInBackground(ctx, key, stale.headers, entry, rules, lead), 'stale-while-revalidate');
    }
    return withCacheStatus(stale, cacheStatus('fwd=stale', { detail: 'stale-while-revalidate' }), { timing: this.#timing(ctx, 'stale') });
  }

  /** The background half of {@link ImageCacheStrategy.#staleWhileRevalidate}: renew on 304, store a 200, keep the stale entry on failure. */
  async #revalidateInBackground(
    ctx: Ctx,
    key: string,
    staleHeaders: Headers,
    entry: { etag: string | null; lastModified: string | null },
    rules: RouteRules,
    lead: Lead,
  ): Promise<void> {
    const conditional = this.#conditional(ctx, entry);
    let response: Response;
    try {
      response = await this.#network(ctx, conditional);
    } catch {
      // Offline: the stale entry stays (served marked stale-offline once past the window).
      lead.resolve({ kind: 'failed' });
      lead.end();
      return;
    }
    if (response.status === 304 && conditional !== ctx.request) {
      const lifetime = this.#lifetime(rules, renewedHeaders(response.headers, staleHeaders));
      lead.resolve({ kind: 'not-modified', expiresAt: expiresAtMs(this.#cache.now(), lifetime) });
      await this.#cache.refresh(key, lifetime).finally(lead.end);
      return;
    }
    const from = ctx.pending.length;
    const unread = await this.#respondOrRelease(ctx, key, rules, response, lead, 'stale', 'expire');
    // Nobody reads this copy: cancelling it leaves the store's and the followers' tees intact.
    void unread.body?.cancel().catch(() => {});
    await Promise.allSettled(ctx.pending.slice(from));
  }

  /** A network failure: another cached variant of the image (`variant`), else the configured fallback, else the error (handlerDidError plugins may still answer). */
  async #offline(ctx: Ctx, error: unknown): Promise<Response> {
    const variant = this.#variant
      ? await this.#variant(ctx.request, ctx.url).catch((e: unknown) => void this.#cache.reportError('variant', e, ctx.url.href))
      : undefined;
    if (variant) return withCacheStatus(variant, cacheStatus('fwd=stale', { detail: 'variant' }), { timing: this.#timing(ctx, 'variant') });
    const fallback = this.#fallback
      ? await this.#fallback(ctx.request).catch((e: unknown) => void this.#cache.reportError('fallback', e, ctx.url.href))
      : undefined;
    if (fallback) return withCacheStatus(fallback, cacheStatus('fwd=miss', { detail: 'offline-fallback' }), { timing: this.#timing(ctx, 'fallback') });
    throw error;
  }
}

/** Whether a shared response may answer `request` too: same values of the headers it varies on. */
function sameVariant(o: Extract<Outcome, { kind: 'response' }>, request: Request): boolean {
  if (o.request === request) return true;
  const headers = o.spare.headers;
  return varyRecord(o.request, headers) === varyRecord(request, headers);
}

/**
 * The headers that decide a renewed entry's freshness after a `304`: the 304's when it carries
 * `Cache-Control` or `Expires` (RFC 9111 §4.3.4: they update the stored ones), else the stored response's.
 */
function renewedHeaders(notModified: Headers, stored: Headers): HeaderSource {
  return notModified.has('cache-control') || notModified.has('expires') ? notModified : stored;
}

/** Reads a response's body to its end and discards it (rejects when the body fails mid-way). */
async function drain(response: Response | null): Promise<void> {
  const reader = response?.body?.getReader();
  if (!reader) return;
  for (;;) if ((await reader.read()).done) return;
}

/** The name our members carry in `Cache-Status` (re-exported for tests and tools). */
export { CACHE_STATUS_NAME };
