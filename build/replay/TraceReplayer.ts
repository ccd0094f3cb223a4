import { BeladyPolicy, CacheIndex, type Bytes, type ReplacementPolicy } from '../../sw/policy/index.ts';

/** Budget and policy of a {@link TraceReplayer}. */
export interface TraceReplayerOptions {
  /** The policy to drive (a new, empty one). */
  policy: ReplacementPolicy;
  /** Byte budget, in bytes (> 0). */
  maxBytes: Bytes;
  /** Count limit; absent or 0: none. */
  maxEntries?: number;
  /** Largest object admitted, in bytes; absent: `maxBytes`. */
  maxEntryBytes?: Bytes;
  /**
   * Count distinct keys and their first-seen bytes (`uniqueKeys`, `uniqueBytes` in the result).
   * Costs one `Map` slot per distinct key. Default: `false`.
   */
  trackUnique?: boolean;
  /**
   * Stored size per key, in bytes (`--sizes`): a missed key is inserted (and checked against
   * `maxEntryBytes`) with this size instead of the requested one, as a cache that re-encodes what
   * it stores would; keys not listed keep the requested size. `bytesRequested`/`bytesMissed` still
   * sum the requested sizes. Absent: every entry is stored with its requested size.
   */
  storedSizes?: ReadonlyMap<string, Bytes>;
}

/**
 * The replay output (DESIGN.md §5): counts over every request (no warm-up), ratios over request
 * counts and requested bytes.
 */
export interface ReplayResult {
  /** Policy name. */
  policy: string;
  /** Byte budget, in bytes. */
  maxBytes: Bytes;
  /** Count limit, or `null` when none. */
  maxEntries: number | null;
  /** Largest object admitted, in bytes. */
  maxEntryBytes: Bytes;
  /** Requests replayed (rows with size > 0). */
  requests: number;
  /** Requests whose key was held. */
  hits: number;
  /** Requests whose key was not held (including objects too large to admit). */
  misses: number;
  /** `misses / requests` (0 when there are no requests). */
  missRatio: number;
  /** Sum of the requested sizes, in bytes. */
  bytesRequested: Bytes;
  /** Sum of the requested sizes of missed requests, in bytes. */
  bytesMissed: Bytes;
  /** `bytesMissed / bytesRequested` (0 when nothing was requested). */
  byteMissRatio: number;
  /** Entries evicted to make room. */
  evictions: number;
  /** Misses not admitted because the object is larger than `maxEntryBytes` (they evict nothing). */
  notAdmitted: number;
  /** Rows skipped because their size is 0 (set by the caller that read the trace). */
  skipped: number;
  /** Distinct keys requested (only when tracked). */
  uniqueKeys?: number;
  /** Sum of the first-seen size of each distinct key, in bytes (only when tracked). */
  uniqueBytes?: Bytes;
}

/**
 * The replay loop: feeds requests, one at a time, to a {@link CacheIndex} over the given policy
 * (the same code the service worker runs) and counts hits, misses, bytes and evictions.
 *
 * A request is `CacheIndex.request(key, size)`: a hit when the key is held (the entry keeps its
 * stored size, whatever size the request names); otherwise a miss that evicts victims one at a
 * time until `bytes + size ≤ maxBytes` (and the count limit holds), then inserts; an object larger
 * than `maxEntryBytes` is a miss that is not admitted and evicts nothing.
 *
 * For a {@link BeladyPolicy}, pass each request's next-access time (see `computeNextAccess`).
 * Cost per request: the policy's (O(1) for LRU) plus O(1) counting.
 */
export class TraceReplayer {
  /** The index being driven (its policy, limits and eviction count). */
  readonly index: CacheIndex;
  readonly #belady: BeladyPolicy | undefined;
  readonly #unique: Map<string, Bytes> | undefined;
  readonly #stored: ReadonlyMap<string, Bytes> | undefined;
  #uniqueBytes: Bytes = 0;
  #requests = 0;
  #hits = 0;
  #bytesRequested: Bytes = 0;
  #bytesMissed: Bytes = 0;
  #notAdmitted = 0;

  /**
   * @param options See {@link TraceReplayerOptions}.
   * @throws RangeError from {@link CacheIndex} when a limit is invalid.
   */
  constructor(options: TraceReplayerOptions) {
    const limits: { maxBytes: Bytes; maxEntries?: number; maxEntryBytes?: Bytes } = { maxBytes: options.maxBytes };
    if (options.maxEntries !== undefined) limits.maxEntries = options.maxEntries;
    if (options.maxEntryBytes !== undefined) limits.maxEntryBytes = options.maxEntryBytes;
    this.index = new CacheIndex(limits, options.policy);
    this.#belady = options.policy instanceof BeladyPolicy ? options.policy : undefined;
    this.#unique = options.trackUnique ? new Map() : undefined;
    this.#stored = options.storedSizes;
  }

  /** Requests replayed so far. */
  get requests(): number {
    return this.#requests;
  }

  /**
   * Replays one request.
   * @param key The requested key.
   * @param size The requested size in bytes (> 0); the entry is stored with `storedSizes`' size when listed.
   * @param nextAccess For Belady only: the index of the next request of `key`, `Infinity` if none.
   * @returns Whether it was a hit.
   */
  request(key: string, size: Bytes, nextAccess: number = Number.POSITIVE_INFINITY): boolean {
    this.#requests++;
    this.#bytesRequested += size;
    if (this.#unique !== undefined && !this.#unique.has(key)) {
      this.#unique.set(key, size);
      this.#uniqueBytes += size;
    }
    if (this.#belady !== undefined) this.#belady.setNextAccess(nextAccess);
    const index = this.index;
    const stored = this.#stored?.get(key) ?? size;
    if (index.request(key, stored)) {
      this.#hits++;
      return true;
    }
    this.#bytesMissed += size;
    if (!index.admissible(stored)) this.#notAdmitted++;
    return false;
  }

  /**
   * The counts so far.
   * @param skipped Rows skipped by the reader (size 0), reported as `skipped`. Default 0.
   */
  result(skipped = 0): ReplayResult {
    const index = this.index;
    const requests = this.#requests;
    const misses = requests - this.#hits;
    const result: ReplayResult = {
      policy: index.policy.name,
      maxBytes: index.maxBytes,
      maxEntries: Number.isFinite(index.maxEntries) ? index.maxEntries : null,
      maxEntryBytes: index.maxEntryBytes,
      requests,
      hits: this.#hits,
      misses,
      missRatio: requests > 0 ? misses / requests : 0,
      bytesRequested: this.#bytesRequested,
      bytesMissed: this.#bytesMissed,
      byteMissRatio: this.#bytesRequested > 0 ? this.#bytesMissed / this.#bytesRequested : 0,
      evictions: index.evictions,
      notAdmitted: this.#notAdmitted,
      skipped,
    };
    if (this.#unique !== undefined) {
      result.uniqueKeys = this.#unique.size;
      result.uniqueBytes = this.#uniqueBytes;
    }
    return result;
  }
}
