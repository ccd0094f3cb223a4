/*
 * ImageCache: the storage-backed, byte-bounded index. Storage invariants and protocol.
 *
 * Two stores, no shared transaction:
 * - Cache Storage (cache `cacheName`) holds the bytes: one body per entry, keyed by normalised URL.
 * - IndexedDB (database `sw-image-cache`, store `entries`) holds the metadata and is the source of
 *   truth for *which* entries exist and how many bytes they hold. Example record:
 *     { url: 'https://app.example/data/images/map_tile/5/3/7.png', bytes: 18342, state: 'committed',
 *       storedAt: 1764000000000, lastAccessedAt: 1764000123456, accessSeq: 412, expiresAt: 1764604800000,
 *       kind: 'runtime', revision: null, contentType: 'image/png', etag: '"4794-19a…"', lastModified: null }
 * - In worker memory: a CacheIndex (policy + budget) and a Map of the records. Rebuilt from the
 *   stores by recovery; never the only copy of anything that matters.
 *
 * Write order of a put (all mutations run one at a time through a single queue; invariant 5):
 *   0. The body is read in full first, so its exact length is known (bytes come from the body).
 *   1. Reserve: CacheIndex.admit(url, bytes) chooses the victims and counts the new entry
 *      (in memory, synchronously): committed + pending bytes ≤ maxBytes holds from here (invariant 1).
 *   2+3. One IndexedDB transaction deletes the victims' records and writes the new record with
 *      state 'pending' (DiskLruCache's DIRTY line).
 *   2+4. The victims' bodies are deleted while the new body is written to Cache Storage.
 *   5. Rewrite the record with state 'committed' (CLEAN).
 *   A failure in 3–5 rolls back: the body and the record are deleted and the reservation released.
 *
 * Recovery (on `activate`, and on the first use after the worker wakes: `ready()`), handles a
 * worker killed between any two steps above:
 *   - a record without a body is dropped (killed after 2+3, before the new body was written);
 *   - a 'pending' record with a body of exactly `bytes` bytes is committed (killed between 4 and 5);
 *     with a body of another length, both are deleted;
 *   - a body without a record is deleted (a victim whose body delete had not run yet);
 *   - then expired entries are removed and the budget re-applied (the limits may have changed);
 *   - bytesUsed is recomputed from the surviving records (invariant 2).
 *
 * Access times and statistics are written behind in batches (at most every `writeBehindMs`),
 * never on a hit's critical path (invariant 4). A lost batch costs LRU accuracy, not consistency.
 * Freshness: an entry past `expiresAt` is never returned as a hit (invariant 3).
 *
 * Schema: DB_VERSION 1 (see EntryMetadataModel for upgrade steps).
 */
import { CacheIndex } from '../policy/CacheIndex.ts';
import { LruPolicy } from '../policy/LruPolicy.ts';
import { expiresAtMs, findExpired, isFresh, recencyOrder } from '../policy/freshness.ts';
import type { ReplacementPolicy } from '../policy/ReplacementPolicy.ts';
import type { Bytes, Milliseconds, RemovalReason, Seconds } from '../policy/types.ts';
import { EntryMetadataModel, type EntryRecord, type PersistedStats } from './EntryMetadataModel.ts';
import { ImageCacheStore } from './ImageCacheStore.ts';
import { declaredLength, whyNotStorable, type NotStorableReason } from './storable.ts';
import type { CacheEvent, CacheEventType, CacheStats, EntryInfo } from '../protocol.ts';

export type { CacheEvent, EntryInfo };

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
   * Replacement policy instance (`createPolicy(name)` from `sw/policy` makes one by name).
   * @default a new LruPolicy
   */
  policy?: ReplacementPolicy;
  /** Write-behind delay for access times and stats, in ms. @default 1000 */
  writeBehindMs?: Milliseconds;
  /** The clock, ms since epoch. @default Date.now */
  now?: () => Milliseconds;
  /** Metadata store (inject a fake or a differently named DB in tests). @default new EntryMetadataModel() */
  metadata?: EntryMetadataModel;
  /** Body store. @default new ImageCacheStore(cacheName) */
  bodies?: ImageCacheStore;
  /** Receives every cache event; a throwing listener is ignored. */
  onEvent?: CacheEventListener;
  /** In-worker hooks by event type. @default [] */
  plugins?: ImageCachePlugin[];
  /**
   * Bytes of worker memory for copies of the hottest bodies (an LRU of its own; bodies up to
   * 1/8 of it). A memory hit skips the Cache Storage round trip. The copies are not storage and are
   * not counted in `maxBytes`; deletes, evictions and expiry drop them. Lost when the worker stops.
   * @default 0 (off)
   */
  memoryTierBytes?: Bytes;
  /**
   * The headers a body is stored with, from the network's headers and the entry's record (the
   * route handler passes `storedResponseHeaders` from `sw/strategy/storedHeaders.ts`, which adds
   * the display headers a hit is served with). @default the built-in storedHeaders below
   */
  storedHeaders?: (headers: Headers, record: EntryRecord) => Headers;
}

/** An event as emitted by the cache (the `at` time is added when it is emitted). */
type EventInput = CacheEvent extends infer E ? (E extends CacheEvent ? Omit<E, 'at'> : never) : never;

