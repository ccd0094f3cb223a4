import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { EntryMetadataModel, type EntryRecord } from '../../../sw/storage/EntryMetadataModel.ts';
import { encodeSnapshot, FLAG_PRECACHE, isSnapshot, type IndexSnapshot } from '../../../sw/storage/IndexSnapshot.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStrategy } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { FakeEvent, imageResponse } from '../../helpers/fakes.ts';

/** Writes a database exactly as schema v1 did (records without `accessSeq`). */
async function writeV1(name: string, records: Array<{ url: string; lastAccessedAt: number }>) {
  const db = await openDB(name, 1, {
    upgrade(db) {
      const entries = db.createObjectStore('entries', { keyPath: 'url' });
      entries.createIndex('expiresAt', 'expiresAt');
      entries.createIndex('lastAccessedAt', 'lastAccessedAt');
      db.createObjectStore('state');
    },
  });
  for (const r of records) {
    await db.put('entries', {
      url: r.url,
      bytes: 10,
      state: 'committed',
      storedAt: 1,
      lastAccessedAt: r.lastAccessedAt,
      expiresAt: Number.POSITIVE_INFINITY,
      kind: 'runtime',
      revision: null,
      contentType: 'image/png',
      etag: null,
      lastModified: null,
    });
  }
  db.close();
}

describe('EntryMetadataModel', () => {
  it('migratesV1RecordsToV3WithoutLosingAnyAndKeepsTheirRecencyOrder', async () => {
    await writeV1('migrate-db', [
      { url: 'https://a.test/c.png', lastAccessedAt: 300 },
      { url: 'https://a.test/a.png', lastAccessedAt: 100 },
      { url: 'https://a.test/b.png', lastAccessedAt: 200 },
    ]);
    const model = new EntryMetadataModel('migrate-db');
    const records = await model.getAll();
    expect(records.map((r) => [r.url, r.accessSeq])).toEqual([
      ['https://a.test/a.png', 1],
      ['https://a.test/b.png', 2],
      ['https://a.test/c.png', 3],
    ]);
    const db = await model.db();
    expect(db.version).toBe(3);
    expect([...db.transaction('entries').store.indexNames]).toEqual(['expiresAt']);
    await model.close();
  });

  it('dropsTheUnreadLastAccessedAtIndexOfAV2DatabaseAndKeepsEveryRecordAsItWas', async () => {
    await writeV1('v2-db', []);
    const v2 = await openDB('v2-db', 2);
    const record = (url: string, seq: number): EntryRecord => ({
      url,
      bytes: 10,
      state: 'committed',
      storedAt: 1,
      lastAccessedAt: 100 + seq,
      accessSeq: seq,
      expiresAt: 5000 + seq,
      kind: 'runtime',
      revision: null,
      contentType: 'image/png',
      etag: '"e"',
      lastModified: null,
    });
    const written = [record('https://a.test/a.png', 7), record('https://a.test/b.png', 3)];
    for (const r of written) await v2.put('entries', r);
    v2.close();
    const model = new EntryMetadataModel('v2-db');
    expect(await model.getAll()).toEqual(written);
    const db = await model.db();
    expect(db.version).toBe(3);
    expect([...db.transaction('entries').store.indexNames]).toEqual(['expiresAt']);
    expect(await model.expiredUrls(5005)).toEqual(['https://a.test/b.png']);
    await model.close();
  });

  it('keepsPendingRecordsOutOfTheExpiresAtIndexAndReadsThemBackWithTheirExpiry', async () => {
    const model = new EntryMetadataModel('pending-index-db');
    const pending: EntryRecord = {
      url: 'https://a.test/p.png',
      bytes: 10,
      state: 'pending',
      storedAt: 1,
      lastAccessedAt: 1,
      accessSeq: 1,
      expiresAt: 1000,
      kind: 'runtime',
      revision: null,
      contentType: 'image/png',
      etag: null,
      lastModified: null,
    };
    await model.putMany([pending]);
    // Not in the index (the sweep never sees a write in progress), yet its expiry is kept.
    expect(await model.expiredUrls(Number.POSITIVE_INFINITY)).toEqual([]);
    expect(await model.get(pending.url)).toEqual(pending);
    expect(await model.getAll()).toEqual([pending]);
    const raw = (await (await model.db()).get('entries', pending.url)) as Record<string, unknown>;
    expect(raw.expiresAt).toBeUndefined();
    expect(raw.pendingExpiresAt).toBe(1000);
    // Committed: in the index, stored as the record itself.
    const committed: EntryRecord = { ...pending, state: 'committed' };
    await model.putMany([committed]);
    expect(await model.expiredUrls(1000)).toEqual([pending.url]);
    expect(await (await model.db()).get('entries', pending.url)).toEqual(committed);
    await model.close();
  });

  it('readsAPendingRecordWrittenBeforeV3WithItsExpiresAt', async () => {
    await writeV1('legacy-pending-db', []);
    const v2 = await openDB('legacy-pending-db', 2);
    const legacy: EntryRecord = {
      url: 'https://a.test/l.png',
      bytes: 10,
      state: 'pending',
      storedAt: 1,
      lastAccessedAt: 1,
      accessSeq: 1,
      expiresAt: 2000,
      kind: 'runtime',
      revision: null,
      contentType: 'image/png',
      etag: null,
      lastModified: null,
    };
    await v2.put('entries', legacy);
    v2.close();
    const model = new EntryMetadataModel('legacy-pending-db');
    expect(await model.getAll()).toEqual([legacy]);
    expect(await model.get(legacy.url)).toEqual(legacy);
    await model.close();
  });

  it('failsFastWhenAnOlderVersionHeldOpenElsewhereBlocksTheUpgrade', async () => {
    await writeV1('blocked-db', []);
    // Another tab holds v1 open and ignores versionchange.
    const other = await openDB('blocked-db', 1);
    const model = new EntryMetadataModel('blocked-db');
    await expect(model.db()).rejects.toMatchObject({ name: 'InvalidStateError' });
    other.close();
  });

  it('aBlockedIndexSendsImagesToTheNetworkUnstoredNeverBreakingThePage', async () => {
    await writeV1('blocked-db-2', []);
    const other = await openDB('blocked-db-2', 1);
    const cache = new ImageCache({ cacheName: 'blocked', maxBytes: 1000, metadata: new EntryMetadataModel('blocked-db-2') });
    const strategy = new ImageCacheStrategy({ cache, fetch: async () => imageResponse(10) });
    const url = new URL('https://a.test/x.png');
    const run = async () => {
      const event = new FakeEvent();
      const response = await strategy.handle({ event: event.asEvent(), request: new Request(url), url });
      await event.drain();
      return response;
    };
    // First request of a cold worker: a miss is answered from the network at once, in parallel
    // with loading the index; the index fails, so nothing is stored.
    const first = await run();
    expect(first.status).toBe(200);
    expect((await first.arrayBuffer()).byteLength).toBe(10);
    expect(cache.stats()).toMatchObject({ entries: 0, stored: 0 });
    expect(cache.stats().errors).toBeGreaterThan(0);
    // Then, while the index is known to be unavailable, images bypass the cache outright.
    const second = await run();
    expect(second.status).toBe(200);
    expect(second.headers.get('cache-status')).toBe('sw-image-cache; fwd=bypass; detail=index-unavailable');
    expect((await second.arrayBuffer()).byteLength).toBe(10);
    other.close();
  });
});

