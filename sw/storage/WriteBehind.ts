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
  /** Keys whose access time changed since the last batch. */
  #dirty = new Set<string>();
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

  /** Marks `key`'s access time as changed. */
  markAccess(key: string): void {
    this.#dirty.add(key);
  }

  /** Forgets `key` (its entry was removed: it must not be written back). */
  forget(key: string): void {
    this.#dirty.delete(key);
  }

  /** Forgets every key. */
  clear(): void {
    this.#dirty.clear();
  }

  /** The dirty keys, emptying the set. */
  takeDirty(): Set<string> {
    const dirty = this.#dirty;
    this.#dirty = new Set();
    return dirty;
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
