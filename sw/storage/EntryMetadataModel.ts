import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Bytes, Milliseconds } from '../policy/types.ts';
import type { IndexSnapshot } from './IndexSnapshot.ts';
import type { MetadataStore, RecordPatch } from './stores.ts';

/** Name of the IndexedDB database holding entry metadata. */
export const DB_NAME = 'sw-image-cache';
/** Current schema version (see the upgrade steps in {@link EntryMetadataModel}). */
export const DB_VERSION = 3;
/** Object store of {@link EntryRecord}s, keyed by `url`. */
export const ENTRIES_STORE = 'entries';
/** Object store of small persisted state (statistics, meta, generation, index snapshot), keyed by name. */
export const STATE_STORE = 'state';
/** Key in {@link STATE_STORE} of the generation token, rewritten by every write to {@link ENTRIES_STORE}. */
export const GENERATION_KEY = 'generation';
/** Key in {@link STATE_STORE} of the index snapshot (`IndexSnapshot.ts`). */
export const SNAPSHOT_KEY = 'snapshot';

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

/** A record with a write-behind patch applied (see {@link EntryMetadataModel.writeBehind}). */
export function applyPatch(r: EntryRecord, p: RecordPatch): EntryRecord {
  return {
    ...r,
    lastAccessedAt: Math.max(r.lastAccessedAt, p.lastAccessedAt ?? 0),
    accessSeq: p.accessSeq ?? r.accessSeq,
    storedAt: p.storedAt ?? r.storedAt,
    expiresAt: p.expiresAt ?? r.expiresAt,
  };
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

/**
 * A record as stored: a `pending` one keeps its expiry in `pendingExpiresAt` instead of
 * `expiresAt`, so that it is not in the `expiresAt` index (see {@link toStored}).
 */
type StoredRecord = EntryRecord | (Omit<EntryRecord, 'expiresAt'> & { pendingExpiresAt: Milliseconds });

/**
 * The stored form of `r`: a `pending` record without `expiresAt` (its value in `pendingExpiresAt`),
 * so the `expiresAt` index lists committed entries only (what the sweep reads) and a pending
 * write costs no index entry: with both the pending and the committed write indexed, the record
 * writes of a burst of misses cost about a tenth of the fill rate (bench, 2026-12-03).
 */
function toStored(r: EntryRecord): StoredRecord {
  if (r.state !== 'pending') return r;
  const { expiresAt, ...rest } = r;
  return { ...rest, pendingExpiresAt: expiresAt };
}

/** The record a stored value holds (a pending record written before v3 has its `expiresAt` already). */
function fromStored(v: StoredRecord): EntryRecord {
  if (!('pendingExpiresAt' in v)) return v;
  const { pendingExpiresAt, ...rest } = v;
  return { ...rest, expiresAt: pendingExpiresAt };
}

interface ImageCacheDB extends DBSchema {
  entries: { key: string; value: StoredRecord; indexes: { expiresAt: number } };
  state: { key: string; value: PersistedStats | PersistedMeta | IndexSnapshot | string };
}

/** The generation token in a stored value, or `null` (records written before generations existed). */
const tokenOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * The IndexedDB side of the two-store cache (metadata only; bodies live in Cache Storage), over
 * `idb`. The database is opened lazily on first use and the connection is kept.
 *
 * Upgrade steps (cumulative `if (oldVersion < N)`), run in the version-change transaction so an
 * interrupted upgrade leaves the old version intact:
 * - v1: `entries` store keyed by `url`, indexes `expiresAt` and `lastAccessedAt`; `state` store.
 * - v2: records gain `accessSeq` (recency within one millisecond); existing records get one in
 *   `lastAccessedAt` order, so their LRU order is kept.
 * - v3: the `lastAccessedAt` index goes (nothing read it after v2; every record write kept it up
 *   to date, write-behind batches included), and `pending` records are written without
 *   `expiresAt` (see {@link toStored}); records stay as they are.
 *
 * Opening fails fast rather than hang: when another client holding an older version blocks the
 * upgrade (`blocked`), `db()` rejects with `InvalidStateError` and the caller falls back to the
 * network; when a newer version wants to upgrade (`blocking`), this connection closes itself.
 */
export class EntryMetadataModel implements MetadataStore {
  #db: Promise<IDBPDatabase<ImageCacheDB>> | null = null;
  #blockedOpen: Promise<IDBPDatabase<ImageCacheDB>> | null = null;
  readonly #name: string;
  /** Generation tokens are `<session>-<n>`: unique across connections without reading the last one. */
  readonly #session = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  #writes = 0;
  /**
   * The generation token this connection's caller last saw: read with the records (`getAll`) or
   * the snapshot (`readSnapshot`), or written by its own last change to the records. `undefined`
   * until then. A snapshot is written only for this token (see {@link EntryMetadataModel.writeSnapshot}).
   */
  #known: string | null | undefined = undefined;
  /**
   * Another connection (another worker: a new version installing while the old one still serves)
   * changed the records since this one last read them: its caller's index may lack their changes,
   * so no snapshot is written from it until the records are read again (`getAll`).
   */
  #foreign = false;

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
          db.createObjectStore(STATE_STORE);
        }
        if (oldVersion >= 1 && oldVersion < 2) {
          const store = transaction.objectStore(ENTRIES_STORE);
          // In `lastAccessedAt` order (ties in key order, as the v1 index had them).
          const records = (await store.getAll()).sort((a, b) => a.lastAccessedAt - b.lastAccessedAt);
          let seq = 0;
          for (const r of records) await store.put({ ...r, accessSeq: r.accessSeq ?? ++seq });
        }
        if (oldVersion >= 1 && oldVersion < 3) {
          // Untyped: the v3 schema has no such index.
          (transaction.objectStore(ENTRIES_STORE) as unknown as IDBObjectStore).deleteIndex('lastAccessedAt');
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
    // With the generation token, in one transaction: the records are what the caller's index is
    // rebuilt from, so this is the token its snapshots may carry.
    const tx = (await this.db()).transaction([ENTRIES_STORE, STATE_STORE], 'readonly');
    const [records, generation] = await Promise.all([tx.objectStore(ENTRIES_STORE).getAll(), tx.objectStore(STATE_STORE).get(GENERATION_KEY)]);
    await tx.done;
    this.#known = tokenOf(generation);
    this.#foreign = false;
    for (let i = 0; i < records.length; i++) if (records[i]!.state === 'pending') records[i] = fromStored(records[i]!);
    return records as EntryRecord[];
  }

  /** How many records there are (one `IDBObjectStore.count()`). */
  async count(): Promise<number> {
    return (await this.db()).count(ENTRIES_STORE);
  }

  /** One record, or `undefined`. */
  async get(url: string): Promise<EntryRecord | undefined> {
    const v = await (await this.db()).get(ENTRIES_STORE, url);
    return v && fromStored(v);
  }

  /** URLs whose `expiresAt` ≤ `atOrBeforeMs`, from the `expiresAt` index (one `getAllKeys` request); see {@link MetadataStore.expiredUrls}. */
  async expiredUrls(atOrBeforeMs: Milliseconds): Promise<string[]> {
    return (await this.db()).getAllKeysFromIndex(ENTRIES_STORE, 'expiresAt', IDBKeyRange.upperBound(atOrBeforeMs));
  }

  /** Writes (inserts or replaces) records in one transaction. */
  async putMany(records: readonly EntryRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = await this.#entriesTx();
    const entries = tx.objectStore(ENTRIES_STORE);
    for (const r of records) void entries.put(toStored(r));
    await tx.done;
  }

  /**
   * A read-write transaction over the entries and the state, that rewrites the generation token:
   * every change to the entries changes the token in the same transaction, so an index snapshot
   * written before it is recognisably stale (`IndexSnapshot.ts`).
   */
  async #entriesTx() {
    const tx = (await this.db()).transaction([ENTRIES_STORE, STATE_STORE], 'readwrite', { durability: 'relaxed' });
    const state = tx.objectStore(STATE_STORE);
    // The token replaced must be the one this connection knew: else another connection wrote in
    // between (transactions over the same stores run in the order they were created).
    const expected = this.#known;
    void state.get(GENERATION_KEY).then((found) => {
      if (expected !== undefined && tokenOf(found) !== expected) this.#foreign = true;
    });
    const token = `${this.#session}-${++this.#writes}`;
    void state.put(token, GENERATION_KEY);
    this.#known = token;
    return tx;
  }

  /** See {@link MetadataStore.invalidateSnapshot}: one transaction that only rewrites the generation token. */
  async invalidateSnapshot(): Promise<void> {
    const tx = await this.#entriesTx();
    await tx.done;
  }

  /** Writes one record. */
  put(record: EntryRecord): Promise<void> {
    return this.putMany([record]);
  }

  /** Deletes records by URL and writes one record, in one transaction (a put with its victims). */
  async replace(deleted: readonly string[], record: EntryRecord): Promise<void> {
    const tx = await this.#entriesTx();
    const entries = tx.objectStore(ENTRIES_STORE);
    for (const u of deleted) void entries.delete(u);
    void entries.put(toStored(record));
    await tx.done;
  }

  /** Deletes records by URL in one transaction. */
  async deleteMany(urls: readonly string[]): Promise<void> {
    if (urls.length === 0) return;
    const tx = await this.#entriesTx();
    const entries = tx.objectStore(ENTRIES_STORE);
    for (const u of urls) void entries.delete(u);
    await tx.done;
  }

  /**
   * The write-behind batch, in one transaction over both stores: merges each patch into its record
   * (a later `lastAccessedAt` wins; `accessSeq`, `storedAt`, `expiresAt` are replaced when given)
   * and writes the statistics. A patch whose record is gone or still `pending` is skipped, so no
   * deleted entry is written back. The generation token changes only when `changesIndex` (a
   * freshness changed); access times alone leave an index snapshot current (they only order LRU).
   */
  async writeBehind(patches: readonly RecordPatch[], stats: PersistedStats | null, changesIndex = false): Promise<void> {
    if (patches.length === 0 && !stats) return;
    const db = await this.db();
    const tx = changesIndex ? await this.#entriesTx() : db.transaction([ENTRIES_STORE, STATE_STORE], 'readwrite', { durability: 'relaxed' });
    const entries = tx.objectStore(ENTRIES_STORE);
    if (stats) void tx.objectStore(STATE_STORE).put(stats, 'stats');
    const found = await Promise.all(patches.map((p) => entries.get(p.url)));
    for (let i = 0; i < patches.length; i++) {
      const r = found[i];
      if (r && r.state === 'committed') void entries.put(applyPatch(fromStored(r), patches[i]!));
    }
    await tx.done;
  }

  /** Deletes every record. */
  async clear(): Promise<void> {
    const tx = await this.#entriesTx();
    void tx.objectStore(ENTRIES_STORE).clear();
    await tx.done;
  }

  /** The stored index snapshot (unchecked) and the current generation token, read in one transaction. */
  async readSnapshot(): Promise<{ snapshot: unknown; generation: string | null }> {
    const tx = (await this.db()).transaction(STATE_STORE, 'readonly');
    const [snapshot, generation] = await Promise.all([tx.store.get(SNAPSHOT_KEY), tx.store.get(GENERATION_KEY)]);
    await tx.done;
    // A current snapshot becomes the caller's index; a stale one is followed by `getAll`.
    this.#known = tokenOf(generation);
    this.#foreign = false;
    return { snapshot, generation: tokenOf(generation) };
  }

  /**
   * Writes an index snapshot made by `make` from the generation token read in the same
   * transaction (so the snapshot names the token its contents correspond to, provided the caller's
   * in-memory index reflects every committed entries write). `make` returning `null` writes
   * nothing. Resolves whether one was written.
   */
  async writeSnapshot(make: (generation: string) => IndexSnapshot | null): Promise<boolean> {
    const tx = (await this.db()).transaction(STATE_STORE, 'readwrite', { durability: 'relaxed' });
    const stored = await tx.store.get(GENERATION_KEY);
    // The caller's index holds the records of the token it last saw. Another connection wrote
    // since (an old worker's debounced snapshot firing after the new version's install wrote
    // records): labelling this index with the newer token would pass it off as current, so none
    // is written.
    if (this.#foreign || (this.#known !== undefined && tokenOf(stored) !== this.#known)) {
      await tx.done;
      return false;
    }
    // Records written before generations existed: name their state now, in this transaction.
    const generation = tokenOf(stored) ?? `${this.#session}-${++this.#writes}`;
    if (tokenOf(stored) === null) void tx.store.put(generation, GENERATION_KEY);
    this.#known = generation;
    const snapshot = make(generation);
    if (snapshot) void tx.store.put(snapshot, SNAPSHOT_KEY);
    await tx.done;
    return snapshot !== null;
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
