import { describe, expect, it } from 'vitest';
import { EntryMetadataModel, type EntryRecord } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache, type ImageCacheOptions } from '../../../sw/storage/ImageCache.ts';
import { createPolicy } from '../../../sw/policy/createPolicy.ts';
import { ImageCacheStore } from '../../../sw/storage/ImageCacheStore.ts';
import type { MetadataStore } from '../../../sw/storage/stores.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { bodiesIn, Clock, FaultyCacheStore, imageResponse } from '../../helpers/fakes.ts';

const CACHE = 'test-images';
const u = (name: string) => `https://app.test/img/${name}.png`;

function makeCache(options: Partial<ImageCacheOptions> & { clock?: Clock } = {}) {
  const clock = options.clock ?? new Clock();
  const metadata = options.metadata ?? new EntryMetadataModel('test-db');
  const cache = new ImageCache({ cacheName: CACHE, maxBytes: 1000, maxAgeSeconds: 60, now: clock.now, metadata, ...options });
  return { cache, clock, metadata };
}

/** Invariant 2: records ↔ bodies one to one, bytesUsed = Σ record bytes = Σ body lengths. */
async function expectConsistent(cache: ImageCache, metadata: MetadataStore) {
  const records = await metadata.getAll();
  const bodies = await bodiesIn(CACHE);
  expect(records.every((r) => r.state === 'committed')).toBe(true);
  expect(new Set(records.map((r) => r.url))).toEqual(new Set(bodies.keys()));
  for (const r of records) expect(bodies.get(r.url)).toBe(r.bytes);
  const sumRecords = records.reduce((s, r) => s + r.bytes, 0);
  expect(cache.stats().bytesUsed).toBe(sumRecords);
  expect(cache.stats().bytesUsed).toBeLessThanOrEqual(cache.stats().maxBytes);
  return { records, bodies };
}

