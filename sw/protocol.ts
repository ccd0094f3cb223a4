/**
 * The message protocol and entry types shared by the worker (`sw/`) and pages (`app/client.ts`,
 * the dashboard). ES only: no DOM, no WebWorker, no Node types, so both tsconfigs include it.
 *
 * Times are ms since the Unix epoch; sizes are bytes.
 * @module
 */

/** Tag on every message of this protocol. */
export const PROTOCOL = 'sw-image-cache';
/** BroadcastChannel on which the worker posts batched {@link CacheEvent}s. */
export const EVENTS_CHANNEL = 'sw-image-cache-events';

/**
 * The codes of `ImageCacheError` (the one runtime error type of sw-image-cache), also carried by
 * `error` events and by failed client replies, so pages branch on a code, never on a message.
 * - `invalid-config`, `max-bytes-required`: a bad option (`details.key` names it).
 * - `manifest-over-budget`, `invalid-manifest`: a bad warm-up manifest.
 * - `index-unavailable`: IndexedDB cannot be opened (blocked by another tab, broken); images go to the network.
 * - `quota-exceeded`: storage refused a write (`QuotaExceededError`); the budget in force is lowered.
 * - `mutation-timeout`: an index mutation ran past `mutationTimeLimitMs`; the queue moved on and recovery reruns.
 * - `storage-failed`: another Cache Storage or IndexedDB failure (`details.name` is the platform error's name).
 * - `listener-failed`: an event listener or hook threw.
 */
export type ImageCacheErrorCode =
  | 'invalid-config'
  | 'max-bytes-required'
  | 'manifest-over-budget'
  | 'invalid-manifest'
  | 'index-unavailable'
  | 'quota-exceeded'
  | 'mutation-timeout'
  | 'storage-failed'
  | 'listener-failed';

/** Why an entry left the cache (lru-cache `DisposeReason` style). */
export type RemovalReason = 'evict' | 'expire' | 'purge' | 'revision' | 'delete';

/**
 * An event of the cache's life. `at` is when it happened, ms since epoch. `cleared`: every entry
 * was deleted at once (`clear()`); one event sums them up (`entries` removed, their `bytes`), in
 * place of one `evicted` event per entry; it has no `url` (so `event.url` still reads on every event).
 */
export type CacheEvent =
  | { type: 'hit'; at: number; url: string; bytes: number }
  | { type: 'miss'; at: number; url: string; stale: boolean }
  | { type: 'stored'; at: number; url: string; bytes: number; kind: 'precache' | 'runtime' }
  | { type: 'evicted'; at: number; url: string; bytes: number; reason: RemovalReason }
  | { type: 'expired'; at: number; url: string; bytes: number }
  | { type: 'cleared'; at: number; url?: undefined; entries: number; bytes: number }
  | { type: 'error'; at: number; url?: string; operation: string; code: ImageCacheErrorCode; message: string };

/** The event type names. */
export type CacheEventType = CacheEvent['type'];

/** A batch of events, as posted on {@link EVENTS_CHANNEL} (at most every 100 ms). */
export interface EventsMessage {
  protocol: typeof PROTOCOL;
  type: 'events';
  events: CacheEvent[];
}

