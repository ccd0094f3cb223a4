/**
 * The one queue through which every index mutation runs, one at a time (DESIGN.md §4, invariant 5),
 * with a time limit per task so that one stuck IndexedDB transaction cannot block every later
 * mutation, and every `flushSoon()` promise handed to `waitUntil`, for ever.
 *
 * The limit is a watchdog on progress, not a cap on work: a task that does a lot (the recovery of
 * 100,000 entries) re-arms it as it goes ({@link QueueTask.progress}), and may re-arm it with a
 * longer limit for one large step it cannot split (one `getAll()`, one `Cache.keys()`).
 *
 * When a task runs longer than its limit without progress, its promise rejects with an
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

/** What a running task of a {@link MutationQueue} may tell the queue. */
export interface QueueTask {
  /**
   * Reports progress: re-arms the task's time limit, which then runs from now. With `limitMs`, the
   * limit becomes `limitMs` (ms) for the rest of the task (a large step ahead); without, the last
   * limit set (the queue's `timeLimitMs` at first). No effect once the task has timed out, or when
   * the queue has no limit.
   */
  progress(limitMs?: Milliseconds): void;
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
   * @param fn The task; it may report progress through its argument.
   * @returns `fn`'s result; rejects with `fn`'s error, or with `mutation-timeout` (code) when it ran
   *   longer than its limit without reporting progress.
   */
  run<T>(label: string, fn: (task: QueueTask) => Promise<T>): Promise<T> {
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

  #limited<T>(label: string, fn: (task: QueueTask) => Promise<T>): Promise<T> {
    let limitMs = this.#timeLimitMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    let onTimeout: () => void = () => {};
    const arm = () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(() => onTimeout(), limitMs);
    };
    const task: QueueTask = {
      progress: (ms) => {
        if (done || !(this.#timeLimitMs > 0)) return;
        if (ms !== undefined) limitMs = Math.max(this.#timeLimitMs, ms);
        arm();
      },
    };
    let work: Promise<T>;
    try {
      work = fn(task);
    } catch (e) {
      done = true;
      return Promise.reject(e);
    }
    if (!(this.#timeLimitMs > 0)) return work;
    return new Promise<T>((resolve, reject) => {
      onTimeout = () => {
        done = true;
        this.#timeouts++;
        const error = new ImageCacheError('mutation-timeout', { operation: label, timeLimitMs: limitMs });
        reject(error);
        this.#onTimeout?.(label, error);
      };
      if (!done && timer === undefined) arm();
      work.then(
        (value) => {
          done = true;
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          done = true;
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
