/// <reference lib="webworker" />
import type { ResolvedConfig } from '../config.ts';
import type { BatchProgress, JobOutcome, JobPriority } from '../policy/JobQueue.ts';
import { PROTOCOL, type CaptureMessage, type CaptureResult } from '../protocol.ts';
import { cacheKey, type ImageCache } from '../storage/ImageCache.ts';
import type { ImageCacheStrategy } from '../strategy/ImageCacheStrategy.ts';
import { outcomeOfPut } from './BackgroundJobs.ts';

/** Captures fetched at once per worker. */
export const CAPTURE_CONCURRENCY = 4;
/** URLs taken from one capture message; the rest are ignored (a page that loaded more shows them again through the worker). */
export const CAPTURE_MAX_URLS = 1000;

/** What {@link LoadedImageCapture} needs from the worker. */
export interface CaptureOptions {
  cache: ImageCache;
  /** Stores through the route handler's put path ({@link ImageCacheStrategy.store}). */
  strategy: Pick<ImageCacheStrategy, 'store'>;
  /** The config's `routes` and `matchImageDestination` decide which URLs are captured. */
  config: Pick<ResolvedConfig, 'routes' | 'matchImageDestination'>;
  /** The worker's origin. */
  origin: string;
  /** The network (the HTTP cache answers `force-cache` requests it can). @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * The worker's background job queue ({@link BackgroundJobs}): when given, URLs are queued at
   * priority `capture` (retries, rate limit, dead letters, pause while page misses wait) and the
   * queue calls {@link LoadedImageCapture.storeOne}; without it, {@link CAPTURE_CONCURRENCY} run
   * at once, without retries.
   */
  jobs?: { enqueue(items: ReadonlyArray<{ url: string }>, priority: JobPriority): Promise<BatchProgress> };
}

/** Totals since the worker started, shown in stats as `capture`. */
export interface CaptureTotals extends CaptureResult {
  /** Capture messages received. */
  messages: number;
  /** URLs being fetched or stored now. */
  pending: number;
}

/**
 * The worker side of `captureLoadedImages` (issue 11): stores the images a page loaded before
 * this worker controlled it (a first visit, a hard reload), whose requests it never saw.
 *
 * For each URL of a {@link CaptureMessage}: kept only if an image route would handle it (a
 * configured `routes` pattern matches, cross-origin only when that route has `crossOrigin`; or,
 * with `matchImageDestination`, any same-origin URL, since a URL has no destination: a
 * non-image response is refused by the put path, `not-image`); skipped when an entry exists
 * (fresh or stale: the normal path renews it) or another capture is fetching it; otherwise
 * fetched with `cache: 'force-cache'` (the browser's HTTP cache answers when it holds the
 * response, even stale: the bytes the page showed, no second download) and stored through
 * {@link ImageCacheStrategy.store}, within the budget. {@link CAPTURE_CONCURRENCY} at a time.
 * The caller runs it in the message event's `waitUntil`.
 */
export class LoadedImageCapture {
  readonly #options: CaptureOptions;
  readonly #routes: Array<{ re: RegExp; crossOrigin: boolean }>;
  readonly #fetch: (request: Request) => Promise<Response>;
  /** Cache keys being captured (two tabs may send the same URLs). */
  readonly #inflight = new Set<string>();
  /** Totals since the worker started. */
  readonly totals: CaptureTotals = { messages: 0, stored: 0, skipped: 0, ignored: 0, failed: 0, pending: 0 };

  constructor(options: CaptureOptions) {
    this.#options = options;
    this.#routes = options.config.routes.map((r) => ({ re: new RegExp(r.pattern), crossOrigin: r.crossOrigin }));
    this.#fetch = options.fetch ?? ((r) => fetch(r));
  }

  /** Whether `data` is a {@link CaptureMessage}. */
  static isCaptureMessage(data: unknown): data is CaptureMessage {
    return typeof data === 'object' && data !== null && (data as CaptureMessage).protocol === PROTOCOL && (data as CaptureMessage).type === 'capture';
  }

  /** Whether the image route would handle `url` and may store it. */
  handles(url: URL): boolean {
    const route = this.#routes.find((r) => r.re.test(url.href));
    const sameOrigin = url.origin === this.#options.origin;
    if (route) return sameOrigin || route.crossOrigin;
    return this.#options.config.matchImageDestination && sameOrigin;
  }

  /**
   * Captures the URLs of one message. Resolves when every URL has been stored, skipped or has
   * failed; never rejects.
   * @param message The page's message (`urls` that are not strings, or not absolute http(s) URLs, are ignored).
   */
  async run(message: CaptureMessage): Promise<CaptureResult> {
    this.totals.messages++;
    const result: CaptureResult = { stored: 0, skipped: 0, ignored: 0, failed: 0 };
    const urls = Array.isArray(message.urls) ? message.urls : [];
    const todo: URL[] = [];
    const seen = new Set<string>();
    urls.forEach((u, i) => {
      let url: URL | null = null;
      try {
        url = typeof u === 'string' && i < CAPTURE_MAX_URLS ? new URL(u) : null;
      } catch {
        url = null;
      }
      if (!url || !/^https?:$/.test(url.protocol) || !this.handles(url)) {
        result.ignored++;
        return;
      }
      url.hash = '';
      const key = cacheKey(url.href);
      if (seen.has(key)) return;
      seen.add(key);
      todo.push(url);
    });
    if (this.#options.jobs) {
      const done = await this.#options.jobs.enqueue(
        todo.map((u) => ({ url: u.href })),
        'capture',
      );
      result.stored += done.stored;
      result.skipped += done.skipped;
      result.failed += done.failed;
    } else {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < todo.length) await this.#one(todo[next++]!, result);
      };
      await Promise.all(Array.from({ length: Math.min(CAPTURE_CONCURRENCY, todo.length) }, worker));
    }
    for (const k of ['stored', 'skipped', 'ignored', 'failed'] as const) this.totals[k] += result[k];
    return result;
  }

  /**
   * One attempt at capturing `url` (the job of priority `capture`): `skipped` when an entry
   * exists; else fetched with `cache: 'force-cache'` and stored through
   * {@link ImageCacheStrategy.store}; a response that cannot be stored is a failure not worth
   * retrying. Rejects with the network's error (retryable).
   */
  async storeOne(url: URL): Promise<JobOutcome> {
    const { cache, strategy, origin } = this.#options;
    const key = cacheKey(url.href);
    this.totals.pending++;
    try {
      if (await cache.peek(key)) return { result: 'skipped' };
      const sameOrigin = url.origin === origin;
      const request = new Request(url.href, { cache: 'force-cache', mode: sameOrigin ? 'same-origin' : 'cors', credentials: 'same-origin' });
      const response = await this.#fetch(request);
      const put = await strategy.store(request, response);
      return outcomeOfPut(put);
    } finally {
      this.totals.pending--;
    }
  }

  async #one(url: URL, result: CaptureResult): Promise<void> {
    const key = cacheKey(url.href);
    if (this.#inflight.has(key)) {
      result.skipped++;
      return;
    }
    this.#inflight.add(key);
    try {
      const outcome = await this.storeOne(url);
      if (outcome.result === 'failed') result.failed++;
      else result[outcome.result]++;
    } catch (e) {
      result.failed++;
      this.#options.cache.reportError('capture', e, key);
    } finally {
      this.#inflight.delete(key);
    }
  }
}
