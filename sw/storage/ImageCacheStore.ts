/**
 * The Cache Storage side of the two-store cache: image bodies keyed by normalised URL.
 * Opens its cache lazily and keeps the handle. Errors are the platform's own (`QuotaExceededError`
 * from `put`, for instance) and are never wrapped.
 */
export class ImageCacheStore {
  readonly cacheName: string;
  #cache: Promise<Cache> | null = null;
  /** The opened cache once known, so a hit costs one `match` and no extra await. */
  #opened: Cache | null = null;

  /** @param cacheName The Cache Storage cache holding the bodies. */
  constructor(cacheName: string) {
    this.cacheName = cacheName;
  }

  #open(): Promise<Cache> {
    if (!this.#cache) {
      this.#cache = caches.open(this.cacheName);
      this.#cache.then(
        (cache) => {
          this.#opened = cache;
        },
        () => {
          this.#cache = null;
        },
      );
    }
    return this.#cache;
  }

  /** The stored response for `url`, or `undefined`. [MDN Cache.match](https://developer.mozilla.org/docs/Web/API/Cache/match) */
  match(url: string): Promise<Response | undefined> {
    return this.#opened ? this.#opened.match(url) : this.#open().then((cache) => cache.match(url));
  }

  /**
   * Stores a body. Rejects with `QuotaExceededError` (a `DOMException`) when storage is full.
   * [MDN Cache.put](https://developer.mozilla.org/docs/Web/API/Cache/put)
   */
  async put(url: string, response: Response): Promise<void> {
    await (await this.#open()).put(url, response);
  }

  /** Deletes a body; resolves whether one was there. */
  async delete(url: string): Promise<boolean> {
    return (await this.#open()).delete(url);
  }

  /** Every stored URL. O(n): used by recovery only. */
  async urls(): Promise<string[]> {
    return (await (await this.#open()).keys()).map((r) => r.url);
  }

  /** Drops the whole cache. */
  async clear(): Promise<void> {
    this.#cache = null;
    this.#opened = null;
    await caches.delete(this.cacheName);
  }
}
