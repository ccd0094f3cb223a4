/*
 * ImageCache: the storage-backed, byte-bounded index. Storage invariants and protocol.
 *
 * Two stores, no shared transaction (interfaces in `stores.ts`):
 * - Cache Storage (cache `cacheName`) holds the bytes: one body per entry, keyed by normalised URL,
 *   stored with the origin's headers (or what the `storedHeaders` option makes of them).
 * - IndexedDB (database `sw-image-cache`, store `entries`) holds the metadata and is the source of
 *   truth for *which* entries exist and how many bytes they hold. Example record:
 *     { url: 'https://app.example/data/images/map_tile/5/3/7.png', bytes: 18342, state: 'committed',
 *       storedAt: 1764000000000, lastAccessedAt: 1764000123456, accessSeq: 412, expiresAt: 1764604800000,
 *       kind: 'runtime', revision: null, contentType: 'image/png', etag: '"4794-19a…"', lastModified: null }
 * - In worker memory: a CacheIndex (policy + budget) and the records (`EntryTable.ts`). Rebuilt
 *   from the stores by recovery; never the only copy of anything that matters.
 *
 * Write order of a put (`writeEntry.ts`). Index mutations run one at a time through one queue
 * (`MutationQueue.ts`, invariant 5), but a put holds the queue only for two short steps, its
 * reservation and its commit; its body write runs between them outside the queue, on its URL's
 * chain (`KeyedChains`): puts of different URLs write their bodies concurrently, the Cache Storage
 * operations of one URL (body writes, victim body deletes) run in the order they were queued.
 *   0. The body: read in full when its length is unknown (bytes come from the body, and it counts
 *      against maxPendingBytes meanwhile); streamed when `Content-Length` declares it (that many
 *      bytes are reserved; the body goes to Cache Storage as the blob the response gathers, held
 *      against maxPendingBytes while it waits whole, or else through a counting stream:
 *      `blobBodies`; a stored length that differs rolls the entry back: `length-mismatch`).
 *   1. Reserve (queue, in memory): stale entries are chosen as victims first (least recently used
 *      first), then the policy's; entries still being written are pinned and never chosen (when
 *      they alone leave no room the put waits, outside the queue, for their writes to settle and
 *      reserves again, evicting them as ordinary victims; after 8 such waits, or a wait longer
 *      than mutationTimeLimitMs, it is `busy`); committed + pending bytes ≤
 *      maxBytes holds from here (invariant 1) until the commit or the roll-back.
 *   2+3. (queue) One IndexedDB transaction deletes the victims' records and writes the new record
 *      with state 'pending' (DiskLruCache's DIRTY line).
 *   2+4. (chains, outside the queue) The victims' bodies are deleted, each on its URL's chain, while
 *      the new body is written on its own.
 *   5. (queue) Rewrite the record with state 'committed' (CLEAN) and unpin it, only if the record is
 *      still the table's: a delete, clear, replacement or recovery that took it meanwhile makes the
 *      write abandoned, and its body is deleted (unless recovery adopted it as committed).
 *   A failure of the new body's write, or of 3 or 5, rolls back: the body and the record are
 *   deleted and the reservation released; other puts are untouched. A victim body that would not
 *   go is retried once, and otherwise left to recovery (a body without a record).
 *
 * Recovery (on `activate`, and on the first use after the worker wakes: `ready()`), handles a
 * worker killed between any two steps above (`recover.ts`); the decisions are pure (`planRecovery.ts`):
 *   - a record without a body is dropped (killed after 2+3, before the new body was written);
 *   - a 'pending' record with a body of exactly `bytes` bytes is committed (killed between 4 and 5);
 *     with a body of another length, both are deleted;
 *   - a body without a record is deleted (a victim whose body delete had not run yet);
 *   - stale (expired) entries are kept; one past its grace period (`maxStaleSeconds` after
 *     `expiresAt`) expires; a record trusted beyond now + maxAgeSeconds is capped (clocks move back);
 *   - then the budget is re-applied (the limits may have changed), stale entries first;
 *   - bytesUsed is recomputed from the surviving records (invariant 2).
 *
 * Expired is not gone (invariant 3): a stale entry stays counted in the budget, is returned by
 * `lookup` as `stale` (the route handler revalidates it with its validators, or serves it marked
 * when the network fails), and goes only when room is needed (before any fresh entry) or when its
 * grace period is over (the sweep, recovery).
 *
 * The page owns its data (invariant 6): bodies are always read by cache name, so a deleted cache
 * (`caches.delete(cacheName)`, "Clear site data") is never served from. A hit whose body is gone
 * checks whether the cache itself is gone, and so does every write and sweep; then every record is
 * dropped too, and the next write creates the cache again.
 *
 * Access times and statistics are written behind in batches (at most every `writeBehindMs`, in a
 * pause of the hits, `WriteBehind.ts`), never on a hit's critical path (invariant 4). A lost batch costs LRU
 * accuracy, not consistency. A mutation stuck longer than `mutationTimeLimitMs` is abandoned: the
 * queue moves on, the IndexedDB connection is reopened, the error is reported, recovery reruns.
 *
 * Schema: DB_VERSION 2 (see EntryMetadataModel for the upgrade steps); the sweep reads the
 * `expiresAt` index (present since v1), never all records.
 */
import { ImageCacheError } from '../errors/ImageCacheError.ts';
import { LruPolicy } from '../policy/LruPolicy.ts';
import { clockSanity, expiresAtMs, isFresh, isPastStaleGrace, ownLifetimeSanity, type ClockSanity } from '../policy/freshness.ts';
import type { ReplacementPolicy } from '../policy/ReplacementPolicy.ts';
import type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
import type { CacheEvent, CacheStats, EntryInfo } from '../protocol.ts';
import { CacheEvents, type CacheEventListener, type ImageCacheEventHooks } from './CacheEvents.ts';
import { EntryMetadataModel, type EntryRecord } from './EntryMetadataModel.ts';
import { EntryTable, type IndexedEntry } from './EntryTable.ts';
import { encodeSnapshot } from './IndexSnapshot.ts';
import { ImageCacheStore } from './ImageCacheStore.ts';
import { MemoryTier } from './MemoryTier.ts';
import { KeyedChains, MutationQueue, type QueueTask } from './MutationQueue.ts';
import { RECOVERY_MS_PER_RECORD, recoverStores, type RecoveryReport } from './recover.ts';
import { declaredLength, whyNotStorable, type NotStorableReason } from './storable.ts';
import type { BodyStore, MetadataStore, RecordPatch } from './stores.ts';
import {
  dropSource,
  notStored,
  rememberCopy,
  reserveAll,
  type PinWait,
  type ReserveItem,
  type Reserved,
  type BodySource,
  type PutOptions,
  type PutResult,
  type StoredHeaders,
  type WriteContext,
} from './writeEntry.ts';
import { WriteBehind } from './WriteBehind.ts';

export type { RecoveryReport };

/**
 * How many times a put waits for the entries being written when only they hold the room it needs
 * (each wait lasts until the writes in flight at the time have settled), before it gives up
 * (`busy`): a put never waits for ever, and never for its own write.
 */
const PIN_WAITS = 8;
export type { CacheEvent, EntryInfo, CacheEventListener, ImageCacheEventHooks, PutOptions, PutResult, StoredHeaders, BodyStore, MetadataStore };

