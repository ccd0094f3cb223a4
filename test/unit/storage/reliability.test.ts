/**
 * Issue 9, storage items: expired is not gone (2), clock sanity (4), the page's clearing (6),
 * failures recover (8), empty bodies (10). Node: fake-indexeddb + undici caches, or the store
 * fakes where a fault must be injected.
 */
import { describe, expect, it } from 'vitest';
import type { CacheEvent } from '../../../sw/protocol.ts';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache, type ImageCacheOptions } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStore } from '../../../sw/storage/ImageCacheStore.ts';
import { whyNotStorable } from '../../../sw/storage/storable.ts';
import { bodiesIn, Clock, FakeBodyStore, FakeMetadataStore, imageResponse } from '../../helpers/fakes.ts';

const CACHE = 'reliability-images';
const u = (name: string) => `https://app.test/img/${name}.png`;
const YEAR_MS = 365 * 86_400_000;

function makeCache(options: Partial<ImageCacheOptions> & { clock?: Clock } = {}) {
  const clock = options.clock ?? new Clock();
  const events: CacheEvent[] = [];
  const cache = new ImageCache({
    cacheName: CACHE,
    maxBytes: 1000,
    maxAgeSeconds: 60,
    now: clock.now,
    metadata: new EntryMetadataModel('reliability-db'),
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { cache, clock, events };
}

describe('expired is not gone (item 2)', () => {
  it('evictsStaleEntriesBeforeFreshOnesWhenRoomIsNeeded', async () => {
    const { cache, clock } = makeCache({ maxBytes: 300 });
    await cache.put(u('old-fresh'), imageResponse(100), { maxAgeSeconds: 3600 });
    clock.advance(10);
    await cache.put(u('recent-stale'), imageResponse(100), { maxAgeSeconds: 1 });
    clock.advance(10);
    await cache.put(u('newest'), imageResponse(100), { maxAgeSeconds: 3600 });
    clock.advance(2000); // recent-stale is now stale, but more recently used than old-fresh
    const put = await cache.put(u('incoming'), imageResponse(100));
    expect(put.evicted).toEqual([u('recent-stale')]);
    expect(cache.stats()).toMatchObject({ evictions: 1, expirations: 0, staleEntries: 0, entries: 3 });
  });

  it('keepsStaleEntriesAcrossAWakeAndReturnsThemForRevalidation', async () => {
    const clock = new Clock();
    const first = makeCache({ clock });
    await first.cache.put(u('a'), imageResponse(100, { headers: { etag: '"v1"' } }));
    clock.advance(61_000);
    const woken = makeCache({ clock }); // a new worker: recovery on wake
    const report = await woken.cache.ready();
    expect(report).toMatchObject({ expired: 0, stale: 1, entries: 1, bytesUsed: 100 });
    const found = await woken.cache.lookup(u('a'));
    expect(found.result).toBe('stale');
    if (found.result !== 'stale') return;
    expect(found.entry.etag).toBe('"v1"');
    expect((await found.response.arrayBuffer()).byteLength).toBe(100);
    expect(await woken.cache.sweep()).toBe(0);
  });
});

describe('clock sanity (item 4)', () => {
  it('capsARecordStoredInTheFutureWhenTheIndexLoads', async () => {
    const clock = new Clock();
    const writer = makeCache({ clock });
    clock.advance(YEAR_MS); // the clock was a year ahead when the entry was stored
    await writer.cache.put(u('a'), imageResponse(100), { maxAgeSeconds: 365 * 86_400 });
    clock.advance(-YEAR_MS);
    const woken = makeCache({ clock, maxAgeSecondsFor: () => 60 });
    expect(await woken.cache.ready()).toMatchObject({ capped: 1 });
    expect((await woken.cache.lookup(u('a'))).result).toBe('hit');
    clock.advance(60_000);
    expect((await woken.cache.lookup(u('a'))).result).toBe('stale');
    expect((await new EntryMetadataModel('reliability-db').get(u('a')))!.expiresAt).toBe(clock.nowMs);
  });

  it('capsARecordWhenItIsReadAfterTheClockMovedBack', async () => {
    const { cache, clock } = makeCache({ maxAgeSecondsFor: () => 60 });
    await cache.put(u('a'), imageResponse(100));
    clock.advance(-YEAR_MS); // the clock rolls back a year: storedAt is now in the future
    expect((await cache.lookup(u('a'))).result).toBe('hit');
    clock.advance(60_000);
    expect((await cache.lookup(u('a'))).result).toBe('stale'); // not fresh for a year and a minute
  });
});

describe("the page's clearing (item 6)", () => {
  it('neverServesABodyThePageDeletedAndReconcilesBothStores', async () => {
    const { cache, events } = makeCache();
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    expect((await cache.lookup(u('a'))).result).toBe('hit');
    await caches.delete(CACHE); // the page logs out
    expect((await cache.lookup(u('a'))).result).toBe('miss');
    await cache.flush(); // lets the queued reconciliation run
    expect(await cache.entries()).toEqual([]);
    expect(cache.stats()).toMatchObject({ bytesUsed: 0, entries: 0 });
    expect(await new EntryMetadataModel('reliability-db').getAll()).toEqual([]);
    expect(events.filter((e) => e.type === 'evicted').map((e) => (e as { reason: string }).reason)).toEqual(['delete', 'delete']);
    // New writes land in a cache the page can see.
    await cache.put(u('c'), imageResponse(100));
    expect([...(await bodiesIn(CACHE)).keys()]).toEqual([u('c')]);
    expect((await cache.entries()).map((e) => e.url)).toEqual([u('c')]);
  });

  it('aWriteAfterThePageDeletedTheCacheReconcilesFirst', async () => {
    const { cache } = makeCache();
    await cache.put(u('a'), imageResponse(100));
    await caches.delete(CACHE);
    await cache.put(u('b'), imageResponse(100)); // no lookup in between
    expect((await cache.entries()).map((e) => e.url)).toEqual([u('b')]);
    expect(cache.stats().bytesUsed).toBe(100);
    expect([...(await bodiesIn(CACHE)).keys()]).toEqual([u('b')]);
  });

  it('aRefillWhoseReservationOvertookTheReconciliationOfItsLookupIsStored', async () => {
    // The real Cache API, with two gates: the vanished-cache check of the next write, and the
    // body write of `b`'s refill (so the reconciliation finds the new record still being written).
    class GatedStore extends ImageCacheStore {
      existsGate: Promise<void> | null = null;
      putGates = new Map<string, Promise<void>>();
      override async exists(): Promise<boolean> {
        await this.existsGate;
        return super.exists();
      }
      override async put(url: string, response: Response): Promise<void> {
        await this.putGates.get(url);
        return super.put(url, response);
      }
    }
    const bodies = new GatedStore(CACHE);
    const { cache } = makeCache({ bodies });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    await caches.delete(CACHE); // the page logs out, then asks for `a` and `b` again
    let openExists!: () => void;
    bodies.existsGate = new Promise<void>((r) => (openExists = r));
    let openPutB!: () => void;
    bodies.putGates.set(u('b'), new Promise<void>((r) => (openPutB = r)));
    // `a`'s refill is queued first; its reservation task waits on the vanished-cache check.
    const putA = cache.put(u('a'), imageResponse(100));
    // `b`'s lookup finds its old record without a body: a reconciliation of `b` is queued
    // behind `a`'s reservation task.
    expect((await cache.lookup(u('b'))).result).toBe('miss');
    // `b`'s refill joins `a`'s reservation batch, which has not started reserving yet.
    const putB = cache.put(u('b'), imageResponse(100));
    openExists(); // the old records are dropped, then `a` and `b` are reserved (pending)
    await cache.flush(); // queued after the reconciliation of `b`, which has run by now
    openPutB();
    expect(await putA).toMatchObject({ stored: true });
    expect(await putB).toMatchObject({ stored: true });
    expect((await cache.entries()).map((e) => e.url).sort()).toEqual([u('a'), u('b')]);
    expect((await new EntryMetadataModel('reliability-db').getAll()).map((r) => [r.url, r.state])).toEqual([
      [u('a'), 'committed'],
      [u('b'), 'committed'],
    ]);
    expect([...(await bodiesIn(CACHE)).keys()].sort()).toEqual([u('a'), u('b')]);
    expect(cache.stats()).toMatchObject({ entries: 2, bytesUsed: 200 });
  });

  it('aMemoryTierCopyIsNotServedAfterThePageDeletedTheCache', async () => {
    const { cache } = makeCache({ memoryTierBytes: 800 });
    await cache.put(u('a'), imageResponse(100));
    expect(cache.stats().memoryTier).toMatchObject({ entries: 1 });
    await caches.delete(CACHE);
    expect((await cache.lookup(u('a'))).result).toBe('miss');
  });
});

describe('failures recover (item 8)', () => {
  it('aFailedActivateRecoveryIsRetriedOnTheNextCall', async () => {
    class FailsOnce extends FakeMetadataStore {
      failures = 1;
      override async getAll() {
        if (this.failures-- > 0) throw new DOMException('IndexedDB broke (injected)', 'UnknownError');
        return super.getAll();
      }
    }
    const { cache, clock, events } = makeCache({ metadata: new FailsOnce(), bodies: new FakeBodyStore(CACHE) });
    await expect(cache.recover()).rejects.toThrow('injected');
    expect(events.some((e) => e.type === 'error' && e.operation === 'recover')).toBe(true);
    clock.advance(ImageCache.RETRY_AFTER_FAILURE_MS);
    await expect(cache.ready()).resolves.toMatchObject({ entries: 0 });
    expect(cache.indexLoaded).toBe(true);
  });

  it('aFailedVictimDeleteIsRetriedAndLeavesNoUncountedBody', async () => {
    const bodies = new FakeBodyStore(CACHE);
    const metadata = new FakeMetadataStore();
    const { cache, events } = makeCache({ maxBytes: 200, bodies, metadata });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    let release!: () => void;
    bodies.putGate = new Promise<void>((r) => (release = r));
    bodies.failDeletesOf.add(u('a')); // the victim's body delete fails at once
    const putting = cache.put(u('c'), imageResponse(100));
    await new Promise((r) => setTimeout(r, 0));
    release(); // the new body lands only after the victim delete has failed
    const put = await putting;
    expect(put).toMatchObject({ stored: true, evicted: [u('a')] });
    // Stores agree: records ↔ bodies one to one, bytes counted.
    expect((await metadata.getAll()).map((r) => r.url)).toEqual([u('b'), u('c')]);
    expect((await bodies.urls()).sort()).toEqual([u('b'), u('c')]);
    expect(cache.stats().bytesUsed).toBe(200);
    // The victim's delete was retried (on its own URL's chain, beside the write: it has no record to
    // roll back any more, and a later fill of its URL waits for it).
    expect(bodies.log.filter((l) => l === `delete ${u('a')}`)).toHaveLength(2);
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
  });

  it('aFailedWriteRollsBackOnlyAfterEveryWriteSettled', async () => {
    const bodies = new FakeBodyStore(CACHE);
    const metadata = new FakeMetadataStore();
    const { cache } = makeCache({ maxBytes: 200, bodies, metadata });
    await cache.put(u('a'), imageResponse(100));
    await cache.put(u('b'), imageResponse(100));
    bodies.failDeletesOf.add(u('a'));
    let release!: () => void;
    bodies.putGate = new Promise<void>((r) => (release = r));
    const original = bodies.put.bind(bodies);
    bodies.put = async (url, response) => {
      await original(url, response);
      throw new DOMException('write failed after landing (injected)', 'UnknownError');
    };
    const putting = cache.put(u('c'), imageResponse(100));
    await new Promise((r) => setTimeout(r, 0));
    release();
    expect(await putting).toMatchObject({ stored: false, reason: 'write-failed' });
    expect((await metadata.getAll()).map((r) => r.url)).toEqual([u('b')]);
    expect(await bodies.urls()).toEqual([u('b')]);
    expect(cache.stats().bytesUsed).toBe(100);
  });

  it('aStuckIndexedDbWriteTimesOutAndLaterMutationsAndFlushesProceed', async () => {
    const metadata = new FakeMetadataStore();
    const { cache, events } = makeCache({ metadata, bodies: new FakeBodyStore(CACHE), writeBehindMs: 0, mutationTimeLimitMs: 50 });
    await cache.put(u('a'), imageResponse(100));
    metadata.stuckWriteBehind = true;
    expect((await cache.lookup(u('a'))).result).toBe('hit');
    await cache.flushSoon(); // resolves although its transaction never completes
    const timeout = events.find((e) => e.type === 'error' && e.code === 'mutation-timeout');
    expect(timeout).toMatchObject({ operation: 'write-behind' });
    expect(cache.mutationTimeouts).toBe(1);
    expect(metadata.closed).toBe(1); // the connection is reopened
    expect(cache.stats().errors).toBeGreaterThanOrEqual(1);
    // The queue moved on: a later put is stored, after a fresh recovery from the stores.
    expect(await cache.put(u('b'), imageResponse(100))).toMatchObject({ stored: true });
    expect((await cache.entries()).map((e) => e.url).sort()).toEqual([u('a'), u('b')]);
  });

  it('failuresThatWereSwallowedAreReportedAsErrorEvents', async () => {
    const bodies = new FakeBodyStore(CACHE);
    const { cache, events } = makeCache({ bodies, metadata: new FakeMetadataStore() });
    await cache.put(u('a'), imageResponse(100));
    bodies.put = async () => {
      throw new DOMException('disk full (injected)', 'QuotaExceededError');
    };
    bodies.failDeletesOf.add(u('b')); // the rollback's delete of the new body fails too
    expect(await cache.put(u('b'), imageResponse(100))).toMatchObject({ stored: false, reason: 'quota' });
    const errors = events.filter((e): e is Extract<CacheEvent, { type: 'error' }> => e.type === 'error');
    expect(errors.map((e) => [e.operation, e.code])).toEqual([
      ['put (quota exceeded: purging and retrying once)', 'quota-exceeded'],
      ['rollback: delete body', 'storage-failed'],
      ['put', 'quota-exceeded'],
    ]);
    expect(cache.stats().errors).toBe(3);
  });
});

describe('empty bodies (item 10)', () => {
  it('neverStoresA200WithAnEmptyBody', async () => {
    const { cache } = makeCache();
    expect(await cache.put(u('declared'), imageResponse(0))).toMatchObject({ stored: false, reason: 'empty' });
    const undeclared = new Response(new Uint8Array(0), { headers: { 'content-type': 'image/png' } });
    expect(await cache.put(u('undeclared'), undeclared)).toMatchObject({ stored: false, reason: 'empty' });
    const buffered = await cache.putBuffered(u('buffered'), { status: 200, headers: new Headers({ 'content-type': 'image/png' }), body: new ArrayBuffer(0) });
    expect(buffered).toMatchObject({ stored: false, reason: 'empty' });
    expect(await cache.entries()).toEqual([]);
    expect(await bodiesIn(CACHE)).toEqual(new Map());
  });

  it('whyNotStorableSaysEmptyForContentLengthZero', () => {
    expect(whyNotStorable(imageResponse(0), 1000)).toBe('empty');
    expect(whyNotStorable(imageResponse(1), 1000)).toBeNull();
  });
});

describe('config key maxStaleSeconds', () => {
  it('defaultsTo30DaysAcceptsZeroAndRejectsANegativeNamingTheKey', async () => {
    const { resolveConfig } = await import('../../../sw/config.ts');
    expect(resolveConfig({ maxBytes: 1000 }).maxStaleSeconds).toBe(30 * 86_400);
    expect(resolveConfig({ maxBytes: 1000, maxStaleSeconds: 0 }).maxStaleSeconds).toBe(0);
    expect(() => resolveConfig({ maxBytes: 1000, maxStaleSeconds: -1 })).toThrow(/maxStaleSeconds/);
    try {
      resolveConfig({ maxBytes: 1000, maxStaleSeconds: 1.5 });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'invalid-config', details: { key: 'maxStaleSeconds' } });
    }
  });
});
