/**
 * The in-memory half of the cache: the {@link CacheIndex} (policy + budget) and the records by key,
 * plus the operations that keep them and both stores in step when one entry goes. Rebuilt from
 * the stores by recovery; never the only copy of anything that matters. Private to `sw/storage`.
 * @internal
 */
import { CacheIndex, type CacheLimits } from '../policy/CacheIndex.ts';
import { chooseStaleVictims } from '../policy/staleFirst.ts';
import type { ReplacementPolicy } from '../policy/ReplacementPolicy.ts';
import type { Bytes, Milliseconds, RemovalReason } from '../policy/types.ts';
import type { CacheEvents } from './CacheEvents.ts';
import type { EntryRecord } from './EntryMetadataModel.ts';
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
}

/** Index + records. @internal */
export class EntryTable {
  readonly index: CacheIndex;
  readonly records = new Map<string, EntryRecord>();
  readonly #deps: EntryTableDeps;
  /** The configured `maxEntryBytes` (the one in force may be lower under a clamped budget). */
  readonly #maxEntryBytes: Bytes;
  /** Recency counter (see {@link EntryRecord.accessSeq}). */
  accessSeq = 0;

  constructor(limits: CacheLimits, policy: ReplacementPolicy, deps: EntryTableDeps) {
    this.index = new CacheIndex(limits, policy);
    this.#maxEntryBytes = this.index.maxEntryBytes;
    this.#deps = deps;
  }

  /** Replaces the contents with `records` (least recently used first), as they are; see {@link EntryTable.shrink}. */
  load(records: readonly EntryRecord[]): void {
    this.index.clear();
    this.records.clear();
    for (const record of records) {
      this.index.policy.insert(record.url, record.bytes);
      this.records.set(record.url, record);
      if ((record.accessSeq ?? 0) > this.accessSeq) this.accessSeq = record.accessSeq;
    }
  }

  /** The committed record of `key`, or `undefined`. */
  committed(key: string): EntryRecord | undefined {
    const r = this.records.get(key);
    return r && r.state === 'committed' ? r : undefined;
  }

  /** Records a use of `key` at `atMs` (recency, written behind). Returns false when `key` is not held. */
  touch(key: string, atMs: Milliseconds): boolean {
    const entry = this.committed(key);
    if (!entry || !this.index.access(key)) return false;
    entry.lastAccessedAt = Math.max(entry.lastAccessedAt, atMs);
    entry.accessSeq = ++this.accessSeq;
    this.#deps.writeBehind.markAccess(key);
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
    const order = (function* (records: Map<string, EntryRecord>) {
      for (const key of index.keys()) {
        const r = records.get(key);
        if (r && r.state === 'committed') yield { key, bytes: r.bytes, expiresAt: r.expiresAt };
      }
    })(this.records);
    const victims = chooseStaleVictims(order, nowMs, needBytes, needEntries);
    for (const key of victims) index.remove(key);
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
    const r = this.records.get(key);
    this.index.remove(key);
    this.records.delete(key);
    memory?.forget(key);
    writeBehind.forget(key);
    if (reason === 'evict' || reason === 'purge') events.count('evictions');
    if (reason === 'expire') events.count('expirations');
    if (!events.listening) return;
    const bytes = r?.bytes ?? 0;
    events.emit({ type: 'evicted', url: key, bytes, reason });
    if (reason === 'expire') events.emit({ type: 'expired', url: key, bytes });
  }

  /** Removes an entry from memory and both stores: record first, then body (a crash in between leaves an orphan body, which recovery deletes). */
  async deleteStored(key: string, reason: RemovalReason): Promise<void> {
    this.forget(key, reason);
    await this.#deps.metadata.deleteMany([key]);
    await this.#deps.bodies.delete(key);
  }

  /** Empties the in-memory half (index, records, memory copies, write-behind); returns what was held. */
  dropAll(): EntryRecord[] {
    const removed = [...this.records.values()];
    this.index.clear();
    this.records.clear();
    this.#deps.memory?.clear();
    this.#deps.writeBehind.clear();
    return removed;
  }
}
