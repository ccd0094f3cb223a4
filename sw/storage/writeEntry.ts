/**
 * The write path: the put protocol of the storage header (`ImageCache.ts`). The reservation and
 * the commit are short tasks of the mutation queue; the body write runs between them outside the
 * queue, on the URL's chain ({@link KeyedChains}), so fills of different URLs overlap. Private to
 * `sw/storage`.
 * @internal
 */
import { ImageCacheError } from '../errors/ImageCacheError.ts';
import { expiresAtMs } from '../policy/freshness.ts';
import type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
import type { CacheEvents } from './CacheEvents.ts';
import type { EntryRecord } from './EntryMetadataModel.ts';
import type { EntryTable } from './EntryTable.ts';
import type { MemoryTier } from './MemoryTier.ts';
import type { KeyedChains, MutationQueue } from './MutationQueue.ts';
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
  /**
   * `ImageCache.put` only: the headers the entry is judged by, made from and stored with (through
   * `storedHeaders`) instead of the response's own, so that a caller changing a header need not
   * rebuild the `Response` (Chromium pumps a rebuilt network body through the worker's JS heap).
   * @default the response's headers
   */
  headers?: Headers;
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
  /** The mutation queue: reservations, commits, roll-backs and purges run in it. */
  queue: MutationQueue;
  /** The per-URL chains: body writes and body deletes of the write path run on them. */
  chains: KeyedChains;
  /** Called once per body stored by streaming (a {@link BodySource} of kind `stream`). */
  onStreamed?: () => void;
  /**
   * How a `stream` source reaches Cache Storage: `true`, gathered whole as a `Blob` by the response
   * itself (`Response.blob()`) and stored from the blob, when its bytes fit in {@link WriteContext.pending}
   * (held there until the put settles); otherwise piped through a counting stream, never held
   * whole (see {@link ImageCacheOptions.blobBodies}).
   */
  blobBodies: boolean;
  /** The pending-body budget (`maxPendingBytes`) a blob body is held against while it waits. */
  pending: PendingBudget;
  /** The commits gathered while their queue task waits (one IndexedDB transaction for all of them), or `null`. */
  commitBatch?: CommitItem[] | null;
}

/** Bytes held against `maxPendingBytes` (the cache's own count, shared with `ImageCache.holdPending`). */
export interface PendingBudget {
  /** Holds `bytes` when they fit; `false` (nothing held) when they do not. */
  hold(bytes: Bytes): boolean;
  /** Gives back bytes held with `hold`. */
  release(bytes: Bytes): void;
}

/** One put waiting for its reservation (see {@link reserveAll}). */
export interface ReserveItem {
  key: string;
  source: BodySource;
  headers: Headers;
  options: PutOptions;
  /**
   * Whether the put may wait for the entries being written when only they hold the room it needs
   * (it is then resolved with a {@link PinWait}); otherwise it is `busy`.
   */
  mayWait: boolean;
  /** Settles the put's reservation (the first call wins). */
  resolve: (r: PutResult | Reserved | PinWait) => void;
}

/**
 * A put that found no room but the entries being written (pinned, never victims): it waits for
 * the writes of `waitFor` to commit or roll back (their URLs' chains, outside the queue), then
 * reserves again, when those entries are ordinary victims. Never its own URL.
 */
export interface PinWait {
  waitFor: string[];
}

interface CommitItem {
  key: string;
  record: EntryRecord;
  resolve: (outcome: 'committed' | 'abandoned') => void;
  reject: (e: unknown) => void;
}

/**
 * The body of a put:
 * - `buffer`: read in full (its length is the entry's bytes);
 * - `opaque`: an opaque response stored as it is, counted as `bytes` (assumed);
 * - `stream`: the unread body of `response`, of declared length `bytes` (`Content-Length`), stored
 *   without being held in worker memory: as a `Blob` the response gathers itself, or piped through
 *   a counting stream ({@link WriteContext.blobBodies}); a stored length (the blob's size, or the
 *   bytes that went through) that differs from `bytes` rolls the entry back (`length-mismatch`).
 *   The response itself is kept, not its `body` stream: in Chromium a `Response` rebuilt around a
 *   network body's stream is pumped through the worker's JS heap chunk by chunk.
 */
