import type { BodyStore } from './stores.ts';

/**
 * The Cache Storage side of the two-store cache: image bodies keyed by normalised URL.
 *
 * Every operation addresses the cache by name, never through a kept `Cache` handle: a page may
 * delete the cache (`caches.delete(cacheName)`, DevTools' "Clear site data") at any time, and a
 * kept handle would go on serving the deleted bodies and take writes nobody can see (DESIGN.md §4,
 * invariant 6). A read of a deleted cache finds nothing; a write creates the cache again.
 *
 * Errors are the platform's own (`QuotaExceededError` from `put`, for instance) and are never
 * wrapped.
 */
export class ImageCacheStore implements BodyStore {
  readonly cacheName: string;
  /** The `caches.open` in flight, shared by the writes issued meanwhile (forgotten once it settles), or `null`. */
  #opening: Promise<Cache> | null = null;

  /** @param cacheName The Cache Storage cache holding the bodies. */
  constructor(cacheName: string) {
    this.cacheName = cacheName;
  }

  /**
   * The stored response for `url`, or `undefined` (also when the cache was deleted). One call:
   * [MDN CacheStorage.match](https://developer.mozilla.org/docs/Web/API/CacheStorage/match) with
   * `cacheName`, which does not create a deleted cache.
   */
  match(url: string): Promise<Response | undefined> {
    return caches.match(url, { cacheName: this.cacheName });
  }

  /**
   * Stores a body, creating the cache when it was deleted. Rejects with `QuotaExceededError` (a
   * `DOMException`) when storage is full.
   * [MDN Cache.put](https://developer.mozilla.org/docs/Web/API/Cache/put)
   */
  async put(url: string, response: Response): Promise<void> {
    await (await this.#open()).put(url, response);
  }

  /**
   * Opens the cache by name for a body write. Concurrent writes (a burst of fills) share one
   * `caches.open` while it is in flight, instead of one each; no handle is kept once it has
   * settled, so a write issued after the page deleted the cache opens (creates) it again. (A
   * write joining an open issued just before a page's delete lands in the deleted cache, as a
   * write racing the delete always could: its record then finds no body, a miss that is dropped.)
   */
  #open(): Promise<Cache> {
    if (this.#opening) return this.#opening;
    const opening = caches.open(this.cacheName);
    this.#opening = opening;
    const forget = () => {
      if (this.#opening === opening) this.#opening = null;
    };
    opening.then(forget, forget);
    return opening;
  }

  /** Deletes a body; resolves whether one was there (`false` when the cache is gone). */
  async delete(url: string): Promise<boolean> {
    if (!(await caches.has(this.cacheName))) return false;
    return (await caches.open(this.cacheName)).delete(url);
  }

  /** Every stored URL (none when the cache is gone). O(n): used by recovery only. */
  async urls(): Promise<string[]> {
    if (!(await caches.has(this.cacheName))) return [];
    return (await (await caches.open(this.cacheName)).keys()).map((r) => r.url);
  }

  /** Drops the whole cache. */
  async clear(): Promise<void> {
    await caches.delete(this.cacheName);
  }

  /** Whether the cache exists. [MDN CacheStorage.has](https://developer.mozilla.org/docs/Web/API/CacheStorage/has) */
  exists(): Promise<boolean> {
    return caches.has(this.cacheName);
  }
}
