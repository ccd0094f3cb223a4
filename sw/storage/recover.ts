/**
 * Recovery, carried out: gathers the facts from both stores, asks the pure planner
 * (`planRecovery.ts`) what to do, does it (deletes first, then rewrites), loads the in-memory
 * index and re-applies the budget. Runs inside the mutation queue, on `activate` and on the first
 * use after the worker wakes (see the storage header in `ImageCache.ts`). Private to `sw/storage`.
 * @internal
 */
import type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
import { isFresh, isPastStaleGrace, type ClockSanity } from '../policy/freshness.ts';
import { ZERO_STATS, type CacheEvents } from './CacheEvents.ts';
import type { EntryTable } from './EntryTable.ts';
import { isSnapshot, type IndexSnapshot } from './IndexSnapshot.ts';
import { planRecovery } from './planRecovery.ts';
import type { QueueTask } from './MutationQueue.ts';
import type { PersistedStats } from './EntryMetadataModel.ts';
import type { BodyStore, MetadataStore } from './stores.ts';

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
  /** Entries dropped because their stale grace period was over. */
  expired: number;
  /** Entries kept stale (expired, within their grace period). */
  stale: number;
  /** Records whose freshness was capped at now + maxAgeSeconds (a clock moved back). */
  capped: number;
  evicted: number;
  bytesUsed: Bytes;
  entries: number;
  durationMs: Milliseconds;
  /**
   * Whether the bodies were listed (`Cache.keys()`) and checked against the records. `false` when
   * the engine refused to list that many (Chromium, about 100,000 entries): committed records then
   * stand for their bodies (a missing body is found on its next hit), and a body without a record
   * (left by a worker killed between deleting a record and its body) is not found; it stays until
   * its URL is stored again or the cache is cleared. `true` from a current snapshot (it needs no listing).
   */
  bodiesListed: boolean;
  /**
   * Where the index came from: `snapshot` (one read of a current index snapshot), `records` (every
   * record, with the full reconciliation against Cache Storage), `empty` (no records).
   */
  source: 'snapshot' | 'records' | 'empty';
}

/** What {@link recoverStores} works with. */
export interface RecoveryContext {
  cacheName: string;
  metadata: MetadataStore;
  bodies: BodyStore;
  table: EntryTable;
  events: CacheEvents;
  now: () => Milliseconds;
  maxStaleSeconds: Seconds;
  /** Clock sanity: a record as trusted now (capped at its route's `maxAgeSeconds` from now). */
  clockSanity: ClockSanity;
  /**
   * Whether a current index snapshot may stand in for reading the records (on a wake; never on
   * `activate`, where a new worker version reconciles both stores in full). @default false
   */
  allowSnapshot?: boolean;
  /**
   * Reports progress to the mutation queue's watchdog ({@link QueueTask.progress}); with `limitMs`,
   * the limit for the steps ahead. @default none
   */
  progress?: (limitMs?: Milliseconds) => void;
  /** The queue's time limit per step, in ms, scaled by the record count for the bulk reads. @default 10000 */
  stepLimitMs?: Milliseconds;
}

/**
 * Time allowed per record, in ms, on top of the step limit, for a step that cannot be split (one
 * `getAll()` of the records with one `Cache.keys()` of the bodies, one `putMany`): 100,000 records
 * get 10 s + 50 s. In Chromium the whole full recovery of 100,000 records took 4.9–11 s
 * (`test/bench/wake.ts`, `npm run bench`, 2026-12-03), and of 9,000 records, with the listing, 2 s.
 */
export const RECOVERY_MS_PER_RECORD = 0.5;

/** Calls `progress` every this many items of a loop over the records. */
const PROGRESS_EVERY = 256;

/**
 * Runs one recovery pass and loads `ctx.table` from the stores.
 * Rejects with the platform's error when IndexedDB or Cache Storage fails (the table is then not
 * to be trusted; the caller keeps the index unloaded).
 */
