/**
 * Counting tests for issue 13: the IndexedDB work of a hit, a wake and a sweep, and the events of a
 * hit and of `clear()`, must not grow with the number of entries. Counted through a wrapper around
 * the {@link MetadataStore} interface over the real adapter (fake-indexeddb, with its real
 * `expiresAt` index). No timing: the timings belong to `npm run bench`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CacheEvents } from '../../../sw/storage/CacheEvents.ts';
import { EntryMetadataModel, type EntryRecord, type PersistedStats } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import type { CacheEvent } from '../../../sw/protocol.ts';
import type { MetadataStore, RecordPatch } from '../../../sw/storage/stores.ts';
import { SNAPSHOT_FORMAT, type IndexSnapshot } from '../../../sw/storage/IndexSnapshot.ts';
import { Clock, FakeBodyStore } from '../../helpers/fakes.ts';

const u = (i: number) => `https://app.test/tiles/${i}.png`;
const BYTES = 10;

/** A {@link MetadataStore} that counts operations (calls) and the records each one reads or writes. */
class CountingMetadataStore implements MetadataStore {
  calls: Record<string, number> = {};
  records = 0;
  constructor(readonly inner: MetadataStore) {}
  reset(): void {
    this.calls = {};
    this.records = 0;
  }
  get totalCalls(): number {
    return Object.values(this.calls).reduce((s, n) => s + n, 0);
  }
  #count(op: string, records = 0): void {
    this.calls[op] = (this.calls[op] ?? 0) + 1;
    this.records += records;
  }
  async getAll(): Promise<EntryRecord[]> {
    const all = await this.inner.getAll();
    this.#count('getAll', all.length);
    return all;
  }
  async get(url: string): Promise<EntryRecord | undefined> {
    this.#count('get', 1);
    return this.inner.get(url);
  }
  async expiredUrls(atOrBeforeMs: number): Promise<string[]> {
    const urls = await this.inner.expiredUrls(atOrBeforeMs);
    this.#count('expiredUrls', urls.length);
    return urls;
  }
  putMany(records: readonly EntryRecord[]): Promise<void> {
    this.#count('putMany', records.length);
    return this.inner.putMany(records);
  }
  put(record: EntryRecord): Promise<void> {
    this.#count('put', 1);
    return this.inner.put(record);
  }
  replace(deleted: readonly string[], record: EntryRecord): Promise<void> {
    this.#count('replace', deleted.length + 1);
    return this.inner.replace(deleted, record);
  }
  deleteMany(urls: readonly string[]): Promise<void> {
    this.#count('deleteMany', urls.length);
    return this.inner.deleteMany(urls);
  }
  writeBehind(patches: readonly RecordPatch[], stats: PersistedStats | null, changesIndex?: boolean): Promise<void> {
    this.#count('writeBehind', patches.length);
    return this.inner.writeBehind(patches, stats, changesIndex);
  }
  clear(): Promise<void> {
    this.#count('clear');
    return this.inner.clear();
  }
  getStats(): Promise<PersistedStats | undefined> {
    this.#count('getStats');
    return this.inner.getStats();
  }
  putStats(stats: PersistedStats): Promise<void> {
    this.#count('putStats');
    return this.inner.putStats(stats);
  }
  getMeta() {
    this.#count('getMeta');
    return this.inner.getMeta();
  }
  putMeta(meta: { cacheName: string }): Promise<void> {
    this.#count('putMeta');
    return this.inner.putMeta(meta);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  readSnapshot(): Promise<{ snapshot: unknown; generation: string | null }> {
    this.#count('readSnapshot');
    return this.inner.readSnapshot!();
  }
  writeSnapshot(make: (generation: string) => IndexSnapshot | null): Promise<boolean> {
    this.#count('writeSnapshot');
    if (this.dead) return Promise.reject(new DOMException('this worker was stopped', 'InvalidStateError'));
    return this.inner.writeSnapshot!(make);
  }
  /** A stopped worker: its snapshot timer, if it ever fires, writes nothing. */
  dead = false;
}

