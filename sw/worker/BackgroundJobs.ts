import type { ResolvedConfig } from '../config.ts';
import {
  JOB_PRIORITIES,
  JobQueue,
  type BatchProgress,
  type DeadLetter,
  type Job,
  type JobEvent,
  type JobOutcome,
  type JobPriority,
  type PriorityCounts,
  type ProgressListener,
} from '../policy/JobQueue.ts';
import type { Seconds } from '../policy/types.ts';
import type { ImageCache, PutResult } from '../storage/ImageCache.ts';
import { JobStore } from '../storage/JobStore.ts';

/** The queue as shown in stats (`queue`) and health: counts by priority and the dead letters. */
export interface QueueStats {
  /** pending / running / done / dead, by priority (`capture`, `manifest`, `warm`). */
  byPriority: Record<JobPriority, PriorityCounts>;
  /** Page misses waiting for the network now (queued work waits for them). */
  pageFetches: number;
  /** Jobs re-queued from IndexedDB when this worker started (after a stop mid-warm-up). */
  resumed: number;
  /** URLs that kept failing, newest last (at most 100 kept). */
  dead: DeadLetter[];
}

/** Options of {@link BackgroundJobs}. */
export interface BackgroundJobsOptions {
  cache: ImageCache;
  /** `warmup.concurrency`, `warmup.retries`, `warmup.requestsPerSecond`. */
  warmup: Pick<ResolvedConfig['warmup'], 'concurrency' | 'retries' | 'requestsPerSecond'>;
  /** The IndexedDB database of the persisted queue (`<cacheName>-jobs`). */
  dbName: string;
  /** Freshness lifetime of a warmed URL, in seconds. */
  lifetimeSecondsFor: (url: string) => Seconds;
  /** Runs a `capture` job (the page's HTTP cache, through the strategy's put path). @default fetched like a `warm` job */
  capture?: (url: URL) => Promise<JobOutcome>;
  /** The network. @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
  /** Every queue event, and persistence failures (`{ type: 'error' }`). */
  onEvent?: (event: JobEvent | { type: 'error'; operation: string; error: unknown }) => void;
}

/** HTTP statuses worth retrying: the server may answer later. */
const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/**
 * The worker side of the one background job queue (issue 11, item 2): a {@link JobQueue} on the
 * real clock and timers, whose jobs fetch and store images, and whose pending jobs are persisted
 * in IndexedDB ({@link JobStore}) so that a worker stopped mid-warm-up resumes them
 * ({@link BackgroundJobs.resume}) when it next runs.
 *
 * Jobs: `capture` ({@link BackgroundJobsOptions.capture}), `manifest` (stored as `precache` with
 * its revision; skipped when that revision is cached), `warm` (stored as `runtime`; skipped when
 * cached). Fetched with `cache: 'no-cache'`. A network error, or HTTP 408/425/429/5xx, is retried;
 * any other status, or a response the cache refuses (too large, not an image, …), is dead at once.
 * @internal
 */
export class BackgroundJobs {
  /** The pure queue (counts, dead letters, page-fetch counter). */
  readonly queue: JobQueue;
  readonly #o: BackgroundJobsOptions;
  readonly #store: JobStore;
  readonly #fetch: (request: Request) => Promise<Response>;
  #writes: Promise<void> = Promise.resolve();
  #deletes: string[] = [];
  #resuming: Promise<number> | null = null;
  #resumed = 0;

