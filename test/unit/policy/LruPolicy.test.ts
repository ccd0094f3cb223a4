import { describe, expect, it } from 'vitest';
import { CacheIndex, LruPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

describe('LruPolicy', () => {
  it.each([
    {
      name: 'evictsLeastRecentlyUsedFirst',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'd', 'e'],
      outcomes: ['miss', 'miss', 'miss', 'miss -a', 'miss -b'],
      keys: ['c', 'd', 'e'],
    },
    {
      name: 'aHitMakesTheEntryMostRecentlyUsed',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'a', 'd', 'e'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -b', 'miss -c'],
      keys: ['a', 'd', 'e'],
    },
    {
      name: 'aHitOnTheMostRecentEntryChangesNothing',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'c', 'd'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -a'],
      keys: ['b', 'c', 'd'],
    },
    {
      name: 'evictsSeveralVictimsInLruOrderUntilTheObjectFits',
      limits: { maxBytes: 10 },
      steps: ['a:3', 'b:3', 'c:3', 'a:3', 'd:7'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -b -c'],
      keys: ['a', 'd'],
    },
    {
      name: 'stopsEvictingAsSoonAsUsedPlusSizeEqualsTheBudget',
      limits: { maxBytes: 10 },
      steps: ['a:4', 'b:3', 'c:3', 'd:4'],
      outcomes: ['miss', 'miss', 'miss', 'miss -a'],
      keys: ['b', 'c', 'd'],
    },
    {
      name: 'aRejectedObjectDoesNotTouchTheOrder',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'big:4', 'd'],
      outcomes: ['miss', 'miss', 'miss', 'reject', 'miss -a'],
      keys: ['b', 'c', 'd'],
    },
    {
      name: 'maxEntriesEvictsTheLeastRecentlyUsed',
      limits: { maxBytes: 1000, maxEntries: 2 },
      steps: ['a', 'b', 'a', 'c', 'd'],
      outcomes: ['miss', 'miss', 'hit', 'miss -b', 'miss -a'],
      keys: ['c', 'd'],
    },
    {
      name: 'theCountLimitAndTheByteLimitBothHold',
      limits: { maxBytes: 10, maxEntries: 3 },
      steps: ['a:2', 'b:2', 'c:2', 'd:2', 'e:6', 'f:1'],
      outcomes: ['miss', 'miss', 'miss', 'miss -a', 'miss -b', 'miss -c'],
      keys: ['d', 'e', 'f'],
    },
  ])('$name', ({ limits, steps, outcomes, keys }) => {
    const index = new CacheIndex(limits, new LruPolicy());
    expect(runSteps(index, steps)).toEqual(outcomes);
    expect([...index.keys()]).toEqual(keys);
  });

  it('removeUnlinksFromAnyPositionAndFreedSlotsAreReused', () => {
    const lru = new LruPolicy();
    for (const k of ['a', 'b', 'c', 'd']) lru.insert(k, 1);
    expect(lru.remove('c')).toBe(true); // middle
    expect(lru.remove('a')).toBe(true); // head
    expect(lru.remove('d')).toBe(true); // tail
    expect([...lru.keys()]).toEqual(['b']);
    lru.insert('e', 2);
    lru.insert('f', 3);
    lru.touch('b');
    expect([...lru.keys()]).toEqual(['e', 'f', 'b']);
    expect([lru.size, lru.bytes, lru.sizeOf('f')]).toEqual([3, 6, 3]);
    expect([lru.evict(), lru.evict(), lru.evict(), lru.evict()]).toEqual(['e', 'f', 'b', undefined]);
  });

  it('growsPastItsInitialCapacityAndKeepsTheOrder', () => {
    const lru = new LruPolicy();
    const n = 1000;
    for (let i = 0; i < n; i++) lru.insert(`k${i}`, i + 1);
    for (let i = 0; i < n; i += 2) lru.touch(`k${i}`);
    const expected = [
      ...Array.from({ length: n / 2 }, (_, i) => `k${2 * i + 1}`),
      ...Array.from({ length: n / 2 }, (_, i) => `k${2 * i}`),
    ];
    expect([...lru.keys()]).toEqual(expected);
    expect(lru.bytes).toBe((n * (n + 1)) / 2);
  });

  it('keysIsASnapshotSafeToMutateWhileIterating', () => {
    const lru = new LruPolicy();
    for (const k of ['a', 'b', 'c']) lru.insert(k, 1);
    const seen: string[] = [];
    for (const k of lru.keys()) {
      seen.push(k);
      lru.remove(k);
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(lru.size).toBe(0);
  });
});
