/**
 * The write path: the put protocol of the storage header (`ImageCache.ts`), run inside the
 * mutation queue. Private to `sw/storage`.
 * @internal
 */
import { expiresAtMs } from '../policy/freshness.ts';
import type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
import type { CacheEvents } from './CacheEvents.ts';
import type { EntryRecord } from './EntryMetadataModel.ts';
import type { EntryTable } from './EntryTable.ts';
import type { MemoryTier } from './MemoryTier.ts';
import type { NotStorableReason } from './storable.ts';
import type { BodyStore, MetadataStore } from './stores.ts';

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
  /**
   * Bytes the caller already holds for this body with `ImageCache.holdPending` (its
   * declared `Content-Length`); the put releases them once it settles. @default 0: the put holds
   * the body's length itself, or returns `busy`
   */
  pendingHeldBytes?: Bytes;
}

/** What a put did (lru-cache style status object). */
export interface PutResult {
  stored: boolean;
  /** Why it was not stored (a `Cache-Status` detail). */
  reason?: NotStorableReason;
  /** Body length in bytes, when it was read. */
  bytes?: Bytes;
  /** URLs evicted to make room (stale ones first). */
  evicted: string[];
  /** `bytesUsed` after the put. */
  bytesAfter: Bytes;
}

/** The headers a body is stored with, given the response's and its entry (identity by default). */
export type StoredHeaders = (headers: Headers, record: EntryRecord) => Headers;

/** What the write path works with. */
export interface WriteContext {
  table: EntryTable;
  metadata: MetadataStore;
  bodies: BodyStore;
  events: CacheEvents;
  memory: MemoryTier | null;
  now: () => Milliseconds;
  defaultMaxAgeSeconds: Seconds;
  storedHeaders: StoredHeaders;
}

/** A put that stored nothing. */
export function notStored(table: EntryTable, reason: NotStorableReason): PutResult {
  return { stored: false, reason, evicted: [], bytesAfter: table.index.bytes };
}