/** A listener for cache events; a listener that throws is reported once and never breaks a response. */
export type CacheEventListener = (event: CacheEvent) => void;

/**
 * A plugin: in-worker hooks by event type (Workbox plugin style). Each hook receives the event;
 * a hook that throws is logged and ignored.
 */
export type ImageCachePlugin = { [T in CacheEventType]?: (event: Extract<CacheEvent, { type: T }>) => void };

/** Statistics of one cache; see {@link CacheStats}. */
export type ImageCacheStats = CacheStats;

/** What a lookup found. */
export type LookupResult =
  | { result: 'hit'; response: Response; entry: Pick<EntryRecord, 'storedAt' | 'expiresAt' | 'bytes'> }
  | { result: 'stale'; response: Response; entry: EntryRecord }
  | { result: 'miss' };

/** Header of a stored body: its entry's `expiresAt` (ms since epoch; absent = never expires). */
export const EXPIRES_HEADER = 'X-SW-Image-Cache-Expires';
/** `Cache-Status` of a hit (RFC 9211), stored with each body. */
export const HIT_CACHE_STATUS = 'sw-image-cache; hit';
/** `Server-Timing` of a hit, stored with each body (no duration: nothing is timed on a hit). */
export const HIT_SERVER_TIMING = 'sw-image-cache;desc="hit"';
/** Header of a stored body: its entry's `storedAt` (ms since epoch). */
export const STORED_HEADER = 'X-SW-Image-Cache-Stored';

/** Options of one put. */
export interface PutOptions {
  /** Freshness lifetime in seconds (`0`: never expires). Default: the cache's `maxAgeSeconds`. */
  maxAgeSeconds?: Seconds;
  /** @default "runtime" */
  kind?: EntryRecord['kind'];
  /** Content revision (precache). @default null */
  revision?: string | null;
  /** Why an existing entry for the URL is removed: `expire` when an expired entry is refetched. @default "revision" */
  replaces?: 'revision' | 'expire';
}

/** What a put did (lru-cache style status object). */
export interface PutResult {
  stored: boolean;
  /** Why it was not stored (a `Cache-Status` detail). */
  reason?: NotStorableReason;
  /** Body length in bytes, when it was read. */
  bytes?: Bytes;
  /** URLs evicted to make room. */
  evicted: string[];
  /** `bytesUsed` after the put. */
  bytesAfter: Bytes;
}

/** What recovery found and did. */
export interface RecoveryReport {
  /** A different `cacheName` the stores were written with before (its cache is deleted), or `null`. */
  previousCacheName: string | null;
  records: number;
  bodies: number;
  droppedRecords: number;
  deletedOrphanBodies: number;
  committedPending: number;
  rolledBackPending: number;
  expired: number;
  evicted: number;
  bytesUsed: Bytes;
  entries: number;
  durationMs: Milliseconds;
}

const ZERO_STATS: PersistedStats = {
  hits: 0,
  misses: 0,
  evictions: 0,
  expirations: 0,
  peakBytes: 0,
  stored: 0,
  bypassed: 0,
  collapsed: 0,
  stale: 0,
  errors: 0,
};

/**
 * The headers a body is stored with: the network's, plus its exact length and its entry's
 * `storedAt` / `expiresAt`, so a cold worker can judge freshness from the body alone.
 */
function storedHeaders(headers: Headers, record: EntryRecord): Headers {
  const h = new Headers(headers);
  h.set('content-length', String(record.bytes));
  // What a hit says, baked into the stored response: a hit is then served exactly as Cache Storage
  // returns it, with no Response rebuilt (rebuilding makes Chromium pump the body through the
  // worker, twice as slow for a 3 MB image). Other outcomes overwrite these headers.
  h.set('Cache-Status', HIT_CACHE_STATUS);
  h.set('Server-Timing', HIT_SERVER_TIMING);
  h.set(STORED_HEADER, String(record.storedAt));
  if (Number.isFinite(record.expiresAt)) h.set(EXPIRES_HEADER, String(record.expiresAt));
  else h.delete(EXPIRES_HEADER);
  return h;
}

/** Normalises a URL into a cache key: absolute, without its fragment (Workbox `normalizeURL`). */
export function cacheKey(url: string | URL): string {
  const u = new URL(String(url));
  u.hash = '';
  return u.href;
}

/**
 * A byte-bounded image cache over Cache Storage (bodies) and IndexedDB (metadata): the brief's
 * get/put/has/delete/clear/stats, usable on its own (in a worker or a window) and used by the
 * worker's route handler. See the header of this file for the invariants and the write protocol.
 *
 * Every method waits for recovery (`ready()`) first; mutations run one at a time.
 */
