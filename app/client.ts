/**
 * The page-side API of sw-image-cache (bundled as ESM to `dist/client.mjs`): ask the worker that
 * controls this page for its statistics, entries and health, delete or warm entries, and listen to
 * its events.
 *
 * ```js
 * import { ImageCacheClient } from '/client.mjs';
 * const client = new ImageCacheClient({ timeoutMs: 5000 });
 * await client.ready();                       // wait until a worker controls the page
 * const { bytesUsed, maxBytes } = await client.stats();
 * const stop = client.on('evicted', (e) => console.log(e.reason, e.url, e.bytes));
 * ```
 *
 * Requests go to `navigator.serviceWorker.controller` with `postMessage`, carrying a
 * [`MessageChannel`](https://developer.mozilla.org/en-US/docs/Web/API/MessageChannel) port on which
 * the worker answers once (the `messageSW` pattern of workbox-window). Events arrive on the
 * [`BroadcastChannel`](https://developer.mozilla.org/en-US/docs/Web/API/BroadcastChannel)
 * `sw-image-cache-events`, batched by the worker (at most every 100 ms) and handed to listeners one
 * by one. The same data is also at the worker's HTTP endpoints (`<scope>__image-cache/stats`, …).
 *
 * Units: sizes are bytes; times are ms since the Unix epoch.
 * @module
 */
import {
  EVENTS_CHANNEL,
  PROTOCOL,
  type CacheEvent,
  type CacheEventType,
  type CacheStats,
  type ClientReply,
  type ClientRequest,
  type EntryInfo,
  type EventsMessage,
  type HealthReport,
  type QueuePriority,
  type QueueStats,
  type WarmProgress,
  type WarmResult,
} from '../sw/protocol.ts';

export type {
  CacheEvent,
  CacheEventType,
  CacheStats,
  EntryInfo,
  HealthReport,
  QueuePriority,
  QueueStats,
  RemovalReason,
  WarmProgress,
  WarmResult,
} from '../sw/protocol.ts';

/** Options of {@link ImageCacheClient.warm}. */
export interface WarmOptions {
  /** The queue priority: `'warm'` (lowest), `'manifest'`, or `'capture'` (highest background). @default "warm" */
  priority?: QueuePriority;
  /** Called after each URL settles, with the totals so far and that URL's outcome. */
  onProgress?: (progress: WarmProgress) => void;
}

/** What an {@link ImageCacheClientError} is about. */
export type ImageCacheClientErrorCode =
  /** No service worker controls this page (not registered yet, still installing, or a hard reload). */
  | 'no-controller'
  /** The worker did not answer within `timeoutMs`. */
  | 'timeout'
  /** The worker answered with an error (its `name` and `message` are in `details.worker`). */
  | 'worker-error';

/** Details of an {@link ImageCacheClientError}. */
export interface ImageCacheClientErrorDetails {
  /** The operation that failed: `stats`, `entries`, `health`, `delete`, `clear`, `warm`, `ping`. */
  op: string;
  /** For `timeout`: how long the client waited, in ms. */
  timeoutMs?: number;
  /** For `worker-error`: the error the worker reported. */
  worker?: { name: string; message: string };
}

const MESSAGES: Record<ImageCacheClientErrorCode, (d: ImageCacheClientErrorDetails) => string> = {
  'no-controller': (d) =>
    `${d.op}: no service worker controls this page. Register it (<script src="/register.js"></script> or ` +
    `registerImageCache() from /register.mjs), then wait for client.ready() or the "sw-image-cache:controlled" ` +
    `event before calling the client. A hard reload (Shift+Reload) also bypasses the worker: reload normally.`,
  timeout: (d) =>
    `${d.op}: the service worker did not answer within ${d.timeoutMs} ms (it may be starting, busy, or being ` +
    `replaced by a new version); retry, or raise the timeoutMs option.`,
  'worker-error': (d) => `${d.op}: the service worker failed: ${d.worker?.name ?? 'Error'}: ${d.worker?.message ?? ''}`,
};

