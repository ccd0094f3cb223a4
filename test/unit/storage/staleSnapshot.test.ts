/**
 * The fresh/stale split (issue 16) and the index snapshot (issue 13) together: a body move between
 * the two caches first makes the snapshot stale, so a worker killed between a move's put into the
 * stale store and its delete from the routed cache wakes through the full recovery, which deletes
 * the stale copy (invariant 2: exactly one body per record). Real stores: undici's Cache Storage and
 * fake-indexeddb.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { SplitBodyStore } from '../../../sw/storage/staleStore.ts';

const HORIZON_MS = 90_000;
const u = (i: number) => `https://example.test/tiles/${i}.png`;
const image = () => new Response(new Uint8Array(100), { headers: { 'content-type': 'image/png', 'content-length': '100' } });

function open(name: string, now: () => number) {
  const metadata = new EntryMetadataModel(`${name}-db`);
  const bodies = new SplitBodyStore(name, { now, horizonMs: () => HORIZON_MS });
  const cache = new ImageCache({ cacheName: name, maxBytes: 100_000, maxAgeSeconds: 3600, now, metadata, bodies, writeBehindMs: 0 });
  return { cache, metadata, bodies };
}

async function urlsOf(cacheName: string): Promise<string[]> {
  const cache = await caches.open(cacheName);
  return (await cache.keys()).map((r) => r.url).sort();
}

/**
 * A worker that stored u(0) (an hour) and u(1) (two minutes: beyond the horizon now, within it 60 s
 * later) and wrote its index snapshot; the clock is advanced with `advance`.
 */
async function storedAndSnapshotted(name: string) {
  let nowMs = 1_700_000_000_000;
  const now = () => nowMs;
  const first = open(name, now);
  await first.cache.ready();
  expect((await first.cache.put(u(0), image())).stored).toBe(true);
  expect((await first.cache.put(u(1), image(), { maxAgeSeconds: 120 })).stored).toBe(true);
  await first.cache.flush();
  expect(await first.cache.writeSnapshot()).toBe(true);
  return { first, now, advance: (ms: number) => (nowMs += ms), at: () => nowMs };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('moving bodies out of the routed cache keeps the index snapshot honest', () => {
  it('aWorkerKilledBetweenAMovesPutAndDeleteWakesThroughTheRecordsAndKeepsOneBodyPerRecord', async () => {
    const name = 'split-snapshot-kill';
    const { first, now, advance, at } = await storedAndSnapshotted(name);
    expect(await urlsOf(name)).toEqual([u(0), u(1)]);

    advance(60_000);
    // The kill: the routed cache's delete never happens (the body is already in the stale store).
    const cacheProto = Object.getPrototypeOf(await caches.open(name)) as { delete: (...args: unknown[]) => Promise<boolean> };
    vi.spyOn(cacheProto, 'delete').mockRejectedValue(new DOMException('the worker was stopped', 'AbortError'));
    await expect(first.cache.moveExpiring(at() + HORIZON_MS)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(await urlsOf(`${name}-stale`)).toEqual([u(1)]);
    expect(await urlsOf(name)).toEqual([u(0), u(1)]);

    const second = open(name, now);
    await second.cache.ready();
    expect(second.cache.indexLoad?.source).toBe('records');
    // One body per record: the routed copy (the right one) stays, the stale copy is deleted.
    const inRouted = await urlsOf(name);
    const inStale = await urlsOf(`${name}-stale`);
    expect(inRouted.filter((url) => inStale.includes(url))).toEqual([]);
    expect([...inRouted, ...inStale].sort()).toEqual([u(0), u(1)]);
    expect(second.cache.size).toBe(2);
    expect(second.cache.bytesUsed).toBe(200);
  });

  it('aCompletedMoveLeavesTheSnapshotStaleUntilItIsWrittenAgain, and moving nothing leaves it current', async () => {
    const name = 'split-snapshot-moves';
    const { first, now, advance, at } = await storedAndSnapshotted(name);
    expect(await first.cache.moveExpiring(at() + HORIZON_MS)).toBe(0);
    const current = open(name, now);
    await current.cache.ready();
    expect(current.cache.indexLoad?.source).toBe('snapshot');

    advance(60_000);
    expect(await first.cache.moveExpiring(at() + HORIZON_MS)).toBe(1);
    const afterMove = open(name, now);
    await afterMove.cache.ready();
    expect(afterMove.cache.indexLoad?.source).toBe('records');
    expect(await urlsOf(name)).toEqual([u(0)]);
    expect(await urlsOf(`${name}-stale`)).toEqual([u(1)]);
  });
});

describe('a full recovery over the split store', () => {
  it('listsEachCacheOnceAndStillFindsAStaleCopy', async () => {
    const name = 'split-list-once';
    const { first, now, advance, at } = await storedAndSnapshotted(name);
    advance(60_000);
    // A move cut short: u(1)'s body is in both caches.
    const cacheProto = Object.getPrototypeOf(await caches.open(name)) as { delete: (...args: unknown[]) => Promise<boolean>; keys: (...args: unknown[]) => Promise<Request[]> };
    vi.spyOn(cacheProto, 'delete').mockRejectedValue(new DOMException('the worker was stopped', 'AbortError'));
    await expect(first.cache.moveExpiring(at() + HORIZON_MS)).rejects.toThrow();
    vi.restoreAllMocks();
    expect(await urlsOf(`${name}-stale`)).toEqual([u(1)]);
    expect(await urlsOf(name)).toEqual([u(0), u(1)]);

    const keys = vi.spyOn(cacheProto, 'keys');
    const woken = open(name, now);
    const report = await woken.cache.recover(); // activate: the full recovery, no snapshot
    expect(keys).toHaveBeenCalledTimes(2); // the routed cache and the stale store, once each
    keys.mockRestore();
    expect(report).toMatchObject({ source: 'records', entries: 2, bodiesListed: true, deletedOrphanBodies: 0 });
    // One body per record: the stale copy found in both caches is deleted.
    const inRouted = await urlsOf(name);
    const inStale = await urlsOf(`${name}-stale`);
    expect(inRouted.filter((url) => inStale.includes(url))).toEqual([]);
    expect([...inRouted, ...inStale].sort()).toEqual([u(0), u(1)]);
  });
});
