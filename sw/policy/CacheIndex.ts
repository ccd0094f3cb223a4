import { LruPolicy } from './LruPolicy.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** Limits enforced by a {@link CacheIndex}. */
export interface CacheLimits {
  /** Budget: the sum of the sizes of held entries never exceeds this many bytes. Required, > 0. */
  maxBytes: Bytes;
  /** Optional count limit. `undefined` or `0`: no count limit. */
  maxEntries?: number;
  /**
   * Largest single entry admitted, in bytes. A larger object is a miss that is not admitted and
   * evicts nothing. `undefined`: `maxBytes`.
   */
  maxEntryBytes?: Bytes;
}

/** What {@link CacheIndex.admit} decided. */
export interface Admission {
  /** Whether the key is now held. */
  admitted: boolean;
  /** Keys evicted to make room, in eviction order (empty when not admitted). */
  victims: string[];
}

/**
 * The byte- and count-bounded index: a {@link ReplacementPolicy} plus the budget. Pure code, the
 * single place where admission and eviction are decided, in the worker and in `npm run replay`.
 *
 * Semantics (exactly those of the replay contract in DESIGN.md §5):
 * - a hit is a key match; the entry keeps the size it was inserted with;
 * - `admit(key, size)` on an absent key evicts victims one at a time until
 *   `bytes + size ≤ maxBytes` and `size + 1 ≤ maxEntries`, then inserts;
 * - an object larger than `maxBytes` or `maxEntryBytes` is not admitted and evicts nothing.
 *
 * Cost: O(1) per hit and per admission plus O(1) per victim for LRU (see each policy's doc).
 * The policy's optional hooks are used when present: `hit` (one lookup per hit) and `configure`
 * (called with the limits on construction and on every {@link CacheIndex.setLimits}).
 */
export class CacheIndex {
  readonly policy: ReplacementPolicy;
  #maxBytes: Bytes;
  #maxEntries: number;
  #maxEntryBytes: Bytes;
  #evictions = 0;
  /** Pinned keys (entries being written) and their sizes: never chosen as victims. */
  readonly #pinned = new Map<string, Bytes>();
  #pinnedBytes: Bytes = 0;
  /**
   * Called with each victim and its size in bytes as {@link CacheIndex.admit},
   * {@link CacheIndex.request} or {@link CacheIndex.shrink} evicts it (the storage layer reports
   * the sizes of victims whose slots the policy may already have reused). `null`: none.
   */
  onEvict: ((key: string, bytes: Bytes) => void) | null = null;

  /**
   * @param limits The budget; see {@link CacheLimits}.
   * @param policy The replacement policy. Default: a new {@link LruPolicy}.
   * @throws RangeError when `maxBytes` is not a positive number or a limit is negative.
   */
  constructor(limits: CacheLimits, policy: ReplacementPolicy = new LruPolicy()) {
    this.policy = policy;
    this.#maxBytes = 0;
    this.#maxEntries = 0;
    this.#maxEntryBytes = 0;
    this.setLimits(limits);
  }