describe('ImageCache (Node: fake-indexeddb + undici Cache API)', () => {
  it('storesAndServesAFreshEntry', async () => {
    const { cache, metadata } = makeCache();
    const put = await cache.put(u('a'), imageResponse(100, { headers: { etag: '"v1"' } }));
    expect(put).toMatchObject({ stored: true, bytes: 100, evicted: [], bytesAfter: 100 });
    const res = await cache.get(u('a'));
    expect(res).toBeDefined();
    expect((await res!.arrayBuffer()).byteLength).toBe(100);
    expect(await cache.has(u('a'))).toBe(true);
    const [record] = await metadata.getAll();
    expect(record).toMatchObject({ url: u('a'), bytes: 100, state: 'committed', etag: '"v1"', kind: 'runtime', contentType: 'image/png' });
    await expectConsistent(cache, metadata);
  });

  it('evictsLeastRecentlyUsedWhenOverMaxBytes', async () => {
    const { cache, metadata, clock } = makeCache({ maxBytes: 300 });
    for (const n of ['a', 'b', 'c']) {
      await cache.put(u(n), imageResponse(100));
      clock.advance(10);
    }
    expect(await cache.get(u('a'))).toBeDefined(); // a is now most recent: b is the LRU victim
    const put = await cache.put(u('d'), imageResponse(100));
    expect(put.evicted).toEqual([u('b')]);
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url).sort()).toEqual([u('a'), u('c'), u('d')]);
    expect(cache.stats()).toMatchObject({ evictions: 1, bytesUsed: 300, entries: 3 });
  });

  it('admitsAnEntryThatFillsTheBudgetExactlyWithoutEvicting', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 300 });
    await cache.put(u('a'), imageResponse(100));
    const put = await cache.put(u('b'), imageResponse(200));
    expect(put).toMatchObject({ stored: true, evicted: [], bytesAfter: 300 });
    await expectConsistent(cache, metadata);
  });

  it('evictsSeveralVictimsForOneLargeEntry', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 300 });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    await cache.put(u('c'), imageResponse(100));
    const put = await cache.put(u('big'), imageResponse(250));
    expect(put.evicted).toEqual([u('a'), u('b'), u('c')]);
    await expectConsistent(cache, metadata);
    expect(cache.stats().bytesUsed).toBe(250);
  });

  it('enforcesMaxEntries', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 10_000, maxEntries: 2 });
    await cache.put(u('a'), imageResponse(10));
    await cache.put(u('b'), imageResponse(10));
    const put = await cache.put(u('c'), imageResponse(10));
    expect(put.evicted).toEqual([u('a')]);
    expect(cache.stats().entries).toBe(2);
    await expectConsistent(cache, metadata);
  });

  it('servesButNeverStoresAnEntryLargerThanMaxEntryBytes', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 1000, maxEntryBytes: 500 });
    await cache.put(u('a'), imageResponse(400));
    const put = await cache.put(u('huge'), imageResponse(501));
    expect(put).toMatchObject({ stored: false, reason: 'too-large', evicted: [] });
    // Without a Content-Length the body is read and measured.
    const noLength = new Response(new Uint8Array(600), { headers: { 'content-type': 'image/png' } });
    expect(await cache.put(u('huge2'), noLength)).toMatchObject({ stored: false, reason: 'too-large' });
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url)).toEqual([u('a')]);
  });

  it('replacingAnEntryReaccountsItsBytes', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 1000 });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    await cache.put(u('a'), imageResponse(300, { fill: 9 }));
    const { bodies } = await expectConsistent(cache, metadata);
    expect(bodies.get(u('a'))).toBe(300);
    expect(cache.stats()).toMatchObject({ bytesUsed: 400, entries: 2 });
  });

  it('expiresExactlyAtExpiresAt', async () => {
    const { cache, clock } = makeCache({ maxAgeSeconds: 60 });
    await cache.put(u('a'), imageResponse(100));
    clock.advance(60_000 - 1);
    expect((await cache.lookup(u('a'))).result).toBe('hit');
    clock.advance(1);
    const found = await cache.lookup(u('a'));
    expect(found.result).toBe('stale'); // never a hit once expired (invariant 3)
    expect(await cache.get(u('a'))).toBeUndefined();
    expect(await cache.has(u('a'))).toBe(false);
  });

  it('perPutMaxAgeSecondsOverridesTheDefaultAndZeroNeverExpires', async () => {
    const { cache, clock } = makeCache({ maxAgeSeconds: 60 });
    await cache.put(u('short'), imageResponse(10), { maxAgeSeconds: 1 });
    await cache.put(u('forever'), imageResponse(10), { maxAgeSeconds: 0 });
    clock.advance(1000);
    expect((await cache.lookup(u('short'))).result).toBe('stale');
    clock.advance(10 * 365 * 86_400_000);
    expect((await cache.lookup(u('forever'))).result).toBe('hit');
    const entries = await cache.entries();
    expect(entries.find((e) => e.url === u('forever'))!.expiresAt).toBeNull();
  });

  it('sweepKeepsStaleEntriesAndDropsThemOnlyPastMaxStaleSeconds', async () => {
    const { cache, clock, metadata } = makeCache({ maxAgeSeconds: 60, maxStaleSeconds: 60 });
    await cache.put(u('old'), imageResponse(100));
    clock.advance(30_000);
    await cache.put(u('new'), imageResponse(100));
    clock.advance(30_000); // old expired: stale, kept
    expect(await cache.sweep()).toBe(0);
    expect((await cache.lookup(u('old'))).result).toBe('stale');
    expect(cache.stats()).toMatchObject({ entries: 2, staleEntries: 1, expirations: 0 });
    clock.advance(60_000 - 1); // old: 1 ms short of its grace period
    expect(await cache.sweep()).toBe(0);
    clock.advance(1); // old: exactly at expiresAt + maxStaleSeconds; new: still within its grace
    expect(await cache.sweep()).toBe(1);
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url)).toEqual([u('new')]);
    expect(cache.stats()).toMatchObject({ expirations: 1, evictions: 0, staleEntries: 1 });
  });

  it('maxStaleSecondsZeroKeepsStaleEntriesUntilEvicted', async () => {
    const { cache, clock } = makeCache({ maxAgeSeconds: 60, maxStaleSeconds: 0 });
    await cache.put(u('a'), imageResponse(100));
    clock.advance(10 * 365 * 86_400_000);
    expect(await cache.sweep()).toBe(0);
    expect((await cache.lookup(u('a'))).result).toBe('stale');
  });

  it('deleteAndClearRemoveRecordsAndBodies', async () => {
    const { cache, metadata } = makeCache();
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    expect(await cache.delete(u('a'))).toBe(true);
    expect(await cache.delete(u('a'))).toBe(false);
    let state = await expectConsistent(cache, metadata);
    expect([...state.bodies.keys()]).toEqual([u('b')]);
    await cache.clear();
    state = await expectConsistent(cache, metadata);
    expect(state.records).toEqual([]);
    expect(cache.stats()).toMatchObject({ bytesUsed: 0, entries: 0 });
  });

  it('keysDropTheUrlFragment', async () => {
    const { cache } = makeCache();
    await cache.put(`${u('a')}#one`, imageResponse(10));
    expect(await cache.has(`${u('a')}#two`)).toBe(true);
    expect((await cache.entries()).map((e) => e.url)).toEqual([u('a')]);
  });

  it('countsHitsMissesAndHitRate', async () => {
    const { cache } = makeCache();
    await cache.put(u('a'), imageResponse(10));
    await cache.get(u('a'));
    await cache.get(u('a'));
    await cache.get(u('a'));
    await cache.get(u('nope'));
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 1, hitRate: 0.75, bytesUsed: 10, entries: 1, stored: 1 });
  });

  it.each([
    ['a 404', imageResponse(10, { status: 404 }), 'status'],
    ['a non-image content type', imageResponse(10, { type: 'text/html' }), 'not-image'],
    ['Cache-Control: no-store', imageResponse(10, { headers: { 'cache-control': 'public, no-store' } }), 'no-store'],
    ['Vary: *', imageResponse(10, { headers: { vary: 'accept, *' } }), 'vary-star'],
    ['a body shorter than its Content-Length', imageResponse(10, { headers: { 'content-length': '20' } }), 'length-mismatch'],
  ])('neverStores %s', async (_name, response, reason) => {
    const { cache, metadata } = makeCache();
    expect(await cache.put(u('bad'), response)).toMatchObject({ stored: false, reason });
    const { records } = await expectConsistent(cache, metadata);
    expect(records).toEqual([]);
  });

  it('aFailedBodyWriteLeavesBothStoresConsistent', async () => {
    const bodies = new FaultyCacheStore(CACHE);
    bodies.failWith = () => new DOMException('disk on fire', 'UnknownError');
    const { cache, metadata } = makeCache({ bodies });
    await cache.put(u('a'), imageResponse(100));
    bodies.failPuts = 1;
    const put = await cache.put(u('b'), imageResponse(100));
    expect(put).toMatchObject({ stored: false, reason: 'write-failed' });
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url)).toEqual([u('a')]);
    expect(cache.stats()).toMatchObject({ bytesUsed: 100, errors: 1 });
  });

  it('aFailedBodyWriteAfterEvictingLeavesBothStoresConsistent', async () => {
    const bodies = new FaultyCacheStore(CACHE);
    bodies.failWith = () => new DOMException('disk on fire', 'UnknownError');
    const { cache, metadata } = makeCache({ bodies, maxBytes: 200 });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    bodies.failPuts = 1;
    const put = await cache.put(u('c'), imageResponse(100)); // evicts a, then the body write fails
    expect(put).toMatchObject({ stored: false, reason: 'write-failed', evicted: [u('a')] });
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url)).toEqual([u('b')]);
    expect(cache.stats()).toMatchObject({ bytesUsed: 100, entries: 1, evictions: 1 });
  });

  it('onQuotaExceededPurgesAndRetriesOnce', async () => {
    const bodies = new FaultyCacheStore(CACHE);
    const { cache, metadata } = makeCache({ bodies });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    bodies.failPuts = 1;
    // A body of unknown length is read in full, so it can be written again after the purge.
    const unknownLength = (n: number) => new Response(new Uint8Array(n), { status: 200, headers: { 'content-type': 'image/png' } });
    const put = await cache.put(u('c'), unknownLength(100));
    expect(put.stored).toBe(true);
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url).sort()).toEqual([u('b'), u('c')]); // a (LRU) purged
    // Storage pushed back at 200 bytes: that is the budget in force now (maxBytes kept in stats).
    expect(cache.stats()).toMatchObject({ maxBytes: 1000, effectiveMaxBytes: 200, bytesUsed: 200 });
    bodies.failPuts = 2; // fails again after the purge: not stored, still consistent
    expect(await cache.put(u('d'), unknownLength(100))).toMatchObject({ stored: false, reason: 'quota' });
    const after = await expectConsistent(cache, metadata);
    expect(after.records).toEqual([]); // b evicted for d, c purged for the retry, d rolled back
    expect(cache.stats()).toMatchObject({ effectiveMaxBytes: 100, bytesUsed: 0 });
  });

  it('aStreamedBodyMeetingTheQuotaPurgesAndIsNotStored', async () => {
    const bodies = new FaultyCacheStore(CACHE);
    const { cache, metadata } = makeCache({ bodies });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    bodies.failPuts = 1;
    // Streamed (Content-Length known): the body went into the failed write and cannot be replayed.
    expect(await cache.put(u('c'), imageResponse(100))).toMatchObject({ stored: false, reason: 'quota' });
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url)).toEqual([u('b')]); // a purged, c rolled back
    expect(cache.stats()).toMatchObject({ effectiveMaxBytes: 200, bytesUsed: 100 });
    expect(await cache.put(u('d'), imageResponse(100))).toMatchObject({ stored: true }); // the next fill fits
  });

  it('statsAndLruOrderSurviveAWorkerRestart', async () => {
    const clock = new Clock();
    const first = makeCache({ maxBytes: 300, clock });
    for (const n of ['a', 'b', 'c']) {
      await first.cache.put(u(n), imageResponse(100));
      clock.advance(10);
    }
    await first.cache.get(u('a'));
    await first.cache.get(u('nope'));
    await first.cache.flush();
    // A new worker: fresh memory, same stores.
    const second = makeCache({ maxBytes: 300, clock, metadata: new EntryMetadataModel('test-db') });
    await second.cache.ready();
    expect(second.cache.stats()).toMatchObject({ hits: 1, misses: 1, bytesUsed: 300, entries: 3 });
    const put = await second.cache.put(u('d'), imageResponse(100));
    expect(put.evicted).toEqual([u('b')]);
  });

  it('lruOrderFromAccessesNotYetFlushedIsLostButStaysConsistent', async () => {
    const clock = new Clock();
    const first = makeCache({ maxBytes: 200, clock });
    await first.cache.put(u('a'), imageResponse(100));
    clock.advance(10);
    await first.cache.put(u('b'), imageResponse(100));
    await first.cache.get(u('a')); // never flushed
    const second = makeCache({ maxBytes: 200, clock, metadata: new EntryMetadataModel('test-db') });
    const put = await second.cache.put(u('c'), imageResponse(100));
    expect(put.evicted).toEqual([u('a')]);
    await expectConsistent(second.cache, second.metadata);
  });

  it('concurrentPutsNeverExceedTheBudget', async () => {
    const { cache, metadata } = makeCache({ maxBytes: 1000 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => cache.put(u(`p${i}`), imageResponse(90 + (i % 7) * 10))));
    const { records } = await expectConsistent(cache, metadata);
    expect(records.length).toBeGreaterThan(5);
  });
});