  constructor(options: BackgroundJobsOptions) {
    this.#o = options;
    this.#store = new JobStore(options.dbName);
    this.#fetch = options.fetch ?? ((r) => fetch(r));
    this.queue = new JobQueue({
      run: (job) => this.#run(job),
      concurrency: options.warmup.concurrency,
      retries: options.warmup.retries,
      requestsPerSecond: options.warmup.requestsPerSecond,
      now: () => Date.now(),
      timer: { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      onEvent: (event) => {
        if (event.type === 'done' || event.type === 'dead') this.#forget(event.job.url);
        options.onEvent?.(event);
      },
    });
  }

  /**
   * Queues `items` at `priority` (persisted first, so a stop before they run resumes them).
   * @returns The batch totals once every URL is stored, skipped or dead. Never rejects.
   */
  async enqueue(items: ReadonlyArray<{ url: string; revision?: string | null }>, priority: JobPriority, onProgress?: ProgressListener): Promise<BatchProgress> {
    const records = items.map((i) => ({ url: i.url, revision: i.revision ?? null, priority }));
    await this.#write('persist', () => this.#store.put(records));
    return this.queue.enqueue(items, priority, onProgress);
  }

  /**
   * Re-queues the jobs persisted by an earlier run of the worker (once per worker; later calls
   * return the first call's promise). Resolves with how many were re-queued (not when they are
   * done: see {@link whenIdle}); a failure to read is reported and resolves 0.
   */
  resume(): Promise<number> {
    this.#resuming ??= this.#store
      .all()
      .then((records) => {
        for (const p of JOB_PRIORITIES) {
          const of = records.filter((r) => r.priority === p);
          if (of.length) void this.queue.enqueue(of, p);
        }
        this.#resumed = records.length;
        return records.length;
      })
      .catch((error: unknown) => {
        this.#o.onEvent?.({ type: 'error', operation: 'resume jobs', error });
        return 0;
      });
    return this.#resuming;
  }

  /** Resolves when the queue is empty and its persistence written: what a worker event's `waitUntil` should hold. */
  async whenIdle(): Promise<void> {
    await this.queue.whenIdle();
    this.#flushDeletes();
    await this.#writes;
  }

  /** Counts and dead letters (see {@link QueueStats}). */
  stats(): QueueStats {
    return { byPriority: this.queue.counts(), pageFetches: this.queue.pageFetches, resumed: this.#resumed, dead: this.queue.dead };
  }

  #forget(url: string): void {
    this.#deletes.push(url);
    if (this.#deletes.length === 1) queueMicrotask(() => this.#flushDeletes());
  }

  #flushDeletes(): void {
    const urls = this.#deletes.splice(0);
    if (urls.length) void this.#write('persist', () => this.#store.delete(urls));
  }

  /** Serialises writes (a delete never overtakes the put of the same URL). */
  #write(operation: string, fn: () => Promise<void>): Promise<void> {
    this.#writes = this.#writes.then(fn).catch((error: unknown) => this.#o.onEvent?.({ type: 'error', operation: `${operation} jobs`, error }));
    return this.#writes;
  }

  async #run(job: Job): Promise<JobOutcome> {
    if (job.priority === 'capture' && this.#o.capture) return this.#o.capture(new URL(job.url));
    const { cache } = this.#o;
    const existing = await cache.peek(job.url);
    if (existing && (job.revision === null || existing.revision === job.revision) && (await cache.has(job.url))) return { result: 'skipped' };
    const response = await this.#fetch(new Request(job.url, { cache: 'no-cache' }));
    if (!response.ok) {
      void response.body?.cancel().catch(() => {});
      return { result: 'failed', reason: `HTTP ${response.status}`, retryable: RETRYABLE_STATUS.has(response.status) };
    }
    const put = await cache.put(job.url, response, {
      kind: job.priority === 'manifest' ? 'precache' : 'runtime',
      revision: job.revision,
      maxAgeSeconds: this.#o.lifetimeSecondsFor(job.url),
    });
    return outcomeOfPut(put);
  }
}

/**
 * A job's outcome from its put: `stored`; `skipped` when another store of the same URL took its
 * place while it was written (`superseded`: the URL is stored, e.g. by the page's own miss);
 * otherwise a failure not worth retrying (the response cannot be stored).
 * @internal
 */
export function outcomeOfPut(put: PutResult): JobOutcome {
  if (put.stored) return { result: 'stored', bytes: put.bytes ?? 0 };
  if (put.reason === 'superseded') return { result: 'skipped' };
  return { result: 'failed', reason: `not stored: ${put.reason ?? 'unknown'}`, retryable: false };
}
