/**
 * Write-behind of access times and statistics (DESIGN.md §4, invariant 4): a hit only marks its
 * key dirty; a batch is written at most every `writeBehindMs`, never on a hit's critical path. A
 * lost batch costs LRU accuracy, not consistency.
 *
 * A due batch also waits for a pause in the hits ({@link QUIET_MS} without one), at most
 * {@link MAX_DEFER_DELAYS} batch delays after its first mark: a batch reads and rewrites one
 * IndexedDB record per key, and written in the middle of a burst of hits (a page of thumbnails, a
 * map pan) it delayed the hits around it by 10-20 ms in Chromium (bench, 304 cached images at
 * c=1: ours' slowest small images 16-22 ms at the batch's time against 9-12 ms without it).
 * @internal
 */
import type { Milliseconds } from '../policy/types.ts';

/** How long no access must have been marked before a due batch is written, in ms (at most the batch delay). */
export const QUIET_MS: Milliseconds = 200;
/** A due batch waits for a pause in the hits at most this many batch delays after its first mark. */
export const MAX_DEFER_DELAYS = 5;

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
  /** Whether an access was marked since the batch started listening for a pause (no clock: the timers measure it). */
  #marked = false;
  /** How many more quiet windows the pending batch may wait for a pause. */
  #windowsLeft = 0;
  /** The quiet window, in ms: {@link QUIET_MS}, or the batch delay when shorter. */
  readonly #quietMs: Milliseconds;
  #promise: Promise<void> | null = null;
  #resolve: (() => void) | null = null;

  /**
   * @param delayMs Delay between the first dirty mark and its batch, in ms.
   * @param write Writes one batch (takes the dirty keys with {@link WriteBehind.takeDirty}); must not reject.
   */
  constructor(delayMs: Milliseconds, write: () => Promise<void>) {
    this.#delayMs = delayMs;
    this.#write = write;
    this.#quietMs = Math.min(QUIET_MS, delayMs);
  }

  /** Marks `key` as used at `atMs` (ms since epoch); the latest use is kept and moves to the end. */
  markAccess(key: string, atMs: Milliseconds): void {
    this.#marked = true;
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

  /**
   * Schedules a batch (at most one pending) and resolves once it has run: `delayMs` after this
   * call, or later while accesses are still being marked (written once none was for
   * {@link QUIET_MS}, capped at `delayMs`; at most {@link MAX_DEFER_DELAYS} × `delayMs` after this call).
   */
  soon(): Promise<void> {
    if (!this.#promise) {
      this.#promise = new Promise<void>((resolve) => {
        this.#resolve = resolve;
      });
      // No quiet window (`delayMs` 0): written at once, never deferred.
      this.#windowsLeft = this.#quietMs > 0 ? Math.floor(((MAX_DEFER_DELAYS - 1) * this.#delayMs) / this.#quietMs) : 0;
      this.#timer = setTimeout(this.#listen, this.#delayMs - this.#quietMs);
    }
    return this.#promise;
  }

  /** The last quiet window of the batch delay begins: accesses marked from now on defer the batch. */
  readonly #listen = (): void => {
    this.#marked = false;
    this.#timer = setTimeout(this.#due, this.#quietMs);
  };

  /** A quiet window ended: writes the batch when no access was marked in it (or the deferral ran out), else waits another. */
  readonly #due = (): void => {
    if (this.#marked && this.#windowsLeft-- >= 1) this.#listen();
    else void this.now();
  };

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