/** Options of an {@link ImageCache}. Sizes in bytes, durations as named. */
export interface ImageCacheOptions {
  /** Cache Storage cache for the bodies. @default "sw-image-cache-images" */
  cacheName?: string;
  /** Byte budget (required, > 0): committed plus pending body bytes never exceed it. */
  maxBytes: Bytes;
  /** Count limit; `0` or absent: none. */
  maxEntries?: number;
  /** Largest body stored, in bytes; larger ones are served, never stored. @default min(5 MiB, maxBytes) */
  maxEntryBytes?: Bytes;
  /** Default freshness lifetime of a put, in seconds; `0` means never expire. @default 604800 (7 days) */
  maxAgeSeconds?: Seconds;
  /**
   * The freshness lifetime of the route of a URL, in seconds: no record is trusted beyond
   * `now + maxAgeSecondsFor(url)` (clock sanity), when the index loads and when a record is read.
   * @default none: each record's own lifetime (`expiresAt − storedAt`), so only a `storedAt` in
   *   the future is corrected (a corrupt lifetime needs the route's)
   */
  maxAgeSecondsFor?: (url: string) => Seconds;
  /**
   * The smallest value `maxAgeSecondsFor` returns other than `0`, in seconds (a lower bound is
   * enough; `Infinity` when it returns only `0`). A record stored by now and expiring by
   * `now + minMaxAgeSeconds` is within every route's cap, so `maxAgeSecondsFor` is not asked for
   * it: on a wake of 100,000 entries, that is 100,000 route matches saved. A value above the true
   * smallest leaves records of the shorter routes uncapped.
   * @default 0: `maxAgeSecondsFor` is asked for every record
   */
  minMaxAgeSeconds?: Seconds;
  /**
   * How long a stale (expired) entry is kept for revalidation and offline use after `expiresAt`,
   * in seconds (RFC 9111 §4.2.4, RFC 5861 `stale-if-error`). Stale entries count in the budget and
   * are evicted before fresh ones whenever room is needed. `0`: kept until evicted.
   * @default 2592000 (30 days)
   */
  maxStaleSeconds?: Seconds;
  /**
   * Replacement policy instance (`createPolicy(name)` from `sw/policy` makes one by name).
   * @default a new LruPolicy
   */
  policy?: ReplacementPolicy;
  /**
   * Write-behind delay for access times and stats, in ms: a batch is written this long after its
   * first hit, once the hits pause for 200 ms (or this value, when smaller), at most 5 × this value
   * after its first hit. @default 1000
   */
  writeBehindMs?: Milliseconds;
  /**
   * Longest an index mutation (a put's transaction, a write-behind batch, a recovery) may run
   * without progress, in ms, before the queue moves on: the error is reported (`mutation-timeout`),
   * the IndexedDB connection reopened and recovery rerun. Long tasks (recovery, sweep, clear, the
   * snapshot write) report progress, and a step they cannot split (one `getAll()`, one
   * `Cache.keys()`) gets 0.5 ms per entry more; each recovery that timed out doubles the next
   * one's limits. `0`: no limit.
   * @default 10000
   */
  mutationTimeLimitMs?: Milliseconds;
  /** The clock, ms since epoch. @default Date.now */
  now?: () => Milliseconds;
  /** Metadata store (inject a fake or a differently named DB in tests). @default new EntryMetadataModel() */
  metadata?: MetadataStore;
  /** Body store. @default new ImageCacheStore(cacheName) */
  bodies?: BodyStore;
  /** Receives every cache event; a throwing listener is reported and ignored. */
  onEvent?: CacheEventListener;
  /** In-worker event hooks by event type (not Workbox plugins). @default [] */
  eventHooks?: ImageCacheEventHooks[];
  /**
   * The headers a body is stored with, from the response's headers and the entry's record. The
   * route handler uses it to store what a hit replays (`sw/strategy/storedHeaders.ts`); a body that
   * carries `X-SW-Image-Cache-Expires` and `X-SW-Image-Cache-Stored` can be served by a cold worker
   * before its index has loaded.
   * @default identity: the origin's headers, unchanged
   */
  storedHeaders?: StoredHeaders;
  /**
   * Bytes of worker memory for copies of the hottest bodies (an LRU of its own; bodies up to
   * 1/8 of it). A memory hit skips the Cache Storage round trip (it still checks, with one
   * `caches.has`, that the page has not deleted the cache). The copies are not storage and are
   * not counted in `maxBytes`; deletes, evictions and expiry drop them. Lost when the worker stops.
   * @default 0 (off)
   */
  memoryTierBytes?: Bytes;
  /**
   * Most bytes of bodies held in worker memory while they wait to be stored (read, queued or
   * being written), in bytes: {@link ImageCache.pendingBytes} never exceeds it. A put that would
   * take the sum past it is not stored (reason `busy`, counted in `busyBypasses` and `bypassed`);
   * a body larger than it is never stored. Bounds memory during a burst of large misses.
   * @default 33554432 (32 MiB)
   */
  maxPendingBytes?: Bytes;
  /**
   * How a body of known length (`Content-Length`) is stored. `true`: the response gathers it as a
   * `Blob` (`Response.blob()`), whose `size` is the stored length, and it is stored from the blob
   * once it has fully arrived; a body gathered whole waits outside the worker but waits whole, so
   * its bytes are held against `maxPendingBytes` until it is written, and a body that does not fit
   * there is piped as with `false` (never `busy`). In Chromium the blob of a network body is a handle to bytes the
   * browser process holds, so no chunk goes through the worker: storing twenty distinct 3 MB
   * misses at once, with room for them all in `maxPendingBytes`, kept the worker's heap under
   * 1 MiB in a test harness, where piping them through the worker peaked at 40–60 MiB of chunks
   * waiting for garbage collection. `false`: the body is piped
   * through a counting stream into Cache Storage as it arrives (every chunk passes through the
   * worker's JS heap); where a blob may be gathered in the worker's own memory (Node's undici;
   * Firefox and WebKit were not measured), this bounds what is held at a time.
   * @default true in Chromium (detected by a worker `navigator.userAgentData`), false elsewhere
   */
  blobBodies?: boolean;
}

/**
 * Whether this runtime is Chromium, where `Response.blob()` of a network body is a handle held
 * outside the worker ({@link ImageCacheOptions.blobBodies}). User-Agent Client Hints
 * (`navigator.userAgentData`) are Chromium's alone, in windows and workers; read lazily, at
 * construction, never at import.
 */
function blobBodiesNative(): boolean {
  const nav = (globalThis as { navigator?: { userAgentData?: unknown } }).navigator;
  return typeof nav === 'object' && nav !== null && typeof nav.userAgentData === 'object' && nav.userAgentData !== null;
}

/** How the index was loaded by the last recovery (health `index`). */
export interface IndexLoadInfo {
  /** `snapshot` (one read), `records` (every record read and reconciled), `empty` (nothing to load). */
  source: 'snapshot' | 'records' | 'empty';
  /** ms from the start of the recovery to the index being usable (`performance.now()` clock). */
  loadMs: Milliseconds;
  /** Entries loaded. */
  entries: number;
}

/** Quiet time after the last index change before the index snapshot is written, in ms. */
const SNAPSHOT_DELAY_MS = 2000;
/** Longest a changed index waits for its snapshot while changes keep coming, in ms. */
const SNAPSHOT_MAX_DELAY_MS = 15_000;

/** Statistics of one cache; see {@link CacheStats}. */
export type ImageCacheStats = CacheStats;

/** What a lookup found. */
export type LookupResult =
  | { result: 'hit'; response: Response; entry: Pick<EntryRecord, 'storedAt' | 'expiresAt' | 'bytes'> }
  | { result: 'stale'; response: Response; entry: EntryRecord }
  | { result: 'miss' };

/** A response whose body has been read: what {@link ImageCache.putBuffered} stores. */
export interface BufferedResponse {
  /** `Response.type` (an opaque response is never stored). @default "basic" */
  type?: ResponseType;
  status: number;
  headers: Headers;
  body: ArrayBuffer;
}

/** Header of a stored body, when `storedHeaders` sets it: its entry's `expiresAt` (ms since epoch; absent = never expires). */
export const EXPIRES_HEADER = 'X-SW-Image-Cache-Expires';
/** Header of a stored body, when `storedHeaders` sets it: its entry's `storedAt` (ms since epoch). */
export const STORED_HEADER = 'X-SW-Image-Cache-Stored';


