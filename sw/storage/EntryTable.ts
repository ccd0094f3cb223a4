/**
 * The in-memory half of the cache: the {@link CacheIndex} (policy + budget) and what the worker
 * needs of each entry, plus the operations that keep them and both stores in step when one entry
 * goes. Rebuilt from the stores by recovery (or from the index snapshot, `IndexSnapshot.ts`);
 * never the only copy of anything that matters. Private to `sw/storage`.
 *
 * Memory layout (issue 13: at most 200 B of worker memory per entry): no object per entry. The
 * policy's key map is the only map from keys; the columns are typed arrays indexed by the
 * policy's slot of the key ({@link ReplacementPolicy.slotOf}; a policy without slots gets a
 * key → slot map of its own here): `storedAt`, `expiresAt` (Float64), flags (Uint8: precache,
 * opaque, pending) and an interned content type (Uint16). The size is the policy's. Revisions (only
 * precached entries have one) are in a sparse map. A `pending` entry (being written) is held as
 * its full {@link EntryRecord} object, which the write path mutates to `committed`.
 *
 * Not held in memory (read from its record when needed, off the hit path): `etag`,
 * `lastModified`, `lastAccessedAt`, `accessSeq` (the recency order is the policy's; new access
 * times wait in {@link WriteBehind} until they are written behind).
 * @internal
 */
import { CacheIndex, type CacheLimits } from '../policy/CacheIndex.ts';
import { isFresh } from '../policy/freshness.ts';
import { chooseStaleVictims } from '../policy/staleFirst.ts';
import type { ReplacementPolicy } from '../policy/ReplacementPolicy.ts';
import type { Bytes, Milliseconds, RemovalReason } from '../policy/types.ts';
import type { CacheEvents } from './CacheEvents.ts';
import type { EntryRecord } from './EntryMetadataModel.ts';
import { FLAG_OPAQUE, FLAG_PRECACHE, type IndexSnapshot, type SnapshotEntry } from './IndexSnapshot.ts';
import type { MemoryTier } from './MemoryTier.ts';
import type { BodyStore, MetadataStore } from './stores.ts';
import type { WriteBehind } from './WriteBehind.ts';

/** What an {@link EntryTable} works with. */
export interface EntryTableDeps {
  metadata: MetadataStore;
  bodies: BodyStore;
  events: CacheEvents;
  memory: MemoryTier | null;
  writeBehind: WriteBehind;
  /** Called after an entry is added, replaced, removed or has its freshness changed (not on loads, not on hits). */
  changed?: () => void;
}

/** What the table holds of an entry: its record without the fields read from IndexedDB on demand. */
export type IndexedEntry = Pick<EntryRecord, 'url' | 'bytes' | 'state' | 'storedAt' | 'expiresAt' | 'kind' | 'revision' | 'contentType' | 'opaque'>;

/** Flag bit: the entry is `pending` (its record object is in `#pending`). */
const FLAG_PENDING = 4;
const INITIAL_CAPACITY = 64;

/**
 * The entries by key, as a small `Map`-like view over the table's columns (what the write path
 * uses: `set` after admitting a key to the index, `delete` after removing it).
 * @internal
 */
export class EntryRecords {
  readonly #table: EntryTable;
  constructor(table: EntryTable) {
    this.#table = table;
  }
  /** The entry of `key` (a pending entry: its live record), or `undefined`. */
  get(key: string): IndexedEntry | undefined {
    return this.#table.entry(key);
  }
  has(key: string): boolean {
    return this.#table.index.has(key);
  }
  /** Stores `record` for a key the index already holds (a pending record is kept as the object). */
  set(key: string, record: EntryRecord): this {
    this.#table.setRecord(key, record);
    return this;
  }
  /** Forgets what is held of `key` (call after removing it from the index). */
  delete(key: string): boolean {
    return this.#table.dropRecord(key);
  }
  /** Every entry, in eviction order. O(n), allocates one object per entry. */
  *values(): IterableIterator<IndexedEntry> {
    for (const key of this.#table.index.keys()) {
      const e = this.#table.entry(key);
      if (e) yield e;
    }
  }
  get size(): number {
    return this.#table.index.size;
  }
}