export type BodySource =
  | { kind: 'buffer'; body: ArrayBuffer }
  | { kind: 'opaque'; response: Response; bytes: Bytes }
  | { kind: 'stream'; response: Response; bytes: Bytes };

/** A reservation made in the queue: `written` settles once the body is written and committed (or rolled back). */
export interface Reserved {
  written: Promise<PutResult>;
}

/** A put that stored nothing. */
export function notStored(table: EntryTable, reason: NotStorableReason): PutResult {
  return { stored: false, reason, evicted: [], bytesAfter: table.index.bytes };
}

function isQuota(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

/** The budget in force (bytes) when each pending record was reserved (see {@link quotaPressure}). */
const reservedUnder = new WeakMap<EntryRecord, Bytes>();

/**
 * Quota pressure: a write step of `record`'s put (the pending records, the body, the commit) met
 * `QuotaExceededError`. Storage pushed back at the bytes held now (every other entry, committed or
 * being written), which become the budget in force (never above the configured `maxBytes`, never
 * below this entry), then entries are purged down to it (stale first; entries being written are
 * pinned: never purged). The budget is lowered only when it is still the one the put was reserved
 * under: the other writes of a burst reserved under the old budget fail too, and lowering again
 * for each (after the purges of the previous ones) would ratchet the budget down to nothing.
 * Runs inside the mutation queue.
 */
async function quotaPressure(ctx: WriteContext, record: EntryRecord): Promise<void> {
  const { table } = ctx;
  if (table.index.maxBytes >= (reservedUnder.get(record) ?? table.index.maxBytes)) {
    const held = table.records.get(record.url) === record ? table.index.bytes - record.bytes : table.index.bytes;
    table.lowerLimit(Math.max(held, record.bytes));
  }
  for (const victim of table.shrink(ctx.now())) await table.deleteStored(victim, 'purge');
}

function isTimeout(e: unknown): boolean {
  return e instanceof ImageCacheError && e.code === 'mutation-timeout';
}

/** The length of a source's body in bytes (declared for a stream, assumed for an opaque one). */
export function sourceBytes(source: BodySource): Bytes {
  return source.kind === 'buffer' ? source.body.byteLength : source.bytes;
}

/** Drops a source that will not be written (cancels a stream; nothing to do for the others). */
export function dropSource(source: BodySource): void {
  if (source.kind === 'stream') void source.response.body?.cancel().catch(() => undefined /* nothing to report: the body is dropped */);
}

/** A stream whose length differed from the declared one. */
class LengthMismatch extends Error {
  constructor(readonly declared: Bytes, readonly actual: Bytes) {
    super(`stored ${actual} bytes, Content-Length said ${declared}`);
    this.name = 'LengthMismatch';
  }
}

/**
 * Step 1 (+2+3) of the puts gathered while their queue task waited, run inside the mutation queue:
 * reserves room for each in turn (stale victims first, then the policy's; pinned entries, those
 * still being written, are never victims), then deletes every victim's record and writes every
 * pending record (two IndexedDB transactions for the whole batch: a kill in between leaves victims
 * without records, whose bodies recovery deletes, and no pending record yet), and pins the
 * entries. Then it queues each body write on its key's chain (without waiting for it: the queue
 * moves on) and the victims' body deletes on theirs, and resolves each item with `{ written }`.
 * An item that cannot be admitted is resolved with a {@link PutResult} (`too-large`), or, when
 * the entries being written leave no room for it now, with a {@link PinWait} (resolved last, once
 * every write of this batch is on its chain), or `busy` when it may not wait.
 */
export async function reserveAll(ctx: WriteContext, items: readonly ReserveItem[]): Promise<void> {
  const waits: Array<{ item: ReserveItem; wait: PinWait }> = [];
  try {
    await reserveBatch(ctx, items, waits);
  } finally {
    for (const { item, wait } of waits) item.resolve(wait);
  }
}

async function reserveBatch(ctx: WriteContext, items: readonly ReserveItem[], waits: Array<{ item: ReserveItem; wait: PinWait }>): Promise<void> {
  const { table, metadata } = ctx;
  const reserved: Array<{ item: ReserveItem; record: EntryRecord; victims: string[] }> = [];
  const allVictims: string[] = [];
  for (const item of items) {
    const r = await reserveOne(ctx, item);
    if ('record' in r) {
      reserved.push({ item, ...r });
      allVictims.push(...r.victims);
    } else if ('waitFor' in r) waits.push({ item, wait: r });
    else item.resolve(r);
  }
  // A put replaced by a later put of the same URL in this batch is done: nothing of it was written.
  for (let i = reserved.length - 1; i >= 0; i--) {
    const { item, record, victims } = reserved[i]!;
    if (table.records.get(item.key) === record) continue;
    reserved.splice(i, 1);
    deleteVictimBodies(ctx, item.key, victims);
    dropSource(item.source);
    item.resolve({ ...notStored(table, 'superseded'), evicted: victims });
  }
  if (reserved.length === 0) {
    if (allVictims.length > 0) await metadata.deleteMany(allVictims);
    return;
  }
  try {
    // 2 + 3. The victims' records go, then the pending records are written.
    if (allVictims.length > 0) await metadata.deleteMany(allVictims);
    await metadata.putMany(reserved.map((r) => ({ ...r.record })));
  } catch (e) {
    // The victims are out of memory (their bodies go on their chains below, whatever happens);
    // nothing of the new entries may stay: their records are deleted (recovery drops any left).
    for (const { item, record } of reserved) release(ctx, item.key, record);
    await metadata.deleteMany([...allVictims, ...reserved.map((r) => r.item.key)]).catch((err: unknown) => ctx.events.error(undefined, 'rollback: delete records', err));
    if (isQuota(e)) await quotaPressure(ctx, reserved[0]!.record).catch((err: unknown) => ctx.events.error(undefined, 'quota purge', err));
    for (const { item, victims } of reserved) {
      deleteVictimBodies(ctx, item.key, victims);
      dropSource(item.source);
      ctx.events.error(item.key, 'put', e);
      item.resolve({ ...notStored(table, isQuota(e) ? 'quota' : 'write-failed'), evicted: victims });
    }
    return;
  }
  // 2 + 4. The victims' bodies go while the new bodies are written, each on its URL's chain (a
  // later fill of a victim's URL writes after its delete). A crash in between leaves only bodies
  // without records, which recovery deletes.
  for (const { item, record, victims } of reserved) {
    deleteVictimBodies(ctx, item.key, victims);
    const written = ctx.chains.run(item.key, () => writeBody(ctx, item.key, item.source, item.headers, record, victims));
    item.resolve({ written });
  }
}

/** Step 1 for one put, in memory (a replaced entry is deleted from the stores first). */
async function reserveOne(ctx: WriteContext, item: ReserveItem): Promise<PutResult | PinWait | { record: EntryRecord; victims: string[] }> {
  const { table } = ctx;
  const { key, source, headers, options } = item;
  const opaque = source.kind === 'opaque';
  const bytes = sourceBytes(source);
  const now = ctx.now();
  // Replacing an entry: its old bytes leave the budget before the new ones are reserved. An
  // entry still being written is abandoned (its write finds its record gone and removes its body).
  if (table.index.has(key)) await table.deleteStored(key, options.replaces ?? 'revision');
  if (!table.index.admissible(bytes)) return notStored(table, 'too-large');
  if (!table.index.fitsBesidePinned(bytes)) {
    // Only entries being written hold the room: wait for their writes (never for this URL's own,
    // which the replacement above abandoned), then reserve again with them as ordinary victims.
    const waitFor = table.index.pinnedKeys().filter((k) => k !== key);
    return item.mayWait && waitFor.length > 0 ? { waitFor } : notStored(table, 'busy');
  }
  const stale = table.takeStaleVictims(bytes, now);
  const { admitted, victims: fresh } = table.index.admit(key, bytes);
  const victims = [...stale, ...fresh];
  if (!admitted) return notStored(table, 'too-large'); // cannot happen once admissible and fitting beside the pinned
  table.index.pin(key);
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
  reservedUnder.set(record, table.index.maxBytes);
  for (const victim of victims) table.forget(victim, 'evict');
  return { record, victims };
}

/**
 * Step 5, batched: the commits that arrive while a commit task waits in the queue join it, and
 * are written in one IndexedDB transaction. A write whose record is no longer the table's (a
 * delete, clear, replacement or recovery took it) is `abandoned`. Rejects with the transaction's
 * error (every write of the batch then rolls back).
 */
function commit(ctx: WriteContext, key: string, record: EntryRecord): Promise<'committed' | 'abandoned'> {
  return new Promise((resolve, reject) => {
    const item: CommitItem = { key, record, resolve, reject };
    if (ctx.commitBatch) {
      ctx.commitBatch.push(item);
      return;
    }
    const batch = [item];
    ctx.commitBatch = batch;
    const close = () => {
      if (ctx.commitBatch === batch) ctx.commitBatch = null;
    };
    ctx.queue
      .run('commit', async () => {
        close();
        const mine = batch.filter((it) => ctx.table.records.get(it.key) === it.record);
        for (const it of batch) if (!mine.includes(it)) it.resolve('abandoned');
        if (mine.length === 0) return;
        for (const it of mine) {
          it.record.state = 'committed';
          ctx.table.index.unpin(it.key);
        }
        await ctx.metadata.putMany(mine.map((it) => ({ ...it.record })));
        for (const it of mine) it.resolve('committed');
      })
      .catch((e: unknown) => {
        close();
        for (const it of batch) it.reject(e);
      });
  });
}

function deleteVictimBodies(ctx: WriteContext, key: string, victims: readonly string[]): void {
  const { bodies, events } = ctx;
  for (const victim of victims) {
    // Tried twice; else recovery deletes it (a body without a record).
    void ctx.chains
      .run(victim, () => bodies.delete(victim).catch(() => bodies.delete(victim)))
      .catch((e: unknown) => events.error(victim, `delete victim body (for ${key})`, e));
  }
}

/** Takes a reservation out of memory (index, pin, record, memory copy), if it is still the entry of `key`. */
function release(ctx: WriteContext, key: string, record: EntryRecord): boolean {
  const { table } = ctx;
  if (table.records.get(key) !== record) return false;
  table.index.remove(key);
  table.records.delete(key);
  ctx.memory?.forget(key);
  return true;
}

/**
 * Steps 4 and 5, on `key`'s chain: writes the body, then commits in the queue. When the entry was
 * deleted, cleared or replaced while its body was being written (its record is no longer the
 * table's), the write is abandoned: its body is deleted, unless recovery meanwhile adopted it (a
 * committed record for `key`, whose body this is). A failure rolls the entry back. Never rejects.
 */
async function writeBody(
  ctx: WriteContext,
  key: string,
  source: BodySource,
  headers: Headers,
  record: EntryRecord,
  victims: string[],
): Promise<PutResult> {
  const { table, metadata, bodies, events, queue } = ctx;
  let outcome: 'committed' | 'abandoned';
  try {
    await putBody(ctx, key, source, headers, record);
    // 5. Commit (only the entry's own record: a delete may have taken it meanwhile).
    outcome = await commit(ctx, key, record);
  } catch (e) {
    if (isTimeout(e)) {
      // Reported by the queue, which reruns recovery: a pending record with its whole body is committed then.
      return { ...notStored(table, 'write-failed'), evicted: victims };
    }
    // Roll back: nothing of this entry may survive half-written.
    const report = (what: string) => (err: unknown) => events.error(key, `rollback: ${what}`, err);
    const adopted = await queue
      .run('rollback', async () => {
        const mine = release(ctx, key, record);
        if (mine) await metadata.deleteMany([key]);
        // A commit refused for quota lowers the budget like a body write refused for quota does.
        if (isQuota(e)) await quotaPressure(ctx, record);
        return !mine && table.committed(key) !== undefined;
      })
      .catch((err: unknown) => {
        if (!isTimeout(err)) report('delete record')(err);
        return false;
      });
    if (!adopted) await bodies.delete(key).catch(report('delete body'));
    if (e instanceof LengthMismatch) {
      events.count('bypassed');
      return { ...notStored(table, 'length-mismatch'), evicted: victims };
    }
    events.error(key, 'put', e);
    return { ...notStored(table, isQuota(e) ? 'quota' : 'write-failed'), evicted: victims };
  }
  if (outcome === 'abandoned') {
    // Deleted, cleared or replaced while being written: the body must not outlive its record.
    if (!table.committed(key)) await bodies.delete(key).catch((e: unknown) => events.error(key, 'delete abandoned body', e));
    // Replaced (the key holds another write's record): the URL is stored by that write, not lost.
    return { ...notStored(table, table.records.has(key) ? 'superseded' : 'write-failed'), evicted: victims };
  }
  events.count('stored');
  if (source.kind === 'stream') ctx.onStreamed?.();
  if (ctx.memory && source.kind === 'buffer') rememberCopy(ctx, key, source.body, ctx.storedHeaders(headers, record));
  events.peak(table.index.bytes);
  events.emit({ type: 'stored', url: key, bytes: record.bytes, kind: record.kind });
  return { stored: true, bytes: record.bytes, evicted: victims, bytesAfter: table.index.bytes };
}

/** Keeps a copy of a committed body in the memory tier (when it is on and the body fits it). */
export function rememberCopy(ctx: Pick<WriteContext, 'table' | 'memory'>, key: string, body: ArrayBuffer, headers: Headers): void {
  const entry = ctx.table.committed(key);
  if (!ctx.memory || !entry || body.byteLength !== entry.bytes) return;
  ctx.memory.remember(key, body, headers);
}

/** Counts the bytes that go through (the stored length of a streamed body, never the header's). */
function counting(stream: ReadableStream<Uint8Array>): { stream: ReadableStream<Uint8Array>; bytes: () => Bytes } {
  let bytes = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      bytes += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream: stream.pipeThrough(counter), bytes: () => bytes };
}

