import { describe, expect, it } from 'vitest';
import {
  BeladyPolicy,
  CacheIndex,
  createPolicy,
  POLICY_NAMES,
  type CacheLimits,
  type ReplacementPolicy,
} from '../../../sw/policy/index.ts';
import { nextAccessOfSteps, runSteps } from './steps.ts';

/** Every policy, the offline one included (fed its next accesses by `run`). */
const ALL = [...POLICY_NAMES, 'belady'] as const;

function make(name: string): ReplacementPolicy {
  return name === 'belady' ? new BeladyPolicy() : createPolicy(name);
}

/** Replays steps, feeding Belady its next-access times. */
function run(name: string, limits: CacheLimits, steps: string[]): { index: CacheIndex; outcomes: string[] } {
  const policy = make(name);
  const index = new CacheIndex(limits, policy);
  const next = nextAccessOfSteps(steps);
  const outcomes = runSteps(index, steps, (i) => {
    if (policy instanceof BeladyPolicy) policy.setNextAccess(next[i]!);
  });
  return { index, outcomes };
}

/** Semantics every policy shares: they come from CacheIndex, not from the victim choice. */
describe.each(ALL)('policy contract: %s', (name) => {
  it.each([
    {
      name: 'anObjectLargerThanTheBudgetIsAMissThatIsNotAdmittedAndEvictsNothing',
      limits: { maxBytes: 10 },
      steps: ['a:4', 'b:4', 'big:11', 'a:4'],
      outcomes: ['miss', 'miss', 'reject', 'hit'],
      keys: ['a', 'b'],
      bytes: 8,
    },
    {
      name: 'anObjectLargerThanMaxEntryBytesIsNotAdmittedEvenWhenItWouldFit',
      limits: { maxBytes: 10, maxEntryBytes: 5 },
      steps: ['a:5', 'b:6', 'b:6'],
      outcomes: ['miss', 'reject', 'reject'],
      keys: ['a'],
      bytes: 5,
    },
    {
      name: 'anObjectThatExactlyFillsTheBudgetIsAdmittedWithoutEviction',
      limits: { maxBytes: 10 },
      steps: ['a:4', 'b:6', 'a:4', 'b:6'],
      outcomes: ['miss', 'miss', 'hit', 'hit'],
      keys: ['a', 'b'],
      bytes: 10,
    },
    {
      name: 'anObjectOfExactlyTheBudgetIsAdmittedAfterEvictingEverything',
      limits: { maxBytes: 10 },
      steps: ['a:10', 'b:10'],
      outcomes: ['miss', 'miss -a'],
      keys: ['b'],
      bytes: 10,
    },
    {
      name: 'aHitKeepsTheStoredSizeWhateverSizeTheRequestNames',
      limits: { maxBytes: 10 },
      steps: ['a:4', 'a:9', 'a:1', 'b:6'],
      outcomes: ['miss', 'hit', 'hit', 'miss'],
      keys: ['a', 'b'],
      bytes: 10,
    },
    {
      name: 'maxEntriesEvictsOneEntryWhenTheCountIsReached',
      limits: { maxBytes: 1000, maxEntries: 2 },
      steps: ['a', 'b', 'c'],
      outcomes: ['miss', 'miss', 'miss -a'],
      keys: ['b', 'c'],
      bytes: 2,
    },
  ])('$name', ({ limits, steps, outcomes, keys, bytes }) => {
    const { index, outcomes: actual } = run(name, limits, steps);
    // With no hit before the victim is chosen, every policy here picks the oldest entry.
    expect(actual).toEqual(outcomes);
    expect(new Set(index.keys())).toEqual(new Set(keys));
    expect(index.bytes).toBe(bytes);
    expect(index.size).toBe(keys.length);
  });

  it('keepsSizeAndBytesExactThroughInsertRemoveEvictAndClear', () => {
    const policy = make(name);
    policy.configure?.({ maxBytes: 100, maxEntries: Number.POSITIVE_INFINITY });
    policy.insert('a', 3);
    policy.insert('b', 5);
    policy.insert('c', 7);
    expect([policy.size, policy.bytes]).toEqual([3, 15]);
    expect(policy.sizeOf('b')).toBe(5);
    expect(policy.remove('b')).toBe(true);
    expect(policy.remove('b')).toBe(false);
    expect([policy.size, policy.bytes, policy.has('b'), policy.sizeOf('b')]).toEqual([2, 10, false, undefined]);
    const victim = policy.evict();
    expect(['a', 'c']).toContain(victim);
    expect(policy.has(victim!)).toBe(false);
    expect(policy.size).toBe(1);
    policy.clear();
    expect([policy.size, policy.bytes, [...policy.keys()], policy.evict()]).toEqual([0, 0, [], undefined]);
  });

  it('refusesToInsertAKeyThatIsAlreadyHeld', () => {
    const policy = make(name);
    policy.insert('a', 1);
    expect(() => policy.insert('a', 1)).toThrow(/already held/);
  });

  it('hitIsHasPlusTouch', () => {
    const policy = make(name);
    policy.insert('a', 1);
    expect(policy.hit?.('a') ?? true).toBe(true);
    expect(policy.hit?.('zz') ?? false).toBe(false);
    expect(policy.has('zz')).toBe(false);
  });

  it('evictsEveryKeyExactlyOnceAndListsKeysInEvictionOrderWhenExact', () => {
    const policy = make(name);
    policy.configure?.({ maxBytes: 1000, maxEntries: Number.POSITIVE_INFINITY });
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    for (const k of keys) policy.insert(k, 1 + (k.length % 3));
    for (const k of keys.filter((_, i) => i % 3 === 0)) policy.touch(k);
    const listed = [...policy.keys()];
    expect(new Set(listed)).toEqual(new Set(keys));
    const evicted: string[] = [];
    for (let v = policy.evict(); v !== undefined; v = policy.evict()) evicted.push(v);
    expect(new Set(evicted)).toEqual(new Set(keys));
    expect(evicted).toHaveLength(keys.length);
    expect(policy.bytes).toBe(0);
    // keys() is the exact eviction order for every policy but S3-FIFO (queue order, see its doc).
    if (name !== 's3fifo') expect(evicted).toEqual(listed);
  });
});
