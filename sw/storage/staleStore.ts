/**
 * The fresh/stale split of the body store (issue 16, config `coldHits: 'static-route'`).
 *
 * While the worker is not running, the browser answers image requests from the routed cache
 * (`cacheName`) by a static route, without asking anybody whether the entry is fresh (invariant 3).
 * So the routed cache holds only entries that stay fresh until the worker's next pass is due, and
 * every other body lives in the stale store, the Cache Storage cache `<cacheName>-stale`:
 * - a put goes to the routed cache, unless the body's stored expiry (`X-SW-Image-Cache-Expires`)
 *   falls within the horizon, then to the stale store;
 * - {@link SplitBodyStore.moveExpiring} (on wake, on each page heartbeat or report, on each sweep;
 *   in the mutation queue) moves the bodies of entries expiring within the horizon to the stale
 *   store; {@link SplitBodyStore.promote} moves a body back after a `304` renewal;
 * - reads look in the routed cache, then in the stale store; a delete deletes from both.
 *
 * One record, one body (invariant 2): the metadata does not say where a body is. A body may be in
 * both caches only when the worker was killed between the two steps of a move; the order of each
 * step makes the routed copy always the right one:
 * - move to stale: put into stale, then delete from routed (both copies are the same bytes);
 * - put to routed: put into routed, then delete from stale (the routed copy is the newer);
 * - put to stale: delete from routed first, then put into stale (killed between: no body, the
 *   pending record is rolled back by recovery);
 * - promote: put into routed (the same bytes), then delete from stale.
 * Recovery (`planRecovery`, `staleCopies`) deletes the stale copy of a body found in both.
 * Bytes are counted from the records, so a moved body counts once (invariant 1).
 *
 * Operations on one URL run one after another (a per-URL chain), so a move never interleaves with
 * a put of the same URL even when puts run outside the mutation queue.
 * @module
 * @internal
 */
import type { Milliseconds } from '../policy/types.ts';
import { EXPIRES_HEADER, STORED_HEADER } from './ImageCache.ts';
import { ImageCacheStore } from './ImageCacheStore.ts';
import type { BodyStore } from './stores.ts';

/** Options of a {@link SplitBodyStore}. */
export interface SplitBodyStoreOptions {
  /** The clock, ms since epoch. @default Date.now */
  now?: () => Milliseconds;
  /**
   * The horizon in ms while the split is on (a body expiring within it does not go to the routed
   * cache), or `null` while it is off (no static route: puts go to the routed cache, nothing is
   * moved; reads and deletes still look in both).
   */
  horizonMs: () => Milliseconds | null;
}

/** The expiry a stored body carries (ms since epoch; absent: never expires). */
function expiryOf(response: Response): Milliseconds {
  const value = response.headers.get(EXPIRES_HEADER);
  return value === null ? Number.POSITIVE_INFINITY : Number(value);
}

/**
 * A {@link BodyStore} over two Cache Storage caches: `cacheName` (fresh bodies, the static
 * route's source) and `<cacheName>-stale`. See the module doc for the protocol.
 * @internal
 */
export class SplitBodyStore implements BodyStore {
  readonly cacheName: string;
  /** The stale store's cache name, `<cacheName>-stale`. */
  readonly staleCacheName: string;
  readonly #routed: ImageCacheStore;
  readonly #stale: ImageCacheStore;
  readonly #now: () => Milliseconds;
  readonly #horizonMs: () => Milliseconds | null;
  /** URLs with a body in the stale store, as far as this worker knows (`null`: not listed yet). */
  #staleKeys: Set<string> | null = null;
  readonly #chains = new Map<string, Promise<unknown>>();
  /** Both caches' keys while a listing is under way (see `#listBoth`), else `null`. */
  #listing: Promise<[string[], string[]]> | null = null;

  /** @param cacheName The routed cache (the static route's `cacheName`). */
  constructor(cacheName: string, options: SplitBodyStoreOptions) {
    this.cacheName = cacheName;
    this.staleCacheName = `${cacheName}-stale`;
    this.#routed = new ImageCacheStore(cacheName);
    this.#stale = new ImageCacheStore(this.staleCacheName);
    this.#now = options.now ?? Date.now;
    this.#horizonMs = options.horizonMs;
  }

  /** Runs `task` after every earlier operation on `url`. */
  #serial<T>(url: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#chains.get(url) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    this.#chains.set(url, settled);
    void settled.then(() => {
      if (this.#chains.get(url) === settled) this.#chains.delete(url);
    });
    return run;
  }

