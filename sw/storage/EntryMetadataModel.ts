import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Bytes, Milliseconds } from '../policy/types.ts';
import type { MetadataStore } from './stores.ts';

/** Name of the IndexedDB database holding entry metadata. */
export const DB_NAME = 'sw-image-cache';
/** Current schema version (see the upgrade steps in {@link EntryMetadataModel}). */
export const DB_VERSION = 2;
/** Object store of {@link EntryRecord}s, keyed by `url`. */
export const ENTRIES_STORE = 'entries';
/** Object store of small persisted state (statistics), keyed by name. */
export const STATE_STORE = 'state';

/**
 * One entry's metadata, as stored in IndexedDB (field names chosen to read well in DevTools'
 * Application panel). Times are ms since the Unix epoch; sizes are bytes.
 */
export interface EntryRecord {
  /** Key: the normalised request URL (fragment removed). */
  url: string;
  /** Length of the stored body in bytes (counted from the body, never from `Content-Length`). */
  bytes: Bytes;
  /** `pending` while the body is being written (space reserved), `committed` once it is in Cache Storage. */
  state: 'pending' | 'committed';
  /** When the body was stored (or last revalidated), ms since epoch. */
  storedAt: Milliseconds;
  /** Last time the entry was served (written behind, in batches), ms since epoch. */
  lastAccessedAt: Milliseconds;
  /** Recency counter: increases on every store and hit; orders accesses within one millisecond. */
  accessSeq: number;
  /** When the entry stops being fresh, ms since epoch; `Infinity` when it never expires. */
  expiresAt: Milliseconds;
  /** `precache` (warm-up manifest) or `runtime` (stored on a fetch). */
  kind: 'precache' | 'runtime';
  /** Content revision for precached entries, `null` for runtime entries. */
  revision: string | null;
  /** The response's `Content-Type`. */
  contentType: string;
  /** Validators for conditional revalidation (RFC 9110 §8.8): `ETag` and `Last-Modified`, when the response had them. */
  etag: string | null;
  lastModified: string | null;
  /** An opaque (cross-origin `no-cors`) body, stored on a route that opted in; `bytes` is the route's assumed size. */
  opaque?: boolean;
}

/** Small persisted facts about the worker that wrote the stores. */
export interface PersistedMeta {
  /** The Cache Storage cache the bodies were written to (a changed `cacheName` drops the old one). */
  cacheName: string;
}

/** Persisted statistics counters (written behind with access times). */
export interface PersistedStats {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  peakBytes: Bytes;
  stored: number;
  bypassed: number;
  collapsed: number;
  stale: number;
  errors: number;
  /** Responses served but not stored because `maxPendingBytes` was reached (absent in records written before it existed). */
  busyBypasses: number;
  /** Hits the browser served by static route while the worker was stopped, as pages reported them (issue 16). */
  staticRouteHits: number;
  /** Static-route requests that went to the network (not in the routed cache), as pages reported them. */
  staticRouteMisses: number;
  /** Static-route reports (and heartbeats) received from pages. */
  staticRouteReports: number;
}

interface ImageCacheDB extends DBSchema {
  entries: { key: string; value: EntryRecord; indexes: { expiresAt: number; lastAccessedAt: number } };
  state: { key: string; value: PersistedStats | PersistedMeta };
}

/**
 * The IndexedDB side of the two-store cache (metadata only; bodies live in Cache Storage), over
 * `idb`. The database is opened lazily on first use and the connection is kept.
 *
 * Upgrade steps (cumulative `if (oldVersion < N)`), run in the version-change transaction so an
 * interrupted upgrade leaves the old version intact:
 * - v1: `entries` store keyed by `url`, indexes `expiresAt` and `lastAccessedAt`; `state` store.
 * - v2: records gain `accessSeq` (recency within one millisecond); existing records get one in
 *   `lastAccessedAt` order, so their LRU order is kept.
 *
 * Opening fails fast rather than hang: when another client holding an older version blocks the
 * upgrade (`blocked`), `db()` rejects with `InvalidStateError` and the caller falls back to the
 * network; when a newer version wants to upgrade (`blocking`), this connection closes itself.
 */
export class EntryMetadataModel implements MetadataStore {
  #db: Promise<IDBPDatabase<ImageCacheDB>> | null = null;
  #blockedOpen: Promise<IDBPDatabase<ImageCacheDB>> | null = null;
  readonly #name: string;

  /** @param dbName Database name. @default {@link DB_NAME} */
  constructor(dbName: string = DB_NAME) {
    this.#name = dbName;
  }

