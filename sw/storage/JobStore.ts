import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { JobPriority } from '../policy/JobQueue.ts';

/**
 * The persisted background job queue (issue 11): the URLs still to warm, capture or fetch for
 * `client.warm()`, so that a worker stopped mid-warm-up resumes where it stopped.
 *
 * A database of its own, `<cacheName>-jobs` (version {@link JOBS_DB_VERSION}), separate from the
 * entry metadata, so its upgrades never touch the cache's. One store, {@link JOBS_STORE}, keyed by
 * URL: `{ url: 'https://…/tile.png', revision: 'a1b2…' | null, priority: 'manifest' }`.
 * A record is written when its job is queued and deleted when it is stored, skipped or dead.
 * Losing a write only loses a resume (the image is fetched on next use), never consistency.
 *
 * Upgrades: v1 creates `jobs`.
 * @internal
 */
export const JOBS_DB_VERSION = 1;
/** The store of pending jobs. */
export const JOBS_STORE = 'jobs';

/** One persisted job. */
export interface JobRecord {
  url: string;
  revision: string | null;
  priority: JobPriority;
}

interface JobsDB extends DBSchema {
  jobs: { key: string; value: JobRecord };
}

/** idb model of {@link JOBS_STORE}. Opens lazily; touches no global at construction. @internal */
export class JobStore {
  readonly #name: string;
  #db: Promise<IDBPDatabase<JobsDB>> | null = null;

  /** @param dbName The database name (`<cacheName>-jobs`). */
  constructor(dbName: string) {
    this.#name = dbName;
  }

  #open(): Promise<IDBPDatabase<JobsDB>> {
    this.#db ??= openDB<JobsDB>(this.#name, JOBS_DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) db.createObjectStore(JOBS_STORE, { keyPath: 'url' });
      },
    }).catch((e: unknown) => {
      this.#db = null;
      throw e;
    });
    return this.#db;
  }

  /** Every pending job, in key (URL) order. Rejects with IndexedDB's error. */
  async all(): Promise<JobRecord[]> {
    return (await this.#open()).getAll(JOBS_STORE);
  }

  /** Writes (or replaces) `records` in one transaction. */
  async put(records: readonly JobRecord[]): Promise<void> {
    if (records.length === 0) return;
    const tx = (await this.#open()).transaction(JOBS_STORE, 'readwrite', { durability: 'relaxed' });
    for (const r of records) void tx.store.put({ url: r.url, revision: r.revision, priority: r.priority });
    await tx.done;
  }

  /** Deletes the jobs of `urls` in one transaction. */
  async delete(urls: readonly string[]): Promise<void> {
    if (urls.length === 0) return;
    const tx = (await this.#open()).transaction(JOBS_STORE, 'readwrite', { durability: 'relaxed' });
    for (const u of urls) void tx.store.delete(u);
    await tx.done;
  }
}
