/**
 * Write-behind of access times and statistics (DESIGN.md §4, invariant 4): a hit only marks its
 * key dirty; a batch is written at most every `writeBehindMs`, never on a hit's critical path. A
 * lost batch costs LRU accuracy, not consistency.
 * @internal
 */
import type { Milliseconds } from '../policy/types.ts';

/** The dirty set and the batch timer. @internal */
export class WriteBehind {
  readonly #delayMs: Milliseconds;
  readonly #write: () => Promise<void>;
  /**
   * Keys whose access time (or freshness) changed since the last batch, with the latest access
   * time in ms since epoch (`0`: only the freshness changed), in order of their latest access.
   * Bounded by the distinct keys used within one batch delay, not by the number of entries.
   */
  #dirty = new Map<string, Milliseconds>();
  /** Whether a key's freshness (`storedAt`/`expiresAt`) changed: the batch then changes the index. */
  #freshnessChanged = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #promise: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  /**
   * @param delayMs Delay between the first dirty mark and its batch, in ms.
   * @param write Writes one batch (takes the dirty keys with {@link WriteBehind.takeDirty}); must not reject.
   */
  constructor(delayMs: Milliseconds, write: () => Promise<void>) {
    this.#delayMs = delayMs;
    this.#write = write;
  }

  /** Marks `key` as used at `atMs` (ms since epoch); the latest use is kept and moves to the end. */
  markAccess(key: string, atMs: Milliseconds): void {
    const prev = this.#dirty.get(key);
    if (prev !== undefined) this.#dirty.delete(key);
    this.#dirty.set(key, Math.max(prev ?? 0, atMs));
  }

  /** Marks `key`'s freshness as changed in memory (clock sanity): its record is rewritten with the next batch. */
  markFreshness(key: string): void {
    this.#freshnessChanged = true;
    if (!this.#dirty.has(key)) this.#dirty.set(key, 0);
  }

  /** The pending access time of `key` (ms since epoch), or `undefined` when none is waiting. */
  pendingAccess(key: string): Milliseconds | undefined {
    const at = this.#dirty.get(key);
    return at ? at : undefined;
  }

  /** Forgets `key` (its entry was removed: it must not be written back). */
  forget(key: string): void {
    this.#dirty.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#dirty.clear();
  }

  /** The dirty keys with their access times (oldest use first), and whether a freshness changed; empties the set. */
  takeDirty(): { accesses: Map<string, Milliseconds>; freshnessChanged: boolean } {
    const accesses = this.#dirty;
    const freshnessChanged = this.#freshnessChanged;
    this.#dirty = new Map();
    this.#freshnessChanged = false;
    return { accesses, freshnessChanged };
  }

  /** Schedules a batch (at most one pending) and resolves once it has run. */
  soon(): Promise<void> {
    if (!this.#promise) {
      this.#promise = new Promise<void>((resolve) => {
        this.#resolve = resolve;
      });
      this.#timer = setTimeout(() => void this.now(), this.#delayMs);
    }
    return this.#promise;
  }

  /** Runs a batch now; resolves the pending {@link WriteBehind.soon} promise when done. */
  async now(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const resolve = this.#resolve;
    this.#promise = null;
    this.#resolve = null;
    try {
      await this.#write();
    } finally {
      resolve?.();
    }
  }
}