  /**
   * The open connection. Rejects with the platform's error (for example `InvalidStateError` or
   * `UnknownError`) when IndexedDB is unavailable, or when another client holding an older
   * version blocks the upgrade for longer than `blockedTimeoutMs`.
   */
  db(): Promise<IDBPDatabase<ImageCacheDB>> {
    if (this.#db) return this.#db;
    if (this.#blockedOpen) {
      // An earlier open is still waiting for another tab to let go: do not queue behind it.
      return Promise.reject(new DOMException(`${this.#name} is still blocked by another tab holding an older version`, 'InvalidStateError'));
    }
    let rejectBlocked!: (e: Error) => void;
    const blocked = new Promise<never>((_, reject) => {
      rejectBlocked = reject;
    });
    const opening = openDB<ImageCacheDB>(this.#name, DB_VERSION, {
      async upgrade(db, oldVersion, _newVersion, transaction) {
        if (oldVersion < 1) {
          const entries = db.createObjectStore(ENTRIES_STORE, { keyPath: 'url' });
          entries.createIndex('expiresAt', 'expiresAt');
          entries.createIndex('lastAccessedAt', 'lastAccessedAt');
          db.createObjectStore(STATE_STORE);
        }
        if (oldVersion >= 1 && oldVersion < 2) {
          const store = transaction.objectStore(ENTRIES_STORE);
          const records = await store.index('lastAccessedAt').getAll();
          let seq = 0;
          for (const r of records) await store.put({ ...r, accessSeq: r.accessSeq ?? ++seq });
        }
      },
      blocked: () => {
        this.#blockedOpen = opening;
        rejectBlocked(new DOMException(`${this.#name} is blocked by another tab holding an older version`, 'InvalidStateError'));
      },
      blocking: () => {
        void opening.then((db) => db.close());
        this.#db = null;
      },
      terminated: () => {
        this.#db = null;
      },
    });
    const current = Promise.race([opening, blocked]);
    this.#db = current;
    current.catch(() => {
      if (this.#db === current) this.#db = null;
    });
    // A blocked open that finally succeeds (the other tab closed) becomes the connection.
    opening.then(
      (db) => {
        if (this.#blockedOpen === opening) {
          this.#blockedOpen = null;
          this.#db ??= Promise.resolve(db);
        }
      },
      () => {
        if (this.#blockedOpen === opening) this.#blockedOpen = null;
      },
    );
    return current;
  }

  /** Every record, in key order. */
  async getAll(): Promise<EntryRecord[]> {
    return (await this.db()).getAll(ENTRIES_STORE);
  }

  /** One record, or `undefined`. */
  async get(url: string): Promise<EntryRecord | undefined> {
    return (await this.db()).get(ENTRIES_STORE, url);
  }

  /** URLs whose `expiresAt` ≤ `atOrBeforeMs`, from the `expiresAt` index (one `getAllKeys` request); see {@link MetadataStore.expiredUrls}. */
  async expiredUrls(atOrBeforeMs: Milliseconds): Promise<string[]> {
    return (await this.db()).getAllKeysFromIndex(ENTRIES_STORE, 'expiresAt', IDBKeyRange.upperBound(atOrBeforeMs));
  }

  /** Writes (inserts or replaces) records in one transaction. */
  async putMany(records: readonly EntryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = (await this.db()).transaction(ENTRIES_STORE, 'readwrite', { durability: 'relaxed' });
    for (const r of records) void tx.store.put(r);
    await tx.done;
  }

  /** Writes one record. */
  put(record: EntryRecord): Promise<void> {
    return this.putMany([record]);
  }

  /** Deletes records by URL and writes one record, in one transaction (a put with its victims). */
  async replace(deleted: readonly string[], record: EntryRecord): Promise<void> {
    const tx = (await this.db()).transaction(ENTRIES_STORE, 'readwrite', { durability: 'relaxed' });
    for (const u of deleted) void tx.store.delete(u);
    void tx.store.put(record);
    await tx.done;
  }

  /** Deletes records by URL in one transaction. */
  async deleteMany(urls: readonly string[]): Promise<void> {
    if (urls.length === 0) return;
    const tx = (await this.db()).transaction(ENTRIES_STORE, 'readwrite', { durability: 'relaxed' });
    for (const u of urls) void tx.store.delete(u);
    await tx.done;
  }

  /**
   * The write-behind batch: rewrites the given records (their access times changed) and the
   * statistics, in one transaction over both stores. The caller passes only records it holds as
   * committed, from inside its mutation queue, so no deleted record is written back.
   */
  async writeBehind(records: readonly EntryRecord[], stats: PersistedStats | null): Promise<void> {
    if (records.length === 0 && !stats) return;
    const tx = (await this.db()).transaction([ENTRIES_STORE, STATE_STORE], 'readwrite', { durability: 'relaxed' });
    const entries = tx.objectStore(ENTRIES_STORE);
    for (const r of records) void entries.put(r);
    if (stats) void tx.objectStore(STATE_STORE).put(stats, 'stats');
    await tx.done;
  }

  /** Deletes every record. */
  async clear(): Promise<void> {
    await (await this.db()).clear(ENTRIES_STORE);
  }

  /** The persisted statistics, or `undefined` before the first write. */
  async getStats(): Promise<PersistedStats | undefined> {
    return (await (await this.db()).get(STATE_STORE, 'stats')) as PersistedStats | undefined;
  }

  /** Persists statistics counters. */
  async putStats(stats: PersistedStats): Promise<void> {
    const tx = (await this.db()).transaction(STATE_STORE, 'readwrite', { durability: 'relaxed' });
    void tx.store.put(stats, 'stats');
    await tx.done;
  }

  /** The persisted meta facts, or `undefined` before the first write. */
  async getMeta(): Promise<PersistedMeta | undefined> {
    return (await (await this.db()).get(STATE_STORE, 'meta')) as PersistedMeta | undefined;
  }

  /** Persists the meta facts. */
  async putMeta(meta: PersistedMeta): Promise<void> {
    await (await this.db()).put(STATE_STORE, meta, 'meta');
  }

  /**
   * Closes the connection; a later call reopens. The way out of a stuck transaction: the
   * connection closes once its transactions end, and new work goes to a new connection at once.
   */
  async close(): Promise<void> {
    const db = this.#db;
    this.#db = null;
    if (db) (await db.catch(() => null))?.close();
  }
}