/** Whether `e` is a queue time-out (reported once, by the queue's `onTimeout`). */
function isTimeout(e: unknown): boolean {
  return e instanceof ImageCacheError && e.code === 'mutation-timeout';
}

/** Normalises a URL into a cache key: absolute, without its fragment (Workbox `normalizeURL`). */
export function cacheKey(url: string | URL): string {
  const u = new URL(String(url));
  u.hash = '';
  return u.href;
}

/**
 * A byte-bounded image cache over Cache Storage (bodies) and IndexedDB (metadata): get/put/has/
 * delete/clear/stats, usable on its own (in a worker or a window) and used by the worker's route
 * handler. See the header of this file for the invariants and the write protocol.
 *
 * Every method waits for recovery (`ready()`) first; mutations run one at a time.
 */
export class ImageCache {
  /** The Cache Storage cache of the bodies ({@link ImageCacheOptions.cacheName}). */
  readonly cacheName: string;
  /** Default freshness lifetime of a put, seconds ({@link ImageCacheOptions.maxAgeSeconds}). */
  readonly maxAgeSeconds: Seconds;
  /** Grace period of stale entries, seconds ({@link ImageCacheOptions.maxStaleSeconds}). */
  readonly maxStaleSeconds: Seconds;
  /** The cache's clock, ms since epoch (injected in tests). */
  readonly now: () => Milliseconds;
  readonly #metadata: MetadataStore;
  readonly #bodies: BodyStore;
  readonly #events: CacheEvents;
  readonly #writeBehind: WriteBehind;
  readonly #memory: MemoryTier | null;
  readonly #table: EntryTable;
  readonly #queue: MutationQueue;
  /** Per-URL chains of the Cache Storage half of fills (body writes, victims' body deletes). */
  readonly #chains = new KeyedChains();
  readonly #write: WriteContext;
  /** Clock sanity (invariant 3): `maxAgeSecondsFor`, asked beyond `minMaxAgeSeconds` only. */
  readonly #clockSanity: ClockSanity;
  readonly #budget: Bytes;
  /** The bound on {@link ImageCache.pendingBytes} ({@link ImageCacheOptions.maxPendingBytes}), in bytes. */
  readonly maxPendingBytes: Bytes;
  #pendingBytes: Bytes = 0;
  /** Puts waiting for their reservation task (they join it until it starts), or `null`. */
  #reserveBatch: ReserveItem[] | null = null;
  #peakPendingBytes: Bytes = 0;
  #streamedStores = 0;
  #ready: Promise<RecoveryReport> | null = null;
  #lastRecovery: RecoveryReport | null = null;
  /** Whether the in-memory index reflects the stores (false until recovery has run, and during one). */
  #indexLoaded = false;
  /** Hits answered before the index loaded: applied to the recency order once it has. */
  #earlyAccess = new Map<string, Milliseconds>();
  #indexLoad: IndexLoadInfo | null = null;
  /** Whether the next recovery may load the index snapshot (false on `activate` and after a stuck mutation). */
  #snapshotAllowed = true;
  /**
   * `mutationTimeLimitMs`: the mutation queue's time limit per task (and per recovery step), and
   * the longest a put waits for the entries being written to settle, per wait; in ms, `0`: none.
   */
  readonly #mutationTimeLimitMs: Milliseconds;
  /** Recoveries that timed out in this worker: each doubles the next one's time limits. */
  #recoveryTimeouts = 0;
  #snapshotTimer: ReturnType<typeof setTimeout> | null = null;
  #snapshotFirstDirtyAt = 0;
  #snapshotLastDirtyAt = 0;
  /** `errors` counted at the end of the last full recovery: after any error since, no snapshot is written (a failed delete may have left a body the snapshot cannot know about). */
  #errorsAtFullRecovery = Number.NaN;
  #readyFailedAt = Number.NEGATIVE_INFINITY;
  #readyError: unknown = null;
  /** After a failed recovery (IndexedDB unavailable), lookups fail fast for this long, in ms. */
  static readonly RETRY_AFTER_FAILURE_MS = 5000;

