/**
 * The one queue through which every index mutation runs, one at a time (DESIGN.md §4, invariant 5),
 * with a time limit per task so that one stuck IndexedDB transaction cannot block every later
 * mutation, and every `flushSoon()` promise handed to `waitUntil`, for ever.
 *
 * When a task runs longer than `timeLimitMs`, its promise rejects with an
 * {@link ImageCacheError} `mutation-timeout`, `onTimeout` is called (the cache reports it, closes
 * the IndexedDB connection and schedules a recovery), and the next task starts. The stuck task is
 * not cancelled (a promise cannot be): whatever it still does lands late, and the recovery that
 * follows rebuilds the index from the stores.
 * @internal
 */
import { ImageCacheError } from '../errors/ImageCacheError.ts';
import type { Milliseconds } from '../policy/types.ts';

/** Options of a {@link MutationQueue}. */
export interface MutationQueueOptions {
  /** Longest a task may run before the queue moves on, in ms; `0` disables the limit. @default 10000 */
  timeLimitMs?: Milliseconds;
  /** Called once per task that hit the limit, with its label, after its promise rejected. */
  onTimeout?: (label: string, error: ImageCacheError) => void;
}

/** A serial task queue with a time limit per task. @internal */
export class MutationQueue {
  readonly #timeLimitMs: Milliseconds;
  readonly #onTimeout?: (label: string, error: ImageCacheError) => void;
  #tail: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #timeouts = 0;

  constructor(options: MutationQueueOptions = {}) {
    this.#timeLimitMs = options.timeLimitMs ?? 10_000;
    this.#onTimeout = options.onTimeout;
  }

  /** Tasks queued or running. */
  get pending(): number {
    return this.#pending;
  }

  /** Tasks that hit the time limit since construction. */
  get timeouts(): number {
    return this.#timeouts;
  }

  /**
   * Runs `fn` after every task queued before it has settled (or timed out).
   * @param label Names the task in a `mutation-timeout` error.
   * @returns `fn`'s result; rejects with `fn`'s error, or with `mutation-timeout`.
   */
  run<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.#pending++;
    const run = this.#tail.then(() => this.#limited(label, fn));
    const settled = run.then(
      () => {
        this.#pending--;
      },
      () => {
        this.#pending--;
      },
    );
    this.#tail = settled;
    return run;
  }

  #limited<T>(label: string, fn: () => Promise<T>): Promise<T> {
    let task: Promise<T>;
    try {
      task = fn();
    } catch (e) {
      return Promise.reject(e);
    }
    if (!(this.#timeLimitMs > 0)) return task;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#timeouts++;
        const error = new ImageCacheError('mutation-timeout', { operation: label, timeLimitMs: this.#timeLimitMs });
        reject(error);
        this.#onTimeout?.(label, error);
      }, this.#timeLimitMs);
      task.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

/**
 * Per-key chains of tasks: tasks of one key run one after another, in the order they were
 * queued; tasks of different keys run concurrently. The write path runs the Cache Storage half
 * of a fill (the body write, a victim's body delete) on its URL's chain, outside the
 * {@link MutationQueue}, so fills of different URLs overlap while each URL keeps its order.
 * A task must never wait for the {@link MutationQueue} to drain from inside it while the queue
 * waits for the chain (no task of the queue awaits a chain).
 * @internal
 */
export class KeyedChains {
  readonly #tails = new Map<string, Promise<void>>();
  #running = 0;
  #peakRunning = 0;

  /**
   * Runs `fn` once every task queued before it for `key` has settled.
   * @returns `fn`'s result; rejects with `fn`'s error (later tasks of `key` run anyway).
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const run = previous.then(() => {
      this.#running++;
      if (this.#running > this.#peakRunning) this.#peakRunning = this.#running;
      return fn().finally(() => this.#running--);
    });
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.#tails.size;
  }

  /** The most tasks (of different keys) that ran at once since construction. */
  get peakRunning(): number {
    return this.#peakRunning;
  }

  /**
   * Settles once every task queued so far for `keys` has settled (never rejects). Tasks queued
   * for them later are not waited for.
   */
  settled(keys: Iterable<string>): Promise<void> {
    const tails: Promise<void>[] = [];
    for (const key of keys) {
      const tail = this.#tails.get(key);
      if (tail) tails.push(tail);
    }
    return Promise.all(tails).then(() => undefined);
  }

  /** Settles once every task queued so far has settled (never rejects). */
  idle(): Promise<void> {
    return Promise.all([...this.#tails.values()]).then(() => undefined);
  }
}
