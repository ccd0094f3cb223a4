import type { Bytes } from './types.ts';

/**
 * The interface every replacement (eviction) policy implements: an in-memory ordering of keys
 * with their sizes, and nothing else. Pure code: no clock, no storage, no globals, so the same
 * object runs in the service worker and in the Node trace-replay tool (`npm run replay`).
 *
 * The budget itself (`maxBytes`, `maxEntries`, `maxEntryBytes`) is enforced by
 * {@link CacheIndex}, which asks the policy for victims one at a time.
 *
 * Contract, for every implementation:
 * - `insert(key, size)` is called only for a key that is not present (the caller removes first);
 * - `touch(key)` is called only for a present key, on every hit;
 * - `evict()` removes and returns the policy's next victim, or `undefined` when empty;
 * - `remove(key)` removes a key for a reason other than eviction (delete, expire, revision);
 * - `size` and `bytes` are kept exact by the policy.
 *
 * Optional hooks (backwards-compatible additions; a policy may leave them out):
 * - `hit(key)` is `has` + `touch` in one lookup, used by {@link CacheIndex.request} when present;
 * - `configure(limits)` tells a policy whose decisions depend on the budget (S3-FIFO sizes its
 *   queues from it) the limits in force; {@link CacheIndex} calls it whenever its limits change.
 */
export interface ReplacementPolicy {
  /** The policy's name as accepted by `--policy` and the worker config's `policy` key. */
  readonly name: string;
  /** Number of keys held. */
  readonly size: number;
  /** Sum of the sizes of the keys held, in bytes. */
  readonly bytes: Bytes;
  /** Whether `key` is held. O(1). */
  has(key: string): boolean;
  /** The size `key` was inserted with, or `undefined`. O(1). */
  sizeOf(key: string): Bytes | undefined;
  /** Records a hit on a held key. */
  touch(key: string): void;
  /** Adds a key that is not held, with its size in bytes. */
  insert(key: string, size: Bytes): void;
  /** Removes a held key (not an eviction). Returns whether it was held. */
  remove(key: string): boolean;
  /** Removes and returns the next victim, or `undefined` when nothing is held. */
  evict(): string | undefined;
  /** Keys in eviction order (next victim first). O(n); for inspection and persistence. */
  keys(): IterableIterator<string>;
  /** Removes every key. */
  clear(): void;
  /**
   * Optional fast path: when `key` is held, records a hit exactly as `touch` would and returns
   * `true`; otherwise changes nothing and returns `false`. Must be equivalent to
   * `has(key) && (touch(key), true)`.
   */
  hit?(key: string): boolean;
  /**
   * Optional: the limits in force, called by {@link CacheIndex} on construction and on every
   * limit change, before any further `insert` / `evict`. Policies that keep no budget-dependent
   * state leave it out.
   */
  configure?(limits: PolicyLimits): void;
  /**
   * Optional: a small integer (≥ 0) naming the held key's slot, stable while the key is held and
   * reused for other keys once it is removed; `undefined` when not held. O(1). Lets the storage
   * layer keep per-entry columns in typed arrays indexed by slot, without a second key map.
   */
  slotOf?(key: string): number | undefined;
  /**
   * Optional fast path for a wake: into an EMPTY policy, inserts `keys[i]` with `sizes[i]` bytes
   * for every `i` in order, exactly as that many `insert` calls would (so `keys[0]` is the next
   * victim of a recency policy), and when the policy has {@link ReplacementPolicy.slotOf}, gives
   * `keys[i]` slot `i`. Keys must be distinct. O(n).
   * @throws Error when the policy is not empty or a key repeats (nothing is loaded then).
   */
  load?(keys: readonly string[], sizes: ArrayLike<Bytes>): void;
}

/** The limits passed to {@link ReplacementPolicy.configure}. */
export interface PolicyLimits {
  /** The byte budget in force, in bytes (> 0). */
  maxBytes: Bytes;
  /** The count limit in force; `Infinity` when there is none. */
  maxEntries: number;
}