/**
 * Stores `n` committed entries straight into both stores (as a previous worker left them), fresh for
 * an hour, except `expiredAt`, whose entries expired at `expiredAtMs`.
 */
async function seed(n: number, clock: Clock, expired: ReadonlySet<number> = new Set(), expiredAtMs = 0) {
  const metadata = new EntryMetadataModel(`scale-db-${n}`);
  const bodies = new FakeBodyStore('scale-images');
  const now = clock.now();
  const records: EntryRecord[] = [];
  for (let i = 0; i < n; i++) {
    records.push({
      url: u(i),
      bytes: BYTES,
      state: 'committed',
      storedAt: now - 1000,
      lastAccessedAt: now - 1000 + i,
      accessSeq: i + 1,
      expiresAt: expired.has(i) ? expiredAtMs : now + 3_600_000,
      kind: 'runtime',
      revision: null,
      contentType: 'image/png',
      etag: null,
      lastModified: null,
    });
    await bodies.put(u(i), new Response(new Uint8Array(BYTES), { headers: { 'content-type': 'image/png' } }));
  }
  await metadata.putMany(records);
  await metadata.putMeta({ cacheName: 'scale-images' });
  return { metadata, bodies };
}

function open(
  stores: { metadata: MetadataStore; bodies: FakeBodyStore },
  clock: Clock,
  options: { onEvent?: (e: CacheEvent) => void; maxStaleSeconds?: number; maxAgeSecondsFor?: (url: string) => number; minMaxAgeSeconds?: number } = {},
) {
  const counted = new CountingMetadataStore(stores.metadata);
  const cache = new ImageCache({
    cacheName: 'scale-images',
    maxBytes: 1_000_000,
    maxAgeSeconds: 3600,
    maxStaleSeconds: options.maxStaleSeconds ?? 60,
    now: clock.now,
    metadata: counted,
    bodies: stores.bodies,
    writeBehindMs: 0,
    onEvent: options.onEvent,
    maxAgeSecondsFor: options.maxAgeSecondsFor,
    minMaxAgeSeconds: options.minMaxAgeSeconds,
  });
  return { cache, counted };
}