export async function recoverStores(ctx: RecoveryContext): Promise<RecoveryReport> {
  const { metadata, bodies: bodyStore, table, events } = ctx;
  const started = ctx.now();
  // On a wake, the snapshot is read alongside the meta facts (independent reads: one IndexedDB
  // round trip instead of two; whether the snapshot may be used depends on both, and it is dropped
  // when it may not).
  const [meta, stored] = await Promise.all([metadata.getMeta(), ctx.allowSnapshot && metadata.readSnapshot ? metadata.readSnapshot() : null]);
  // A changed cacheName: the old bodies go; their records are dropped below (no body).
  const previousCacheName = meta && meta.cacheName !== ctx.cacheName ? meta.cacheName : null;
  if (previousCacheName) await caches.delete(previousCacheName);
  if (!meta || previousCacheName) await metadata.putMeta({ cacheName: ctx.cacheName });
  // The persisted statistics, read once: alongside the body probes on the snapshot path.
  let statsRead: ReturnType<MetadataStore['getStats']> | null = null;
  if (stored && meta && !previousCacheName) {
    const snapshot = stored.snapshot;
    if (isSnapshot(snapshot) && snapshot.generation === stored.generation && snapshot.cacheName === ctx.cacheName) {
      statsRead = metadata.getStats();
      // An empty cache (deleted by a page while the worker slept, or emptied by the engine as
      // WebKit does in automation sessions) does not match a non-empty snapshot.
      const [present, persisted] = await Promise.all([snapshot.urls.length === 0 || snapshotBodiesPresent(bodyStore, snapshot.urls), statsRead]);
      if (present) return loadSnapshot(ctx, snapshot, started, persisted);
    }
  }
  // The one large step: every record and every body key, each in one read that cannot report
  // progress; its limit grows with the record count (a stuck read still times out).
  const progress = ctx.progress ?? (() => {});
  const stepLimitMs = ctx.stepLimitMs ?? 10_000;
  const limitFor = (n: number): Milliseconds => stepLimitMs + n * RECOVERY_MS_PER_RECORD;
  progress(limitFor((await metadata.count?.()) ?? 0));
  const [records, bodyUrls, staleCopies] = await Promise.all([metadata.getAll(), listing(bodyStore.urls()), listing(bodyStore.staleCopies?.() ?? Promise.resolve([]))]);
  progress(stepLimitMs);
  // Unlisted (too many bodies to list at once): the committed records stand for their bodies, as
  // an index snapshot does; a body found missing on a hit drops its record then (invariant 6).
  const bodiesListed = bodyUrls !== null;
  const bodies = new Set(bodyUrls ?? []);
  const pendingBodyBytes = new Map<string, number>();
  let done = 0;
  for (const r of records) {
    if (++done % PROGRESS_EVERY === 0) progress();
    if (!bodiesListed && r.state !== 'pending') {
      bodies.add(r.url);
      continue;
    }
    // `keys()` can miss bodies written moments before from another context (seen in Chromium
    // right after a wake): confirm with a lookup before the planner drops a record.
    const body = bodies.has(r.url) && r.state !== 'pending' ? null : await bodyStore.match(r.url);
    if (body) bodies.add(r.url);
    // An opaque body cannot be measured: its presence completes the write.
    if (body && r.state === 'pending') pendingBodyBytes.set(r.url, r.opaque ? r.bytes : (await body.arrayBuffer()).byteLength);
  }
  const now = ctx.now();
  const plan = planRecovery({
    records,
    bodies,
    pendingBodyBytes,
    staleCopies: new Set(staleCopies ?? []),
    nowMs: now,
    maxStaleSeconds: ctx.maxStaleSeconds,
    clockSanity: ctx.clockSanity,
  });
  progress(limitFor(plan.dropRecords.length));
  await metadata.deleteMany(plan.dropRecords);
  progress(stepLimitMs);
  for (const url of plan.deleteBodies) {
    await bodyStore.delete(url);
    if (++done % PROGRESS_EVERY === 0) progress();
  }
  for (const url of plan.deleteStaleCopies) {
    await bodyStore.deleteStaleCopy?.(url);
    if (++done % PROGRESS_EVERY === 0) progress();
  }
  progress(limitFor(plan.rewrite.length));
  await metadata.putMany(plan.rewrite);
  progress(stepLimitMs);
  table.load(plan.keep);
  const persisted = await (statsRead ?? metadata.getStats());
  if (persisted) events.stats = { ...ZERO_STATS, ...persisted };
  // The expired entries' bytes, for their events (a map of every record only when some expired).
  const bytesOf = plan.expire.length > 0 ? new Map(records.map((r) => [r.url, r.bytes])) : null;
  for (const key of plan.expire) {
    if (++done % PROGRESS_EVERY === 0) progress();
    // Never loaded: only the stores and the counters change.
    events.count('expirations');
    events.emit({ type: 'expired', url: key, bytes: bytesOf?.get(key) ?? 0 });
    await metadata.deleteMany([key]);
    await bodyStore.delete(key);
  }
  // Re-apply the budget (limits may have shrunk since the entries were stored), stale first.
  const victims = table.shrink(now);
  for (const key of victims) {
    await table.deleteStored(key, 'evict');
    if (++done % PROGRESS_EVERY === 0) progress();
  }
  events.dirty = true;
  const stale = table.countStale(now);
  return {
    previousCacheName,
    records: records.length,
    bodies: bodies.size,
    droppedRecords: plan.dropRecords.length,
    deletedOrphanBodies: plan.deletedOrphanBodies,
    committedPending: plan.committedPending,
    rolledBackPending: plan.rolledBackPending,
    expired: plan.expire.length,
    stale,
    capped: plan.capped,
    evicted: victims.length,
    bytesUsed: table.index.bytes,
    entries: table.index.size,
    durationMs: ctx.now() - started,
    source: records.length === 0 ? 'empty' : 'records',
    bodiesListed,
  };
}

/**
 * A listing of Cache Storage keys, or `null` when the engine refuses to list them all at once:
 * Chromium fails `Cache.keys()` with `AbortError` ("Operation too large") once the result passes
 * its 10 MB limit on one query, about 100,000 entries (w3c/ServiceWorker#1066, crbug.com/688268;
 * `test/bench/wake.ts` found it at 100,000 bench entries). Other errors reject.
 */