describe('recovery (invariant 2)', () => {
  const record = (url: string, bytes: number, state: EntryRecord['state'] = 'committed'): EntryRecord => ({
    url,
    bytes,
    state,
    storedAt: 1,
    lastAccessedAt: 1,
    accessSeq: 1,
    expiresAt: Number.POSITIVE_INFINITY,
    kind: 'runtime',
    revision: null,
    contentType: 'image/png',
    etag: null,
    lastModified: null,
  });

  it('dropsRecordsWithoutBodiesDeletesOrphanBodiesAndSettlesPendingWrites', async () => {
    const metadata = new EntryMetadataModel('test-db');
    const store = new ImageCacheStore(CACHE);
    // committed + body: kept
    await metadata.put(record(u('ok'), 10));
    await store.put(u('ok'), imageResponse(10));
    // committed, no body: dropped
    await metadata.put(record(u('lost'), 10));
    // body, no record: deleted
    await store.put(u('orphan'), imageResponse(10));
    // pending + body of the right length (killed before commit): committed
    await metadata.put(record(u('almost'), 20, 'pending'));
    await store.put(u('almost'), imageResponse(20));
    // pending + body of the wrong length: rolled back
    await metadata.put(record(u('torn'), 30, 'pending'));
    await store.put(u('torn'), imageResponse(5));
    // pending, no body (killed before the body write): rolled back
    await metadata.put(record(u('early'), 40, 'pending'));

    const { cache } = makeCache({ metadata: new EntryMetadataModel('test-db') });
    const report = await cache.ready();
    expect(report).toMatchObject({
      records: 5,
      bodies: 4,
      droppedRecords: 3,
      deletedOrphanBodies: 1,
      committedPending: 1,
      rolledBackPending: 2,
      bytesUsed: 30,
      entries: 2,
    });
    const { records } = await expectConsistent(cache, metadata);
    expect(records.map((r) => r.url).sort()).toEqual([u('almost'), u('ok')]);
  });

  it('commitsAPendingWriteWithTheExpiryItWasReservedWith (schema v3 keeps it outside the expiresAt index until then)', async () => {
    const clock = new Clock();
    const metadata = new EntryMetadataModel('test-db');
    const store = new ImageCacheStore(CACHE);
    const expiresAt = clock.now() + 60_000;
    // Killed between the body write and the commit: the pending record is not in the sweep's index.
    await metadata.put({ ...record(u('almost'), 20, 'pending'), storedAt: clock.now(), expiresAt });
    await store.put(u('almost'), imageResponse(20));
    expect(await metadata.expiredUrls(Number.POSITIVE_INFINITY)).toEqual([]);

    const { cache } = makeCache({ clock, metadata: new EntryMetadataModel('test-db') });
    expect(await cache.ready()).toMatchObject({ committedPending: 1, entries: 1 });
    // Committed with its own expiry, and now in the index the sweep reads.
    expect((await cache.peek(u('almost')))?.expiresAt).toBe(expiresAt);
    expect((await metadata.get(u('almost')))?.expiresAt).toBe(expiresAt);
    expect(await metadata.expiredUrls(expiresAt)).toEqual([u('almost')]);
    await expectConsistent(cache, metadata);
  });

  it('appliesAShrunkBudgetAndExpiresOnRecovery', async () => {
    const clock = new Clock();
    const big = makeCache({ maxBytes: 1000, clock });
    await big.cache.put(u('a'), imageResponse(100), { maxAgeSeconds: 1 });
    clock.advance(10);
    await big.cache.put(u('b'), imageResponse(300));
    clock.advance(10);
    await big.cache.put(u('c'), imageResponse(300));
    clock.advance(2000);
    // a is past its grace period (1 s): expired; then b is evicted to fit 350 bytes.
    const small = makeCache({ maxBytes: 350, maxStaleSeconds: 1, clock, metadata: new EntryMetadataModel('test-db') });
    const report = await small.cache.ready();
    expect(report).toMatchObject({ expired: 1, evicted: 1, bytesUsed: 300 });
    const { records } = await expectConsistent(small.cache, small.metadata);
    expect(records.map((r) => r.url)).toEqual([u('c')]);
  });

  it('keepsStaleEntriesOnRecoveryAndEvictsThemFirstWhenTheBudgetShrank', async () => {
    const clock = new Clock();
    const big = makeCache({ maxBytes: 1000, clock });
    await big.cache.put(u('b'), imageResponse(300));
    clock.advance(10);
    await big.cache.put(u('a'), imageResponse(100), { maxAgeSeconds: 1 }); // more recent than b, but stale
    clock.advance(10);
    await big.cache.put(u('c'), imageResponse(300));
    clock.advance(2000);
    const same = makeCache({ maxBytes: 1000, clock, metadata: new EntryMetadataModel('test-db') });
    expect(await same.cache.ready()).toMatchObject({ expired: 0, stale: 1, evicted: 0, bytesUsed: 700 });
    expect((await same.cache.lookup(u('a'))).result).toBe('stale');
    // 50 bytes must go: the stale a (100), although b is less recently used (LRU alone would evict b).
    const small = makeCache({ maxBytes: 650, clock, metadata: new EntryMetadataModel('test-db') });
    expect(await small.cache.ready()).toMatchObject({ expired: 0, stale: 0, evicted: 1, bytesUsed: 600 });
    const { records } = await expectConsistent(small.cache, small.metadata);
    expect(records.map((r) => r.url)).toEqual([u('b'), u('c')]);
  });
});

