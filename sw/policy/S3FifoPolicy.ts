import { LinkedQueue, type QueueLinks } from './LinkedQueue.ts';
import type { PolicyLimits, ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** One held key, or one ghost key. */
interface S3FifoEntry extends QueueLinks<S3FifoEntry> {
  key: string;
  size: Bytes;
  /** Hits since insertion (or since the last move to main / reinsertion), capped at 3. */
  freq: number;
  /** The queue the entry is in. */
  queue: S3FifoQueue;
}

/** Which of S3-FIFO's three queues a key is in. */
export type S3FifoQueue = 'small' | 'main' | 'ghost';

/** Tuning of an {@link S3FifoPolicy}; every field has the paper's / libCacheSim's default. */
export interface S3FifoOptions {
  /** Share of the byte (and count) budget given to the small queue. @default 0.1 */
  smallRatio?: number;
  /** Size of the ghost queue as a share of the budget (bytes of forgotten keys). @default 0.9 */
  ghostRatio?: number;
  /** Hits in the small queue needed to be moved to main instead of evicted. @default 2 */
  moveToMainThreshold?: number;
}

/** Frequency cap: a 2-bit counter. */
const MAX_FREQ = 3;

/**
 * S3-FIFO: three FIFO queues, a *small* one (10% of the budget) that filters one-hit wonders, a
 * *main* one (the rest) run as a 2-bit CLOCK, and a *ghost* queue remembering keys recently
 * evicted from small (keys and sizes only, no data).
 *
 * Decisions (libCacheSim's `S3FIFOv0.c`, the implementation of the SOSP paper, with its defaults
 * `small-size-ratio=0.10, ghost-size-ratio=0.90, move-to-main-threshold=2`):
 * - insertion (a miss): a key found in ghost leaves ghost and goes to the head of main; any other
 *   key goes to the head of small; its frequency starts at 0;
 * - hit: frequency + 1, capped at 3 (no reordering);
 * - `evict()`: if main holds more than its share (bytes, or count when a count limit is set) or
 *   small is empty, evict from main, else from small:
 *   - from small: take its tail (oldest); with frequency ≥ `moveToMainThreshold` it moves to the
 *     head of main with frequency 0 and the scan goes on; otherwise it is the victim and its key
 *     enters ghost. When small empties without a victim, main is scanned;
 *   - from main: take its tail; with frequency ≥ 1 it is reinserted at the head with
 *     `min(freq, 3) - 1`; otherwise it is the victim.
 *   So one `evict()` may move several entries between queues; it returns the one key removed.
 *
 * Choices for variable-size objects and this interface (documented departures):
 * - every share is in bytes: small = ⌊0.1 × maxBytes⌋, main = maxBytes − small, ghost =
 *   ⌊0.9 × maxBytes⌋ bytes of forgotten objects (each counted with its size; a ghost key larger
 *   than the whole ghost is not remembered). With a count limit the shares also apply to counts.
 * - libCacheSim refuses to cache an object whose size is ≥ the small queue's; this interface has
 *   no admission veto (CacheIndex admits everything ≤ `maxEntryBytes`), so such an object is
 *   inserted at the head of main instead (frequency 0), where CLOCK evicts it quickly if unused.
 * - Before {@link S3FifoPolicy.configure} is called (no budget known) main has no share limit, so
 *   victims come from small while it is non-empty.
 * - `remove(key)` (delete, expire) drops the key without remembering it in ghost.
 *
 * Structure: one `Map` from key to entry for held keys, one for ghost keys, and an intrusive
 * linked queue (`LinkedQueue`) per queue.
 *
 * Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`: O(1) (amortised `Map` operations);
 * `evict`: O(1) amortised (each move or reinsertion spends a hit or an insertion); `keys()`: O(n).
 * Memory: one `Map` slot and one entry object per held key and per ghost key.
 *
 * Source: Yang, Zhang, Qiu, Yue and Rashmi, "FIFO queues are all you need for cache eviction",
 * SOSP '23 (Algorithm 1), and libCacheSim (github.com/1a1a11a/libCacheSim,
 * `libCacheSim/cache/eviction/S3FIFOv0.c`).
 */
export class S3FifoPolicy implements ReplacementPolicy {
  readonly name: string = 's3fifo';
  readonly #smallRatio: number;
  readonly #ghostRatio: number;
  readonly #moveToMainThreshold: number;
  /** Held keys (small and main). */
  #entries = new Map<string, S3FifoEntry>();
  /** Ghost keys (not held). */
  #ghostEntries = new Map<string, S3FifoEntry>();
  #small = new LinkedQueue<S3FifoEntry>();
  #main = new LinkedQueue<S3FifoEntry>();
  #ghost = new LinkedQueue<S3FifoEntry>();
  #smallBytes: Bytes = 0;
  #mainBytes: Bytes = 0;
  #ghostBytes: Bytes = 0;
  #smallCapacityBytes: Bytes = Number.POSITIVE_INFINITY;
  #mainCapacityBytes: Bytes = Number.POSITIVE_INFINITY;
  #mainCapacityEntries = Number.POSITIVE_INFINITY;
  #ghostCapacityBytes: Bytes = Number.POSITIVE_INFINITY;
  #ghostCapacityEntries = Number.POSITIVE_INFINITY;

  /**
   * @param options Queue shares and move threshold; see {@link S3FifoOptions}.
   * @throws RangeError when a ratio is outside [0, 1] or the threshold is < 1.
   */
  constructor(options: S3FifoOptions = {}) {
    const { smallRatio = 0.1, ghostRatio = 0.9, moveToMainThreshold = 2 } = options;
    if (!(smallRatio >= 0 && smallRatio <= 1)) throw new RangeError(`smallRatio must be in [0, 1], got ${smallRatio}`);
    if (!(ghostRatio >= 0 && ghostRatio <= 1)) throw new RangeError(`ghostRatio must be in [0, 1], got ${ghostRatio}`);
    if (!(moveToMainThreshold >= 1)) {
      throw new RangeError(`moveToMainThreshold must be ≥ 1, got ${moveToMainThreshold}`);
    }
    this.#smallRatio = smallRatio;
    this.#ghostRatio = ghostRatio;
    this.#moveToMainThreshold = moveToMainThreshold;
  }

  /** Sizes the queues from the budget (called by {@link CacheIndex}); see the class doc. */
  configure({ maxBytes, maxEntries }: PolicyLimits): void {
    this.#smallCapacityBytes = Math.floor(maxBytes * this.#smallRatio);
    this.#mainCapacityBytes = maxBytes - this.#smallCapacityBytes;
    this.#ghostCapacityBytes = Math.floor(maxBytes * this.#ghostRatio);
    if (Number.isFinite(maxEntries)) {
      this.#mainCapacityEntries = maxEntries - Math.floor(maxEntries * this.#smallRatio);
      this.#ghostCapacityEntries = Math.floor(maxEntries * this.#ghostRatio);
    } else {
      this.#mainCapacityEntries = Number.POSITIVE_INFINITY;
      this.#ghostCapacityEntries = Number.POSITIVE_INFINITY;
    }
    this.#trimGhost(0, 0);
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): Bytes {
    return this.#smallBytes + this.#mainBytes;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#entries.get(key)?.size;
  }

  /** The queue `key` is in (`ghost`: not held, remembered), or `undefined`. For tests and tools. */
  queueOf(key: string): S3FifoQueue | undefined {
    return (this.#entries.get(key) ?? this.#ghostEntries.get(key))?.queue;
  }

  /** The frequency counter of a held key (0 to 3), or `undefined`. */
  frequencyOf(key: string): number | undefined {
    return this.#entries.get(key)?.freq;
  }

  touch(key: string): void {
    this.hit(key);
  }

  hit(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    if (entry.freq < MAX_FREQ) entry.freq++;
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#entries.has(key)) throw new Error(`S3FifoPolicy.insert: key already held: ${key}`);
    const ghost = this.#ghostEntries.get(key);
    if (ghost !== undefined) {
      this.#ghostEntries.delete(key);
      this.#ghost.unlink(ghost);
      this.#ghostBytes -= ghost.size;
    }
    const entry: S3FifoEntry = { key, size, freq: 0, queue: 'small', older: null, newer: null };
    this.#entries.set(key, entry);
    if (ghost !== undefined || size >= this.#smallCapacityBytes) {
      this.#pushMain(entry);
    } else {
      this.#small.push(entry);
      this.#smallBytes += size;
    }
  }

  remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    if (entry.queue === 'small') {
      this.#small.unlink(entry);
      this.#smallBytes -= entry.size;
    } else {
      this.#main.unlink(entry);
      this.#mainBytes -= entry.size;
    }
    return true;
  }

  evict(): string | undefined {
    const mainOver = this.#mainBytes > this.#mainCapacityBytes || this.#main.size > this.#mainCapacityEntries;
    if (!mainOver && this.#small.size > 0) {
      const victim = this.#evictSmall();
      if (victim !== undefined) return victim;
    }
    return this.#evictMain();
  }

  /**
   * A snapshot of the held keys in queue order: small from its tail (oldest) first, then main
   * from its tail. This is the order the queues are scanned in, not the exact order of future
   * victims (entries with a non-zero frequency are moved or reinserted before being evicted).
   */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (const entry of this.#small.values()) out.push(entry.key);
    for (const entry of this.#main.values()) out.push(entry.key);
    return out.values();
  }

  /** A snapshot of the ghost keys, oldest first (not held; for tests and tools). */
  ghostKeys(): IterableIterator<string> {
    return Array.from(this.#ghost.values(), (entry) => entry.key).values();
  }

  clear(): void {
    this.#entries.clear();
    this.#ghostEntries.clear();
    this.#small.clear();
    this.#main.clear();
    this.#ghost.clear();
    this.#smallBytes = 0;
    this.#mainBytes = 0;
    this.#ghostBytes = 0;
  }

  #pushMain(entry: S3FifoEntry): void {
    entry.queue = 'main';
    this.#main.push(entry);
    this.#mainBytes += entry.size;
  }

  /** Scans small from its tail; returns the victim, or `undefined` if small emptied into main. */
  #evictSmall(): string | undefined {
    for (let entry = this.#small.shift(); entry !== null; entry = this.#small.shift()) {
      this.#smallBytes -= entry.size;
      if (entry.freq >= this.#moveToMainThreshold) {
        entry.freq = 0;
        this.#pushMain(entry);
        continue;
      }
      this.#entries.delete(entry.key);
      this.#remember(entry);
      return entry.key;
    }
    return undefined;
  }

  /** 2-bit CLOCK over main: reinserts entries with frequency ≥ 1 (decremented) until one has 0. */
  #evictMain(): string | undefined {
    const main = this.#main;
    for (let entry = main.oldest; entry !== null; entry = main.oldest) {
      if (entry.freq >= 1) {
        entry.freq = Math.min(entry.freq, MAX_FREQ) - 1;
        main.moveToNewest(entry);
        continue;
      }
      main.unlink(entry);
      this.#mainBytes -= entry.size;
      this.#entries.delete(entry.key);
      return entry.key;
    }
    return undefined;
  }

  /** Adds a key evicted from small to ghost, forgetting the oldest ghost keys to make room. */
  #remember(entry: S3FifoEntry): void {
    if (entry.size > this.#ghostCapacityBytes || this.#ghostCapacityEntries < 1) return;
    this.#trimGhost(entry.size, 1);
    entry.queue = 'ghost';
    entry.freq = 0;
    this.#ghost.push(entry);
    this.#ghostEntries.set(entry.key, entry);
    this.#ghostBytes += entry.size;
  }

  /** Forgets the oldest ghost keys until `roomBytes` more bytes and `roomEntries` more keys fit. */
  #trimGhost(roomBytes: Bytes, roomEntries: number): void {
    while (
      this.#ghost.size > 0 &&
      (this.#ghostBytes + roomBytes > this.#ghostCapacityBytes ||
        this.#ghost.size + roomEntries > this.#ghostCapacityEntries)
    ) {
      const oldest = this.#ghost.shift()!;
      this.#ghostEntries.delete(oldest.key);
      this.#ghostBytes -= oldest.size;
    }
  }
}
