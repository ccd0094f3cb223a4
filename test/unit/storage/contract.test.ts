/**
 * One contract per store interface (`sw/storage/stores.ts`), run against the real adapter (undici's
 * Cache Storage, fake-indexeddb) and the in-memory fake of `test/helpers/fakes.ts`
 * (okhttp's FakeFileSystem / SYSTEM parameterisation): a fake that drifts from the platform fails here.
 */
import { describe, expect, it, vi } from 'vitest';
import { EntryMetadataModel, type EntryRecord, type PersistedStats } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCacheStore } from '../../../sw/storage/ImageCacheStore.ts';
import type { BodyStore, MetadataStore } from '../../../sw/storage/stores.ts';
import { FakeBodyStore, FakeMetadataStore } from '../../helpers/fakes.ts';

const u = (name: string) => `https://app.test/img/${name}.png`;

const bodyStores: Array<[string, () => BodyStore]> = [
  ['ImageCacheStore (undici caches)', () => new ImageCacheStore('contract-images')],
  ['FakeBodyStore', () => new FakeBodyStore('contract-images')],
];

const metadataStores: Array<[string, () => MetadataStore]> = [
  ['EntryMetadataModel (fake-indexeddb)', () => new EntryMetadataModel('contract-db')],
  ['FakeMetadataStore', () => new FakeMetadataStore()],
];

function image(bytes: number, fill = 1): Response {
  return new Response(new Uint8Array(bytes).fill(fill), { status: 200, headers: { 'content-type': 'image/png', etag: `"${fill}"` } });
}

function record(name: string, over: Partial<EntryRecord> = {}): EntryRecord {
  return {
    url: u(name),
    bytes: 10,
    state: 'committed',
    storedAt: 1000,
    lastAccessedAt: 1000,
    accessSeq: 1,
    expiresAt: 61_000,
    kind: 'runtime',
    revision: null,
    contentType: 'image/png',
    etag: null,
    lastModified: null,
    ...over,
  };
}

const STATS: PersistedStats = { hits: 1, misses: 2, evictions: 3, expirations: 4, peakBytes: 5, stored: 6, bypassed: 7, collapsed: 8, stale: 9, errors: 10, busyBypasses: 11, staticRouteHits: 12, staticRouteMisses: 13, staticRouteReports: 14 };

describe.each(bodyStores)('BodyStore contract: %s', (_name, make) => {
  it('existsOnlyOnceSomethingIsWrittenAndNotAfterClear', async () => {
    const store = make();
    expect(await store.exists()).toBe(false);
    expect(await store.urls()).toEqual([]);
    await store.put(u('a'), image(10));
    expect(await store.exists()).toBe(true);
    await store.clear();
    expect(await store.exists()).toBe(false);
    expect(await store.match(u('a'))).toBeUndefined();
    expect(await store.urls()).toEqual([]);
  });

  it('returnsWhatWasPutWithStatusHeadersAndBytes', async () => {
    const store = make();
    await store.put(u('a'), image(10, 3));
    const res = await store.match(u('a'));
    expect(res!.status).toBe(200);
    expect(res!.headers.get('etag')).toBe('"3"');
    expect(new Uint8Array(await res!.arrayBuffer())).toEqual(new Uint8Array(10).fill(3));
    // Each match is a new, readable Response.
    expect((await (await store.match(u('a')))!.arrayBuffer()).byteLength).toBe(10);
    expect(await store.match(u('b'))).toBeUndefined();
  });

  it('putReplacesAndDeleteSaysWhetherABodyWasThere', async () => {
    const store = make();
    await store.put(u('a'), image(10, 1));
    await store.put(u('a'), image(20, 2));
    await store.put(u('b'), image(5));
    expect((await store.urls()).sort()).toEqual([u('a'), u('b')]);
    expect((await (await store.match(u('a')))!.arrayBuffer()).byteLength).toBe(20);
    expect(await store.delete(u('a'))).toBe(true);
    expect(await store.delete(u('a'))).toBe(false);
    expect(await store.urls()).toEqual([u('b')]);
  });

  it('aDeletedCacheIsEmptyAndTheNextPutCreatesItAgain', async () => {
    const store = make();
    await store.put(u('a'), image(10));
    await store.clear(); // as a page's caches.delete(cacheName) does
    expect(await store.delete(u('a'))).toBe(false);
    await store.put(u('b'), image(10));
    expect(await store.exists()).toBe(true);
    expect(await store.urls()).toEqual([u('b')]);
  });
});