describe('declared length', () => {
  it('storesAnEncodedBodyWhoseContentLengthCountsEncodedBytes', async () => {
    const { cache } = makeCache();
    // fetch() decodes Content-Encoding: the body is longer than the encoded Content-Length.
    const res = imageResponse(100, { headers: { 'content-encoding': 'gzip', 'content-length': '37' } });
    expect(await cache.put(u('gz'), res)).toMatchObject({ stored: true, bytes: 100 });
  });
});

describe('cold worker (index not loaded yet)', () => {
  /** A metadata store whose first full read is held until `release()`: recovery in progress. */
  class SlowMetadata extends EntryMetadataModel {
    gate: Promise<void>;
    release!: () => void;
    constructor(name: string) {
      super(name);
      this.gate = new Promise((r) => (this.release = r));
    }
    override async getAll() {
      await this.gate;
      return super.getAll();
    }
  }

  it('servesAFreshHitFromCacheStorageBeforeRecoveryAndAppliesItsAccessAfter', async () => {
    const clock = new Clock();
    const warm = makeCache({ maxBytes: 200, clock, storedHeaders: storedResponseHeaders });
    await warm.cache.put(u('a'), imageResponse(100));
    clock.advance(10);
    await warm.cache.put(u('b'), imageResponse(100));
    clock.advance(10);
    const slow = new SlowMetadata('test-db');
    const cold = makeCache({ maxBytes: 200, clock, metadata: slow, storedHeaders: storedResponseHeaders });
    const found = await cold.cache.lookup(u('a')); // recovery is still blocked
    expect(found.result).toBe('hit');
    expect(cold.cache.lastRecovery).toBeNull();
    expect((await (found as { response: Response }).response.arrayBuffer()).byteLength).toBe(100);
    slow.release();
    await cold.cache.ready();
    // a was used after b: b is the LRU victim.
    expect((await cold.cache.put(u('c'), imageResponse(100))).evicted).toEqual([u('b')]);
    expect(cold.cache.stats().hits).toBe(1);
  });

  it('neverServesAnExpiredBodyBeforeRecovery', async () => {
    const clock = new Clock();
    const warm = makeCache({ clock, maxAgeSeconds: 1, storedHeaders: storedResponseHeaders });
    await warm.cache.put(u('a'), imageResponse(100));
    clock.advance(1000);
    const slow = new SlowMetadata('test-db');
    const cold = makeCache({ clock, metadata: slow, maxAgeSeconds: 1, storedHeaders: storedResponseHeaders });
    const pending = cold.cache.lookup(u('a'));
    let settled = false;
    void pending.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // waits for the index instead of serving the expired body
    slow.release();
    expect((await pending).result).not.toBe('hit');
  });
});