  /**
   * @throws RangeError when `maxBytes` is not positive or a limit is negative.
   */
  constructor(options: ImageCacheOptions) {
    this.cacheName = options.cacheName ?? 'sw-image-cache-images';
    this.maxAgeSeconds = options.maxAgeSeconds ?? 7 * 24 * 60 * 60;
    this.maxStaleSeconds = options.maxStaleSeconds ?? 30 * 24 * 60 * 60;
    this.now = options.now ?? Date.now;
    const routeMaxAge = options.maxAgeSecondsFor;
    this.#clockSanity = routeMaxAge
      ? clockSanity((r) => routeMaxAge(r.url), options.minMaxAgeSeconds ?? 0)
      : ownLifetimeSanity();
    this.#metadata = options.metadata ?? new EntryMetadataModel();
    this.#bodies = options.bodies ?? new ImageCacheStore(this.cacheName);
    this.#events = new CacheEvents(this.now);
    if (options.onEvent) this.#events.on(options.onEvent);
    for (const hooks of options.eventHooks ?? []) this.#events.addHooks(hooks);
    this.#writeBehind = new WriteBehind(options.writeBehindMs ?? 1000, () => this.#flushBatch());
    const memoryBytes = options.memoryTierBytes ?? 0;
    this.#memory = memoryBytes > 0 ? new MemoryTier(memoryBytes) : null;
    this.#table = new EntryTable(
      {
        maxBytes: options.maxBytes,
        maxEntries: options.maxEntries,
        maxEntryBytes: options.maxEntryBytes ?? Math.min(5 * 1024 * 1024, options.maxBytes),
      },
      options.policy ?? new LruPolicy(),
      { metadata: this.#metadata, bodies: this.#bodies, events: this.#events, memory: this.#memory, writeBehind: this.#writeBehind, changed: () => this.#indexChanged() },
    );
    this.#budget = options.maxBytes;
    this.maxPendingBytes = options.maxPendingBytes ?? 32 * 1024 * 1024;
    if (!(this.maxPendingBytes > 0)) throw new RangeError(`maxPendingBytes must be > 0 bytes, got ${this.maxPendingBytes}`);
    this.#mutationTimeLimitMs = options.mutationTimeLimitMs ?? 10_000;
    this.#queue = new MutationQueue({
      timeLimitMs: this.#mutationTimeLimitMs,
      onTimeout: (label, error) => this.#onStuck(label, error),
    });
    this.#write = {
      table: this.#table,
      metadata: this.#metadata,
      bodies: this.#bodies,
      events: this.#events,
      memory: this.#memory,
      now: this.now,
      defaultMaxAgeSeconds: this.maxAgeSeconds,
      storedHeaders: options.storedHeaders ?? ((headers) => headers),
      queue: this.#queue,
      chains: this.#chains,
      onStreamed: () => void this.#streamedStores++,
      blobBodies: options.blobBodies ?? blobBodiesNative(),
      pending: { hold: (bytes) => this.#hold(bytes), release: (bytes) => this.releasePending(bytes) },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Read-only views

  /** Bytes held by committed and pending entries (stale ones included). */
  get bytesUsed(): Bytes {
    return this.#table.index.bytes;
  }

  /** Entries held (committed and pending, stale ones included). */
  get size(): number {
    return this.#table.index.size;
  }

  /** Largest body stored in bytes, as in force (lower than configured while the quota clamps the budget). */
  get maxEntryBytes(): Bytes {
    return this.#table.index.maxEntryBytes;
  }

  /** Bytes of bodies held in worker memory waiting to be stored (read, queued or being written); ≤ {@link ImageCache.maxPendingBytes}. */
  get pendingBytes(): Bytes {
    return this.#pendingBytes;
  }

  /**
   * Holds `bytes` of the pending-body budget for a body about to be read and stored (the route
   * handler holds a response's declared `Content-Length` before it answers, so it can say
   * `detail=busy` at once). Returns `false`, and counts a busy bypass, when the bodies already
   * waiting plus `bytes` would exceed {@link ImageCache.maxPendingBytes}: do not store that body.
   * Pass the held bytes as `pendingHeldBytes` to the put, which releases them once it settles;
   * release them yourself with {@link ImageCache.releasePending} if the put never happens.
   * @param bytes The body's length in bytes.
   */
  holdPending(bytes: Bytes): boolean {
    if (this.#hold(bytes)) return true;
    this.#events.count('busyBypasses');
    return false;
  }

  /** Holds `bytes` of maxPendingBytes when they fit (no count when they do not). */
  #hold(bytes: Bytes): boolean {
    if (this.#pendingBytes + bytes > this.maxPendingBytes) return false;
    this.#pendingBytes += bytes;
    if (this.#pendingBytes > this.#peakPendingBytes) this.#peakPendingBytes = this.#pendingBytes;
    return true;
  }

  /** Gives back bytes held with {@link ImageCache.holdPending} for a body that will not be put. */
  releasePending(bytes: Bytes): void {
    this.#pendingBytes = Math.max(0, this.#pendingBytes - bytes);
  }

  /** Whether the entry index is loaded in this worker (false before recovery and while IndexedDB is unavailable). */
  get indexLoaded(): boolean {
    return this.#indexLoaded;
  }

  /** Index mutations that ran past `mutationTimeLimitMs` in this worker's lifetime. */
  get mutationTimeouts(): number {
    return this.#queue.timeouts;
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Loads the index, running recovery first (once per worker lifetime; later calls share it).
   * Rejects with the platform's error when IndexedDB or Cache Storage is unavailable; calls within
   * the next {@link ImageCache.RETRY_AFTER_FAILURE_MS} ms reject at once with it, and the first
   * call after that tries again.
   */
  ready(): Promise<RecoveryReport> {
    if (this.#ready) return this.#ready;
    // Fail fast for a while after a failure: images go straight to the network meanwhile.
    if (this.now() - this.#readyFailedAt < ImageCache.RETRY_AFTER_FAILURE_MS) return Promise.reject(this.#readyError);
    return this.#startRecovery();
  }

  /**
   * Runs a recovery pass now (on `activate`), after pending writes settle. Rejects like
   * {@link ImageCache.ready}; a failed pass is not kept: the next `ready()` or `recover()` tries again.
   */
  async recover(): Promise<RecoveryReport> {
    this.#snapshotAllowed = false;
    // Body writes in flight finish first (their commits run in the queue, before the recovery).
    await this.#chains.idle();
    return this.#startRecovery();
  }

  /** How the index was loaded by the last recovery, or `null` before one succeeded (health `index`). @internal */
  get indexLoad(): IndexLoadInfo | null {
    return this.#indexLoad;
  }

  /** The report of the last recovery, or `null` before the first. */
  get lastRecovery(): RecoveryReport | null {
    return this.#lastRecovery;
  }

  #startRecovery(): Promise<RecoveryReport> {
    const run = this.#queue.run('recover', (task) => this.#recover(task));
    this.#ready = run;
    run.catch((e: unknown) => {
      if (this.#ready === run) this.#ready = null;
      this.#readyFailedAt = this.now();
      this.#readyError = e;
      if (!isTimeout(e)) this.#events.error(undefined, 'recover', e);
    });
    return run;
  }

  /**
   * Lowers the budget in force below the configured `maxBytes` when the storage quota cannot hold
   * it, and purges until it holds (stale entries first). Reported as `effectiveMaxBytes` in stats.
   * The budget is never raised again within a worker's lifetime; a restarted worker starts from
   * `maxBytes`.
   * @param bytes The budget the quota allows, in bytes.
   */
  async setEffectiveMaxBytes(bytes: Bytes): Promise<void> {
    await this.ready();
    await this.#queue.run('set-effective-max-bytes', async () => {
      this.#table.lowerLimit(bytes);
      for (const victim of this.#table.shrink(this.now())) await this.#table.deleteStored(victim, 'purge');
    });
  }

  async #recover(task: QueueTask): Promise<RecoveryReport> {
    this.#indexLoaded = false;
    const startedAt = performance.now();
    const allowSnapshot = this.#snapshotAllowed;
    this.#snapshotAllowed = true;
    const report = await recoverStores({
      allowSnapshot,
      cacheName: this.cacheName,
      metadata: this.#metadata,
      bodies: this.#bodies,
      table: this.#table,
      events: this.#events,
      now: this.now,
      maxStaleSeconds: this.maxStaleSeconds,
      clockSanity: this.#clockSanity,
      // Each recovery that timed out doubles the next one's limits (a slow disk is not stuck).
      stepLimitMs: this.#mutationTimeLimitMs * 2 ** Math.min(this.#recoveryTimeouts, 6),
      progress: (limitMs) => task.progress(limitMs),
    });
    this.#lastRecovery = report;
    this.#indexLoaded = true;
    this.#indexLoad = { source: report.source, loadMs: performance.now() - startedAt, entries: report.entries };
    if (report.source !== 'snapshot') this.#errorsAtFullRecovery = this.#events.stats.errors;
    // A snapshot for the next wake, unless the one just loaded is still current.
    if (report.source !== 'snapshot' || report.expired + report.capped + report.evicted > 0) this.#indexChanged();
    // Hits answered before the index loaded: applied to the recency order (written behind).
    for (const [key, at] of this.#earlyAccess) this.#table.touch(key, at);
    this.#earlyAccess.clear();
    return report;
  }

  /** The time limit of one step over `n` entries it cannot split (one large read or write), in ms. */
  #limitFor(n: number): Milliseconds {
    return this.#mutationTimeLimitMs + n * RECOVERY_MS_PER_RECORD;
  }

  /** A queued mutation ran past its time limit: report, reopen IndexedDB, rebuild the index from the stores. */
  #onStuck(label: string, error: ImageCacheError): void {
    if (label === 'recover') this.#recoveryTimeouts++;
    this.#events.error(undefined, label, error);
    void this.#metadata.close().catch((e: unknown) => this.#events.error(undefined, 'close stuck connection', e));
    this.#indexLoaded = false;
    this.#ready = null;
    this.#snapshotAllowed = false;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Looks `url` up and counts the lookup: a fresh entry is a `hit` (its access is recorded, written
   * behind); an expired one within its grace period is `stale` (counted as a miss; the caller
   * revalidates it, or serves it marked when the network fails); otherwise `miss`. A record whose
   * body has vanished is dropped and is a miss; when the whole cache has vanished (deleted by a
   * page), every record is dropped.
   * Rejects when the index cannot load (IndexedDB unavailable): callers go to the network.
   */
  async lookup(url: string): Promise<LookupResult> {
    const key = cacheKey(url);
    if (!this.#indexLoaded) {
      const early = await this.#coldLookup(key);
      if (early) return early;
    }
    const entry = this.#table.committed(key);
    if (!entry) return this.#miss(key);
    this.#trust(entry);
    const fresh = isFresh(entry.expiresAt, this.now());
    const memory = fresh && this.#memory?.has(key) ? this.#memory : null;
    if (memory) {
      // Memory tier: no Cache Storage round trip, but never a copy of a body the page deleted.
      if (await this.#bodies.exists()) {
        const copy = memory.take(key)!;
        return this.#hit(key, entry, new Response(copy.body, { status: 200, statusText: 'OK', headers: copy.headers }));
      }
      return this.#bodyGone(key);
    }
    const response = await this.#bodies.match(key);
    if (!response) return this.#bodyGone(key);
    if (!isFresh(entry.expiresAt, this.now())) {
      this.#events.count('misses');
      this.#events.count('stale');
      if (this.#events.listening) this.#events.emit({ type: 'miss', url: key, stale: true });
      // The validators are not held in memory: they are the stored body's own (the record's came
      // from the same response headers when it was stored; a 304 renews neither).
      const validators = { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified') };
      return { result: 'stale', response, entry: { lastAccessedAt: entry.storedAt, accessSeq: 0, ...entry, ...validators } };
    }
    if (this.#memory && entry.bytes <= this.#memory.maxEntryBytes) {
      // Promote into the memory tier, off the critical path (the page's copy streams as usual).
      const copy = response.clone();
      void copy.arrayBuffer().then(
        (body) => rememberCopy(this.#write, key, body, copy.headers),
        (e: unknown) => this.#events.error(key, 'memory tier copy', e),
      );
    }
    return this.#hit(key, entry, response);
  }

  /**
   * Cold worker: answers from Cache Storage alone while recovery loads the index, which starts only
   * after this lookup so it does not compete with it. A fresh body (judged from the expiry it was
   * stored with, capped by clock sanity) is a hit: invariant 3 holds, and a body left without a
   * record by a crash is still the right image for its URL (recovery settles the books right
   * after). No body: a miss, whatever the index would say. Otherwise (an expired body, or one
   * without stored expiry headers): `null`, once the index has loaded.
   */
  async #coldLookup(key: string): Promise<LookupResult | null> {
    const early = await this.#bodies.match(key).catch((e: unknown) => {
      this.#events.error(key, 'cold lookup', e);
      return undefined;
    });
    const expires = early?.headers.get(EXPIRES_HEADER);
    const storedAt = Number(early?.headers.get(STORED_HEADER));
    const claimed = expires === null || expires === undefined ? Number.POSITIVE_INFINITY : Number(expires);
    const now = this.now();
    const { expiresAt } = this.#clockSanity({ url: key, storedAt, expiresAt: claimed }, now);
    if (early && storedAt > 0 && isFresh(expiresAt, now)) {
      this.#earlyAccess.set(key, now);
      setTimeout(() => void this.ready().catch(() => undefined /* reported by #startRecovery */), 0);
      this.#events.count('hits');
      const bytes = Number(early.headers.get('content-length')) || 0;
      if (this.#events.listening) this.#events.emit({ type: 'hit', url: key, bytes });
      return { result: 'hit', response: early, entry: { storedAt: Math.min(storedAt, now), expiresAt, bytes } };
    }
    if (!early && now - this.#readyFailedAt >= ImageCache.RETRY_AFTER_FAILURE_MS) {
      void this.ready().catch(() => undefined /* reported by #startRecovery */);
      return this.#miss(key);
    }
    void early?.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
    await this.ready();
    return null;
  }

  /** Clock sanity at read: caps a record trusted beyond now + its route's maxAgeSeconds (written behind). */
  #trust(entry: IndexedEntry): void {
    const capped = this.#clockSanity(entry, this.now());
    if (capped === entry) return;
    entry.storedAt = capped.storedAt;
    entry.expiresAt = capped.expiresAt;
    this.#table.setFreshness(entry.url, capped.storedAt, capped.expiresAt);
    this.#writeBehind.markFreshness(entry.url);
  }

  #miss(key: string): LookupResult {
    this.#events.count('misses');
    if (this.#events.listening) this.#events.emit({ type: 'miss', url: key, stale: false });
    return { result: 'miss' };
  }

  /**
   * A record without its body: the body was deleted behind our back (a page, another worker
   * version). The reconciliation runs later, in the queue, and drops only a *committed* record
   * still without its body: by then the key may hold a refill being written (a pending record,
   * whose body is not there yet by design), e.g. one whose reservation joined a batch queued
   * before this reconciliation. Dropping that would abandon the refill and delete its body.
   */
  #bodyGone(key: string): LookupResult {
    void this.#queue
      .run('reconcile', async () => {
        if (await this.#reconcileDeletedCache()) return;
        if (!this.#table.committed(key) || (await this.#bodies.match(key))) return;
        this.#table.index.remove(key);
        this.#table.records.delete(key);
        this.#memory?.forget(key);
        await this.#metadata.deleteMany([key]);
      })
      .catch((e: unknown) => {
        if (!isTimeout(e)) this.#events.error(key, 'reconcile', e);
      });
    return this.#miss(key);
  }

  /**
   * When the page deleted the Cache Storage cache (or the user cleared site data): drops every
   * entry from memory and IndexedDB (their bodies are gone; reason `delete`) and resolves `true`.
   * Runs inside the queue. Only a cache that held a committed body can have been deleted: while
   * every entry is still being written (pinned), the cache may simply not exist yet.
   */
  async #reconcileDeletedCache(): Promise<boolean> {
    if (this.#table.index.size === this.#table.index.pinnedCount || (await this.#bodies.exists())) return false;
    const removed = this.#table.dropAll();
    await this.#metadata.clear();
    for (const r of removed) this.#events.emit({ type: 'evicted', url: r.url, bytes: r.bytes, reason: 'delete' });
    return true;
  }

  #hit(key: string, entry: IndexedEntry, response: Response): LookupResult {
    this.#table.touch(key, this.now());
    this.#events.count('hits');
    if (this.#events.listening) this.#events.emit({ type: 'hit', url: key, bytes: entry.bytes });
    return { result: 'hit', response, entry: { storedAt: entry.storedAt, expiresAt: entry.expiresAt, bytes: entry.bytes } };
  }

  /**
   * The full record of a held entry: its stored record (validators, access time) with what memory
   * holds newer (freshness, size, state, a pending access time). A pending entry is its live record.
   */
  async #fullRecord(entry: IndexedEntry): Promise<EntryRecord> {
    if (entry.state === 'pending') return { ...(entry as EntryRecord) };
    const stored = await this.#metadata.get(entry.url).catch((e: unknown) => {
      this.#events.error(entry.url, 'read record', e);
      return undefined;
    });
    const at = this.#writeBehind.pendingAccess(entry.url) ?? 0;
    return {
      lastAccessedAt: entry.storedAt,
      accessSeq: 0,
      etag: null,
      lastModified: null,
      ...stored,
      ...entry,
      ...(stored ? { lastAccessedAt: Math.max(stored.lastAccessedAt, at) } : at ? { lastAccessedAt: at } : {}),
    };
  }

  /** The fresh cached response for `url`, or `undefined` (counts as a hit or a miss). */
  async get(url: string): Promise<Response | undefined> {
    const found = await this.lookup(url);
    return found.result === 'hit' ? found.response : undefined;
  }

  /** Whether a fresh entry for `url` is stored. Does not count as a use. */
  async has(url: string): Promise<boolean> {
    await this.ready();
    const entry = this.#table.committed(cacheKey(url));
    if (!entry) return false;
    this.#trust(entry);
    return isFresh(entry.expiresAt, this.now());
  }

  /** A copy of the metadata of `url`'s entry (committed or pending, fresh or stale), or `undefined`. Does not count as a use. */
  async peek(url: string): Promise<EntryRecord | undefined> {
    await this.ready();
    const r = this.#table.records.get(cacheKey(url));
    return r ? this.#fullRecord(r) : undefined;
  }

  /**
   * A snapshot of the committed entries (fresh and stale), in eviction order (least recently used
   * first under LRU). Reads every record once (access times are not held in memory).
   */
  async entries(): Promise<EntryInfo[]> {
    await this.ready();
    const stored = new Map((await this.#metadata.getAll()).map((r) => [r.url, r.lastAccessedAt]));
    const out: EntryInfo[] = [];
    for (const key of this.#table.index.keys()) {
      const r = this.#table.committed(key);
      if (!r) continue;
      out.push({
        url: r.url,
        bytes: r.bytes,
        storedAt: r.storedAt,
        lastAccessedAt: Math.max(stored.get(key) ?? r.storedAt, this.#writeBehind.pendingAccess(key) ?? 0),
        expiresAt: Number.isFinite(r.expiresAt) ? r.expiresAt : null,
        kind: r.kind,
        revision: r.revision,
        contentType: r.contentType,
      });
    }
    return out;
  }

  #staleCount(nowMs: Milliseconds): number {
    return this.#table.countStale(nowMs);
  }

  /** Current statistics. Counters survive worker restarts (written behind). O(entries) for `staleEntries`. */
  stats(): ImageCacheStats {
    const { staticRouteHits, staticRouteMisses, staticRouteReports, ...s } = this.#events.stats;
    const index = this.#table.index;
    const lookups = s.hits + s.misses;
    return {
      ...s,
      hitRate: lookups === 0 ? 0 : s.hits / lookups,
      bytesUsed: index.bytes,
      maxBytes: this.#budget,
      effectiveMaxBytes: index.maxBytes,
      entries: index.size,
      staleEntries: this.#staleCount(this.now()),
      maxEntries: Number.isFinite(index.maxEntries) ? index.maxEntries : 0,
      maxEntryBytes: index.maxEntryBytes,
      maxStaleSeconds: this.maxStaleSeconds,
      policy: index.policy.name,
      memoryTier: this.#memory ? this.#memory.stats() : null,
      pendingBytes: this.#pendingBytes,
      maxPendingBytes: this.maxPendingBytes,
      peakPendingBytes: this.#peakPendingBytes,
      streamedStores: this.#streamedStores,
      // The worker says whether the browser supports static routes and whether they are on.
      staticRoute: { supported: false, active: false, reportedHits: staticRouteHits, reportedMisses: staticRouteMisses, reports: staticRouteReports },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * Stores a network response for `url` if it is storable, replacing an existing entry (its bytes
   * are re-accounted). Never throws for a bad response: the result says why it was not stored.
   * Rejects only when the index cannot load.
   *
   * A body that declares its length (`Content-Length`, without `Content-Encoding`) is streamed
   * into Cache Storage: `Content-Length` bytes are reserved first, the body is never held whole
   * in worker memory (it is never `busy`; as a blob, held whole outside the worker, it counts
   * against {@link ImageCacheOptions.maxPendingBytes} while it waits, see
   * {@link ImageCacheOptions.blobBodies}), and the length actually stored (the blob's
   * size, or the bytes that went through) is checked: when it differs from the declared length,
   * the entry is deleted and its reservation released (`length-mismatch`; counted in `bypassed`),
   * as a buffered body of the wrong length is never stored either. Counted in `streamedStores`.
   * (With the memory tier on, a body small enough for it to keep is read in full instead.)
   * A body of unknown length is read in full first (bytes come from the body), and is not read
   * when the bodies waiting to be stored leave no room for it (`busy`).
   * @param url The request URL (its fragment is dropped).
   * @param response A response whose body has not been read; it is consumed.
   * @param options `pendingHeldBytes`, when given, are released (streamed) or handed to the buffered put;
   *   `headers`, when given, replace the response's (judged, recorded and stored), without a rebuilt `Response`.
   * @returns What was done, with evicted URLs.
   */
  async put(url: string, response: Response, { headers: given, ...options }: PutOptions = {}): Promise<PutResult> {
    const held = options.pendingHeldBytes ?? 0;
    const key = cacheKey(url);
    const headers = given ?? response.headers;
    const judged = given ? { type: response.type, status: response.status, headers } : response;
    const declared = declaredLength(headers);
    // Streamed once the index is loaded (a cold worker's first put waits for it below).
    if (declared !== null && response.body && this.#indexLoaded && this.#streamable(declared)) return this.#putStreamed(key, response, judged, declared, options);
    try {
      await this.ready();
    } catch (e) {
      this.releasePending(held);
      void response.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
      throw e;
    }
    const reason = whyNotStorable(judged, this.maxEntryBytes);
    if (reason) {
      this.releasePending(held);
      void response.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
      return notStored(this.#table, reason);
    }
    if (declared !== null && response.body && this.#streamable(declared)) return this.#putStreamed(key, response, judged, declared, options);
    if (declared !== null && !held) {
      if (!this.holdPending(declared)) {
        void response.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
        this.#events.count('bypassed');
        return notStored(this.#table, 'busy');
      }
      options = { ...options, pendingHeldBytes: declared };
    }
    let body: ArrayBuffer;
    try {
      body = await response.arrayBuffer();
    } catch (e) {
      this.releasePending(options.pendingHeldBytes ?? 0);
      this.#events.error(key, 'read-body', e);
      return notStored(this.#table, 'write-failed');
    }
    return this.#putRead(key, { type: response.type, status: response.status, headers, body }, options);
  }

  /** Whether a body of `declared` bytes is streamed: always, except one the memory tier would keep a copy of (it needs the bytes anyway). */
  #streamable(declared: Bytes): boolean {
    return !(this.#memory && declared <= this.#memory.maxEntryBytes);
  }

  /** @param judged The response's type, status and the headers it is stored with. */
  #putStreamed(key: string, response: Response, judged: Pick<Response, 'type' | 'status' | 'headers'>, declared: Bytes, options: PutOptions): Promise<PutResult> {
    this.releasePending(options.pendingHeldBytes ?? 0); // streamed: nothing of it waits in worker memory
    const reason = whyNotStorable(judged, this.maxEntryBytes);
    if (reason) {
      void response.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
      return Promise.resolve(notStored(this.#table, reason));
    }
    const { pendingHeldBytes: _held, ...rest } = options;
    return this.#fill('put-stream', key, { kind: 'stream', response, bytes: declared }, judged.headers, rest);
  }

  /**
   * Stores a response whose body the caller has already read (the route handler reads a body once,
   * for the store and for collapsed followers). Makes every check {@link ImageCache.put} makes:
   * status and headers (`whyNotStorable` (`sw/storage/storable.ts`)), then what only the read body can tell (empty,
   * length against `Content-Length`, `maxEntryBytes`). A response that is not stored counts as
   * bypassed. Never rejects: the result says why it was not stored. The body counts against
   * {@link ImageCacheOptions.maxPendingBytes} until its write settles (`busy` when there is no
   * room, unless the caller held its bytes: `pendingHeldBytes`).
   */
  putBuffered(url: string, response: BufferedResponse, options: PutOptions = {}): Promise<PutResult> {
    return this.#putRead(cacheKey(url), response, options);
  }

  #putRead(key: string, response: BufferedResponse, options: PutOptions): Promise<PutResult> {
    // Recovery is queued before any write (a cold worker may not have started it yet).
    void this.ready().catch(() => undefined /* reported by #startRecovery; the write then fails below */);
    const { body, headers } = response;
    const declared = declaredLength(headers);
    const rejected: NotStorableReason | null =
      whyNotStorable({ type: response.type ?? 'basic', status: response.status, headers }, this.maxEntryBytes) ??
      (body.byteLength === 0
        ? 'empty'
        : declared !== null && declared !== body.byteLength
          ? 'length-mismatch'
          : !this.#table.index.admissible(body.byteLength)
            ? 'too-large'
            : null);
    const held = options.pendingHeldBytes ?? 0;
    if (rejected) {
      this.releasePending(held);
      this.#events.count('bypassed');
      return Promise.resolve(notStored(this.#table, rejected));
    }
    // The body waits in memory until its write settles: it counts against maxPendingBytes meanwhile.
    let holding = held;
    if (holding === 0) {
      if (!this.holdPending(body.byteLength)) {
        this.#events.count('bypassed');
        return Promise.resolve(notStored(this.#table, 'busy'));
      }
      holding = body.byteLength;
    }
    return this.#fill('put', key, { kind: 'buffer', body }, headers, options).finally(() => this.releasePending(holding));
  }

  /**
   * Stores an opaque (cross-origin `no-cors`) response, which cannot be read or measured, counting
   * it as `assumedBytes` against the budget. Only for routes that opt in (`opaqueBytes`): the real
   * size is unknown (browsers also pad opaque responses in quota accounting), so `bytesUsed` is
   * only as true as the assumption, and such a body cannot be checked against its record.
   */
  putOpaque(url: string, response: Response, assumedBytes: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const key = cacheKey(url);
    void this.ready().catch(() => undefined /* reported by #startRecovery */);
    if (!(assumedBytes > 0) || !this.#table.index.admissible(assumedBytes)) return Promise.resolve(notStored(this.#table, 'too-large'));
    return this.#fill('put-opaque', key, { kind: 'opaque', response, bytes: assumedBytes }, new Headers(), options);
  }

  /**
   * One put: the reservation in the queue, then the body write on the URL's chain, outside the
   * queue (fills of different URLs overlap), then the commit in the queue. Never rejects.
   * When only entries being written hold the room it needs, the put waits (outside the queue)
   * for those writes to settle and reserves again, evicting them as ordinary victims; at most
   * {@link PIN_WAITS} times, each at most `mutationTimeLimitMs`, then it is `busy`.
   * @param waits How many times this put already waited.
   */
  #fill(label: string, key: string, source: BodySource, headers: Headers, options: PutOptions, waits = 0): Promise<PutResult> {
    return new Promise<PutResult | Reserved | PinWait>((resolve) => {
      const item: ReserveItem = { key, source, headers, options, mayWait: waits < PIN_WAITS, resolve };
      if (this.#reserveBatch) {
        this.#reserveBatch.push(item);
        return;
      }
      const batch = [item];
      this.#reserveBatch = batch;
      const close = () => {
        if (this.#reserveBatch === batch) this.#reserveBatch = null;
      };
      // One queue task reserves for every put that arrived while it waited (the first put's label names it).
      void this.#queued(label, key, async () => {
        close();
        await reserveAll(this.#write, batch);
        return notStored(this.#table, 'write-failed'); // every item is resolved by now
      }).then((r) => {
        close();
        for (const it of batch) it.resolve(r); // no effect on the items already resolved
      });
    }).then((r) => {
      if ('written' in r) return r.written;
      // Never awaited inside the queue: a write's commit needs the queue (no deadlock).
      if ('waitFor' in r) {
        return this.#pinnedSettled(r.waitFor).then((settled): Promise<PutResult> | PutResult =>
          settled ? this.#fill(label, key, source, headers, options, waits + 1) : this.#notFilled(source, notStored(this.#table, 'busy')),
        );
      }
      return this.#notFilled(source, r);
    });
  }

  #notFilled(source: BodySource, r: PutResult): PutResult {
    dropSource(source);
    if (r.reason === 'busy') this.#events.count('bypassed');
    return r;
  }

  /**
   * Resolves `true` once the writes of `keys` queued so far have settled, or `false` when they
   * take longer than `mutationTimeLimitMs` (a stuck body write must not hold the puts waiting on
   * it for ever).
   */
  #pinnedSettled(keys: readonly string[]): Promise<boolean> {
    const settled = this.#chains.settled(keys).then(() => true);
    if (!(this.#mutationTimeLimitMs > 0)) return settled;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.#mutationTimeLimitMs)));
    return Promise.race([settled, late]).finally(() => clearTimeout(timer));
  }

  /** Runs a write in the queue, after checking that the index is loaded and the cache still exists. Never rejects. */
  #queued<T>(label: string, key: string, write: () => Promise<T | PutResult>): Promise<T | PutResult> {
    return this.#queue
      .run(label, async () => {
        // Never write without the index: the budget could not be kept (recovery failed, e.g. IndexedDB blocked).
        if (!this.#indexLoaded) return notStored(this.#table, 'write-failed');
        await this.#reconcileDeletedCache();
        return write();
      })
      .catch((e: unknown) => {
        if (!isTimeout(e)) this.#events.error(key, label, e);
        return notStored(this.#table, 'write-failed') as T | PutResult;
      });
  }

  /**
   * Deletes `url`'s entry (record and body). Resolves whether there was one.
   */
  async delete(url: string): Promise<boolean> {
    await this.ready();
    const key = cacheKey(url);
    return this.#queue.run('delete', async () => {
      if (!this.#table.index.has(key)) return false;
      await this.#table.deleteStored(key, 'delete');
      return true;
    });
  }

  /**
   * Deletes every entry (records and bodies). Statistics counters are kept. The documented way for
   * a page to clear (`client.clear()`). Emits one `cleared` event (`entries` removed and their
   * `bytes`), never one event per entry: cost O(1) in events and two store operations (one
   * IndexedDB `clear`, one `caches.delete`), whatever the number of entries.
   */
  async clear(): Promise<void> {
    await this.ready();
    await this.#queue.run('clear', async (task) => {
      const entries = this.#table.index.size;
      task.progress(this.#limitFor(entries));
      const bytes = this.#table.index.bytes;
      this.#table.dropAll();
      await this.#metadata.clear();
      await this.#bodies.clear();
      this.#events.emit({ type: 'cleared', entries, bytes });
    });
  }

  /**
   * Periodic maintenance of the entries: reconciles with a cache the page deleted, and removes
   * every stale entry past its grace period (`maxStaleSeconds` after `expiresAt`; reason `expire`,
   * counted in `expirations`). Stale entries within their grace period are kept.
   * Resolves with how many entries expired.
   *
   * Cost: one read of the IndexedDB `expiresAt` index (the candidates: records with `expiresAt` at
   * or before `now − maxStaleSeconds`), then one record delete and one body delete per expired
   * entry; it never walks all entries. Each candidate is checked against the record held in
   * memory (the truth while the worker runs). A record whose `expiresAt` was lowered in memory
   * (clock sanity) but not yet written behind is found by the sweep after that write.
   * `maxStaleSeconds: 0` keeps stale entries until evicted: nothing is read.
   */
  async sweep(): Promise<number> {
    await this.ready();
    return this.#queue.run('sweep', async (task) => {
      await this.#reconcileDeletedCache();
      if (!(this.maxStaleSeconds > 0) || this.#table.index.size === 0) return 0;
      const now = this.now();
      let expired = 0;
      for (const key of await this.#metadata.expiredUrls(now - this.maxStaleSeconds * 1000)) {
        task.progress();
        const r = this.#table.committed(key);
        if (!r || !isPastStaleGrace(r.expiresAt, now, this.maxStaleSeconds)) continue;
        await this.#table.deleteStored(key, 'expire');
        expired++;
      }
      return expired;
    });
  }

  /**
   * Marks a revalidated entry fresh again (after a `304 Not Modified`, RFC 9111 §4.3.4): new
   * `storedAt` and `expiresAt`, same body.
   */
  async refresh(url: string, maxAgeSeconds: Seconds = this.maxAgeSeconds): Promise<void> {
    const key = cacheKey(url);
    await this.#queue.run('refresh', async () => {
      if (!this.#table.isCommitted(key)) return;
      const now = this.now();
      const patch = { url: key, storedAt: now, expiresAt: expiresAtMs(now, maxAgeSeconds), lastAccessedAt: now, accessSeq: ++this.#table.accessSeq };
      this.#table.setFreshness(key, patch.storedAt, patch.expiresAt);
      this.#table.index.access(key);
      this.#writeBehind.forget(key);
      await this.#metadata.writeBehind([patch], null, true);
      await this.#bodies.promote?.(key, patch.expiresAt, patch.storedAt);
      this.#indexChanged();
    });
  }

  /**
   * Applies a page's report of the image requests the browser answered by static route while the
   * worker was stopped (issue 16): each hit whose entry is held is touched at its time (recency,
   * written behind) and counted in `hits` and `staticRouteHits`; each miss (answered from the
   * network) in `misses` and `staticRouteMisses`; the report in `staticRouteReports`. A hit on
   * an entry no longer held (evicted since) is not counted. Resolves with the hits applied.
   * @param hits URL and time (ms since epoch; clamped to now) of each static-route hit.
   * @param misses How many static-route requests went to the network.
   */
  async recordStaticRoute(hits: ReadonlyArray<{ url: string; at: Milliseconds }>, misses: number): Promise<number> {
    await this.ready();
    const now = this.now();
    let applied = 0;
    for (const { url, at } of hits) {
      if (!this.#table.touch(cacheKey(url), Math.min(at, now))) continue;
      this.#events.count('hits');
      this.#events.count('staticRouteHits');
      applied++;
    }
    for (let i = 0; i < misses; i++) {
      this.#events.count('misses');
      this.#events.count('staticRouteMisses');
    }
    this.#events.count('staticRouteReports');
    return applied;
  }

  /**
   * Cold hits by static route (issue 16, `staleStore.ts`): moves the bodies of the entries that
   * expire at or before `untilMs` (ms since epoch) out of the routed cache, in the mutation queue.
   * Resolves with how many moved; `0` when the body store has no fresh/stale split. Cost: one
   * read of the `expiresAt` index (as the sweep), then a lookup, a put and a delete per moved body.
   */
  async moveExpiring(untilMs: Milliseconds): Promise<number> {
    const bodies = this.#bodies;
    if (!bodies.moveExpiring) return 0;
    await this.ready();
    return this.#queue.run('move-expiring', async (task) => {
      const urls = (await this.#metadata.expiredUrls(untilMs)).filter((url) => (this.#table.committed(url)?.expiresAt ?? Number.POSITIVE_INFINITY) <= untilMs);
      task.progress(this.#limitFor(urls.length * 4));
      // A kill between a move's put and delete leaves a body in both caches, which only the full
      // recovery finds: before the first move the snapshot stops being current; it is rewritten after.
      const moved = await bodies.moveExpiring!(urls, async () => {
        await this.#metadata.invalidateSnapshot?.();
      });
      if (moved > 0) this.#indexChanged();
      return moved;
    });
  }

  /**
   * For the route handler: counts a response it produced without a lookup or a put deciding it: a
   * pass-through (`bypassed`) or a follower that shared another request's fetch (`collapsed`).
   */
  recordOutcome(outcome: 'bypassed' | 'collapsed'): void {
    this.#events.count(outcome);
  }

  /**
   * Reports an error met outside the cache (the route handler's background work, maintenance):
   * counted in `errors`, emitted as an `error` event with its code, listed in health. Never throws.
   * @param operation What failed, for humans.
   */
  reportError(operation: string, error: unknown, url?: string): void {
    this.#events.error(url, operation, error);
  }

  // ---------------------------------------------------------------------------------------------
  // Write-behind

  /**
   * Schedules a write-behind flush of access times and statistics (at most one per
   * `writeBehindMs`) and resolves once it has run (or its mutation timed out). Pass it to
   * `event.waitUntil()`; never await it before responding. Never rejects.
   *
   * It does not wait for the index snapshot, which is written on its own debounce timer (2 s after
   * the last index change, at most 15 s after the first) while the worker lives: holding every
   * event that long would keep the worker busy, and a busy active worker holds back the activation
   * of a new version (the spec's Try Activate waits for no pending events; Firefox 153 then leaves
   * a version that finished installing meanwhile waiting for good). A worker stopped before the
   * snapshot is written wakes through the records (correct, slower) and writes one then.
   */
  flushSoon(): Promise<void> {
    return this.#writeBehind.soon();
  }

  /** Whether an index snapshot write is scheduled (the index changed since the last one). @internal For tests. */
  get snapshotScheduled(): boolean {
    return this.#snapshotTimer !== null;
  }

  // ---------------------------------------------------------------------------------------------
  // Index snapshot (IndexSnapshot.ts): written behind, after the index changes settle

  /**
   * The index changed: schedules the snapshot write, debounced (`SNAPSHOT_DELAY_MS` after the
   * last change, at most `SNAPSHOT_MAX_DELAY_MS` after the first). Called on every record
   * change (twice per put): it only notes the time; the one timer re-arms itself when it fires
   * early, so a burst of puts costs no timer calls per put.
   */
  #indexChanged(): void {
    if (!this.#metadata.writeSnapshot) return;
    const now = Date.now();
    this.#snapshotLastDirtyAt = now;
    if (this.#snapshotTimer) return;
    this.#snapshotFirstDirtyAt = now;
    this.#snapshotTimer = setTimeout(this.#snapshotDue, SNAPSHOT_DELAY_MS);
  }

  /** The snapshot timer fired: writes the snapshot when it is due, else re-arms for when it is. */
  readonly #snapshotDue = (): void => {
    const due = Math.min(this.#snapshotLastDirtyAt + SNAPSHOT_DELAY_MS, this.#snapshotFirstDirtyAt + SNAPSHOT_MAX_DELAY_MS);
    const wait = due - Date.now();
    if (wait > 0) this.#snapshotTimer = setTimeout(this.#snapshotDue, wait);
    else void this.writeSnapshot();
  };

  /**
   * Writes the index snapshot now, inside the mutation queue (so no write is half-done), unless an
   * entry is pending, the index is not loaded, or an error happened since the last full recovery.
   * Resolves whether one was written. Never rejects (errors are reported).
   * @internal For tests; the cache calls it behind its index changes.
   */
  async writeSnapshot(): Promise<boolean> {
    if (this.#snapshotTimer) clearTimeout(this.#snapshotTimer);
    this.#snapshotTimer = null;
    let written = false;
    try {
      written = await this.#queue.run('snapshot', async (task) => {
        const writer = this.#metadata.writeSnapshot;
        if (!writer || !this.#indexLoaded || this.#table.storesMayDiffer || this.#events.stats.errors !== this.#errorsAtFullRecovery) return false;
        const entries = this.#table.snapshotEntries();
        if (!entries) return false;
        task.progress(this.#limitFor(entries.length));
        return writer.call(this.#metadata, (generation) =>
          encodeSnapshot(entries, entries.length, { generation, cacheName: this.cacheName, accessSeq: this.#table.accessSeq }),
        );
      });
    } catch (e) {
      if (!isTimeout(e)) this.#events.error(undefined, 'write index snapshot', e);
    }
    return written;
  }

  /** Writes pending access times and statistics now. Never rejects (errors are reported). */
  flush(): Promise<void> {
    return this.#writeBehind.now();
  }

  async #flushBatch(): Promise<void> {
    try {
      // In the mutation queue: a record deleted meanwhile is never written back.
      await this.#queue.run('write-behind', async () => {
        const { accesses, freshnessChanged } = this.#writeBehind.takeDirty();
        const statsDirty = this.#events.dirty || accesses.size > 0;
        this.#events.dirty = false;
        const patches: RecordPatch[] = [];
        // Oldest use first: the recency counter follows the order of the uses.
        for (const [key, at] of accesses) {
          const r = this.#table.committed(key);
          if (!r) continue;
          patches.push(at > 0 ? { url: key, lastAccessedAt: at, accessSeq: ++this.#table.accessSeq, storedAt: r.storedAt, expiresAt: r.expiresAt } : { url: key, storedAt: r.storedAt, expiresAt: r.expiresAt });
        }
        await this.#metadata.writeBehind(patches, statsDirty ? { ...this.#events.stats } : null, freshnessChanged);
        if (freshnessChanged) this.#indexChanged();
      });
    } catch (e) {
      if (!isTimeout(e)) this.#events.error(undefined, 'flush', e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /**
   * Adds a listener for every event; returns a function that removes it.
   * Listeners run synchronously on the hot path: keep them cheap (batch, post, return).
   */
  on(listener: CacheEventListener): () => void {
    return this.#events.on(listener);
  }

  /** Adds event hooks (see {@link ImageCacheEventHooks}); returns a function that removes them. */
  addEventHooks(hooks: ImageCacheEventHooks): () => void {
    return this.#events.addHooks(hooks);
  }
}