describe.each(metadataStores)('MetadataStore contract: %s', (_name, make) => {
  it('storesRecordsAsCopiesAndListsThemInKeyOrder', async () => {
    const store = make();
    const b = record('b');
    await store.putMany([b, record('a')]);
    b.bytes = 999; // the stored record is a copy
    const all = await store.getAll();
    expect(all.map((r) => r.url)).toEqual([u('a'), u('b')]);
    expect(all[1]!.bytes).toBe(10);
    all[0]!.bytes = 777;
    expect((await store.get(u('a')))!.bytes).toBe(10);
    expect(await store.get(u('c'))).toBeUndefined();
  });

  it('keepsInfinityForAnEntryThatNeverExpires', async () => {
    const store = make();
    await store.put(record('a', { expiresAt: Number.POSITIVE_INFINITY }));
    expect((await store.get(u('a')))!.expiresAt).toBe(Number.POSITIVE_INFINITY);
  });

  it('expiredUrlsListsOnlyRecordsExpiringAtOrBeforeTheBoundInExpiryOrder', async () => {
    const store = make();
    await store.putMany([
      record('late', { expiresAt: 5000 }),
      record('early', { expiresAt: 2000 }),
      record('edge', { expiresAt: 3000 }),
      record('after', { expiresAt: 3001 }),
      record('never', { expiresAt: Number.POSITIVE_INFINITY }),
    ]);
    expect(await store.expiredUrls(3000)).toEqual([u('early'), u('edge')]);
    expect(await store.expiredUrls(1999)).toEqual([]);
    expect(await store.expiredUrls(Number.MAX_SAFE_INTEGER)).toEqual([u('early'), u('edge'), u('after'), u('late')]);
  });

  it('replaceDeletesVictimsAndWritesTheRecord', async () => {
    const store = make();
    await store.putMany([record('a'), record('b'), record('c')]);
    await store.replace([u('a'), u('b'), u('absent')], record('d', { state: 'pending' }));
    expect((await store.getAll()).map((r) => [r.url, r.state])).toEqual([
      [u('c'), 'committed'],
      [u('d'), 'pending'],
    ]);
  });

  it('deleteManyIgnoresAbsentKeys', async () => {
    const store = make();
    await store.putMany([record('a'), record('b')]);
    await store.deleteMany([u('a'), u('zzz')]);
    await store.deleteMany([]);
    expect((await store.getAll()).map((r) => r.url)).toEqual([u('b')]);
  });

  it('writeBehindWritesRecordsAndStatsAndClearKeepsStatsAndMeta', async () => {
    const store = make();
    expect(await store.getStats()).toBeUndefined();
    expect(await store.getMeta()).toBeUndefined();
    await store.putMeta({ cacheName: 'x' });
    await store.put(record('a'));
    await store.writeBehind([record('a', { lastAccessedAt: 5000, accessSeq: 7 })], STATS);
    expect(await store.get(u('a'))).toMatchObject({ lastAccessedAt: 5000, accessSeq: 7 });
    expect(await store.getStats()).toEqual(STATS);
    await store.writeBehind([], null);
    await store.putStats({ ...STATS, hits: 100 });
    await store.clear();
    expect(await store.getAll()).toEqual([]);
    expect(await store.getStats()).toMatchObject({ hits: 100 });
    expect(await store.getMeta()).toEqual({ cacheName: 'x' });
  });

  it('worksAgainAfterClose', async () => {
    const store = make();
    await store.put(record('a'));
    await store.close();
    await store.put(record('b'));
    expect((await store.getAll()).map((r) => r.url)).toEqual([u('a'), u('b')]);
  });
});

describe('ImageCacheStore: Cache Storage calls of a burst of fills, counted (issue 13, fill rate)', () => {
  it('concurrentPutsShareOneCachesOpen, and a put after the page deleted the cache opens (creates) it again', async () => {
    const store = new ImageCacheStore('contract-burst');
    await store.clear();
    const open = vi.spyOn(caches, 'open');
    try {
      await Promise.all(Array.from({ length: 16 }, (_, i) => store.put(u(`burst-${i}`), image(10, i))));
      expect(open).toHaveBeenCalledTimes(1);
      for (let i = 0; i < 16; i++) expect((await (await store.match(u(`burst-${i}`)))!.arrayBuffer()).byteLength).toBe(10);
      // No handle is kept: the page deletes the cache, the next put creates it again.
      await caches.delete('contract-burst');
      await store.put(u('after'), image(10));
      expect(open).toHaveBeenCalledTimes(2);
      expect(await store.exists()).toBe(true);
      expect(await store.urls()).toEqual([u('after')]);
    } finally {
      open.mockRestore();
    }
  });
});