describe('EntryMetadataModel: generation token and index snapshot (fake-indexeddb)', () => {
  const rec = (url: string, over: Partial<EntryRecord> = {}): EntryRecord => ({
    url, bytes: 10, state: 'committed', storedAt: 1000, lastAccessedAt: 1000, accessSeq: 1, expiresAt: 9000,
    kind: 'runtime', revision: null, contentType: 'image/png', etag: '"e"', lastModified: null, ...over,
  });
  const snap = (generation: string) =>
    encodeSnapshot(
      [{ url: 'https://a.test/1.png', bytes: 10, storedAt: 1000, expiresAt: Number.POSITIVE_INFINITY, flags: FLAG_PRECACHE, contentType: 'image/png', revision: 'v2' }],
      1,
      { generation, cacheName: 'c', accessSeq: 5 },
    );

  it('everyWriteToTheEntriesChangesTheGenerationInItsTransaction; accessTimesAloneDoNot', async () => {
    const model = new EntryMetadataModel('generation-db');
    const seen: Array<string | null> = [(await model.readSnapshot()).generation];
    const step = async (write: () => Promise<void>) => {
      await write();
      seen.push((await model.readSnapshot()).generation);
    };
    await step(() => model.putMany([rec('https://a.test/1.png'), rec('https://a.test/2.png')]));
    await step(() => model.put(rec('https://a.test/3.png')));
    await step(() => model.replace(['https://a.test/3.png'], rec('https://a.test/4.png')));
    await step(() => model.deleteMany(['https://a.test/4.png']));
    await step(() => model.writeBehind([{ url: 'https://a.test/1.png', storedAt: 500, expiresAt: 800 }], null, true));
    expect(seen[0]).toBeNull();
    expect(new Set(seen).size).toBe(seen.length); // each write a new token
    const before = seen.at(-1);
    await model.writeBehind([{ url: 'https://a.test/1.png', lastAccessedAt: 7000, accessSeq: 9 }], null);
    expect((await model.readSnapshot()).generation).toBe(before);
    expect(await model.get('https://a.test/1.png')).toMatchObject({ lastAccessedAt: 7000, accessSeq: 9, storedAt: 500, expiresAt: 800, etag: '"e"' });
    await model.clear();
    expect((await model.readSnapshot()).generation).not.toBe(before);
    await model.close();
  });

  it('writeBehindNeverRecreatesADeletedRecordNorTouchesAPendingOne', async () => {
    const model = new EntryMetadataModel('patch-db');
    await model.put(rec('https://a.test/p.png', { state: 'pending' }));
    await model.writeBehind([{ url: 'https://a.test/gone.png', lastAccessedAt: 5 }, { url: 'https://a.test/p.png', lastAccessedAt: 5000 }], null);
    expect(await model.get('https://a.test/gone.png')).toBeUndefined();
    expect((await model.get('https://a.test/p.png'))?.lastAccessedAt).toBe(1000);
    await model.close();
  });

  it('aSnapshotRoundTripsItsTypedArraysAndCarriesTheGenerationReadInItsOwnTransaction', async () => {
    const model = new EntryMetadataModel('snapshot-db');
    await model.put(rec('https://a.test/1.png'));
    const { generation } = await model.readSnapshot();
    let given: string | null = null;
    expect(await model.writeSnapshot((g) => ((given = g), snap(g)))).toBe(true);
    expect(given).toBe(generation);
    const { snapshot, generation: now } = await model.readSnapshot();
    expect(isSnapshot(snapshot)).toBe(true);
    expect(snapshot).toMatchObject({ generation: now, urls: ['https://a.test/1.png'], revisions: [[0, 'v2']], types: ['image/png'] });
    expect((snapshot as IndexSnapshot).expiresAt[0]).toBe(Number.POSITIVE_INFINITY);
    await model.deleteMany(['https://a.test/1.png']);
    expect((await model.readSnapshot()).generation).not.toBe((snapshot as IndexSnapshot).generation);
    expect(await model.writeSnapshot(() => null)).toBe(false);
    await model.close();
  });

  it('writesNoSnapshotFromAnIndexThatMissesAnotherConnectionsWrites', async () => {
    // Two workers of one origin: the old version still serving, the new one installing.
    const oldWorker = new EntryMetadataModel('two-workers-db');
    const newWorker = new EntryMetadataModel('two-workers-db');
    await oldWorker.put(rec('https://a.test/1.png'));
    await oldWorker.getAll(); // the old worker's index
    await newWorker.getAll();
    await newWorker.put(rec('https://a.test/precached.png')); // the new version's install
    // The old worker's debounced snapshot fires: its index lacks precached.png, so it must not
    // be labelled with the token the new worker just wrote.
    let made = 0;
    expect(await oldWorker.writeSnapshot((g) => (made++, snap(g)))).toBe(false);
    expect(made).toBe(0);
    expect((await newWorker.readSnapshot()).snapshot).toBeUndefined();
    // Nor once the old worker writes again: its index still lacks the other's write.
    await oldWorker.put(rec('https://a.test/2.png'));
    expect(await oldWorker.writeSnapshot((g) => snap(g))).toBe(false);
    // The new worker's index lacks 2.png now: none from it either, until it reads the records.
    expect(await newWorker.writeSnapshot((g) => snap(g))).toBe(false);
    expect((await newWorker.getAll()).map((r) => r.url).sort()).toEqual(['https://a.test/1.png', 'https://a.test/2.png', 'https://a.test/precached.png']);
    expect(await newWorker.writeSnapshot((g) => snap(g))).toBe(true);
    // Alone again, each connection snapshots after its own writes.
    await newWorker.put(rec('https://a.test/3.png'));
    expect(await newWorker.writeSnapshot((g) => snap(g))).toBe(true);
    await oldWorker.close();
    await newWorker.close();
  });

  it('aDatabaseWithoutAGenerationGetsOneWithItsFirstSnapshot', async () => {
    await writeV1('old-db', [{ url: 'https://a.test/a.png', lastAccessedAt: 1 }]);
    const model = new EntryMetadataModel('old-db');
    await model.getAll();
    expect((await model.readSnapshot()).generation).toBeNull();
    expect(await model.writeSnapshot((g) => snap(g))).toBe(true);
    const { snapshot, generation } = await model.readSnapshot();
    expect(generation).not.toBeNull();
    expect((snapshot as IndexSnapshot).generation).toBe(generation);
    await model.close();
  });

  it('aDamagedOrOtherFormatSnapshotIsNotASnapshot', () => {
    const s = snap('g');
    expect(isSnapshot(s)).toBe(true);
    expect(isSnapshot({ ...s, format: 2 })).toBe(false);
    expect(isSnapshot({ ...s, bytes: new Float64Array(2) })).toBe(false);
    expect(isSnapshot({ ...s, urls: 'x' })).toBe(false);
    expect(isSnapshot(undefined)).toBe(false);
  });
});