describe('memory tier', () => {
  class CountingStore extends ImageCacheStore {
    matches = 0;
    override async match(url: string) {
      this.matches++;
      return super.match(url);
    }
  }
  const setup = (memoryTierBytes: number, maxBytes = 1000) => {
    const bodies = new CountingStore(CACHE);
    return { bodies, ...makeCache({ bodies, memoryTierBytes, maxBytes, maxAgeSeconds: 60 }) };
  };

  it('servesHitsFromMemoryWithoutACacheStorageRoundTrip', async () => {
    const { cache, bodies } = setup(800);
    await cache.put(u('a'), imageResponse(100, { fill: 3 }));
    const before = bodies.matches;
    const res = await cache.get(u('a'));
    expect(new Uint8Array(await res!.arrayBuffer())).toEqual(new Uint8Array(100).fill(3));
    expect(res!.headers.get('content-type')).toBe('image/png');
    expect(bodies.matches).toBe(before);
    expect(cache.stats()).toMatchObject({ hits: 1, bytesUsed: 100, memoryTier: { bytes: 100, entries: 1, hits: 1, maxBytes: 800 } });
  });

  it('promotesABodyReadFromCacheStorage', async () => {
    const first = setup(800);
    await first.cache.put(u('a'), imageResponse(100));
    // A new worker: empty memory tier.
    const second = setup(800);
    await second.cache.get(u('a')); // cold: served from Cache Storage while the index loads
    await second.cache.ready();
    await second.cache.get(u('a')); // from Cache Storage, copied into memory behind the response
    await new Promise((r) => setTimeout(r, 10));
    const matches = second.bodies.matches;
    await second.cache.get(u('a'));
    expect(second.bodies.matches).toBe(matches);
    expect(second.cache.stats().memoryTier).toMatchObject({ entries: 1, hits: 1 });
  });

  it('dropsCopiesOnDeleteEvictionAndNeverServesThemExpired', async () => {
    const { cache, clock, bodies } = setup(800, 200);
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    await cache.put(u('c'), imageResponse(100)); // evicts a
    expect(await cache.get(u('a'))).toBeUndefined();
    await cache.delete(u('b'));
    expect(await cache.get(u('b'))).toBeUndefined();
    expect(cache.stats().memoryTier).toMatchObject({ entries: 1 });
    clock.advance(60_000);
    const before = bodies.matches;
    expect((await cache.lookup(u('c'))).result).toBe('stale');
    expect(bodies.matches).toBe(before + 1);
  });

  it('keepsOnlyBodiesUpToAnEighthOfItsBudget', async () => {
    const { cache } = setup(800);
    await cache.put(u('small'), imageResponse(100));
    await cache.put(u('big'), imageResponse(101));
    expect(cache.stats().memoryTier).toMatchObject({ entries: 1, bytes: 100 });
  });
});

