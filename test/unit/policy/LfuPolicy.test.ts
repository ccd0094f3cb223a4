import { describe, expect, it } from 'vitest';
import { CacheIndex, LfuPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

describe('LfuPolicy', () => {
  it.each([
    {
      name: 'evictsTheLeastFrequentlyUsed',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'a', 'a', 'b', 'd'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'hit', 'hit', 'miss -c'],
      keys: ['d', 'b', 'a'],
    },
    {
      name: 'breaksTiesByLeastRecentAccess',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'c', 'a', 'b', 'd', 'e'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'hit', 'hit', 'miss -c', 'miss -d'],
      keys: ['e', 'a', 'b'],
    },
    {
      name: 'aNewEntryIsTheNextVictimWhenEveryOtherWasHit',
      limits: { maxBytes: 2 },
      steps: ['a', 'b', 'a', 'b', 'c', 'd'],
      outcomes: ['miss', 'miss', 'hit', 'hit', 'miss -a', 'miss -c'],
      keys: ['d', 'b'],
    },
    {
      name: 'anEvictedKeyForgetsItsCount',
      limits: { maxBytes: 1 },
      steps: ['a', 'a', 'a', 'b', 'a'],
      outcomes: ['miss', 'hit', 'hit', 'miss -a', 'miss -b'],
      keys: ['a'],
    },
    {
      name: 'evictsSeveralLowCountEntriesForABigObject',
      limits: { maxBytes: 10 },
      steps: ['a:3', 'b:3', 'c:3', 'b:3', 'd:7'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -a -c'],
      keys: ['d', 'b'],
    },
  ])('$name', ({ limits, steps, outcomes, keys }) => {
    const index = new CacheIndex(limits, new LfuPolicy());
    expect(runSteps(index, steps)).toEqual(outcomes);
    expect([...index.keys()]).toEqual(keys);
  });

  it('countsAccessesWhileCached', () => {
    const lfu = new LfuPolicy();
    lfu.insert('a', 1);
    lfu.insert('b', 1);
    for (let i = 0; i < 4; i++) lfu.touch('a');
    expect([lfu.frequencyOf('a'), lfu.frequencyOf('b'), lfu.frequencyOf('z')]).toEqual([5, 1, undefined]);
    lfu.remove('a');
    lfu.insert('a', 1);
    expect(lfu.frequencyOf('a')).toBe(1);
    expect([...lfu.keys()]).toEqual(['b', 'a']);
  });

  it('keepsBucketsConsistentWhenTheLowestBucketEmpties', () => {
    const lfu = new LfuPolicy();
    lfu.insert('a', 1);
    lfu.touch('a'); // a: 2, bucket 1 empties
    lfu.insert('b', 1); // bucket 1 again, below 2
    lfu.touch('b');
    lfu.touch('b'); // b: 3, skipping past a's bucket
    expect([...lfu.keys()]).toEqual(['a', 'b']);
    expect(lfu.evict()).toBe('a');
    expect(lfu.evict()).toBe('b');
    expect(lfu.evict()).toBeUndefined();
  });
});