/** Statistics (`GET <scope>__image-cache/stats`, `client.stats()`). Counters survive worker restarts. */
export interface CacheStats {
  /** Fresh entries served. */
  hits: number;
  /** Lookups that went to the network (misses and expired entries). */
  misses: number;
  /** `hits / (hits + misses)`, 0 before the first lookup. */
  hitRate: number;
  /** Sum of the body bytes of committed and pending entries. */
  bytesUsed: number;
  /** The configured byte budget. */
  maxBytes: number;
  /** The budget in force: `maxBytes`, or less when the storage quota clamps it. */
  effectiveMaxBytes: number;
  /** Entries held (fresh and stale). */
  entries: number;
  /** Entries held that are stale (expired, kept for revalidation and offline use within `maxStaleSeconds`). */
  staleEntries: number;
  /** Grace period of stale entries after expiry, seconds; `0` = kept until evicted. */
  maxStaleSeconds: number;
  /** The count limit, `0` = none. */
  maxEntries: number;
  /** Largest body stored. */
  maxEntryBytes: number;
  /** Entries evicted for room (stale ones first, then fresh ones by the policy) or purged under quota pressure. */
  evictions: number;
  /**
   * Entries removed by age: stale entries dropped once `maxStaleSeconds` had passed since they
   * expired, and expired entries replaced by a refetched body. A stale entry evicted for room
   * counts in `evictions`, not here.
   */
  expirations: number;
  /** Highest `bytesUsed` seen. */
  peakBytes: number;
  /** Bodies stored. */
  stored: number;
  /** Responses passed through without being stored. */
  bypassed: number;
  /**
   * Responses served but not stored because the bodies waiting to be stored had reached
   * `maxPendingBytes` (`Cache-Status: …; detail=busy`); also counted in `bypassed`.
   */
  busyBypasses: number;
  /** Bytes of bodies held in worker memory waiting to be stored, now (≤ `maxPendingBytes`). */
  pendingBytes: number;
  /** The bound on {@link CacheStats.pendingBytes}, in bytes. */
  maxPendingBytes: number;
  /** The highest {@link CacheStats.pendingBytes} seen since the worker started, in bytes. */
  peakPendingBytes: number;
  /**
   * Bodies stored by streaming since the worker started: a response that declared its
   * `Content-Length` was teed into Cache Storage as it arrived, never held whole in worker memory
   * (and not counted in `pendingBytes`).
   */
  streamedStores: number;
  /** Misses that shared another request's fetch. */
  collapsed: number;
  /** Lookups that found a stale (expired) entry. */
  stale: number;
  /** Storage or network errors. */
  errors: number;
  /** Name of the replacement policy. */
  policy: string;
  /** The memory tier (`memoryTierBytes`), or `null` when off: its budget, bytes and entries held, hits it served. */
  memoryTier: { maxBytes: number; bytes: number; entries: number; hits: number } | null;
  /** Cold hits by static route (config `coldHits`, issue 16); see {@link StaticRouteStats}. */
  staticRoute: StaticRouteStats;
}

/**
 * Cold hits by static route (config `coldHits`): image requests the browser answered from the
 * routed cache, without starting the worker, as pages reported them (`registerImageCache`).
 * Counters persist across worker restarts.
 */
export interface StaticRouteStats {
  /** Whether this browser has static routes (`InstallEvent.addRoutes`; Chromium 123+). */
  supported: boolean;
  /** Whether this worker declared its static routes (supported, `coldHits: "static-route"`, at least one route expressible, `addRoutes` did not fail in this worker's life). */
  active: boolean;
  /** Hits the browser served by static route, as reported by pages (also counted in `hits`). */
  reportedHits: number;
  /** Static-route requests the browser sent to the network (not in the routed cache), as reported by pages (also counted in `misses`; stored afterwards through the capture path). */
  reportedMisses: number;
  /** Reports and heartbeats received from pages. */
  reports: number;
}

/** One entry (`GET <scope>__image-cache/entries`, `client.entries()`). */
export interface EntryInfo {
  url: string;
  bytes: number;
  storedAt: number;
  lastAccessedAt: number;
  /** `null` when the entry never expires. */
  expiresAt: number | null;
  kind: 'precache' | 'runtime';
  revision: string | null;
  contentType: string;
}

/** Health (`GET <scope>__image-cache/health`, `client.health()`). */
export interface HealthReport {
  /** `ok`; `degraded` (recent errors, failed warm-up URLs, or a clamped budget); `failed` (the index cannot load: images go to the network). */
  status: 'ok' | 'degraded' | 'failed';
  /** Whether the entry index is loaded in this worker. */
  indexLoaded: boolean;
  /** The last recovery's result, or `null` before it ran (or its error). */
  lastRecovery: Record<string, unknown> | null;
  /** `navigator.storage.estimate()` in bytes, when available. */
  storage: { usage: number; quota: number } | null;
  /**
   * Whether the worker could read `navigator.storage.estimate()`: `unsupported` where the engine
   * has no Storage API (WebKitGTK 2.50 by default: the quota clamp is then off and the budget is
   * `maxBytes` as configured; `persist` is ignored), `failed` when it threw or gave no quota.
   */
  storageEstimate: 'supported' | 'unsupported' | 'failed';
  /** The budget in force and the configured one, bytes. */
  effectiveMaxBytes: number;
  maxBytes: number;
  /** Errors in the last 5 minutes, and the last few. */
  recentErrors: { count: number; last: Array<{ at: number; operation: string; message: string }> };
  /** Index mutations abandoned after `mutationTimeLimitMs` in this worker's lifetime (each also in `recentErrors`). */
  mutationTimeouts: number;
  /** Warm-up report of this worker version's install, or `null`. */
  warmup: Record<string, unknown> | null;
  /** The background job queue (warm-up, capture, `warm()`): counts by priority and the URLs that kept failing. */
  queue?: QueueStats;
  /**
   * How this worker loaded its entry index: `source` `snapshot` (one IndexedDB read of the index
   * snapshot), `records` (every record read and reconciled with Cache Storage: on `activate`, or
   * when the snapshot was missing or not current) or `empty` (no records); `loadMs`: ms from the
   * start of the recovery to the index being usable (`performance.now()` clock); `entries`: entries
   * loaded. `null` while the index is not loaded (recovery failed or timed out: see
   * `lastRecovery.error`).
   */
  index: { source: 'snapshot' | 'records' | 'empty'; loadMs: number; entries: number } | null;
  /** When this report was made, ms since epoch. */
  at: number;
  /** Which transcode targets the engine could encode (`routes[].transcode`), when a worker reports it. */
  transcode?: { encoders: Record<string, 'supported' | 'unsupported'> };
}