/**
 * The error every {@link ImageCacheClient} request rejects with. Test `code`, not the message:
 * `'no-controller'`, `'timeout'` or `'worker-error'`.
 */
export class ImageCacheClientError extends Error {
  /** What went wrong; see {@link ImageCacheClientErrorCode}. */
  readonly code: ImageCacheClientErrorCode;
  /** The operation, and the timeout or the worker's error. */
  readonly details: ImageCacheClientErrorDetails;

  constructor(code: ImageCacheClientErrorCode, details: ImageCacheClientErrorDetails) {
    super(MESSAGES[code](details));
    this.name = 'ImageCacheClientError';
    this.code = code;
    this.details = details;
  }
}

/** Statistics as {@link ImageCacheClient.stats} resolves them: the counters plus the worker's context. */
export type ClientStats = CacheStats & {
  /** The install-time warm-up report of this worker version (`total`, `stored`, `skipped`, `failed`, `failures`, `finishedAt`), or `null`. */
  warmup: Record<string, unknown> | null;
  /** The last recovery's report (`bytesUsed`, `entries`, dropped records and bodies, `durationMs`), or `null` before it ran. */
  lastRecovery: Record<string, unknown> | null;
  /** The Cache Storage cache holding the bodies. */
  cacheName: string;
  /** Events the worker dropped because a batch was full (a page then misses them; counters stay right). */
  droppedEvents: number;
  /** The background job queue (warm-up, capture, `warm()`): counts by priority and dead letters. Absent from older workers. */
  queue?: QueueStats;
};

/** A listener for events of type `T` (`'*'`: every event). */
export type CacheEventListener<T extends CacheEventType | '*' = '*'> = (
  event: T extends CacheEventType ? Extract<CacheEvent, { type: T }> : CacheEvent,
) => void;

/** Options of {@link ImageCacheClient}. */
export interface ImageCacheClientOptions {
  /**
   * How long a request waits for the worker's answer before rejecting with code `'timeout'`, in
   * ms. A stopped worker takes a few ms to wake; a `warm()` of many large images takes as long as
   * their downloads, so give it more.
   * @default 5000
   */
  timeoutMs?: number;
  /**
   * The service worker container to talk through (tests may pass a fake).
   * @default navigator.serviceWorker
   */
  container?: ServiceWorkerContainer;
  /**
   * The BroadcastChannel the worker posts events on. Change it only together with the worker.
   * @default 'sw-image-cache-events'
   */
  eventsChannel?: string;
}

/**
 * A client for the image-cache service worker controlling this page. Cheap to create; it opens
 * the BroadcastChannel only when the first listener is added ({@link on}). Each request is
 * independent: a request made while no worker controls the page rejects (`'no-controller'`)
 * without affecting later ones.
 */
export class ImageCacheClient {
  /** See {@link ImageCacheClientOptions.timeoutMs}. */
  readonly timeoutMs: number;
  readonly #container: ServiceWorkerContainer | undefined;
  readonly #channelName: string;
  #channel: BroadcastChannel | null = null;
  readonly #listeners = new Map<CacheEventType | '*', Set<(event: CacheEvent) => void>>();

  /** @param options see {@link ImageCacheClientOptions}. */
  constructor(options: ImageCacheClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.#container = options.container ?? (typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined);
    this.#channelName = options.eventsChannel ?? EVENTS_CHANNEL;
  }

  /** Whether a service worker controls this page now (requests can be sent). */
  get controlled(): boolean {
    return this.#container?.controller != null;
  }

