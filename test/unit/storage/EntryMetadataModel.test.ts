import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
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
  it('migratesV1RecordsToV2WithoutLosingAnyAndKeepsTheirRecencyOrder', async () => {
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
    expect((await model.db()).version).toBe(2);
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
