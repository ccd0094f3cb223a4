import type { Bytes, Milliseconds } from './types.ts';

/**
 * The one background job queue of the worker (issue 11, item 2): warm-up manifest, capture of
 * images a page loaded before the worker controlled it, and `client.warm()` all go through it.
 *
 * Pure: no `self`, `caches`, `indexedDB`, `Date.now()` or `setTimeout`. The clock, the random
 * source (jitter) and the timer are injected, so tests drive it with a fake clock.
 *
 * Rules, in order:
 * 1. **Priority.** Page requests are never queued and always come first: while
 *    {@link JobQueue.pageFetchStarted} has more starts than ends, no queued job starts (running
 *    ones finish). Then `capture` > `manifest` > `warm`; FIFO within a priority.
 * 2. **Bounded concurrency.** At most `concurrency` jobs run at once.
 * 3. **Rate limit.** A token bucket of `requestsPerSecond` tokens per second (capacity
 *    `burst`): every attempt, first or retry, takes one token. `0` disables the limit.
 * 4. **Retries.** A job whose run throws, or returns `{ result: 'failed', retryable: true }`,
 *    is retried up to `retries` times, after a backoff with full jitter (AWS Architecture Blog,
 *    "Exponential Backoff And Jitter"): `random() × min(backoffMaxMs, backoffBaseMs × 2^(n−1))`
 *    before retry n. A waiting retry does not hold a concurrency slot.
 * 5. **Dead letters.** A job that fails its last attempt (or fails not retryable) is dead: its
 *    URL is listed in {@link JobQueue.dead} (the newest `maxDeadLetters`) and counted.
 *
 * A URL is queued once: adding a URL already pending raises its priority if the new one is
 * higher, and the new batch is told its outcome too.
 */

/** Background priorities, highest first. Page requests are above all of them and never queued. */
export const JOB_PRIORITIES = ['capture', 'manifest', 'warm'] as const;
/** A background priority: `capture` (first-visit images), `manifest` (warm-up), `warm` (`client.warm()`). */
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** One queued URL. */
export interface Job {
  /** Absolute URL (the cache key). */
  url: string;
  /** Content revision of a manifest entry, else `null`. */
  revision: string | null;
  priority: JobPriority;
  /** Attempts made so far (0 before the first). */
  attempts: number;
}

/** What one attempt of a job did. A thrown error counts as `{ result: 'failed', retryable: true }`. */
export type JobOutcome =
  | { result: 'stored'; bytes: Bytes }
  | { result: 'skipped' }
  | { result: 'failed'; reason: string; retryable: boolean };

/** A URL that kept failing. */
export interface DeadLetter {
  url: string;
  priority: JobPriority;
  /** Attempts made. */
  attempts: number;
  /** The last failure. */
  reason: string;
  /** When it was given up, ms since epoch (injected clock). */
  atMs: Milliseconds;
}

/** Totals of one batch (one `enqueue` call). */
export interface BatchProgress {
  /** URLs in the batch (after dropping duplicates within it). */
  total: number;
  stored: number;
  skipped: number;
  failed: number;
  /** Bytes stored by this batch. */
  bytes: Bytes;
}

/** Events of the queue, for stats, the dashboard and the page. */
export type JobEvent =
  | { type: 'start'; job: Job }
  | { type: 'retry'; job: Job; reason: string; delayMs: Milliseconds }
  | { type: 'done'; job: Job; outcome: 'stored' | 'skipped'; bytes: Bytes }
  | { type: 'dead'; job: Job; reason: string };

/** Told after each URL of a batch: the totals so far, the URL, its outcome and (failed) the last reason. */
export type ProgressListener = (progress: BatchProgress, url: string, outcome: 'stored' | 'skipped' | 'failed', reason?: string) => void;

/** Counts of one priority. */
export interface PriorityCounts {
  /** Waiting to start (including retries waiting out their backoff). */
  pending: number;
  running: number;
  /** Stored or skipped since the queue was created. */
  done: number;
  /** Given up since the queue was created. */
  dead: number;
}