  /** Whether the stale store may hold `url` (true when not listed yet). */
  #maybeStale(url: string): boolean {
    return this.#staleKeys === null || this.#staleKeys.has(url);
  }

  async #listStale(): Promise<Set<string>> {
    this.#staleKeys ??= new Set(await this.#stale.urls());
    return this.#staleKeys;
  }

  /** The body for `url`: the routed cache's, else the stale store's, else `undefined`. */
  async match(url: string): Promise<Response | undefined> {
    // Always asked when the routed cache has nothing: a listing can miss a body just written.
    return (await this.#routed.match(url)) ?? this.#stale.match(url);
  }

  /** Stores a body where its expiry says (see the module doc). Rejects with `QuotaExceededError`. */
  put(url: string, response: Response): Promise<void> {
    return this.#serial(url, async () => {
      const horizon = this.#horizonMs();
      if (horizon !== null && expiryOf(response) <= this.#now() + horizon) {
        // The routed cache must exist even if empty: its absence means "the page deleted it" (invariant 6).
        await caches.open(this.cacheName);
        await this.#routed.delete(url);
        await this.#stale.put(url, response);
        this.#staleKeys?.add(url);
        return;
      }
      await this.#routed.put(url, response);
      if (this.#maybeStale(url)) await this.#stale.delete(url);
      this.#staleKeys?.delete(url);
    });
  }

  /** Deletes `url`'s body from both caches; resolves whether one was there. */
  delete(url: string): Promise<boolean> {
    return this.#serial(url, async () => {
      const routed = await this.#routed.delete(url);
      const stale = await this.#stale.delete(url);
      this.#staleKeys?.delete(url);
      return routed || stale;
    });
  }

  /**
   * Lists both caches once for the calls made while a listing is under way: recovery asks for
   * {@link SplitBodyStore.urls} and {@link SplitBodyStore.staleCopies} together, and `Cache.keys()`
   * of a large cache is the most expensive read it makes.
   */
  #listBoth(): Promise<[string[], string[]]> {
    this.#listing ??= Promise.all([this.#routed.urls(), this.#stale.urls()]).finally(() => (this.#listing = null));
    return this.#listing;
  }

  /** Every URL with a body in either cache (each once). O(n): recovery only. */
  async urls(): Promise<string[]> {
    const [routed, stale] = await this.#listBoth();
    this.#staleKeys = new Set(stale);
    return [...new Set([...routed, ...stale])];
  }

  /** URLs with a body in both caches (a move cut short by a kill). O(n): recovery only. */
  async staleCopies(): Promise<string[]> {
    const [routed, stale] = await this.#listBoth();
    const inRouted = new Set(routed);
    return stale.filter((url) => inRouted.has(url));
  }

  /** Deletes the stale store's copy of `url` (the routed copy is the right one). */
  deleteStaleCopy(url: string): Promise<void> {
    return this.#serial(url, async () => {
      await this.#stale.delete(url);
      this.#staleKeys?.delete(url);
    });
  }

  /** Drops both caches. */
  async clear(): Promise<void> {
    await Promise.all([this.#routed.clear(), this.#stale.clear()]);
    this.#staleKeys = new Set();
  }

  /** Whether the routed cache exists (a page deleting it deletes the cache, invariant 6). */
  exists(): Promise<boolean> {
    return this.#routed.exists();
  }

  /**
   * Moves the bodies of `urls` (entries expiring within the horizon, chosen by the caller from
   * the records) from the routed cache to the stale store. A URL already in the stale store, or
   * without a routed body, is left alone. Does nothing while the split is off. Resolves with how
   * many bodies moved. Cost: one listing of the stale store per worker, then a lookup, a put and a
   * delete per moved body.
   * @param beforeFirstMove Awaited once before the first body moves (not at all when none does):
   *   the caller makes its index snapshot stale there, so a kill half-way is recovered in full.
   */
  async moveExpiring(urls: readonly string[], beforeFirstMove?: () => Promise<void>): Promise<number> {
    if (this.#horizonMs() === null || urls.length === 0) return 0;
    const stale = await this.#listStale();
    let moved = 0;
    let first = true;
    for (const url of urls) {
      if (stale.has(url)) continue;
      if (first) {
        first = false;
        if (beforeFirstMove) await beforeFirstMove();
      }
      const done = await this.#serial(url, async () => {
        const body = await this.#routed.match(url);
        if (!body) return false;
        await this.#stale.put(url, body);
        stale.add(url);
        await this.#routed.delete(url);
        return true;
      });
      if (done) moved++;
    }
    return moved;
  }

  /**
   * After a renewal (`304`): moves `url`'s body back to the routed cache with its new expiry
   * headers, when it is in the stale store and the new expiry is beyond the horizon.
   * @param expiresAt The entry's new `expiresAt`, ms since epoch.
   * @param storedAt The entry's new `storedAt`, ms since epoch.
   */
  promote(url: string, expiresAt: Milliseconds, storedAt: Milliseconds): Promise<void> {
    const horizon = this.#horizonMs();
    if (horizon === null || !this.#maybeStale(url) || expiresAt <= this.#now() + horizon) return Promise.resolve();
    return this.#serial(url, async () => {
      const body = await this.#stale.match(url);
      if (!body) return;
      const headers = new Headers(body.headers);
      headers.set(STORED_HEADER, String(storedAt));
      if (Number.isFinite(expiresAt)) headers.set(EXPIRES_HEADER, String(expiresAt));
      else headers.delete(EXPIRES_HEADER);
      await this.#routed.put(url, new Response(body.body, { status: body.status, statusText: body.statusText, headers }));
      await this.#stale.delete(url);
      this.#staleKeys?.delete(url);
    });
  }
}