/** Index + per-entry columns. @internal */
export class EntryTable {
  readonly index: CacheIndex;
  /** The entries by key (see {@link EntryRecords}). */
  readonly records: EntryRecords;
  readonly #deps: EntryTableDeps;
  /** The configured `maxEntryBytes` (the one in force may be lower under a clamped budget). */
  readonly #maxEntryBytes: Bytes;
  /** Recency counter (see {@link EntryRecord.accessSeq}). */
  accessSeq = 0;
  /** Key → slot, only for a policy without {@link ReplacementPolicy.slotOf}. */
  readonly #ownSlots: Map<string, number> | null;
  #freeSlots: number[] = [];
  #topSlot = 0;
  #storedAt = new Float64Array(INITIAL_CAPACITY);
  #expiresAt = new Float64Array(INITIAL_CAPACITY);
  #flags = new Uint8Array(INITIAL_CAPACITY);
  #typeIds = new Uint16Array(INITIAL_CAPACITY);
  #types: string[] = [];
  #typeIndex = new Map<string, number>();
  #revisions = new Map<string, string>();
  /** Entries being written: their live records (few: bounded by the writes in flight). */
  #pending = new Map<string, EntryRecord>();
  /** Sizes of victims the index evicted and {@link EntryTable.forget} has not seen yet. */
  #departed = new Map<string, Bytes>();

  constructor(limits: CacheLimits, policy: ReplacementPolicy, deps: EntryTableDeps) {
    this.index = new CacheIndex(limits, policy);
    this.#maxEntryBytes = this.index.maxEntryBytes;
    this.#deps = deps;
    this.#ownSlots = policy.slotOf ? null : new Map();
    this.index.onEvict = (key, bytes) => {
      this.#departed.set(key, bytes);
    };
    this.records = new EntryRecords(this);
  }

  // -- slots and columns ----------------------------------------------------------------------

  /** The slot of a key the index holds, or `undefined` (one map lookup with a slotted policy). */
  #slot(key: string): number | undefined {
    if (!this.#ownSlots) return this.index.policy.slotOf!(key);
    return this.index.has(key) ? this.#ownSlots.get(key) : undefined;
  }

  #assign(key: string): number {
    let slot: number;
    if (this.#ownSlots) {
      slot = this.#ownSlots.get(key) ?? (this.#freeSlots.length > 0 ? this.#freeSlots.pop()! : this.#topSlot++);
      this.#ownSlots.set(key, slot);
    } else {
      const s = this.index.policy.slotOf!(key);
      if (s === undefined) throw new Error(`EntryTable: ${key} is not in the index`);
      slot = s;
    }
    if (slot >= this.#flags.length) this.#grow(slot + 1);
    return slot;
  }

  #release(key: string): void {
    if (!this.#ownSlots) return;
    const slot = this.#ownSlots.get(key);
    if (slot === undefined) return;
    this.#ownSlots.delete(key);
    this.#freeSlots.push(slot);
  }

  #grow(min: number): void {
    let capacity = this.#flags.length;
    while (capacity < min) capacity *= 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.#storedAt = f64(this.#storedAt);
    this.#expiresAt = f64(this.#expiresAt);
    const flags = new Uint8Array(capacity);
    flags.set(this.#flags);
    this.#flags = flags;
    const typeIds = new Uint16Array(capacity);
    typeIds.set(this.#typeIds);
    this.#typeIds = typeIds;
  }

  #typeId(contentType: string): number {
    let t = this.#typeIndex.get(contentType);
    if (t === undefined) {
      // Content types are few; past 65536 distinct ones the last slot is reused (display only).
      t = Math.min(this.#types.length, 0xffff);
      this.#types[t] = contentType;
      this.#typeIndex.set(contentType, t);
    }
    return t;
  }

  #write(key: string, slot: number, r: Pick<EntryRecord, 'storedAt' | 'expiresAt' | 'kind' | 'opaque' | 'contentType' | 'revision'>): void {
    this.#storedAt[slot] = r.storedAt;
    this.#expiresAt[slot] = r.expiresAt;
    this.#flags[slot] = (r.kind === 'precache' ? FLAG_PRECACHE : 0) | (r.opaque ? FLAG_OPAQUE : 0);
    this.#typeIds[slot] = this.#typeId(r.contentType);
    if (r.revision !== null && r.revision !== undefined) this.#revisions.set(key, r.revision);
    else this.#revisions.delete(key);
  }