/** The injected scheduler: a one-shot timer. */
export interface JobTimer {
  /** Calls `fn` once after `delayMs` ms; returns a handle for `clear`. */
  set(fn: () => void, delayMs: Milliseconds): unknown;
  clear(handle: unknown): void;
}

/** Options of {@link JobQueue}. */
export interface JobQueueOptions {
  /** Runs one attempt of a job (fetch and store). */
  run: (job: Job) => Promise<JobOutcome>;
  /** Jobs running at once. @default 4 */
  concurrency?: number;
  /** Retries after the first failed attempt. @default 2 */
  retries?: number;
  /** Backoff ceiling before the first retry, in ms (doubles per retry, full jitter). @default 250 */
  backoffBaseMs?: Milliseconds;
  /** Upper bound of one backoff, in ms. @default 30000 */
  backoffMaxMs?: Milliseconds;
  /** Attempts started per second (token bucket refill rate). `0` disables the limit. @default 0 */
  requestsPerSecond?: number;
  /** Token bucket capacity (attempts that may start at once after idling). @default max(1, ceil(requestsPerSecond)) */
  burst?: number;
  /** Dead letters kept (oldest dropped first). @default 100 */
  maxDeadLetters?: number;
  /** The clock, ms since epoch. */
  now: () => Milliseconds;
  /** Uniform in [0, 1) for jitter. @default Math.random */
  random?: () => number;
  timer: JobTimer;
  /** Called with every event, synchronously. */
  onEvent?: (event: JobEvent) => void;
}

interface Batch {
  progress: BatchProgress;
  left: number;
  onProgress?: ProgressListener;
  resolve: (progress: BatchProgress) => void;
}

interface Entry {
  job: Job;
  seq: number;
  notBeforeMs: Milliseconds;
  batches: Batch[];
}

const rank = (p: JobPriority): number => JOB_PRIORITIES.indexOf(p);

/** See the module comment. */
export class JobQueue {
  readonly #o: Required<Omit<JobQueueOptions, 'onEvent'>> & Pick<JobQueueOptions, 'onEvent'>;
  /** Pending entries by URL (waiting or in backoff). */
  readonly #pending = new Map<string, Entry>();
  readonly #running = new Map<string, Entry>();
  readonly #counts: Record<JobPriority, { done: number; dead: number }> = { capture: { done: 0, dead: 0 }, manifest: { done: 0, dead: 0 }, warm: { done: 0, dead: 0 } };
  readonly #dead: DeadLetter[] = [];
  readonly #idleWaiters: Array<() => void> = [];
  #seq = 0;
  #pageFetches = 0;
  #tokens: number;
  #tokensAtMs: Milliseconds;
  #timer: unknown = null;
  #timerAtMs = Number.POSITIVE_INFINITY;