/**
 * Step 4: writes the body to Cache Storage. A streamed body is gathered as a blob when
 * {@link WriteContext.blobBodies} is on and its bytes fit in {@link WriteContext.pending} (held
 * there until this settles), else piped. A body meeting `QuotaExceededError` lowers the budget
 * in force to what storage held and purges down to it (in the queue); a buffered or opaque body is
 * then written once more, a streamed one fails (piped: it cannot be replayed; as a blob: it could
 * be, but a burst of streamed writes refused together would then commit past the lowered budget,
 * since the entries being written beside it are pinned and cannot be purged).
 * @throws LengthMismatch when a streamed body's length differs from its declared length.
 */
async function putBody(ctx: WriteContext, key: string, source: BodySource, headers: Headers, record: EntryRecord): Promise<void> {
  const { bodies, events } = ctx;
  const asBlob = source.kind === 'stream' && ctx.blobBodies && ctx.pending.hold(record.bytes);
  try {
    let make: () => Response;
    let counted: (() => Bytes) | null = null;
    if (source.kind === 'opaque') {
      // An opaque response is stored as it is (its headers cannot be changed); a clone per attempt.
      make = () => source.response.clone();
    } else if (source.kind === 'buffer') {
      const stored = ctx.storedHeaders(headers, record);
      make = () => new Response(source.body, { status: 200, statusText: 'OK', headers: stored });
    } else if (asBlob) {
      // Gathered by the response itself: in Chromium the blob of a network body is a handle to bytes
      // the browser process holds, so no chunk goes through the worker, and `new Response(blob)` is
      // stored from that handle. Whole while it waits, so held against maxPendingBytes (until the
      // finally below). Rejects when the body fails (a connection cut before Content-Length bytes:
      // the network stack's error): the entry rolls back.
      const stored = ctx.storedHeaders(headers, record);
      const blob = await source.response.blob();
      if (blob.size !== record.bytes) throw new LengthMismatch(record.bytes, blob.size);
      make = () => new Response(blob, { status: 200, statusText: 'OK', headers: stored });
    } else {
      const stored = ctx.storedHeaders(headers, record);
      const piped = counting(source.response.body!);
      counted = piped.bytes;
      make = () => new Response(piped.stream, { status: 200, statusText: 'OK', headers: stored });
    }
    try {
      await bodies.put(key, make());
    } catch (e) {
      if (!isQuota(e)) throw e;
      events.error(key, 'put (quota exceeded: purging and retrying once)', e);
      await ctx.queue.run('quota-purge', () => quotaPressure(ctx, record));
      if (source.kind === 'stream') throw e; // not written twice (see above)
      await bodies.put(key, make());
    }
    if (counted && counted() !== record.bytes) throw new LengthMismatch(record.bytes, counted());
  } finally {
    if (asBlob) ctx.pending.release(record.bytes);
  }
}