describe('invariant 4: no blocking bookkeeping', () => {
  it('aHitNeverWaitsOnAnIndexedDbWrite', async () => {
    class StuckWrites extends EntryMetadataModel {
      stuck = false;
      writes = 0;
      override async writeBehind(...args: Parameters<EntryMetadataModel['writeBehind']>) {
        this.writes++;
        if (this.stuck) return new Promise<void>(() => {}); // an IndexedDB write that never completes
        return super.writeBehind(...args);
      }
    }
    const metadata = new StuckWrites('test-db');
    const { cache } = makeCache({ metadata, writeBehindMs: 0 });
    await cache.put(u('a'), imageResponse(100));
    metadata.stuck = true;
    expect((await cache.lookup(u('a'))).result).toBe('hit');
    void cache.flush(); // the write-behind batch hangs
    await new Promise((r) => setTimeout(r, 10));
    expect(metadata.writes).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) expect((await cache.lookup(u('a'))).result).toBe('hit');
    expect(cache.stats().hits).toBe(4);
  });
});

describe('the compact index with every policy (columns by the policy slot, or a slot map of its own)', () => {
  it.each(['lru', 'fifo', 'sieve', 's3fifo', 'lfu', 'gdsf'])('%s: stores, evicts, serves, recovers and wakes from the snapshot with the same entries', async (name) => {
    const clock = new Clock();
    const metadata = new EntryMetadataModel(`policy-${name}-db`);
    const open = () => new ImageCache({ cacheName: CACHE, maxBytes: 300, maxAgeSeconds: 60, now: clock.now, metadata, policy: createPolicy(name) });
    const cache = open();
    const evicted: string[] = [];
    for (const k of ['a', 'b', 'c', 'd', 'e']) evicted.push(...(await cache.put(u(k), imageResponse(100, { headers: { etag: `"${k}"` } }))).evicted);
    expect(cache.size).toBe(3);
    expect(evicted).toHaveLength(2);
    const held = (await cache.entries()).map((e) => e.url).sort();
    expect(held).toHaveLength(3);
    for (const url of held) expect((await cache.lookup(url)).result).toBe('hit');
    expect(await cache.peek(held[0]!)).toMatchObject({ url: held[0], bytes: 100, state: 'committed', contentType: 'image/png', etag: expect.stringMatching(/^"."$/) });
    await expectConsistent(cache, metadata);
    expect(await cache.writeSnapshot()).toBe(true);
    const woken = open();
    await woken.ready();
    expect(woken.indexLoad).toMatchObject({ source: 'snapshot', entries: 3 });
    expect((await woken.entries()).map((e) => e.url).sort()).toEqual(held);
    expect(woken.bytesUsed).toBe(300);
    expect((await woken.put(u('f'), imageResponse(100))).evicted).toHaveLength(1);
    await expectConsistent(woken, metadata);
  });
});
