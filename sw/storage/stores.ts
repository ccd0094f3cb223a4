/**
 * The two store interfaces of the two-store cache. The real adapters ({@link ImageCacheStore} over
 * Cache Storage, {@link EntryMetadataModel} over IndexedDB) and the test fakes
 * (`test/helpers/fakes.ts`) implement them; one contract suite
 * (`test/unit/storage/contract.test.ts`) runs against both, so a fake cannot drift from the
 * platform it stands for (okhttp's FakeFileSystem / SYSTEM parameterisation).
 *
 * Errors are the platform's own and are never wrapped (`QuotaExceededError` from
 * {@link BodyStore.put}, `InvalidStateError` or `UnknownError` from IndexedDB).
 * @module
 */
import type { Milliseconds } from '../policy/types.ts';
import type { EntryRecord, PersistedMeta, PersistedStats } from './EntryMetadataModel.ts';
import type { IndexSnapshot } from './IndexSnapshot.ts';

/**
 * What the write-behind batch changes in a record: a later `lastAccessedAt` (ms since epoch; the
 * later of the two is kept), and when given a new `accessSeq`, `storedAt`, `expiresAt`.
 * @internal
 */
export interface RecordPatch {
  url: string;
  lastAccessedAt?: Milliseconds;
  accessSeq?: number;
  storedAt?: Milliseconds;
  expiresAt?: Milliseconds;
}

/**
 * Where the bodies live: one response per normalised URL (Cache Storage, cache `cacheName`).
 * @internal
 */
export interface BodyStore {
  /** The Cache Storage cache name the bodies are written to. */
  readonly cacheName: string;
  /** The stored response for `url`, or `undefined`. */
  match(url: string): Promise<Response | undefined>;
  /** Stores (or replaces) a body. Rejects with `QuotaExceededError` when storage is full. */
  put(url: string, response: Response): Promise<void>;
  /** Deletes a body; resolves whether one was there. */
  delete(url: string): Promise<boolean>;
  /** Every stored URL, in no particular order. O(n): recovery only. */
  urls(): Promise<string[]>;
  /** Drops every body (and the cache itself). */
  clear(): Promise<void>;
  /**
   * Whether the cache still exists under its name: `false` once a page ran
   * `caches.delete(cacheName)` or the user cleared site data (and before the first write). Cheap
   * (one `caches.has`); the next write creates the cache again.
   */
  exists(): Promise<boolean>;
  /**
   * Fresh/stale split only (`staleStore.ts`, issue 16): URLs whose body is in both of its caches
   * (a move cut short). O(n): recovery only.
   */
  staleCopies?(): Promise<string[]>;
  /** Fresh/stale split only: deletes the stale copy of a body found in both caches. */
  deleteStaleCopy?(url: string): Promise<void>;
  /** Fresh/stale split only: moves the bodies of `urls` (expiring soon) out of the routed cache; resolves with how many moved. */
  moveExpiring?(urls: readonly string[], beforeFirstMove?: () => Promise<void>): Promise<number>;
  /** Fresh/stale split only: moves a renewed body back to the routed cache (new expiry, ms since epoch). */
  promote?(url: string, expiresAt: Milliseconds, storedAt: Milliseconds): Promise<void>;
}

/**
 * Where the metadata lives: one {@link EntryRecord} per entry, plus persisted statistics and meta
 * facts (IndexedDB, database `sw-image-cache`). Multi-record writes are atomic (one transaction).
 * @internal
 */
export interface MetadataStore {
  /** Every record, in key (URL) order. */
  getAll(): Promise<EntryRecord[]>;
  /** Optional: how many records there are, without reading them (recovery sizes its time limit by it). */
  count?(): Promise<number>;
  /** One record, or `undefined`. */
  get(url: string): Promise<EntryRecord | undefined>;
  /**
   * The URLs of the records whose `expiresAt` is at or before `atOrBeforeMs` (ms since epoch), in
   * `expiresAt` order; records that never expire (`Infinity`) are never listed. One read of the
   * `expiresAt` index: cost grows with the records listed, not with all records (the sweep).
   */
  expiredUrls(atOrBeforeMs: Milliseconds): Promise<string[]>;
  /** Inserts or replaces records, atomically. */
  putMany(records: readonly EntryRecord[]): Promise<void>;
  /** Inserts or replaces one record. */
  put(record: EntryRecord): Promise<void>;
  /** Deletes `deleted` and writes `record`, atomically (a put with its victims). */
  replace(deleted: readonly string[], record: EntryRecord): Promise<void>;
  /** Deletes records by URL, atomically; absent URLs are ignored. */
  deleteMany(urls: readonly string[]): Promise<void>;
  /**
   * The write-behind batch, atomically: merges each patch into its committed record (a record that
   * is gone or pending is skipped) and writes the statistics when given. `changesIndex`: a patch
   * changes a freshness (not only access times), so an index snapshot is no longer current.
   */
  writeBehind(patches: readonly RecordPatch[], stats: PersistedStats | null, changesIndex?: boolean): Promise<void>;
  /** Deletes every record (statistics and meta facts are kept). */
  clear(): Promise<void>;
  /** The persisted statistics, or `undefined` before the first write. */
  getStats(): Promise<PersistedStats | undefined>;
  /** Persists the statistics. */
  putStats(stats: PersistedStats): Promise<void>;
  /** The persisted meta facts, or `undefined` before the first write. */
  getMeta(): Promise<PersistedMeta | undefined>;
  /** Persists the meta facts. */
  putMeta(meta: PersistedMeta): Promise<void>;
  /**
   * Closes the connection; the next operation reopens it. Also the way out of a stuck
   * transaction: closing aborts nothing already committed, and later operations get a new
   * connection.
   */
  close(): Promise<void>;
  /**
   * Optional (a store without it always recovers from the records): the stored index snapshot
   * (unchecked: see `isSnapshot`) and the current generation token, which every write to the
   * records changes, in one read.
   */
  readSnapshot?(): Promise<{ snapshot: unknown; generation: string | null }>;
  /**
   * Optional: writes the snapshot `make` builds for the generation token read in the same
   * transaction; resolves whether one was written. Writes none (resolves `false`) when the token
   * is not the one the caller's index corresponds to: another connection changed the records since
   * this one last read them (`getAll`, `readSnapshot`) or wrote them.
   */
  writeSnapshot?(make: (generation: string) => IndexSnapshot | null): Promise<boolean>;
  /**
   * Rewrites the generation token without changing any record, so the index snapshot stops being
   * current: called before body moves between caches (static-route split), so that a worker killed
   * half-way wakes through the full recovery, which finds a body left in both caches.
   */
  invalidateSnapshot?(): Promise<void>;
}