/** A background priority, highest first: `capture`, `manifest`, `warm` (page requests come before all and are never queued). */
export type QueuePriority = 'capture' | 'manifest' | 'warm';

/** The background job queue, in stats (`queue`) and health. */
export interface QueueStats {
  /** By priority: waiting (including retries in backoff), running, done (stored or skipped) and dead since the worker started. */
  byPriority: Record<QueuePriority, { pending: number; running: number; done: number; dead: number }>;
  /** Page misses waiting for the network now: nothing queued starts while there are any. */
  pageFetches: number;
  /** Jobs re-queued from IndexedDB when this worker started (it was stopped with work pending). */
  resumed: number;
  /** URLs that kept failing (every retry spent, or a failure not worth retrying), oldest first, at most 100. */
  dead: Array<{ url: string; priority: QueuePriority; attempts: number; reason: string; atMs: number }>;
}

/** Progress of a `client.warm()` call, posted after each URL settles. */
export interface WarmProgress {
  /** URLs in the call (duplicates dropped). */
  total: number;
  stored: number;
  skipped: number;
  failed: number;
  /** Bytes stored so far. */
  bytes: number;
  /** The URL that just settled, and how. */
  url: string;
  outcome: 'stored' | 'skipped' | 'failed';
}

/** Result of a batch warm-up (`client.warm(urls)`). */
export interface WarmResult {
  stored: string[];
  skipped: string[];
  failed: Array<{ url: string; reason: string }>;
}

/** A request from a page to the worker over a `MessageChannel` (the reply comes on `ports[0]`). */
export type ClientRequest =
  | { protocol: typeof PROTOCOL; op: 'stats' | 'entries' | 'health' | 'clear' | 'ping' }
  | { protocol: typeof PROTOCOL; op: 'delete'; url: string }
  | { protocol: typeof PROTOCOL; op: 'warm'; urls: string[]; priority?: QueuePriority; progress?: boolean };

/**
 * Posted by the registration snippet (`registerImageCache`, `captureLoadedImages`) to the
 * controller once the page is controlled: the image URLs the document loaded before (Resource
 * Timing entries and the `currentSrc` of `document.images`), absolute. Fire and forget; when the
 * message carries a port (`ports[0]`), the worker replies on it with a {@link CaptureResult}.
 */
export interface CaptureMessage {
  protocol: typeof PROTOCOL;
  type: 'capture';
  urls: string[];
}

/**
 * Posted by the registration snippet to the controller (fire and forget), in batches when the page
 * is idle or hidden, and at least every 60 s while it is visible (a heartbeat, possibly empty): the
 * image loads the browser answered by static route (config `coldHits`), found in Resource Timing.
 * Each message wakes a stopped worker, which then also moves the entries about to expire out of
 * the routed cache.
 */
export interface StaticRouteReport {
  protocol: typeof PROTOCOL;
  type: 'static-route';
  /** Images answered from the routed cache: absolute URL and when (ms since epoch). */
  hits: Array<{ url: string; at: number }>;
  /** Images a static route sent to the network (not in the routed cache): absolute URLs, stored afterwards through the capture path. */
  misses: string[];
}

/** What one capture did, by URL count. */
export interface CaptureResult {
  /** Fetched (`cache: 'force-cache'`) and stored. */
  stored: number;
  /** Already cached (or being captured by another message): nothing fetched. */
  skipped: number;
  /** Matched by no image route (or cross-origin on a route without `crossOrigin`), malformed, or over the per-message limit. */
  ignored: number;
  /** Fetched but not stored (network error, not an image, too large, …). */
  failed: number;
}

/** The worker's reply. */
export type ClientReply =
  | { protocol: typeof PROTOCOL; progress: WarmProgress }
  | { protocol: typeof PROTOCOL; ok: true; result: unknown }
  | { protocol: typeof PROTOCOL; ok: false; error: { name: string; message: string; code?: ImageCacheErrorCode } };