  /**
   * Changes the limits (for example when the quota clamps the budget). Does not evict by itself:
   * call {@link CacheIndex.shrink} afterwards.
   * @throws RangeError when `maxBytes` is not a positive number or a limit is negative.
   */
  setLimits({ maxBytes, maxEntries, maxEntryBytes }: CacheLimits): void {
    if (!(maxBytes > 0)) throw new RangeError(`maxBytes must be a positive number of bytes, got ${maxBytes}`);
    if (maxEntries !== undefined && !(maxEntries >= 0)) throw new RangeError(`maxEntries must be ≥ 0, got ${maxEntries}`);
    if (maxEntryBytes !== undefined && !(maxEntryBytes >= 0)) {
      throw new RangeError(`maxEntryBytes must be ≥ 0, got ${maxEntryBytes}`);
    }
    this.#maxBytes = maxBytes;
    this.#maxEntries = maxEntries || Number.POSITIVE_INFINITY;
    this.#maxEntryBytes = Math.min(maxEntryBytes ?? maxBytes, maxBytes);
    this.policy.configure?.({ maxBytes: this.#maxBytes, maxEntries: this.#maxEntries });
  }

  /** The byte budget in force. */
  get maxBytes(): Bytes {
    return this.#maxBytes;
  }

  /** The count limit in force (`Infinity` when none). */
  get maxEntries(): number {
    return this.#maxEntries;
  }

  /** The largest admissible entry in bytes (≤ `maxBytes`). */
  get maxEntryBytes(): Bytes {
    return this.#maxEntryBytes;
  }

  /** Bytes held (committed plus reserved). */
  get bytes(): Bytes {
    return this.policy.bytes;
  }

  /** Entries held. */
  get size(): number {
    return this.policy.size;
  }

  /**
   * Victims evicted so far by {@link CacheIndex.admit}, {@link CacheIndex.request} and
   * {@link CacheIndex.shrink} (not removals by {@link CacheIndex.remove} or `clear`). Starts at 0.
   */
  get evictions(): number {
    return this.#evictions;
  }

  /** Whether `key` is held, without counting as a use. */
  has(key: string): boolean {
    return this.policy.has(key);
  }

  /** The size `key` is held with, or `undefined`. */
  sizeOf(key: string): Bytes | undefined {
    return this.policy.sizeOf(key);
  }

  /** A lookup that counts as a use: returns whether `key` is held, and if so records the hit. */
  access(key: string): boolean {
    const policy = this.policy;
    if (policy.hit !== undefined) return policy.hit(key);
    if (!policy.has(key)) return false;
    policy.touch(key);
    return true;
  }

  /**
   * Pins a held key: victim selection ({@link CacheIndex.admit}, {@link CacheIndex.shrink}) skips
   * it until {@link CacheIndex.unpin}. The cache pins an entry from its reservation until its body
   * is written and committed, so a concurrent fill never evicts an entry still being written.
   * O(1). Returns whether `key` is held (an absent key is not pinned).
   */
  pin(key: string): boolean {
    const size = this.policy.sizeOf(key);
    if (size === undefined || this.#pinned.has(key)) return size !== undefined;
    this.#pinned.set(key, size);
    this.#pinnedBytes += size;
    return true;
  }

  /** Unpins `key` (see {@link CacheIndex.pin}); absent or unpinned keys are ignored. O(1). */
  unpin(key: string): void {
    const size = this.#pinned.get(key);
    if (size === undefined) return;
    this.#pinned.delete(key);
    this.#pinnedBytes -= size;
  }

  /** Whether `key` is pinned. */
  isPinned(key: string): boolean {
    return this.#pinned.has(key);
  }

  /** The pinned keys (entries being written), in pinning order. O(pinned). */
  pinnedKeys(): string[] {
    return [...this.#pinned.keys()];
  }

  /** Number of pinned keys. */
  get pinnedCount(): number {
    return this.#pinned.size;
  }

  /** Bytes of the pinned keys (entries being written). */
  get pinnedBytes(): Bytes {
    return this.#pinnedBytes;
  }

  /**
   * Whether an object of `size` bytes fits now beside the pinned keys, which cannot be evicted
   * (the caller retries later or gives up; {@link CacheIndex.admit} then admits nothing).
   */
  fitsBesidePinned(size: Bytes): boolean {
    return this.#pinnedBytes + size <= this.#maxBytes && this.#pinned.size + 1 <= this.#maxEntries;
  }

  /** Whether an object of `size` bytes could ever be admitted (≤ `maxEntryBytes` and ≤ `maxBytes`). */
  admissible(size: Bytes): boolean {
    return size <= this.#maxEntryBytes && this.#maxEntries >= 1;
  }

  /**
   * Reserves room for an absent key and inserts it, evicting victims first (the budget holds at
   * every step: invariant 1 of DESIGN.md §4).
   * @param key A key that is not held (remove it first to replace it).
   * @param size Its size in bytes.
   * @returns Whether it was admitted and which keys were evicted for it.
   * @throws Error when `key` is already held.
   */
  admit(key: string, size: Bytes): Admission {
    if (this.policy.has(key)) throw new Error(`CacheIndex.admit: key already held: ${key}`);
    if (!this.admissible(size) || !this.fitsBesidePinned(size)) return { admitted: false, victims: [] };
    const victims: string[] = [];
    this.#makeRoomAndInsert(key, size, victims);
    return { admitted: true, victims };
  }

  /**
   * One request of the replay contract: a hit when `key` is held (it keeps its stored size),
   * otherwise a miss that admits it when it fits (an inadmissible object is a miss that evicts
   * nothing). This is the hot path of `npm run replay`: no allocation.
   * @param key The requested key.
   * @param size The requested size in bytes (used only on a miss).
   * @param victimsOut When given, victims evicted for this request are appended to it.
   * @returns Whether it was a hit.
   */
  request(key: string, size: Bytes, victimsOut?: string[]): boolean {
    if (this.access(key)) return true;
    if (this.admissible(size)) this.#makeRoomAndInsert(key, size, victimsOut);
    return false;
  }

  /** Evicts one victim at a time until `size` more bytes and one more entry fit, then inserts. */
  #makeRoomAndInsert(key: string, size: Bytes, victimsOut: string[] | undefined): void {
    const policy = this.policy;
    const maxBytes = this.#maxBytes;
    const maxEntries = this.#maxEntries;
    while (policy.bytes + size > maxBytes || policy.size + 1 > maxEntries) {
      const before = policy.bytes;
      const victim = this.#evictUnpinned();
      if (victim === undefined) break;
      this.#evictions++;
      if (this.onEvict !== null) this.onEvict(victim, before - policy.bytes);
      if (victimsOut !== undefined) victimsOut.push(victim);
    }
    policy.insert(key, size);
  }

  /**
   * The policy's next victim that is not pinned; O(1 + pinned) per victim, pinned ≤ the writes in
   * flight. With a slotted policy ({@link ReplacementPolicy.slotOf}: LRU), whose slots key the
   * storage layer's columns, a pinned key must never leave the policy (a re-insert could move it to
   * another slot): pinned keys are touched to the most recent end first, and when only pinned keys
   * are left there is no victim. With other policies a pinned key the policy offers is put back
   * (it was inserted moments ago, so it goes back where a new key goes).
   */
  #evictUnpinned(): string | undefined {
    const policy = this.policy;
    if (this.#pinned.size === 0) return policy.evict();
    if (policy.slotOf) {
      if (policy.size <= this.#pinned.size) return undefined;
      for (const k of this.#pinned.keys()) policy.touch(k);
      const victim = policy.evict();
      if (victim !== undefined && this.#pinned.has(victim)) {
        throw new Error(`CacheIndex: the slotted policy ${policy.name} offered the pinned key ${victim} after a touch`);
      }
      return victim;
    }
    let skipped: string[] | undefined;
    let victim = policy.evict();
    while (victim !== undefined && this.#pinned.has(victim)) {
      (skipped ??= []).push(victim);
      victim = policy.evict();
    }
    if (skipped) for (const k of skipped) policy.insert(k, this.#pinned.get(k)!);
    return victim;
  }

  /** Removes a key for a reason other than eviction. Returns whether it was held. */
  remove(key: string): boolean {
    this.unpin(key);
    return this.policy.remove(key);
  }

  /**
   * Evicts victims until the current limits hold; returns them in eviction order. Pinned keys are
   * never evicted: while they alone exceed lowered limits, the limits hold again once they are unpinned and the next shrink runs.
   */
  shrink(): string[] {
    const victims: string[] = [];
    while (this.policy.bytes > this.#maxBytes || this.policy.size > this.#maxEntries) {
      const before = this.policy.bytes;
      const victim = this.#evictUnpinned();
      if (victim === undefined) break;
      this.#evictions++;
      if (this.onEvict !== null) this.onEvict(victim, before - this.policy.bytes);
      victims.push(victim);
    }
    return victims;
  }

  /** Keys in eviction order (next victim first). */
  keys(): IterableIterator<string> {
    return this.policy.keys();
  }

  /** Removes every key. */
  clear(): void {
    this.#pinned.clear();
    this.#pinnedBytes = 0;
    this.policy.clear();
  }
}