/** A cache over `stores` with its index loaded and its snapshot written (a wake can then read it). */
async function withSnapshot(stores: { metadata: MetadataStore; bodies: FakeBodyStore }, clock: Clock) {
  const first = open(stores, clock);
  await first.cache.ready();
  expect(await first.cache.writeSnapshot()).toBe(true);
  return first;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ImageCache at scale: IndexedDB operations and events counted, not timed (issue 13)', () => {
  it('aHitMakesNoIndexedDbOperationAndTheAccessTimesOfManyHitsGoInOneWriteBehindBatch', async () => {
    const clock = new Clock();
    const { cache, counted } = open(await seed(1000, clock), clock);
    await cache.ready();
    counted.reset();
    for (let i = 0; i < 50; i++) expect((await cache.lookup(u(i * 20))).result).toBe('hit');
    expect(counted.totalCalls).toBe(0);
    await cache.flush();
    expect(counted.calls).toEqual({ writeBehind: 1 });
    expect(counted.records).toBe(50);
  });

  it('aWakeMakesTheSameNumberOfIndexedDbOperationsAt10And1000Entries', async () => {
    const callsAt = async (n: number) => {
      const clock = new Clock();
      const { cache, counted } = open(await seed(n, clock), clock);
      await cache.ready();
      expect(cache.size).toBe(n);
      // A copy: the snapshot written behind later is not part of the wake.
      return { calls: { ...counted.calls }, records: counted.records };
    };
    const small = await callsAt(10);
    const large = await callsAt(1000);
    expect(large.calls).toEqual(small.calls);
    // One getAll reads each record once; nothing else touches a record on a clean wake.
    expect(large.calls.getAll).toBe(1);
    expect(large.records).toBe(1000);
  });

  it('aSweepOf1000EntriesWith3PastTheirGraceTouchesOnlyThose3Records', async () => {
    const clock = new Clock();
    const expired = new Set([7, 500, 999]);
    const stores = await seed(1000, clock, expired, clock.now() - 30_000); // stale, within the 60 s grace
    const events: CacheEvent[] = [];
    const { cache, counted } = open(stores, clock, { onEvent: (e) => events.push(e) });
    await cache.ready();
    expect(cache.size).toBe(1000);
    clock.advance(30_000); // the 3: exactly at expiresAt + maxStaleSeconds
    counted.reset();
    expect(await cache.sweep()).toBe(3);
    // One read of the expiresAt index listing the 3, and one record delete per expired entry.
    expect(counted.calls).toEqual({ expiredUrls: 1, deleteMany: 3 });
    expect(counted.records).toBe(6);
    expect(cache.size).toBe(997);
    expect(events.filter((e) => e.type === 'expired').map((e) => e.url).sort()).toEqual([u(500), u(7), u(999)]);
    expect((await stores.metadata.getAll()).length).toBe(997);
    expect((await stores.bodies.urls()).length).toBe(997);
    counted.reset();
    expect(await cache.sweep()).toBe(0);
    expect(counted.calls).toEqual({ expiredUrls: 1 });
    expect(counted.records).toBe(0);
  });

  it('aSweepSkipsAnIndexCandidateThatIsStillWithinItsGraceInMemory', async () => {
    const clock = new Clock();
    const stores = await seed(5, clock, new Set([2]), clock.now() - 30_000);
    const { cache } = open(stores, clock);
    await cache.ready();
    clock.advance(30_000);
    // Fresh again in memory only: IndexedDB keeps an older, long-expired copy of the record.
    const record = (await cache.peek(u(2)))!;
    await cache.refresh(u(2));
    await stores.metadata.put({ ...record, expiresAt: 0 }); // IndexedDB still says long expired
    expect(await cache.sweep()).toBe(0);
    expect(cache.size).toBe(5);
    expect((await cache.lookup(u(2))).result).toBe('hit');
  });

  it('noEventIsBuiltForHitsMissesOrEvictionsWhenNobodyListens', async () => {
    const clock = new Clock();
    const emit = vi.spyOn(CacheEvents.prototype, 'emit');
    const stores = await seed(100, clock, new Set([1]), clock.now() - 30_000);
    const { cache } = open(stores, clock);
    await cache.ready();
    clock.advance(30_000);
    for (let i = 2; i < 100; i++) await cache.lookup(u(i));
    await cache.lookup(u(5000)); // miss
    expect(await cache.sweep()).toBe(1);
    expect(emit).not.toHaveBeenCalled();
    const seen: CacheEvent[] = [];
    cache.on((e) => seen.push(e));
    await cache.lookup(u(2));
    expect(seen.map((e) => e.type)).toEqual(['hit']);
  });

  it('clearOfManyEntriesEmitsOneSummarisingEvent', async () => {
    const clock = new Clock();
    const events: CacheEvent[] = [];
    const stores = await seed(2000, clock);
    const { cache, counted } = open(stores, clock, { onEvent: (e) => events.push(e) });
    await cache.ready();
    counted.reset();
    await cache.clear();
    expect(events).toEqual([{ type: 'cleared', at: clock.now(), entries: 2000, bytes: 2000 * BYTES }]);
    expect(counted.calls).toEqual({ clear: 1 });
    expect(cache.stats()).toMatchObject({ entries: 0, bytesUsed: 0 });
    expect(await stores.metadata.getAll()).toEqual([]);
    expect(await stores.bodies.urls()).toEqual([]);
  });
});

/** A stored body of `BYTES` bytes. */
const image = () => new Response(new Uint8Array(BYTES), { headers: { 'content-type': 'image/png' } });

/** A body of `BYTES` bytes that declares its length (streamed into the bodies, as a page miss is). */
const declared = () => new Response(new Uint8Array(BYTES), { headers: { 'content-type': 'image/png', 'content-length': String(BYTES) } });