  /**
   * Resolves once a service worker controls this page (at once if one does). Waits as long as it
   * takes (the first install, with its warm-up, may take seconds); pair it with your own timeout if
   * needed.
   * @throws ImageCacheClientError `no-controller` (rejects at once) when service workers are unavailable here.
   */
  ready(): Promise<void> {
    const container = this.#container;
    if (!container) return Promise.reject(new ImageCacheClientError('no-controller', { op: 'ready' }));
    if (container.controller) return Promise.resolve();
    return new Promise((resolve) => {
      const onChange = (): void => {
        if (!container.controller) return;
        container.removeEventListener('controllerchange', onChange);
        resolve();
      };
      container.addEventListener('controllerchange', onChange);
    });
  }

  /**
   * The worker's statistics (the same object as `GET <scope>__image-cache/stats`): counters
   * (`hits`, `misses`, `evictions`, … since the cache was created; they survive worker restarts),
   * `hitRate` in [0, 1], sizes in bytes (`bytesUsed`, `maxBytes`, `effectiveMaxBytes`, `peakBytes`).
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error`.
   */
  stats(): Promise<ClientStats> {
    return this.#request<ClientStats>({ protocol: PROTOCOL, op: 'stats' });
  }

  /**
   * Every committed entry, least recently used first (entries whose body is still being written
   * are not listed, but their bytes are already in `stats().bytesUsed`). Times are ms since epoch;
   * `expiresAt` is `null` for an entry that never expires; `lastAccessedAt` is the worker's live
   * value (IndexedDB gets it later, written behind).
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error`.
   */
  entries(): Promise<EntryInfo[]> {
    return this.#request<EntryInfo[]>({ protocol: PROTOCOL, op: 'entries' });
  }

  /**
   * The worker's health: `status` (`ok`, `degraded` with recent errors, failed warm-up URLs or a
   * budget clamped by the storage quota, `failed` when the index cannot load and images go to the
   * network), the storage estimate in bytes, recent errors, the warm-up and recovery reports.
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error`.
   */
  health(): Promise<HealthReport> {
    return this.#request<HealthReport>({ protocol: PROTOCOL, op: 'health' });
  }

  /**
   * Deletes one entry (record and body; an `evicted` event with reason `delete` follows).
   * @param url The image URL, absolute or relative to this page (a fragment is ignored).
   * @returns whether there was an entry to delete.
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error`.
   */
  async delete(url: string): Promise<boolean> {
    const result = await this.#request<{ deleted: boolean }>({ protocol: PROTOCOL, op: 'delete', url: String(url) });
    return result.deleted;
  }

  /**
   * Deletes every entry (one `cleared` event follows, with the number of entries and bytes removed). Statistics
   * counters are kept.
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error`.
   */
  async clear(): Promise<void> {
    await this.#request<{ cleared: boolean }>({ protocol: PROTOCOL, op: 'clear' });
  }

