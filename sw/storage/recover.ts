/**
 * Recovery, carried out: gathers the facts from both stores, asks the pure planner
 * (`planRecovery.ts`) what to do, does it (deletes first, then rewrites), loads the in-memory
 * index and re-applies the budget. Runs inside the mutation queue, on `activate` and on the first
 * use after the worker wakes (see the storage header in `ImageCache.ts`). Private to `sw/storage`.
 * @internal
 */
import type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
import { isFresh } from '../policy/freshness.ts';
import { ZERO_STATS, type CacheEvents } from './CacheEvents.ts';
import type { EntryTable } from './EntryTable.ts';
import { planRecovery } from './planRecovery.ts';
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
  /** The freshness cap of a record (clock sanity), seconds. */
  maxAgeSecondsFor: (record: { url: string; storedAt: Milliseconds; expiresAt: Milliseconds }) => Seconds;
}

/**
 * Runs one recovery pass and loads `ctx.table` from the stores.
 * Rejects with the platform's error when IndexedDB or Cache Storage fails (the table is then not
 * to be trusted; the caller keeps the index unloaded).
 */
export async function recoverStores(ctx: RecoveryContext): Promise<RecoveryReport> {
  const { metadata, bodies: bodyStore, table, events } = ctx;
  const started = ctx.now();
  // A changed cacheName: the old bodies go; their records are dropped below (no body).
  const meta = await metadata.getMeta();
  const previousCacheName = meta && meta.cacheName !== ctx.cacheName ? meta.cacheName : null;
  if (previousCacheName) await caches.delete(previousCacheName);
  if (!meta || previousCacheName) await metadata.putMeta({ cacheName: ctx.cacheName });
  const [records, bodyUrls, staleCopies] = await Promise.all([metadata.getAll(), bodyStore.urls(), bodyStore.staleCopies?.() ?? []]);
  const bodies = new Set(bodyUrls);
  const pendingBodyBytes = new Map<string, number>();
  for (const r of records) {
    // `keys()` can miss bodies written moments before from another context (seen in Chromium
    // right after a wake): confirm with a lookup before the planner drops a record.
    const body = bodies.has(r.url) && r.state !== 'pending' ? null : await bodyStore.match(r.url);
    if (body) bodies.add(r.url);
    // An opaque body cannot be measured: its presence completes the write.
    if (body && r.state === 'pending') pendingBodyBytes.set(r.url, r.opaque ? r.bytes : (await body.arrayBuffer()).byteLength);
  }
  const now = ctx.now();
  const byUrl = new Map(records.map((r) => [r.url, r]));
  const plan = planRecovery({
    records,
    bodies,
    pendingBodyBytes,
    staleCopies: new Set(staleCopies),
    nowMs: now,
    maxStaleSeconds: ctx.maxStaleSeconds,
    maxAgeSecondsFor: (url) => ctx.maxAgeSecondsFor(byUrl.get(url)!),
  });
  await metadata.deleteMany(plan.dropRecords);
  for (const url of plan.deleteBodies) await bodyStore.delete(url);
  for (const url of plan.deleteStaleCopies) await bodyStore.deleteStaleCopy?.(url);
  await metadata.putMany(plan.rewrite);
  table.load(plan.keep);
  const persisted = await metadata.getStats();
  if (persisted) events.stats = { ...ZERO_STATS, ...persisted };
  for (const key of plan.expire) {
    // Never loaded: only the stores and the counters change.
    events.count('expirations');
    events.emit({ type: 'expired', url: key, bytes: byUrl.get(key)?.bytes ?? 0 });
    await metadata.deleteMany([key]);
    await bodyStore.delete(key);
  }
  // Re-apply the budget (limits may have shrunk since the entries were stored), stale first.
  const victims = table.shrink(now);
  for (const key of victims) await table.deleteStored(key, 'evict');
  events.dirty = true;
  let stale = 0;
  for (const r of table.records.values()) if (!isFresh(r.expiresAt, now)) stale++;
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
  };
}