describe('fills: IndexedDB operations and timers counted per burst, not per put (issue 13, fill rate)', () => {
  it('32ConcurrentPutsShareTheirIndexedDbTransactions: the pending and the committed records of all of them in a few writes', async () => {
    const clock = new Clock();
    const { cache, counted } = open(await seed(10, clock), clock);
    await cache.ready();
    counted.reset();
    const results = await Promise.all(Array.from({ length: 32 }, (_, i) => cache.put(u(100 + i), i % 2 ? declared() : image())));
    expect(results.every((r) => r.stored)).toBe(true);
    // Each record is written twice (pending, then committed: invariant 2), in batches: one
    // reservation transaction for the burst and one commit transaction per batch of commits.
    expect(counted.records).toBe(64);
    expect(counted.calls.putMany).toBeLessThanOrEqual(4);
    expect(Object.keys(counted.calls)).toEqual(['putMany']);
    expect(cache.size).toBe(42);
  });

  it('aBurstOfPutsArmsOneSnapshotTimer, not one per index change', async () => {
    const clock = new Clock();
    const { cache } = open(await seed(10, clock), clock);
    await cache.ready();
    await cache.writeSnapshot();
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    for (let i = 0; i < 20; i++) expect((await cache.put(u(100 + i), declared())).stored).toBe(true);
    expect(await cache.delete(u(100))).toBe(true);
    // 41 index changes (20 reservations, 20 commits, a delete); the snapshot delay is 2000 ms.
    expect(setTimeoutSpy.mock.calls.filter(([, ms]) => ms === 2000)).toHaveLength(1);
    expect(cache.snapshotScheduled).toBe(true);
  });

  it('theSnapshotIsWritten2sAfterTheLastIndexChange, and at most 15 s after the first while changes keep coming', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const clock = new Clock();
      const { cache, counted } = open(await seed(10, clock), clock);
      await cache.ready();
      await cache.writeSnapshot();
      counted.reset();
      await cache.put(u(100), declared());
      await vi.advanceTimersByTimeAsync(1500);
      await cache.put(u(101), declared()); // 1.5 s later: the write waits 2 s from here
      await vi.advanceTimersByTimeAsync(1900);
      expect(counted.calls.writeSnapshot ?? 0).toBe(0);
      await vi.advanceTimersByTimeAsync(200);
      expect(counted.calls.writeSnapshot).toBe(1);
      expect(cache.snapshotScheduled).toBe(false);
      // A change every second: never 2 s of quiet, so the 15 s cap writes it.
      counted.reset();
      for (let t = 0; t < 15; t++) {
        await cache.put(u(200 + t), declared());
        await vi.advanceTimersByTimeAsync(1000);
      }
      expect(counted.calls.writeSnapshot).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('waking from the index snapshot: IndexedDB operations counted, never fewer checks than the records allow (issue 13)', () => {
  it('aWakeWithACurrentSnapshotMakesTheSameFewOperationsAt10And1000EntriesAndReadsNoRecord', async () => {
    const wake = async (n: number) => {
      const clock = new Clock();
      const stores = await seed(n, clock);
      const first = open(stores, clock);
      await first.cache.ready();
      expect(first.cache.indexLoad?.source).toBe('records');
      expect(await first.cache.writeSnapshot()).toBe(true);
      const { cache, counted } = open(stores, clock);
      await cache.ready();
      expect(cache.indexLoad).toMatchObject({ source: 'snapshot', entries: n });
      expect(cache.size).toBe(n);
      expect(cache.bytesUsed).toBe(n * BYTES);
      const calls = { ...counted.calls };
      const records = counted.records;
      expect((await cache.lookup(u(n - 1))).result).toBe('hit');
      return { calls, records };
    };
    const small = await wake(10);
    const large = await wake(1000);
    expect(large.calls).toEqual(small.calls);
    expect(large.calls).toEqual({ getMeta: 1, readSnapshot: 1, getStats: 1 });
    expect(large.records).toBe(0);
  });

  it('aWakeFromTheSnapshotOverlapsItsSmallReads: meta with the snapshot, then the body probes with the statistics', async () => {
    const clock = new Clock();
    const stores = await seed(100, clock);
    await withSnapshot(stores, clock);
    // Every store call notes which calls were still in flight when it started.
    const inFlight = new Map<string, number>();
    const overlaps: string[][] = [];
    const track = <A extends unknown[], R>(name: string, call: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
      overlaps.push([name, ...[...inFlight].flatMap(([n, k]) => Array<string>(k).fill(n))].sort());
      inFlight.set(name, (inFlight.get(name) ?? 0) + 1);
      try {
        return await call(...args);
      } finally {
        inFlight.set(name, inFlight.get(name)! - 1);
      }
    };
    const { cache, counted } = open(stores, clock);
    counted.getMeta = track('getMeta', counted.getMeta.bind(counted));
    counted.readSnapshot = track('readSnapshot', counted.readSnapshot.bind(counted));
    counted.getStats = track('getStats', counted.getStats.bind(counted));
    stores.bodies.exists = track('exists', stores.bodies.exists.bind(stores.bodies));
    stores.bodies.match = track('match', stores.bodies.match.bind(stores.bodies));
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    // Two rounds: [getMeta ∥ readSnapshot], then [exists ∥ 3 × match ∥ getStats] (they used to run one after another: six round trips).
    expect(overlaps.at(1)).toEqual(['getMeta', 'readSnapshot']);
    expect(overlaps.at(-1)).toEqual(['exists', 'getStats', 'match', 'match', 'match']);
  });

  it('aSnapshotKeepsTheRecencyOrderItWasWrittenWith: the least recently used entry is still the first victim', async () => {
    const clock = new Clock();
    const stores = await seed(5, clock);
    const first = open(stores, clock);
    await first.cache.ready();
    await first.cache.lookup(u(0)); // u(0) becomes the most recent; u(1) the least
    expect(await first.cache.writeSnapshot()).toBe(true);
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    expect((await cache.entries()).map((e) => e.url)).toEqual([u(1), u(2), u(3), u(4), u(0)]);
  });

  it('accessTimesWrittenBehindLeaveTheSnapshotCurrent (they only cost LRU accuracy)', async () => {
    const clock = new Clock();
    const stores = await seed(20, clock);
    const first = await withSnapshot(stores, clock);
    for (let i = 0; i < 5; i++) await first.cache.lookup(u(i));
    await first.cache.flush();
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    expect(cache.size).toBe(20);
  });

  it('aWorkerStoppedBetweenARecordWriteAndItsSnapshotWrite: the next wake reads the records, then writes a current snapshot by itself', async () => {
    const clock = new Clock();
    const stores = await seed(100, clock);
    const first = await withSnapshot(stores, clock);
    expect((await first.cache.put(u(1000), image())).stored).toBe(true);
    expect(await first.cache.delete(u(3))).toBe(true);
    first.counted.dead = true; // stopped before its snapshot was written behind

    const second = open(stores, clock);
    await second.cache.ready();
    expect(second.cache.indexLoad).toMatchObject({ source: 'records', entries: 100 });
    expect(second.counted.calls.getAll).toBe(1);
    expect(await second.cache.has(u(1000))).toBe(true);
    expect(await second.cache.has(u(3))).toBe(false);
    // The snapshot is scheduled behind, on its own debounce timer (written now here): the
    // write-behind batch handed to waitUntil does not wait for it, so an event's lifetime stays
    // short and never holds back the activation of a new worker version.
    await second.cache.flushSoon();
    expect(second.counted.calls.writeSnapshot ?? 0).toBe(0);
    expect(second.cache.snapshotScheduled).toBe(true);
    expect(await second.cache.writeSnapshot()).toBe(true);
    expect(second.counted.calls.writeSnapshot).toBe(1);
    expect(second.cache.snapshotScheduled).toBe(false);

    const third = open(stores, clock);
    await third.cache.ready();
    expect(third.cache.indexLoad).toMatchObject({ source: 'snapshot', entries: 100 });
    expect(await third.cache.has(u(1000))).toBe(true);
    expect(await third.cache.has(u(3))).toBe(false);
  });

  it.each([
    ['with its body of the right length: committed', true, { committedPending: 1, rolledBackPending: 0 }, 51],
    ['without its body: rolled back', false, { committedPending: 0, rolledBackPending: 1 }, 50],
  ] as const)('aSnapshotNeverMakesRecoverySkipAPendingEntry, killed mid-put %s', async (_name, withBody, counts, size) => {
    const clock = new Clock();
    const stores = await seed(50, clock);
    await withSnapshot(stores, clock);
    // A put killed between its pending record (step 2+3) and its commit (step 5).
    const now = clock.now();
    await stores.metadata.put({
      url: u(999), bytes: BYTES, state: 'pending', storedAt: now, lastAccessedAt: now, accessSeq: 9999, expiresAt: now + 3_600_000,
      kind: 'runtime', revision: null, contentType: 'image/png', etag: null, lastModified: null,
    });
    if (withBody) await stores.bodies.put(u(999), image());
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('records');
    expect(cache.lastRecovery).toMatchObject(counts);
    expect(cache.size).toBe(size);
    expect((await stores.metadata.get(u(999)))?.state).toBe(withBody ? 'committed' : undefined);
  });

  it('afterAFailedBodyDeleteNoSnapshotIsWrittenUntilAFullRecoveryHasDeletedTheOrphan', async () => {
    const clock = new Clock();
    const stores = await seed(30, clock);
    const first = open(stores, clock);
    await first.cache.ready();
    stores.bodies.failDeletesOf.add(u(4));
    await expect(first.cache.delete(u(4))).rejects.toThrow(/injected/);
    expect(await first.cache.writeSnapshot()).toBe(false);
    expect(first.counted.calls.writeSnapshot ?? 0).toBe(0);
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('records');
    expect(cache.lastRecovery?.deletedOrphanBodies).toBe(1);
    expect(await cache.writeSnapshot()).toBe(true);
  });

  it('aPageThatDeletedTheCacheWhileTheWorkerSleptIsNotHiddenByTheSnapshot', async () => {
    const clock = new Clock();
    const stores = await seed(10, clock);
    await withSnapshot(stores, clock);
    await stores.bodies.clear(); // caches.delete(cacheName) from a page
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('records');
    expect(cache.size).toBe(0);
  });

  it('aCacheEmptiedButNotDeletedWhileTheWorkerSleptIsNotHiddenByTheSnapshot (WebKit automation sessions)', async () => {
    const clock = new Clock();
    const stores = await seed(10, clock);
    await withSnapshot(stores, clock);
    // The engine drops every body but the cache itself still exists (WebKitGTK 2.50 does this).
    for (let i = 0; i < 10; i++) await stores.bodies.delete(u(i));
    expect(await stores.bodies.exists()).toBe(true);
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('records');
    expect(cache.size).toBe(0);
    expect(cache.bytesUsed).toBe(0);
  });

  it('onWakeAnEntryPastItsStaleGraceInTheSnapshotExpiresAsRecoveryWouldExpireIt', async () => {
    const clock = new Clock();
    const stores = await seed(10, clock, new Set([6]), clock.now() - 30_000); // stale, within the 60 s grace
    await withSnapshot(stores, clock);
    clock.advance(40_000);
    const events: CacheEvent[] = [];
    const { cache } = open(stores, clock, { onEvent: (e) => events.push(e) });
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    expect(cache.lastRecovery).toMatchObject({ expired: 1, entries: 9 });
    expect(events.filter((e) => e.type === 'expired').map((e) => e.url)).toEqual([u(6)]);
    expect(await stores.metadata.get(u(6))).toBeUndefined();
    expect(await stores.bodies.match(u(6))).toBeUndefined();
  });

  it('onWakeFromTheSnapshotStaleEntriesAreCountedAsTheFullRecoveryCountedThem', async () => {
    const clock = new Clock();
    const stores = await seed(12, clock, new Set([2, 9]), clock.now() - 30_000); // stale, within the 60 s grace
    const first = open(stores, clock);
    await first.cache.ready();
    expect(first.cache.indexLoad?.source).toBe('records');
    expect(first.cache.lastRecovery).toMatchObject({ stale: 2, entries: 12 });
    expect(await first.cache.writeSnapshot()).toBe(true);
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    expect(cache.lastRecovery).toMatchObject({ stale: 2, capped: 0, expired: 0, entries: 12 });
    expect(cache.stats().staleEntries).toBe(2);
  });

  it('onWakeFromTheSnapshotRecordsFromTheFutureAreCapped (the clock moved back)', async () => {
    const clock = new Clock();
    const stores = await seed(13, clock);
    await withSnapshot(stores, clock);
    clock.advance(-600_000); // every storedAt is now 10 min in the future
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad?.source).toBe('snapshot');
    expect(cache.lastRecovery).toMatchObject({ capped: 13, stale: 0, entries: 13 });
    for (const e of await cache.entries()) {
      expect(e.storedAt).toBeLessThanOrEqual(clock.now());
      expect(e.expiresAt).toBeLessThanOrEqual(clock.now() + 3_601_000); // its own lifetime, from now
    }
    // The capped freshness is written back to the records.
    for (const r of await stores.metadata.getAll()) expect(r.storedAt).toBeLessThanOrEqual(clock.now());
  });

  it.each([
    { name: 'past their stale grace', special: [3, 6], expiresInMs: 10_000, advanceMs: 100_000 },
    { name: 'stale within their grace', special: [2, 9], expiresInMs: 10_000, advanceMs: 40_000 },
    { name: 'stored in the future (the clock moved back)', special: [], expiresInMs: 0, advanceMs: -10_000 },
  ])('aWakeFromTheSnapshotWithARouteFloorTreatsRecords $name as the wake without one', async ({ special, expiresInMs, advanceMs }) => {
    // The floor lets the wake keep fresh, trusted records without a look; these must not be among them.
    const reports = [];
    for (const floor of [false, true]) {
      const clock = new Clock();
      const stores = await seed(12, clock, new Set(special), clock.now() + expiresInMs);
      await withSnapshot(stores, clock);
      clock.advance(advanceMs);
      // Routes of two hours (longer than the records' hour): the cap changes only a future storedAt.
      const { cache } = open(stores, clock, floor ? { maxAgeSecondsFor: () => 7200, minMaxAgeSeconds: 7200 } : { maxAgeSecondsFor: () => 7200 });
      await cache.ready();
      expect(cache.indexLoad?.source).toBe('snapshot');
      const { expired: e, stale, capped, entries } = cache.lastRecovery!;
      reports.push({ report: { expired: e, stale, capped, entries }, entries: await cache.entries() });
    }
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[0]!.report.expired + reports[0]!.report.stale + reports[0]!.report.capped).toBeGreaterThan(0);
  });

  it('aWakeMatchesNoRouteForRecordsWithinTheShortestRouteLifetime, from the snapshot and from the records; beyond it, the route is asked and caps', async () => {
    for (const snapshot of [true, false]) {
      const clock = new Clock();
      const n = snapshot ? 1000 : 999; // a database each
      const stores = await seed(n, clock); // expiring within the hour
      if (snapshot) await withSnapshot(stores, clock);
      let asked = 0;
      const routes = (url: string) => (asked++, url === u(7) ? 60 : 3600);
      // Routes of 1 hour and more: no record is asked.
      const { cache } = open(stores, clock, { maxAgeSecondsFor: routes, minMaxAgeSeconds: 3600 });
      if (!snapshot) await cache.recover(); // the full recovery
      await cache.ready();
      expect(cache.indexLoad?.source).toBe(snapshot ? 'snapshot' : 'records');
      expect(asked).toBe(0);
      expect(cache.lastRecovery).toMatchObject({ capped: 0, entries: n });
      // A route of one minute: every record expiring later is asked, and u(7)'s is capped.
      asked = 0;
      const short = open(stores, clock, { maxAgeSecondsFor: routes, minMaxAgeSeconds: 60 }).cache;
      if (!snapshot) await short.recover();
      await short.ready();
      expect(short.indexLoad?.source).toBe(snapshot ? 'snapshot' : 'records'); // the first wake wrote nothing
      expect(asked).toBe(n);
      expect(short.lastRecovery).toMatchObject({ capped: 1, entries: n });
      expect((await short.entries()).find((e) => e.url === u(7))?.expiresAt).toBe(clock.now() + 60_000);
    }
  });

  it('aSnapshotOfAnotherFormat (a newer worker\'s, after a rollback) isIgnoredAndTheWakeReadsTheRecords, then writes one of its own', async () => {
    const clock = new Clock();
    const stores = await seed(10, clock);
    // What a worker of another version left: well-formed columns naming the current generation, so
    // only its format makes it unusable.
    const now = clock.now();
    const other = {
      format: SNAPSHOT_FORMAT + 1,
      generation: '',
      cacheName: 'scale-images',
      accessSeq: 10,
      urls: Array.from({ length: 10 }, (_, i) => u(i)),
      bytes: new Float64Array(10).fill(BYTES),
      storedAt: new Float64Array(10).fill(now - 1000),
      expiresAt: new Float64Array(10).fill(now + 3_600_000),
      flags: new Uint8Array(10),
      typeIds: new Uint16Array(10),
      types: ['image/png'],
      revisions: [],
    };
    expect(await stores.metadata.writeSnapshot((generation) => ({ ...other, generation }) as unknown as IndexSnapshot)).toBe(true);
    const { cache, counted } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad).toMatchObject({ source: 'records', entries: 10 });
    expect(counted.calls.getAll).toBe(1);
    expect(await cache.writeSnapshot()).toBe(true);
    expect(((await stores.metadata.readSnapshot()).snapshot as IndexSnapshot).format).toBe(SNAPSHOT_FORMAT);
    const next = open(stores, clock);
    await next.cache.ready();
    expect(next.cache.indexLoad).toMatchObject({ source: 'snapshot', entries: 10 });
  });

  it('anEmptyIndexWakesFromItsSnapshot and stores again', async () => {
    const clock = new Clock();
    const stores = await seed(0, clock);
    await withSnapshot(stores, clock);
    const { cache, counted } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad).toMatchObject({ source: 'snapshot', entries: 0 });
    expect(counted.calls.getAll).toBeUndefined();
    expect((await cache.put(u(1), image())).stored).toBe(true);
    expect(cache.size).toBe(1);
  });

  it('keysWithUnusualButLegalCharactersWakeFromTheSnapshotAsTheyWereStored, in order, and hit', async () => {
    const clock = new Clock();
    const stores = await seed(0, clock);
    const first = open(stores, clock);
    const urls = [
      'https://app.test/a b.png',
      'https://app.test/x\n/y\r\tz.png',
      'https://app.test/%0A%0D.png?q=%0a&r=\\n',
      'https://app.test/ü/日本.png?ä=ö&x=1;y=2|3,4#frag',
      'https://bücher.test/\u{1F600}.png',
      'data:image/png;base64,iVBO\nRw0K',
    ];
    for (const url of urls) expect((await first.cache.put(url, image())).stored).toBe(true);
    const stored = (await first.cache.entries()).map((e) => e.url);
    expect(stored).toHaveLength(urls.length);
    expect(await first.cache.writeSnapshot()).toBe(true);
    const { cache } = open(stores, clock);
    await cache.ready();
    expect(cache.indexLoad).toMatchObject({ source: 'snapshot', entries: urls.length });
    expect((await cache.entries()).map((e) => e.url)).toEqual(stored);
    for (const url of urls) expect((await cache.lookup(url)).result).toBe('hit');
  });

  it('activateAlwaysReconcilesBothStoresInFull, whatever the snapshot', async () => {
    const clock = new Clock();
    const stores = await seed(10, clock);
    await withSnapshot(stores, clock);
    const { cache, counted } = open(stores, clock);
    await cache.recover();
    expect(cache.indexLoad?.source).toBe('records');
    expect(counted.calls.getAll).toBe(1);
  });
});

