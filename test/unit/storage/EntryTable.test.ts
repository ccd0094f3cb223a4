/**
 * The entry table's wake from the index snapshot: the bulk path (a policy with `load`, every entry
 * kept) must build the same table as inserting the entries one by one.
 */
import { describe, expect, it } from 'vitest';
import { LruPolicy } from '../../../sw/policy/LruPolicy.ts';
import { EntryTable, type EntryTableDeps } from '../../../sw/storage/EntryTable.ts';
import { encodeSnapshot, FLAG_OPAQUE, FLAG_PRECACHE, type SnapshotEntry } from '../../../sw/storage/IndexSnapshot.ts';

const LIMITS = { maxBytes: 1e9, maxEntries: 0, maxEntryBytes: 1e6 };
/** loadSnapshot reads none of its dependencies. */
const NO_DEPS = {} as EntryTableDeps;

function snapshotOf(n: number) {
  const types = ['image/png', 'image/webp', 'image/jpeg', 'image/avif'];
  const entries: SnapshotEntry[] = Array.from({ length: n }, (_, i) => ({
    url: `https://tiles.example/${i}.png`,
    bytes: 100 + (i % 17),
    storedAt: 1_700_000_000_000 + i,
    expiresAt: i % 11 === 0 ? Infinity : 1_700_000_000_000 + 3_600_000 + i,
    // Bit 4 is not a flag the table knows: dropped on both paths.
    flags: (i % 3 === 0 ? FLAG_PRECACHE : 0) | (i % 5 === 0 ? FLAG_OPAQUE : 0) | (i % 7 === 0 ? 4 : 0),
    contentType: types[i % types.length]!,
    revision: i % 3 === 0 ? `rev-${i}` : null,
  }));
  return encodeSnapshot(entries, n, { generation: 'g1', cacheName: 'images', accessSeq: 5000 });
}

function table(bulk: boolean): EntryTable {
  const policy = new LruPolicy();
  // An own `load` of `undefined` hides the method: the entry-by-entry path.
  if (!bulk) Object.defineProperty(policy, 'load', { value: undefined });
  return new EntryTable(LIMITS, policy, NO_DEPS);
}

describe('EntryTable.loadSnapshot', () => {
  it('buildsTheSameTableInBulkAsEntryByEntry: order, columns, flags, types, revisions, capped times', () => {
    const s = snapshotOf(300);
    const capped = new Map([
      [4, { storedAt: 1_600_000_000_000, expiresAt: 1_600_000_060_000 }],
      [299, { storedAt: 1_600_000_000_001, expiresAt: 1_600_000_000_002 }],
    ]);
    const bulk = table(true);
    const single = table(false);
    // The type ids of the table differ from the snapshot's when it knew other types first.
    const earlier = encodeSnapshot([{ url: 'x', bytes: 1, storedAt: 0, expiresAt: 0, flags: 0, contentType: 'image/gif', revision: null }], 1, { generation: 'g0', cacheName: 'images', accessSeq: 1 });
    for (const t of [bulk, single]) t.loadSnapshot(earlier, new Set(), new Map());
    bulk.loadSnapshot(s, new Set(), capped);
    single.loadSnapshot(s, new Set(), capped);
    const entries = bulk.snapshotEntries();
    expect(entries).toEqual(single.snapshotEntries());
    expect(entries).toHaveLength(300);
    expect(bulk.accessSeq).toBe(5000);
    expect(bulk.committed(s.urls[4]!)).toMatchObject({ storedAt: 1_600_000_000_000, expiresAt: 1_600_000_060_000 });
    expect(bulk.committed(s.urls[3]!)).toMatchObject({ kind: 'precache', revision: 'rev-3', contentType: 'image/avif' });
    expect(bulk.committed(s.urls[5]!)).toMatchObject({ opaque: true, kind: 'runtime', revision: null });
    expect(bulk.committed('x')).toBeUndefined();
    expect(bulk.index.bytes).toBe(single.index.bytes);
    expect(bulk.index.size).toBe(300);
  });
});