  /** @throws RangeError when a number option is negative or `concurrency` < 1. */
  constructor(options: JobQueueOptions) {
    const rps = options.requestsPerSecond ?? 0;
    this.#o = {
      concurrency: options.concurrency ?? 4,
      retries: options.retries ?? 2,
      backoffBaseMs: options.backoffBaseMs ?? 250,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      requestsPerSecond: rps,
      burst: options.burst ?? Math.max(1, Math.ceil(rps)),
      maxDeadLetters: options.maxDeadLetters ?? 100,
      random: options.random ?? Math.random,
      run: options.run,
      now: options.now,
      timer: options.timer,
      onEvent: options.onEvent,
    };
    if (!(this.#o.concurrency >= 1)) throw new RangeError('concurrency must be ≥ 1');
    for (const k of ['retries', 'backoffBaseMs', 'backoffMaxMs', 'requestsPerSecond', 'burst', 'maxDeadLetters'] as const) {
      if (!(this.#o[k] >= 0)) throw new RangeError(`${k} must be ≥ 0`);
    }
    this.#tokens = this.#o.burst;
    this.#tokensAtMs = this.#o.now();
  }

  /**
   * Queues `items` at `priority` and starts what may start.
   * @returns A promise of the batch's totals, resolved when every URL is stored, skipped or dead
   *   (at once for an empty list). Never rejects.
   * @param onProgress Called after each URL's outcome with the batch totals so far.
   */
  enqueue(
    items: ReadonlyArray<{ url: string; revision?: string | null }>,
    priority: JobPriority,
    onProgress?: ProgressListener,
  ): Promise<BatchProgress> {
    return new Promise((resolve) => {
      const unique = new Map<string, string | null>();
      for (const it of items) if (!unique.has(it.url)) unique.set(it.url, it.revision ?? null);
      const batch: Batch = { progress: { total: unique.size, stored: 0, skipped: 0, failed: 0, bytes: 0 }, left: unique.size, onProgress, resolve };
      if (unique.size === 0) return resolve({ ...batch.progress });
      for (const [url, revision] of unique) {
        const existing = this.#pending.get(url) ?? this.#running.get(url);
        if (existing) {
          existing.batches.push(batch);
          if (this.#pending.has(url) && rank(priority) < rank(existing.job.priority)) existing.job.priority = priority;
          continue;
        }
        this.#pending.set(url, { job: { url, revision, priority, attempts: 0 }, seq: this.#seq++, notBeforeMs: 0, batches: [batch] });
      }
      this.pump();
    });
  }

  /** A page fetch (a miss waiting for the network) started: queued jobs wait until it ends. */
  pageFetchStarted(): void {
    this.#pageFetches++;
  }

  /** A page fetch ended (call once per {@link pageFetchStarted}, also on failure). */
  pageFetchEnded(): void {
    this.#pageFetches = Math.max(0, this.#pageFetches - 1);
    if (this.#pageFetches === 0) this.pump();
  }

  /** Page fetches in flight. */
  get pageFetches(): number {
    return this.#pageFetches;
  }

  /** Counts by priority. */
  counts(): Record<JobPriority, PriorityCounts> {
    const out = {} as Record<JobPriority, PriorityCounts>;
    for (const p of JOB_PRIORITIES) out[p] = { pending: 0, running: 0, ...this.#counts[p] };
    for (const e of this.#pending.values()) out[e.job.priority].pending++;
    for (const e of this.#running.values()) out[e.job.priority].running++;
    return out;
  }

  /** URLs that kept failing, oldest first (a copy). */
  get dead(): DeadLetter[] {
    return this.#dead.map((d) => ({ ...d }));
  }

  /** The jobs not yet finished (pending and running), highest priority first: what to persist. */
  snapshot(): Array<Pick<Job, 'url' | 'revision' | 'priority'>> {
    return [...this.#pending.values(), ...this.#running.values()]
      .sort((a, b) => rank(a.job.priority) - rank(b.job.priority) || a.seq - b.seq)
      .map(({ job }) => ({ url: job.url, revision: job.revision, priority: job.priority }));
  }

  /** Resolves when nothing is pending or running (at once when idle). */
  whenIdle(): Promise<void> {
    if (this.#pending.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /**
   * Starts every job that may start now; when the next one is blocked by the rate limit or a
   * backoff, arms the timer for that moment. Called by the queue itself; public so a host can
   * nudge it (e.g. after a worker wakes).
   */
  pump(): void {
    if (this.#pageFetches > 0) return;
    const now = this.#o.now();
    let wakeAtMs = Number.POSITIVE_INFINITY;
    while (this.#running.size < this.#o.concurrency) {
      const next = this.#next(now);
      if (!next.entry) {
        wakeAtMs = Math.min(wakeAtMs, next.wakeAtMs);
        break;
      }
      const tokenAtMs = this.#takeToken(now);
      if (tokenAtMs > now) {
        wakeAtMs = Math.min(wakeAtMs, tokenAtMs);
        break;
      }
      this.#start(next.entry);
    }
    this.#arm(wakeAtMs, now);
  }

  /** The ready entry of highest priority, or when the earliest waiting one becomes ready. */
  #next(now: Milliseconds): { entry: Entry | null; wakeAtMs: Milliseconds } {
    let best: Entry | null = null;
    let wakeAtMs = Number.POSITIVE_INFINITY;
    for (const e of this.#pending.values()) {
      if (e.notBeforeMs > now) {
        wakeAtMs = Math.min(wakeAtMs, e.notBeforeMs);
        continue;
      }
      if (!best || rank(e.job.priority) < rank(best.job.priority) || (e.job.priority === best.job.priority && e.seq < best.seq)) best = e;
    }
    return { entry: best, wakeAtMs };
  }

  /** Takes a token and returns `now`, or returns when the next token arrives (taking nothing). */
  #takeToken(now: Milliseconds): Milliseconds {
    const rps = this.#o.requestsPerSecond;
    if (rps === 0) return now;
    this.#tokens = Math.min(this.#o.burst, this.#tokens + ((now - this.#tokensAtMs) / 1000) * rps);
    this.#tokensAtMs = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return now;
    }
    return now + Math.ceil(((1 - this.#tokens) / rps) * 1000);
  }

  #arm(atMs: Milliseconds, now: Milliseconds): void {
    if (atMs === Number.POSITIVE_INFINITY || atMs >= this.#timerAtMs) return;
    if (this.#timer !== null) this.#o.timer.clear(this.#timer);
    this.#timerAtMs = atMs;
    this.#timer = this.#o.timer.set(() => {
      this.#timer = null;
      this.#timerAtMs = Number.POSITIVE_INFINITY;
      this.pump();
    }, Math.max(0, atMs - now));
  }

  #start(entry: Entry): void {
    const { job } = entry;
    this.#pending.delete(job.url);
    this.#running.set(job.url, entry);
    job.attempts++;
    this.#emit({ type: 'start', job: { ...job } });
    let attempt: Promise<JobOutcome>;
    try {
      attempt = this.#o.run({ ...job });
    } catch (e) {
      attempt = Promise.reject(e);
    }
    attempt
      .catch((e: unknown): JobOutcome => ({ result: 'failed', reason: e instanceof Error ? e.message : String(e), retryable: true }))
      .then((outcome) => this.#finish(entry, outcome));
  }

  #finish(entry: Entry, outcome: JobOutcome): void {
    const { job } = entry;
    this.#running.delete(job.url);
    if (outcome.result === 'failed') {
      if (outcome.retryable && job.attempts <= this.#o.retries) {
        const ceilingMs = Math.min(this.#o.backoffMaxMs, this.#o.backoffBaseMs * 2 ** (job.attempts - 1));
        const delayMs = Math.floor(this.#o.random() * ceilingMs);
        entry.notBeforeMs = this.#o.now() + delayMs;
        this.#pending.set(job.url, entry);
        this.#emit({ type: 'retry', job: { ...job }, reason: outcome.reason, delayMs });
      } else {
        this.#counts[job.priority].dead++;
        this.#dead.push({ url: job.url, priority: job.priority, attempts: job.attempts, reason: outcome.reason, atMs: this.#o.now() });
        if (this.#dead.length > this.#o.maxDeadLetters) this.#dead.splice(0, this.#dead.length - this.#o.maxDeadLetters);
        this.#emit({ type: 'dead', job: { ...job }, reason: outcome.reason });
        this.#settle(entry, 'failed', 0, outcome.reason);
      }
    } else {
      this.#counts[job.priority].done++;
      const bytes = outcome.result === 'stored' ? outcome.bytes : 0;
      this.#emit({ type: 'done', job: { ...job }, outcome: outcome.result, bytes });
      this.#settle(entry, outcome.result, bytes);
    }
    this.pump();
    if (this.#pending.size === 0 && this.#running.size === 0) for (const r of this.#idleWaiters.splice(0)) r();
  }

  #settle(entry: Entry, key: 'stored' | 'skipped' | 'failed', bytes: Bytes, reason?: string): void {
    for (const b of entry.batches) {
      b.progress[key]++;
      b.progress.bytes += bytes;
      b.left--;
      b.onProgress?.({ ...b.progress }, entry.job.url, key, reason);
      if (b.left === 0) b.resolve({ ...b.progress });
    }
  }

  #emit(event: JobEvent): void {
    this.#o.onEvent?.(event);
  }
}