function isQuota(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

/**
 * Writes one entry (steps 1–5 of the put protocol), replacing an existing one for `key`. A body
 * passed as a `Response` is opaque and stored as it is, counted as `assumedBytes`.
 * Never rejects: a failure is rolled back, reported as an `error` event, and returned as
 * `{ stored: false, reason: 'quota' | 'write-failed' }`.
 */
export async function writeEntry(
  ctx: WriteContext,
  key: string,
  body: ArrayBuffer | Response,
  headers: Headers,
  options: PutOptions,
  assumedBytes = 0,
): Promise<PutResult> {
  const { table, metadata, bodies, events } = ctx;
  const opaque = body instanceof Response;
  const bytes = opaque ? assumedBytes : body.byteLength;
  const now = ctx.now();
  // Replacing an entry: its old bytes leave the budget before the new ones are reserved.
  if (table.index.has(key)) await table.deleteStored(key, options.replaces ?? 'revision');
  // 1. Reserve: stale entries go first, then the policy's victims.
  if (!table.index.admissible(bytes)) return notStored(table, 'too-large');
  const stale = table.takeStaleVictims(bytes, now);
  const { admitted, victims: fresh } = table.index.admit(key, bytes);
  const victims = [...stale, ...fresh];
  if (!admitted) return notStored(table, 'too-large'); // cannot happen once admissible
  const record: EntryRecord = {
    url: key,
    bytes,
    state: 'pending',
    storedAt: now,
    lastAccessedAt: now,
    accessSeq: ++table.accessSeq,
    expiresAt: expiresAtMs(now, options.maxAgeSeconds ?? ctx.defaultMaxAgeSeconds),
    kind: options.kind ?? 'runtime',
    revision: options.revision ?? null,
    contentType: headers.get('content-type') ?? (opaque ? 'opaque' : 'application/octet-stream'),
    etag: headers.get('etag'),
    lastModified: headers.get('last-modified'),
    ...(opaque ? { opaque: true } : {}),
  };
  table.records.set(key, record);
  const stored = opaque ? null : ctx.storedHeaders(headers, record);
  try {
    // 2 + 3. One IndexedDB transaction deletes the victims' records and writes the pending one.
    for (const victim of victims) table.forget(victim, 'evict');
    await metadata.replace(victims, record);
    // 2 + 4. The victims' bodies go while the new body is written (a crash in between leaves
    // only bodies without records, which recovery deletes). Settled, not Promise.all: a failed
    // victim delete must not start the rollback while the new body's write is still in flight.
    const [write, ...deletes] = await Promise.allSettled([
      putBodyWithQuotaRetry(ctx, key, body, stored, record),
      ...victims.map((victim) => bodies.delete(victim)),
    ]);
    if (write!.status === 'rejected') throw write!.reason;
    for (let i = 0; i < deletes.length; i++) {
      if (deletes[i]!.status === 'rejected') {
        // The new body is in; a victim's body stayed. Try once more; else recovery deletes it.
        await bodies.delete(victims[i]!).catch((e: unknown) => events.error(victims[i], 'delete victim body', e));
      }
    }
    // 5. Commit.
    record.state = 'committed';
    await metadata.put({ ...record });
  } catch (e) {
    // Roll back (every write above has settled): nothing of this entry may survive half-written,
    // and the victims (already out of memory) must be out of both stores too.
    table.index.remove(key);
    table.records.delete(key);
    ctx.memory?.forget(key);
    const report = (what: string) => (err: unknown) => events.error(key, `rollback: ${what}`, err);
    if (victims.length) {
      await metadata.deleteMany(victims).catch(report('delete victim records'));
      await Promise.all(victims.map((v) => bodies.delete(v).catch(report(`delete victim body ${v}`))));
    }
    await bodies.delete(key).catch(report('delete body'));
    await metadata.deleteMany([key]).catch(report('delete record'));
    events.error(key, 'put', e);
    return { ...notStored(table, isQuota(e) ? 'quota' : 'write-failed'), evicted: victims };
  }
  events.count('stored');
  if (ctx.memory && !opaque && stored) rememberCopy(ctx, key, body, stored);
  events.peak(table.index.bytes);
  events.emit({ type: 'stored', url: key, bytes, kind: record.kind });
  return { stored: true, bytes, evicted: victims, bytesAfter: table.index.bytes };
}

/** Keeps a copy of a committed body in the memory tier (when it is on and the body fits it). */
export function rememberCopy(ctx: Pick<WriteContext, 'table' | 'memory'>, key: string, body: ArrayBuffer, headers: Headers): void {
  const entry = ctx.table.committed(key);
  if (!ctx.memory || !entry || body.byteLength !== entry.bytes) return;
  ctx.memory.remember(key, body, headers);
}

async function putBodyWithQuotaRetry(
  ctx: WriteContext,
  key: string,
  body: ArrayBuffer | Response,
  headers: Headers | null,
  record: EntryRecord,
): Promise<void> {
  const { table, bodies, events } = ctx;
  // An opaque response is stored as it is (its headers cannot be changed); a clone per attempt.
  const make = body instanceof Response ? () => body.clone() : () => new Response(body, { status: 200, statusText: 'OK', headers: headers! });
  try {
    await bodies.put(key, make());
  } catch (e) {
    if (!isQuota(e)) throw e;
    events.error(key, 'put (quota exceeded: purging and retrying once)', e);
    // Storage pushed back at the bytes held now: that becomes the budget in force (never above
    // the configured maxBytes, never below this entry), and entries are purged down to it.
    table.lowerLimit(Math.max(table.index.bytes - record.bytes, record.bytes));
    for (const victim of table.shrink(ctx.now())) {
      if (victim === key) throw e; // cannot happen: the new entry is the most recent and fits alone
      await table.deleteStored(victim, 'purge');
    }
    await bodies.put(key, make());
  }
}