export class ImageCache {
  readonly cacheName: string;
  readonly index: CacheIndex;
  readonly maxAgeSeconds: Seconds;
  /** The cache's clock, ms since epoch (injected in tests). */
  readonly now: () => Milliseconds;
  readonly #metadata: EntryMetadataModel;
  readonly #bodies: ImageCacheStore;
  readonly #now: () => Milliseconds;
  readonly #writeBehindMs: Milliseconds;
  readonly #storedHeaders: (headers: Headers, record: EntryRecord) => Headers;
  readonly #listeners = new Set<CacheEventListener>();
  #budget: Bytes;
  #maxEntryBytes: Bytes;
  #records = new Map<string, EntryRecord>();
  #stats: PersistedStats = { ...ZERO_STATS };
  #ready: Promise<RecoveryReport> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  /** Keys whose access time changed since the last write-behind batch. */
  #dirtyAccess = new Map<string, true>();
  #accessSeq = 0;
  #statsDirty = false;
  #flushTimer: ReturnType<typeof setTimeout> | null = null;
  #flushPromise: Promise<void> | null = null;
  #flushResolve: (() => void) | null = null;
  #lastRecovery: RecoveryReport | null = null;
  /** Whether the in-memory index reflects the stores (false until recovery has run, and during one). */
  #indexLoaded = false;
  /** The optional memory tier: copies of the hottest bodies, bounded by `memoryTierBytes`. */
  #memory: {
    index: CacheIndex;
    bodies: Map<string, { body: ArrayBuffer; headers: Array<[string, string]> }>;
    maxEntryBytes: Bytes;
    hits: number;
    get(key: string): { body: ArrayBuffer; headers: Array<[string, string]> } | undefined;
  } | null = null;
  /** Hits answered before the index loaded: applied to the recency order once it has. */
  #earlyAccess = new Map<string, Milliseconds>();
  #readyFailedAt = Number.NEGATIVE_INFINITY;
  #readyError: unknown = null;
  /** After a failed recovery (IndexedDB unavailable), lookups fail fast for this long, in ms. */
  static readonly RETRY_AFTER_FAILURE_MS = 5000;

  /**
   * @throws RangeError when `maxBytes` is not positive or `policy` is unknown.
   */
  constructor(options: ImageCacheOptions) {
    this.cacheName = options.cacheName ?? 'sw-image-cache-images';
    const policy = options.policy ?? new LruPolicy();
    this.index = new CacheIndex(
      {
        maxBytes: options.maxBytes,
        maxEntries: options.maxEntries,
        maxEntryBytes: options.maxEntryBytes ?? Math.min(5 * 1024 * 1024, options.maxBytes),
      },
      policy,
    );
    this.maxAgeSeconds = options.maxAgeSeconds ?? 7 * 24 * 60 * 60;
    this.#metadata = options.metadata ?? new EntryMetadataModel();
    this.#bodies = options.bodies ?? new ImageCacheStore(this.cacheName);
    this.#now = options.now ?? Date.now;
    this.now = this.#now;
    this.#writeBehindMs = options.writeBehindMs ?? 1000;
    this.#storedHeaders = options.storedHeaders ?? storedHeaders;
    if (options.onEvent) this.#listeners.add(options.onEvent);
    for (const plugin of options.plugins ?? []) this.use(plugin);
    this.#budget = options.maxBytes;
    this.#maxEntryBytes = this.index.maxEntryBytes;
    const memoryBytes = options.memoryTierBytes ?? 0;
    if (memoryBytes > 0) {
      const bodies = new Map<string, { body: ArrayBuffer; headers: Array<[string, string]> }>();
      this.#memory = {
        index: new CacheIndex({ maxBytes: memoryBytes }),
        bodies,
        maxEntryBytes: Math.max(1, Math.floor(memoryBytes / 8)),
        hits: 0,
        get: (key) => bodies.get(key),
      };
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle

  /**
   * Loads the index, running recovery first (once per worker lifetime; later calls share it).
   * Rejects with the platform's error when IndexedDB or Cache Storage is unavailable; the next
   * call tries again.
   */
  ready(): Promise<RecoveryReport> {
    if (!this.#ready) {
      // Fail fast for a while after a failure: images go straight to the network meanwhile.
      if (this.#now() - this.#readyFailedAt < ImageCache.RETRY_AFTER_FAILURE_MS) return Promise.reject(this.#readyError);
      this.#ready = this.#enqueue(() => this.#recover());
      this.#ready.catch((e: unknown) => {
        this.#ready = null;
        this.#readyFailedAt = this.#now();
        this.#readyError = e;
        this.#error(undefined, 'recover', e);
      });
    }
    return this.#ready;
  }

  /**
   * Lowers the budget in force below the configured `maxBytes` when the storage quota cannot hold
   * it, and purges until it holds. Reported as `effectiveMaxBytes` in stats. The budget is never
   * raised again within a worker's lifetime; a restarted worker starts from `maxBytes`.
   * @param bytes The budget the quota allows, in bytes.
   */
  async setEffectiveMaxBytes(bytes: Bytes): Promise<void> {
    await this.ready();
    await this.#enqueue(async () => {
      this.#lowerLimit(bytes);
      for (const victim of this.index.shrink()) await this.#deleteStored(victim, 'purge');
    });
  }

  /** Lowers the budget in force to `bytes` (never raises it: storage that pushed back once is not trusted again until a restart). */
  #lowerLimit(bytes: Bytes): void {
    const effective = Math.max(1, Math.min(this.index.maxBytes, Math.floor(bytes)));
    if (effective === this.index.maxBytes) return;
    this.index.setLimits({
      maxBytes: effective,
      maxEntries: Number.isFinite(this.index.maxEntries) ? this.index.maxEntries : 0,
      maxEntryBytes: Math.min(this.#maxEntryBytes, effective),
    });
  }

  /** Forces a new recovery pass (on `activate`), after pending writes settle. */
  recover(): Promise<RecoveryReport> {
    this.#ready = this.#enqueue(() => this.#recover());
    return this.#ready;
  }

  /** The report of the last recovery, or `null` before the first. */
  get lastRecovery(): RecoveryReport | null {
    return this.#lastRecovery;
  }

  async #recover(): Promise<RecoveryReport> {
    const started = this.#now();
    this.#indexLoaded = false;
    // A changed cacheName: the old bodies go; their records are dropped below (no body).
    const meta = await this.#metadata.getMeta();
    const previousCacheName = meta && meta.cacheName !== this.cacheName ? meta.cacheName : null;
    if (previousCacheName) await caches.delete(previousCacheName);
    if (!meta || previousCacheName) await this.#metadata.putMeta({ cacheName: this.cacheName });
    const [records, bodyUrls] = await Promise.all([this.#metadata.getAll(), this.#bodies.urls()]);
    const bodies = new Set(bodyUrls);
    const keep: EntryRecord[] = [];
    const dropRecords: string[] = [];
    const deleteBodies: string[] = [];
    const commit: EntryRecord[] = [];
    let committedPending = 0;
    let rolledBackPending = 0;
    for (const r of records) {
      if (!bodies.has(r.url)) {
        // `keys()` can miss bodies written moments before from another context (seen in Chromium
        // right after a wake): confirm with a lookup before dropping a record.
        if (await this.#bodies.match(r.url)) {
          bodies.add(r.url);
        } else {
          dropRecords.push(r.url);
          if (r.state === 'pending') rolledBackPending++;
          continue;
        }
      }
      if (r.state === 'pending') {
        const body = await this.#bodies.match(r.url);
        // An opaque body cannot be measured: its presence completes the write.
        const length = body ? (r.opaque ? r.bytes : (await body.arrayBuffer()).byteLength) : -1;
        if (length === r.bytes) {
          const committed: EntryRecord = { ...r, state: 'committed' };
          commit.push(committed);
          keep.push(committed);
          committedPending++;
        } else {
          dropRecords.push(r.url);
          deleteBodies.push(r.url);
          rolledBackPending++;
        }
        continue;
      }
      keep.push(r);
    }
    const known = new Set(records.map((r) => r.url));
    let deletedOrphanBodies = 0;
    for (const url of bodies) {
      if (!known.has(url)) {
        deleteBodies.push(url);
        deletedOrphanBodies++;
      }
    }
    await this.#metadata.deleteMany(dropRecords);
    for (const url of deleteBodies) await this.#bodies.delete(url);
    await this.#metadata.putMany(commit);

    // Rebuild the in-memory index in recency order.
    this.index.clear();
    this.#records.clear();
    for (const r of recencyOrder(keep.map((r) => ({ ...r, key: r.url })))) {
      const { key: _key, ...record } = r;
      // Inserted as they are; shrink() below re-applies the budget if the limits have changed.
      this.index.policy.insert(record.url, record.bytes);
      this.#records.set(record.url, record);
      if ((record.accessSeq ?? 0) > this.#accessSeq) this.#accessSeq = record.accessSeq;
    }
    const persisted = await this.#metadata.getStats();
    if (persisted) this.#stats = { ...ZERO_STATS, ...persisted };

    // Expire, then re-apply the budget (limits may have shrunk since the entries were stored).
    const now = this.#now();
    const expired = findExpired(
      [...this.#records.values()].map((r) => ({ key: r.url, expiresAt: r.expiresAt })),
      now,
    );
    for (const { key } of expired) {
      this.index.remove(key);
      await this.#deleteStored(key, 'expire');
    }
    const victims = this.index.shrink();
    for (const key of victims) await this.#deleteStored(key, 'evict');
    this.#markStatsDirty();

    const report: RecoveryReport = {
      previousCacheName,
      records: records.length,
      bodies: bodies.size,
      droppedRecords: dropRecords.length,
      deletedOrphanBodies,
      committedPending,
      rolledBackPending,
      expired: expired.length,
      evicted: victims.length,
      bytesUsed: this.index.bytes,
      entries: this.index.size,
      durationMs: this.#now() - started,
    };
    this.#lastRecovery = report;
    this.#indexLoaded = true;
    this.#applyEarlyAccess();
    return report;
  }

  /** Applies hits answered before the index loaded to the recency order (written behind). */
  #applyEarlyAccess(): void {
    for (const [key, at] of this.#earlyAccess) {
      const entry = this.#records.get(key);
      if (!entry || entry.state !== 'committed' || !this.index.access(key)) continue;
      entry.lastAccessedAt = Math.max(entry.lastAccessedAt, at);
      entry.accessSeq = ++this.#accessSeq;
      this.#dirtyAccess.set(key, true);
    }
    this.#earlyAccess.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /**
   * Looks `url` up and counts the lookup: a fresh entry is a `hit` (its access is recorded, written
   * behind); an expired one is `stale` (counted as a miss; the caller revalidates or serves it only
   * as a fallback); otherwise `miss`. A record whose body has vanished is dropped and is a miss.
   */
  async lookup(url: string): Promise<LookupResult> {
    const key = cacheKey(url);
    if (!this.#indexLoaded) {
      // Cold worker: answer from Cache Storage alone while recovery loads the index, which starts
      // only after this lookup so it does not compete with it. A fresh body is a hit (it carries
      // its own expiry, so invariant 3 holds; a body left without a record by a crash is still the
      // right image for its URL, and recovery settles the books right after). No body: a miss,
      // whatever the index would say. An expired body: wait for the index and revalidate.
      const early = await this.#bodies.match(key).catch(() => undefined);
      const expires = early?.headers.get(EXPIRES_HEADER);
      const storedAt = Number(early?.headers.get(STORED_HEADER));
      const expiresAt = expires === null || expires === undefined ? Number.POSITIVE_INFINITY : Number(expires);
      if (early && storedAt > 0 && isFresh(expiresAt, this.#now())) {
        this.#earlyAccess.set(key, this.#now());
        setTimeout(() => void this.ready().catch(() => {}), 0);
        this.#count('hits');
        const bytes = Number(early.headers.get('content-length')) || 0;
        this.#emit({ type: 'hit', url: key, bytes });
        return { result: 'hit', response: early, entry: { storedAt, expiresAt, bytes } };
      }
      if (!early && this.#now() - this.#readyFailedAt >= ImageCache.RETRY_AFTER_FAILURE_MS) {
        void this.ready().catch(() => {});
        this.#count('misses');
        this.#emit({ type: 'miss', url: key, stale: false });
        return { result: 'miss' };
      }
      void early?.body?.cancel().catch(() => {});
      await this.ready();
    }
    const entry = this.#records.get(key);
    if (!entry || entry.state !== 'committed') {
      this.#count('misses');
      this.#emit({ type: 'miss', url: key, stale: false });
      return { result: 'miss' };
    }
    const memory = this.#memory?.get(key);
    if (memory && isFresh(entry.expiresAt, this.#now())) {
      // Memory tier: no Cache Storage round trip (a copy of a stored body, never counted in maxBytes).
      this.#memory!.index.access(key);
      this.#memory!.hits++;
      return this.#hit(key, entry, new Response(memory.body, { status: 200, statusText: 'OK', headers: memory.headers }));
    }
    const response = await this.#bodies.match(key);
    if (!response) {
      // Body gone behind our back (another worker version, the user clearing site data).
      this.#count('misses');
      this.#emit({ type: 'miss', url: key, stale: false });
      void this.#enqueue(() => this.#dropIfBodyless(key)).catch(() => {});
      return { result: 'miss' };
    }
    const now = this.#now();
    if (!isFresh(entry.expiresAt, now)) {
      this.#count('misses');
      this.#count('stale');
      this.#emit({ type: 'miss', url: key, stale: true });
      return { result: 'stale', response, entry };
    }
    if (this.#memory && entry.bytes <= this.#memory.maxEntryBytes) {
      // Promote into the memory tier, off the critical path (the page's copy streams as usual).
      const copy = response.clone();
      void copy.arrayBuffer().then(
        (body) => this.#remember(key, body, copy.headers),
        () => {},
      );
    }
    return this.#hit(key, entry, response);
  }

  #hit(key: string, entry: EntryRecord, response: Response): LookupResult {
    const now = this.#now();
    this.index.access(key);
    entry.lastAccessedAt = now;
    entry.accessSeq = ++this.#accessSeq;
    this.#dirtyAccess.set(key, true);
    this.#count('hits');
    this.#emit({ type: 'hit', url: key, bytes: entry.bytes });
    return { result: 'hit', response, entry };
  }

  /** Keeps a copy of a committed body in the memory tier (LRU within `memoryTierBytes`). */
  #remember(key: string, body: ArrayBuffer, headers: Headers): void {
    const memory = this.#memory;
    const entry = this.#records.get(key);
    if (!memory || !entry || entry.state !== 'committed' || body.byteLength !== entry.bytes || memory.index.has(key)) return;
    if (body.byteLength > memory.maxEntryBytes) return;
    const { victims } = memory.index.admit(key, body.byteLength);
    for (const victim of victims) memory.bodies.delete(victim);
    memory.bodies.set(key, { body, headers: [...headers] });
  }

  #forget(key: string): void {
    if (!this.#memory) return;
    this.#memory.index.remove(key);
    this.#memory.bodies.delete(key);
  }

  /** The fresh cached response for `url`, or `undefined` (counts as a hit or a miss). */
  async get(url: string): Promise<Response | undefined> {
    const found = await this.lookup(url);
    return found.result === 'hit' ? found.response : undefined;
  }

  /** Whether a fresh entry for `url` is stored. Does not count as a use. */
  async has(url: string): Promise<boolean> {
    await this.ready();
    const entry = this.#records.get(cacheKey(url));
    return !!entry && entry.state === 'committed' && isFresh(entry.expiresAt, this.#now());
  }

  /** The metadata of `url`'s entry (committed or pending), or `undefined`. Does not count as a use. */
  async peek(url: string): Promise<EntryRecord | undefined> {
    await this.ready();
    const r = this.#records.get(cacheKey(url));
    return r ? { ...r } : undefined;
  }

  /** Committed entries, least recently used first. */
  async entries(): Promise<EntryInfo[]> {
    await this.ready();
    const out: EntryInfo[] = [];
    for (const key of this.index.keys()) {
      const r = this.#records.get(key);
      if (!r || r.state !== 'committed') continue;
      out.push({
        url: r.url,
        bytes: r.bytes,
        storedAt: r.storedAt,
        lastAccessedAt: r.lastAccessedAt,
        expiresAt: Number.isFinite(r.expiresAt) ? r.expiresAt : null,
        kind: r.kind,
        revision: r.revision,
        contentType: r.contentType,
      });
    }
    return out;
  }

  /** Current statistics. Counters survive worker restarts (written behind). */
  stats(): ImageCacheStats {
    const s = this.#stats;
    const lookups = s.hits + s.misses;
    return {
      ...s,
      hitRate: lookups === 0 ? 0 : s.hits / lookups,
      bytesUsed: this.index.bytes,
      maxBytes: this.#budget,
      effectiveMaxBytes: this.index.maxBytes,
      entries: this.index.size,
      maxEntries: Number.isFinite(this.index.maxEntries) ? this.index.maxEntries : 0,
      maxEntryBytes: this.index.maxEntryBytes,
      policy: this.index.policy.name,
      memoryTier: this.#memory
        ? { maxBytes: this.#memory.index.maxBytes, bytes: this.#memory.index.bytes, entries: this.#memory.index.size, hits: this.#memory.hits }
        : null,
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Writes

  /**
   * Stores a network response for `url` if it is storable, replacing an existing entry (its bytes
   * are re-accounted). Reads the whole body first: bytes are counted from the body, never from
   * `Content-Length`. Never throws for a bad response: the result says why it was not stored.
   * @param url The request URL (its fragment is dropped).
   * @param response A response whose body has not been read; it is consumed.
   * @returns What was done, with evicted URLs.
   */
  async put(url: string, response: Response, options: PutOptions = {}): Promise<PutResult> {
    await this.ready();
    const key = cacheKey(url);
    const reason = whyNotStorable(response, this.index.maxEntryBytes);
    if (reason) {
      void response.body?.cancel().catch(() => {});
      return this.#notStored(reason);
    }
    let buffer: ArrayBuffer;
    try {
      buffer = await response.arrayBuffer();
    } catch (e) {
      this.#error(key, 'read-body', e);
      return this.#notStored('write-failed');
    }
    return this.putBody(key, buffer, response.headers, options);
  }

  /**
   * Stores an already-read body of a response that passed {@link whyNotStorable} (the route
   * handler reads a body once, for the store and for collapsed followers). Checks what only the
   * read body can tell: its length against `Content-Length` and `maxEntryBytes` (a rejected body
   * counts as bypassed). Runs the write protocol in the queue.
   */
  putBody(url: string, body: ArrayBuffer, headers: Headers, options: PutOptions = {}): Promise<PutResult> {
    const key = cacheKey(url);
    // Recovery is queued before any write (a cold worker may not have started it yet).
    void this.ready().catch(() => {});
    const declared = declaredLength(headers);
    const rejected: NotStorableReason | null =
      declared !== null && declared !== body.byteLength ? 'length-mismatch' : !this.index.admissible(body.byteLength) ? 'too-large' : null;
    if (rejected) {
      this.#count('bypassed');
      return Promise.resolve(this.#notStored(rejected));
    }
    return this.#enqueue(() => this.#write(key, body, headers, options));
  }

  /**
   * Stores an opaque (cross-origin `no-cors`) response, which cannot be read or measured, counting
   * it as `assumedBytes` against the budget. Only for routes that opt in (`opaqueBytes`): the real
   * size is unknown (browsers also pad opaque responses in quota accounting), so `bytesUsed` is
   * only as true as the assumption, and such a body cannot be checked against its record.
   */
  putOpaque(url: string, response: Response, assumedBytes: Bytes, options: PutOptions = {}): Promise<PutResult> {
    const key = cacheKey(url);
    void this.ready().catch(() => {});
    if (!(assumedBytes > 0) || !this.index.admissible(assumedBytes)) return Promise.resolve(this.#notStored('too-large'));
    return this.#enqueue(() => this.#write(key, response, new Headers(), options, assumedBytes));
  }

  async #write(key: string, body: ArrayBuffer | Response, headers: Headers, options: PutOptions, assumedBytes = 0): Promise<PutResult> {
    // Never write without the index: the budget could not be kept (recovery failed, e.g. IndexedDB blocked).
    if (!this.#indexLoaded) return this.#notStored('write-failed');
    const opaque = body instanceof Response;
    const bytes = opaque ? assumedBytes : body.byteLength;
    const now = this.#now();
    // Replacing an entry: its old bytes leave the budget before the new ones are reserved.
    if (this.index.has(key)) {
      this.index.remove(key);
      await this.#deleteStored(key, options.replaces ?? 'revision');
    }
    // 1. Reserve.
    const { admitted, victims } = this.index.admit(key, bytes);
    if (!admitted) return this.#notStored('too-large');
    const record: EntryRecord = {
      url: key,
      bytes,
      state: 'pending',
      storedAt: now,
      lastAccessedAt: now,
      accessSeq: ++this.#accessSeq,
      expiresAt: expiresAtMs(now, options.maxAgeSeconds ?? this.maxAgeSeconds),
      kind: options.kind ?? 'runtime',
      revision: options.revision ?? null,
      contentType: headers.get('content-type') ?? (opaque ? 'opaque' : 'application/octet-stream'),
      etag: headers.get('etag'),
      lastModified: headers.get('last-modified'),
      ...(opaque ? { opaque: true } : {}),
    };
    this.#records.set(key, record);
    try {
      // 2 + 3. One IndexedDB transaction deletes the victims' records and writes the pending one.
      for (const victim of victims) this.#forgetStored(victim, 'evict');
      await this.#metadata.replace(victims, record);
      // 2 + 4. The victims' bodies go while the new body is written (a crash in between leaves
      // only bodies without records, which recovery deletes).
      await Promise.all([
        ...victims.map((victim) => this.#bodies.delete(victim)),
        this.#putBodyWithQuotaRetry(key, body, headers, record),
      ]);
      // 5. Commit.
      record.state = 'committed';
      await this.#metadata.put({ ...record });
    } catch (e) {
      // Roll back: nothing of this entry may survive half-written, and the victims (already out
      // of memory) must be out of both stores too.
      this.index.remove(key);
      this.#records.delete(key);
      this.#forget(key);
      if (victims.length) {
        await this.#metadata.deleteMany(victims).catch(() => {});
        await Promise.all(victims.map((v) => this.#bodies.delete(v).catch(() => false)));
      }
      await this.#bodies.delete(key).catch(() => false);
      await this.#metadata.deleteMany([key]).catch(() => {});
      const quota = e instanceof DOMException && e.name === 'QuotaExceededError';
      this.#error(key, 'put', e);
      return { ...this.#notStored(quota ? 'quota' : 'write-failed'), evicted: victims };
    }
    this.#stats.stored++;
    if (this.#memory && !opaque) this.#remember(key, body, this.#storedHeaders(headers, record));
    if (this.index.bytes > this.#stats.peakBytes) this.#stats.peakBytes = this.index.bytes;
    this.#markStatsDirty();
    this.#emit({ type: 'stored', url: key, bytes, kind: record.kind });
    return { stored: true, bytes, evicted: victims, bytesAfter: this.index.bytes };
  }

  async #putBodyWithQuotaRetry(key: string, body: ArrayBuffer | Response, headers: Headers, record: EntryRecord): Promise<void> {
    // An opaque response is stored as it is (its headers cannot be changed); a clone per attempt.
    const make =
      body instanceof Response
        ? () => body.clone()
        : ((h) => () => new Response(body, { status: 200, statusText: 'OK', headers: h }))(storedHeaders(headers, record));
    try {
      await this.#bodies.put(key, make());
    } catch (e) {
      if (!(e instanceof DOMException && e.name === 'QuotaExceededError')) throw e;
      this.#error(key, 'put (quota exceeded: purging and retrying once)', e);
      // Storage pushed back at the bytes held now: that becomes the budget in force (never above
      // the configured maxBytes, never below this entry), and entries are purged down to it.
      this.#lowerLimit(Math.max(this.index.bytes - record.bytes, record.bytes));
      for (const victim of this.index.shrink()) {
        if (victim === key) throw e; // cannot happen: the new entry is the most recent and fits alone
        await this.#deleteStored(victim, 'purge');
      }
      await this.#bodies.put(key, make());
    }
  }

  /**
   * Deletes `url`'s entry (record and body). Resolves whether there was one.
   */
  async delete(url: string): Promise<boolean> {
    await this.ready();
    const key = cacheKey(url);
    return this.#enqueue(async () => {
      if (!this.index.remove(key)) return false;
      await this.#deleteStored(key, 'delete');
      return true;
    });
  }

  /** Deletes every entry (records and bodies). Statistics counters are kept. */
  async clear(): Promise<void> {
    await this.ready();
    await this.#enqueue(async () => {
      const removed = [...this.#records.values()];
      this.index.clear();
      this.#records.clear();
      this.#dirtyAccess.clear();
      this.#memory?.index.clear();
      this.#memory?.bodies.clear();
      await this.#metadata.clear();
      await this.#bodies.clear();
      for (const r of removed) this.#emit({ type: 'evicted', url: r.url, bytes: r.bytes, reason: 'delete' });
    });
  }

  /**
   * Removes every expired entry (reason `expire`). Resolves with how many were removed.
   * Cost: O(n) over the in-memory records.
   */
  async sweep(): Promise<number> {
    await this.ready();
    return this.#enqueue(async () => {
      const expired = findExpired(
        [...this.#records.values()].filter((r) => r.state === 'committed').map((r) => ({ key: r.url, expiresAt: r.expiresAt })),
        this.#now(),
      );
      for (const { key } of expired) {
        this.index.remove(key);
        await this.#deleteStored(key, 'expire');
      }
      return expired.length;
    });
  }

  /**
   * Marks a revalidated entry fresh again (after a `304 Not Modified`, RFC 9111 §4.3.4): new
   * `storedAt` and `expiresAt`, same body.
   */
  async refresh(url: string, maxAgeSeconds: Seconds = this.maxAgeSeconds): Promise<void> {
    const key = cacheKey(url);
    await this.#enqueue(async () => {
      const r = this.#records.get(key);
      if (!r || r.state !== 'committed') return;
      const now = this.#now();
      r.storedAt = now;
      r.lastAccessedAt = now;
      r.accessSeq = ++this.#accessSeq;
      r.expiresAt = expiresAtMs(now, maxAgeSeconds);
      this.index.access(key);
      await this.#metadata.put({ ...r });
    });
  }

  /** Counts a response that bypassed the cache, or a follower that shared another miss's fetch. */
  count(counter: 'bypassed' | 'collapsed' | 'errors'): void {
    this.#count(counter);
  }

  // ---------------------------------------------------------------------------------------------
  // Write-behind

  /**
   * Schedules a write-behind flush of access times and statistics (at most one per
   * `writeBehindMs`) and resolves once it has run. Pass it to `event.waitUntil()`; never await it
   * before responding.
   */
  flushSoon(): Promise<void> {
    if (!this.#flushPromise) {
      this.#flushPromise = new Promise<void>((resolve) => {
        this.#flushResolve = resolve;
      });
      this.#flushTimer = setTimeout(() => void this.flush(), this.#writeBehindMs);
    }
    return this.#flushPromise;
  }

  /** Writes pending access times and statistics now. Never rejects (errors are counted). */
  async flush(): Promise<void> {
    if (this.#flushTimer) clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const resolve = this.#flushResolve;
    this.#flushPromise = null;
    this.#flushResolve = null;
    try {
      // In the mutation queue: a record deleted meanwhile is never written back.
      await this.#enqueue(async () => {
        const accesses = this.#dirtyAccess;
        this.#dirtyAccess = new Map();
        const statsDirty = this.#statsDirty || accesses.size > 0;
        this.#statsDirty = false;
        const records: EntryRecord[] = [];
        for (const key of accesses.keys()) {
          const r = this.#records.get(key);
          if (r && r.state === 'committed') records.push({ ...r });
        }
        await this.#metadata.writeBehind(records, statsDirty ? { ...this.#stats } : null);
      });
    } catch (e) {
      this.#error(undefined, 'flush', e);
    } finally {
      resolve?.();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Internals

  #enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Deletes a stored entry (already removed from the index): record first, then body. */
  async #deleteStored(key: string, reason: RemovalReason): Promise<void> {
    this.#forgetStored(key, reason);
    await this.#metadata.deleteMany([key]);
    await this.#bodies.delete(key);
  }

  /** The in-memory half of removing a stored entry (already out of the index): records, copies, counters, events. */
  #forgetStored(key: string, reason: RemovalReason): void {
    const r = this.#records.get(key);
    this.#records.delete(key);
    this.#forget(key);
    this.#dirtyAccess.delete(key);
    if (reason === 'evict' || reason === 'purge') this.#stats.evictions++;
    if (reason === 'expire') this.#stats.expirations++;
    this.#markStatsDirty();
    const bytes = r?.bytes ?? 0;
    this.#emit({ type: 'evicted', url: key, bytes, reason });
    if (reason === 'expire') this.#emit({ type: 'expired', url: key, bytes });
  }

  async #dropIfBodyless(key: string): Promise<void> {
    if (!this.#records.has(key) || (await this.#bodies.match(key))) return;
    this.index.remove(key);
    this.#records.delete(key);
    this.#forget(key);
    await this.#metadata.deleteMany([key]);
  }

  #notStored(reason: NotStorableReason): PutResult {
    return { stored: false, reason, evicted: [], bytesAfter: this.index.bytes };
  }

  #count(counter: keyof PersistedStats): void {
    this.#stats[counter]++;
    this.#statsDirty = true;
  }

  #markStatsDirty(): void {
    this.#statsDirty = true;
  }

  #error(url: string | undefined, operation: string, e: unknown): void {
    this.#stats.errors++;
    this.#statsDirty = true;
    this.#emit({ type: 'error', url, operation, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  }

  #emit(input: EventInput): void {
    if (this.#listeners.size === 0) return;
    const event = { ...input, at: this.#now() } as CacheEvent;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (e) {
        // A throwing listener never breaks a response; it is reported (once per throw) to the others.
        if (event.type !== 'error') this.#error(event.url, `listener for ${event.type}`, e);
      }
    }
  }

  /**
   * Adds a listener for every event; returns a function that removes it.
   * Listeners run synchronously on the hot path: keep them cheap (batch, post, return).
   */
  on(listener: CacheEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers a plugin's hooks (see {@link ImageCachePlugin}); returns a function that removes them. */
  use(plugin: ImageCachePlugin): () => void {
    return this.on((event) => {
      const hook = plugin[event.type] as ((e: CacheEvent) => void) | undefined;
      hook?.call(plugin, event);
    });
  }
}