  /**
   * Fetches and stores `urls` through the worker's background job queue (runtime entries, under
   * the same budget: storing them may evict others). Resolves when every URL is settled, with each
   * URL (absolute) in `stored`, `skipped` (already cached) or `failed` (with the last reason, e.g.
   * `HTTP 404` or `not stored: too-large`); a failing URL never rejects the call. A network error
   * or HTTP 408/425/429/5xx is retried `warmup.retries` times with backoff; a URL that still fails
   * is also listed in the worker's dead letters (stats and health `queue.dead`). Queued work waits
   * while the page's own image misses wait for the network, and is paced by
   * `warmup.requestsPerSecond`.
   * @param urls Image URLs, absolute or relative to this page.
   * @param options `priority`: `'warm'` (default, the lowest), `'manifest'` or `'capture'`;
   *   `onProgress`: called after each URL settles with the totals so far (each progress message
   *   also restarts the `timeoutMs` timer, so a long batch times out only when it stalls).
   * @throws ImageCacheClientError `no-controller`, `timeout`, `worker-error` (`TypeError` when
   *   `urls` is not an array of strings or `priority` is unknown).
   */
  warm(urls: readonly string[], options: WarmOptions = {}): Promise<WarmResult> {
    return this.#request<WarmResult>(
      { protocol: PROTOCOL, op: 'warm', urls: urls as string[], priority: options.priority, progress: options.onProgress !== undefined },
      options.onProgress,
    );
  }

  /**
   * Calls `listener` for each event of `type` (`'*'`: every event), in the order the worker
   * emitted them. Events are posted by the worker in batches at most every 100 ms, so a listener
   * hears of a hit up to ~100 ms after it happened (`event.at` is the real time, ms since epoch).
   * Events emitted while no page listens are not replayed. Works without a controller (the events
   * of any worker of this origin arrive). A throwing listener is reported with `console.error`
   * and does not stop the others.
   * @returns a function that removes the listener.
   */
  on<T extends CacheEventType | '*'>(type: T, listener: CacheEventListener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const fn = listener as (event: CacheEvent) => void;
    set.add(fn);
    this.#openChannel();
    return () => {
      this.#listeners.get(type)?.delete(fn);
    };
  }

  /**
   * Removes every listener and closes the BroadcastChannel. Requests still work afterwards (they
   * hold nothing open), and a later {@link on} reopens the channel.
   */
  close(): void {
    this.#listeners.clear();
    this.#channel?.close();
    this.#channel = null;
  }

  #openChannel(): void {
    if (this.#channel || typeof BroadcastChannel === 'undefined') return;
    const channel = new BroadcastChannel(this.#channelName);
    channel.onmessage = (message: MessageEvent<unknown>) => {
      const data = message.data as Partial<EventsMessage> | null;
      if (!data || data.protocol !== PROTOCOL || data.type !== 'events' || !Array.isArray(data.events)) return;
      for (const event of data.events) this.#dispatch(event);
    };
    this.#channel = channel;
  }

  #dispatch(event: CacheEvent): void {
    for (const key of [event.type, '*'] as const) {
      const set = this.#listeners.get(key);
      if (!set) continue;
      for (const listener of [...set]) {
        try {
          listener(event);
        } catch (error) {
          console.error(`sw-image-cache client: a listener for "${key}" threw`, error);
        }
      }
    }
  }

  /** Sends one request to the controlling worker and waits for its reply on a MessageChannel. */
  #request<T>(request: ClientRequest, onProgress?: (progress: WarmProgress) => void): Promise<T> {
    const op = request.op;
    const controller = this.#container?.controller;
    if (!controller) return Promise.reject(new ImageCacheClientError('no-controller', { op }));
    const timeoutMs = this.timeoutMs;
    return new Promise<T>((resolve, reject) => {
      const channel = new MessageChannel();
      const finish = (): void => {
        clearTimeout(timer);
        channel.port1.onmessage = null;
        channel.port1.close();
      };
      const onTimeout = (): void => {
        finish();
        reject(new ImageCacheClientError('timeout', { op, timeoutMs }));
      };
      let timer = setTimeout(onTimeout, timeoutMs);
      channel.port1.onmessage = (message: MessageEvent<unknown>) => {
        const reply = message.data as ClientReply | null;
        if (!reply || reply.protocol !== PROTOCOL) return;
        if ('progress' in reply) {
          clearTimeout(timer);
          timer = setTimeout(onTimeout, timeoutMs);
          try {
            onProgress?.(reply.progress);
          } catch (e) {
            console.error(e);
          }
          return;
        }
        finish();
        if (reply.ok) resolve(reply.result as T);
        else reject(new ImageCacheClientError('worker-error', { op, worker: { name: reply.error.name, message: reply.error.message } }));
      };
      controller.postMessage(request, [channel.port2]);
    });
  }
}

/**
 * Creates an {@link ImageCacheClient} (the same as `new ImageCacheClient(options)`).
 * @param options see {@link ImageCacheClientOptions}.
 */
export function createImageCacheClient(options: ImageCacheClientOptions = {}): ImageCacheClient {
  return new ImageCacheClient(options);
}