async function listing(urls: Promise<string[]>): Promise<string[] | null> {
  try {
    return await urls;
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') return null;
    throw e;
  }
}

/**
 * Whether the body store still looks like the snapshot: the cache exists and holds the bodies of the
 * least and the most recently used entries and of one in the middle (3 `Cache.match` at most, run
 * together with the existence check and the statistics read: one round trip, not five). A cache
 * emptied while the worker slept fails this, and the wake takes the full recovery.
 */
async function snapshotBodiesPresent(bodyStore: BodyStore, urls: readonly string[]): Promise<boolean> {
  // All at once (none of these creates the cache: `caches.match` with a `cacheName` does not).
  const probes = [...new Set([urls[0]!, urls[urls.length >> 1]!, urls[urls.length - 1]!])].map((url) => bodyStore.match(url));
  const found = await Promise.all([bodyStore.exists(), ...probes]);
  return found.every(Boolean);
}

/**
 * The wake path: loads a current snapshot (its generation token equals the stored one, so no
 * record changed since it was written, hence no entry is pending and no write was interrupted
 * after it) and applies the rules of `planRecovery.ts` that depend on time: clock sanity caps
 * (rewritten), entries past their stale grace expire, then the budget. What the snapshot cannot
 * know, a body deleted behind the worker's back, is found as it is today while running: a hit
 * whose body is gone drops its record, a deleted cache drops them all (invariant 6).
 */
async function loadSnapshot(ctx: RecoveryContext, snapshot: IndexSnapshot, started: Milliseconds, persisted: PersistedStats | undefined): Promise<RecoveryReport> {
  const { metadata, bodies: bodyStore, table, events } = ctx;
  const now = ctx.now();
  const n = snapshot.urls.length;
  const skip = new Set<number>();
  const capped = new Map<number, { storedAt: Milliseconds; expiresAt: Milliseconds }>();
  const expire: string[] = [];
  const patches: Array<{ url: string; storedAt: Milliseconds; expiresAt: Milliseconds }> = [];
  // One object for every entry (the wake's hot loop: no allocation unless an entry is capped, no
  // route match unless it is beyond the floor).
  const entry = { url: '', storedAt: 0, expiresAt: 0 };
  let stale = 0;
  // A fresh entry stored by now and expiring within the clock sanity floor is kept as it is, and
  // is neither stale nor past its grace: decided from the columns alone (the common case).
  const trustedUntil = ctx.clockSanity.trustedUntil?.(now) ?? Number.NEGATIVE_INFINITY;
  const storedAts = snapshot.storedAt;
  const expiresAts = snapshot.expiresAt;
  for (let i = 0; i < n; i++) {
    const expiresAt = expiresAts[i]!;
    if (expiresAt > now && expiresAt <= trustedUntil && storedAts[i]! <= now) continue;
    const url = snapshot.urls[i]!;
    entry.url = url;
    entry.storedAt = snapshot.storedAt[i]!;
    entry.expiresAt = snapshot.expiresAt[i]!;
    const fresh = ctx.clockSanity(entry, now);
    if (isPastStaleGrace(fresh.expiresAt, now, ctx.maxStaleSeconds)) {
      skip.add(i);
      expire.push(url);
      continue;
    }
    if (!isFresh(fresh.expiresAt, now)) stale++;
    if (fresh !== entry) {
      capped.set(i, fresh);
      patches.push(fresh);
    }
  }
  const progress = ctx.progress ?? (() => {});
  let done = 0;
  if (patches.length > 0) await metadata.writeBehind(patches, null, true);
  progress();
  table.loadSnapshot(snapshot, skip, capped);
  if (persisted) events.stats = { ...ZERO_STATS, ...persisted };
  const bytesOf = new Map<string, Bytes>();
  for (const i of skip) bytesOf.set(snapshot.urls[i]!, snapshot.bytes[i]!);
  for (const key of expire) {
    if (++done % PROGRESS_EVERY === 0) progress();
    events.count('expirations');
    events.emit({ type: 'expired', url: key, bytes: bytesOf.get(key) ?? 0 });
    await metadata.deleteMany([key]);
    await bodyStore.delete(key);
  }
  const victims = table.shrink(now);
  for (const key of victims) {
    await table.deleteStored(key, 'evict');
    if (++done % PROGRESS_EVERY === 0) progress();
  }
  events.dirty = true;
  return {
    previousCacheName: null,
    records: n,
    bodies: n,
    droppedRecords: 0,
    deletedOrphanBodies: 0,
    committedPending: 0,
    rolledBackPending: 0,
    expired: expire.length,
    // Counted in the loop above (nothing is pending in a snapshot), unless evictions changed it.
    stale: victims.length > 0 ? table.countStale(now) : stale,
    capped: capped.size,
    evicted: victims.length,
    bytesUsed: table.index.bytes,
    entries: table.index.size,
    durationMs: ctx.now() - started,
    source: 'snapshot',
    bodiesListed: true,
  };
}