  /** A pending entry whose write committed becomes columns. */
  #settle(key: string, slot: number): EntryRecord | null {
    const live = this.#pending.get(key);
    if (!live) {
      this.#flags[slot] &= ~FLAG_PENDING;
      return null;
    }
    if (live.state === 'pending') return live;
    this.#pending.delete(key);
    this.#write(key, slot, live);
    return null;
  }

  /** Stores `record` for `key`, which the index holds. See {@link EntryRecords.set}. */
  setRecord(key: string, record: EntryRecord): void {
    this.#deps.changed?.();
    this.#set(key, record);
  }

  #set(key: string, record: EntryRecord): void {
    const slot = this.#assign(key);
    this.#departed.delete(key);
    this.#write(key, slot, record);
    if (record.state === 'pending') {
      this.#flags[slot] |= FLAG_PENDING;
      this.#pending.set(key, record);
    } else {
      this.#pending.delete(key);
    }
    if ((record.accessSeq ?? 0) > this.accessSeq) this.accessSeq = record.accessSeq;
  }

  /** Forgets the columns of `key` (see {@link EntryRecords.delete}). */
  dropRecord(key: string): boolean {
    this.#deps.changed?.();
    const had = this.#pending.delete(key) || this.index.has(key) || (this.#ownSlots?.has(key) ?? false);
    this.#revisions.delete(key);
    this.#departed.delete(key);
    this.#release(key);
    return had;
  }

  /** The entry of `key`, or `undefined` (a pending one: its live record). Allocates one object. */
  entry(key: string): IndexedEntry | undefined {
    const slot = this.#slot(key);
    if (slot === undefined) return undefined;
    if (this.#flags[slot]! & FLAG_PENDING) {
      const live = this.#settle(key, slot);
      if (live) return live;
    }
    const flags = this.#flags[slot]!;
    const e: IndexedEntry = {
      url: key,
      bytes: this.index.sizeOf(key)!,
      state: 'committed',
      storedAt: this.#storedAt[slot]!,
      expiresAt: this.#expiresAt[slot]!,
      kind: flags & FLAG_PRECACHE ? 'precache' : 'runtime',
      revision: this.#revisions.get(key) ?? null,
      contentType: this.#types[this.#typeIds[slot]!]!,
    };
    if (flags & FLAG_OPAQUE) e.opaque = true;
    return e;
  }

  /** Whether `key` is held and committed. No allocation. */
  isCommitted(key: string): boolean {
    const slot = this.#slot(key);
    if (slot === undefined) return false;
    return !(this.#flags[slot]! & FLAG_PENDING) || this.#settle(key, slot) === null;
  }

  /** The committed entry of `key`, or `undefined`. */
  committed(key: string): IndexedEntry | undefined {
    return this.isCommitted(key) ? this.entry(key) : undefined;
  }

  /** `expiresAt` of a held key, ms since epoch, or `undefined`. No allocation. */
  expiresAtOf(key: string): Milliseconds | undefined {
    const slot = this.#slot(key);
    return slot === undefined ? undefined : (this.#pending.get(key)?.expiresAt ?? this.#expiresAt[slot]);
  }

  /** Sets the freshness of a committed entry (clock sanity, a revalidation). Returns false when not held. */
  setFreshness(key: string, storedAt: Milliseconds, expiresAt: Milliseconds): boolean {
    if (!this.isCommitted(key)) return false;
    const slot = this.#slot(key)!;
    this.#deps.changed?.();
    this.#storedAt[slot] = storedAt;
    this.#expiresAt[slot] = expiresAt;
    return true;
  }

  /** Committed entries past `expiresAt` at `nowMs`. O(n), no allocation per entry. */
  countStale(nowMs: Milliseconds): number {
    let n = 0;
    for (const key of this.index.keys()) {
      if (!this.isCommitted(key)) continue;
      if (!isFresh(this.#expiresAt[this.#slot(key)!]!, nowMs)) n++;
    }
    return n;
  }

  // -- loading ----------------------------------------------------------------------------------

  /** Replaces the contents with `records` (least recently used first), as they are; see {@link EntryTable.shrink}. */
  load(records: readonly EntryRecord[]): void {
    this.#reset();
    this.storesMayDiffer = false;
    for (const record of records) {
      this.index.policy.insert(record.url, record.bytes);
      this.#set(record.url, record);
    }
  }

  /**
   * Replaces the contents with the entries of a snapshot, in its order, skipping the indices in
   * `skip` and taking `storedAt`/`expiresAt` from `freshness` where it has them (clock sanity).
   */
  loadSnapshot(s: IndexSnapshot, skip: ReadonlySet<number>, capped: ReadonlyMap<number, { storedAt: Milliseconds; expiresAt: Milliseconds }>): void {
    this.#reset();
    const policy = this.index.policy;
    const typeIds = s.types.map((t) => this.#typeId(t));
    if (skip.size === 0 && policy.load && policy.slotOf) {
      this.#loadColumns(s, typeIds, capped);
      return;
    }
    const revisions = new Map(s.revisions);
    for (let i = 0; i < s.urls.length; i++) {
      if (skip.has(i)) continue;
      const key = s.urls[i]!;
      policy.insert(key, s.bytes[i]!);
      const slot = this.#assign(key);
      const c = capped.get(i);
      this.#storedAt[slot] = c ? c.storedAt : s.storedAt[i]!;
      this.#expiresAt[slot] = c ? c.expiresAt : s.expiresAt[i]!;
      this.#flags[slot] = s.flags[i]! & (FLAG_PRECACHE | FLAG_OPAQUE);
      this.#typeIds[slot] = typeIds[s.typeIds[i]!]!;
      const revision = revisions.get(i);
      if (revision !== undefined) this.#revisions.set(key, revision);
    }
    this.accessSeq = Math.max(this.accessSeq, s.accessSeq);
  }

  /**
   * {@link EntryTable.loadSnapshot} when every entry is kept and the policy loads in bulk: entry
   * `i` gets slot `i` (the policy's `load` contract), so the columns are copied whole. On a wake
   * of 100,000 entries this is one key-index insert per key (`LruPolicy.load`) instead of a
   * policy insert and a slot lookup each.
   */
  #loadColumns(
    s: IndexSnapshot,
    typeIds: readonly number[],
    capped: ReadonlyMap<number, { storedAt: Milliseconds; expiresAt: Milliseconds }>,
  ): void {
    const n = s.urls.length;
    this.index.policy.load!(s.urls, s.bytes);
    if (n > this.#flags.length) this.#grow(n);
    this.#storedAt.set(s.storedAt);
    this.#expiresAt.set(s.expiresAt);
    const flags = this.#flags;
    const types = this.#typeIds;
    const mask = FLAG_PRECACHE | FLAG_OPAQUE;
    for (let i = 0; i < n; i++) {
      flags[i] = s.flags[i]! & mask;
      types[i] = typeIds[s.typeIds[i]!]!;
    }
    for (const [i, c] of capped) {
      this.#storedAt[i] = c.storedAt;
      this.#expiresAt[i] = c.expiresAt;
    }
    for (const [i, revision] of s.revisions) this.#revisions.set(s.urls[i]!, revision);
    this.accessSeq = Math.max(this.accessSeq, s.accessSeq);
  }

  /** Whether any entry is pending (being written). */
  get hasPending(): boolean {
    for (const r of this.#pending.values()) if (r.state === 'pending') return true;
    return false;
  }

  /** The committed entries in eviction order, as the snapshot codec reads them; `null` while any entry is pending. */
  snapshotEntries(): SnapshotEntry[] | null {
    if (this.hasPending) return null;
    const out: SnapshotEntry[] = [];
    for (const key of this.index.keys()) {
      const e = this.committed(key);
      if (!e) return null;
      out.push({
        url: key,
        bytes: e.bytes,
        storedAt: e.storedAt,
        expiresAt: e.expiresAt,
        flags: (e.kind === 'precache' ? FLAG_PRECACHE : 0) | (e.opaque ? FLAG_OPAQUE : 0),
        contentType: e.contentType,
        revision: e.revision,
      });
    }
    return out;
  }

  #reset(): void {
    this.index.clear();
    this.#ownSlots?.clear();
    this.#freeSlots = [];
    this.#topSlot = 0;
    this.#revisions.clear();
    this.#pending.clear();
    this.#departed.clear();
    this.#flags.fill(0);
  }

  // -- operations -----------------------------------------------------------------------------

  /** Records a use of `key` at `atMs` (recency, written behind). Returns false when `key` is not held. */
  touch(key: string, atMs: Milliseconds): boolean {
    if (!this.isCommitted(key) || !this.index.access(key)) return false;
    this.#deps.writeBehind.markAccess(key, atMs);
    return true;
  }

  /**
   * Stale entries to evict first so that `bytes` more (and one more entry) fit: see
   * {@link chooseStaleVictims}. They are removed from the index; the caller deletes them from the
   * stores with the policy's victims.
   */
  takeStaleVictims(bytes: Bytes, nowMs: Milliseconds): string[] {
    return this.#takeStale(this.index.bytes + bytes - this.index.maxBytes, this.index.size + 1 - this.index.maxEntries, nowMs);
  }

  #takeStale(needBytes: Bytes, needEntries: number, nowMs: Milliseconds): string[] {
    const index = this.index;
    if (needBytes <= 0 && needEntries <= 0) return [];
    const order = (function* (table: EntryTable) {
      for (const key of index.keys()) {
        if (table.isCommitted(key)) yield { key, bytes: index.sizeOf(key)!, expiresAt: table.expiresAtOf(key)! };
      }
    })(this);
    const victims = chooseStaleVictims(order, nowMs, needBytes, needEntries);
    for (const key of victims) {
      this.#departed.set(key, index.sizeOf(key) ?? 0);
      index.remove(key);
    }
    return victims;
  }

  /**
   * Applies the limits in force: stale entries go first, then the policy's victims. Returns the
   * keys removed from the index (the caller deletes them from the stores).
   */
  shrink(nowMs: Milliseconds): string[] {
    const stale = this.#takeStale(this.index.bytes - this.index.maxBytes, this.index.size - this.index.maxEntries, nowMs);
    return [...stale, ...this.index.shrink()];
  }

  /** Lowers the budget in force to `bytes` (never raises it, never above the configured `maxBytes`). */
  lowerLimit(bytes: Bytes): void {
    const index = this.index;
    const effective = Math.max(1, Math.min(index.maxBytes, Math.floor(bytes)));
    if (effective === index.maxBytes) return;
    index.setLimits({
      maxBytes: effective,
      maxEntries: Number.isFinite(index.maxEntries) ? index.maxEntries : 0,
      maxEntryBytes: Math.min(this.#maxEntryBytes, effective),
    });
  }

  /**
   * The in-memory half of removing an entry: index, record, memory copy, write-behind, counters
   * (`evict`/`purge` count as evictions, `expire` as an expiration) and events.
   */
  forget(key: string, reason: RemovalReason): void {
    const { events, memory, writeBehind } = this.#deps;
    const bytes = this.#departed.get(key) ?? this.index.sizeOf(key) ?? 0;
    this.index.remove(key);
    this.dropRecord(key);
    memory?.forget(key);
    writeBehind.forget(key);
    if (reason === 'evict' || reason === 'purge') events.count('evictions');
    if (reason === 'expire') events.count('expirations');
    if (!events.listening) return;
    events.emit({ type: 'evicted', url: key, bytes, reason });
    if (reason === 'expire') events.emit({ type: 'expired', url: key, bytes });
  }

  /** Removes an entry from memory and both stores: record first, then body (a crash in between leaves an orphan body, which recovery deletes). */
  async deleteStored(key: string, reason: RemovalReason): Promise<void> {
    this.forget(key, reason);
    try {
      await this.#deps.metadata.deleteMany([key]);
      await this.#deps.bodies.delete(key);
    } catch (e) {
      this.storesMayDiffer = true;
      throw e;
    }
  }

  /**
   * Whether a failed store operation may have left the stores out of step with each other (a body
   * without its record) since the last full load from the records: no index snapshot may then
   * stand for them. Set by a failed {@link EntryTable.deleteStored}; cleared by {@link EntryTable.load}.
   */
  storesMayDiffer = false;

  /** Empties the in-memory half (index, entries, memory copies, write-behind); returns the keys and sizes that were held. */
  dropAll(): Array<{ url: string; bytes: Bytes }> {
    const removed: Array<{ url: string; bytes: Bytes }> = [];
    for (const key of this.index.keys()) removed.push({ url: key, bytes: this.index.sizeOf(key) ?? 0 });
    this.#reset();
    this.#deps.changed?.();
    this.#deps.memory?.clear();
    this.#deps.writeBehind.clear();
    return removed;
  }
}
