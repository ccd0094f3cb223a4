import { describe, expect, it } from 'vitest';
import { CacheIndex, S3FifoPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

/** k0 … k(n-1). */
const keys = (n: number, prefix = 'k'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Budget 20 bytes, unit objects: small share 2 bytes, main 18, ghost 18. */
function s3(): { policy: S3FifoPolicy; index: CacheIndex } {
  const policy = new S3FifoPolicy();
  return { policy, index: new CacheIndex({ maxBytes: 20 }, policy) };
}

describe('S3FifoPolicy', () => {
  it('insertsNewKeysInSmallAndEvictsAnUnhitOneToGhost', () => {
    const { policy, index } = s3();
    expect(runSteps(index, keys(20))).toEqual(Array(20).fill('miss'));
    expect(policy.queueOf('k0')).toBe('small');
    expect(runSteps(index, ['x'])).toEqual(['miss -k0']);
    expect([policy.queueOf('k0'), policy.queueOf('x'), [...policy.ghostKeys()]]).toEqual(['ghost', 'small', ['k0']]);
  });

  it('aKeyFoundInGhostIsInsertedInMain', () => {
    const { policy, index } = s3();
    runSteps(index, [...keys(20), 'x']); // k0 to ghost
    expect(runSteps(index, ['k0'])).toEqual(['miss -k1']);
    expect([policy.queueOf('k0'), policy.frequencyOf('k0'), [...policy.ghostKeys()]]).toEqual(['main', 0, ['k1']]);
  });

  it.each([
    { hits: 0, victim: 'k0', queue: 'ghost' },
    { hits: 1, victim: 'k0', queue: 'ghost' },
    { hits: 2, victim: 'k1', queue: 'main' },
    { hits: 3, victim: 'k1', queue: 'main' },
  ])('anEntryHit $hits times in small ends in $queue', ({ hits, victim, queue }) => {
    const { policy, index } = s3();
    runSteps(index, [...keys(20), ...Array(hits).fill('k0')]);
    expect(runSteps(index, ['x'])).toEqual([`miss -${victim}`]);
    expect(policy.queueOf('k0')).toBe(queue);
    if (queue === 'main') expect(policy.frequencyOf('k0')).toBe(0);
  });

  it('mainIsA2BitClockThatReinsertsHitEntriesWithOneLessFrequency', () => {
    const policy = new S3FifoPolicy();
    policy.configure({ maxBytes: 10, maxEntries: Number.POSITIVE_INFINITY }); // small share 1: unit objects go to main
    for (const k of ['a', 'b', 'c']) policy.insert(k, 1);
    expect([policy.queueOf('a'), policy.queueOf('b'), policy.queueOf('c')]).toEqual(['main', 'main', 'main']);
    policy.touch('a');
    policy.touch('a');
    policy.touch('b');
    expect(policy.evict()).toBe('c');
    expect([policy.frequencyOf('a'), policy.frequencyOf('b')]).toEqual([1, 0]);
    expect([...policy.keys()]).toEqual(['a', 'b']);
    expect(policy.evict()).toBe('b');
    expect(policy.evict()).toBe('a');
    expect(policy.evict()).toBeUndefined();
  });

  it('capsTheFrequencyAt3', () => {
    const policy = new S3FifoPolicy();
    policy.insert('a', 1);
    for (let i = 0; i < 5; i++) policy.touch('a');
    expect(policy.frequencyOf('a')).toBe(3);
  });

  it('evictsFromMainWhenMainHoldsMoreThanItsShareEvenIfSmallIsNotEmpty', () => {
    const policy = new S3FifoPolicy();
    policy.configure({ maxBytes: 20, maxEntries: Number.POSITIVE_INFINITY }); // small 2, main 18
    for (const k of ['m1', 'm2', 'm3', 'm4']) policy.insert(k, 5); // ≥ small share: to main (20 > 18)
    policy.insert('s1', 1);
    expect([policy.queueOf('m1'), policy.queueOf('s1')]).toEqual(['main', 'small']);
    expect(policy.evict()).toBe('m1'); // main over its share
    expect(policy.evict()).toBe('s1'); // main back within (15 ≤ 18): small first
    expect(policy.evict()).toBe('m2');
  });

  it('drainsSmallIntoMainThenEvictsFromMainWhenEverySmallEntryWasHit', () => {
    const { policy, index } = s3();
    runSteps(index, [...keys(20), ...keys(20), ...keys(20)]); // every entry hit twice
    expect(runSteps(index, ['x'])).toEqual(['miss -k0']); // all moved to main (freq 0), k0 oldest
    expect(policy.queueOf('k1')).toBe('main');
    expect(policy.queueOf('k0')).toBeUndefined(); // evicted from main: not remembered in ghost
  });

  it('boundsGhostByItsByteShareForgettingTheOldestKeys', () => {
    const { policy, index } = s3();
    runSteps(index, [...keys(20), ...keys(40, 'n')]); // 40 evictions from small, ghost holds 18 bytes
    const ghost = [...policy.ghostKeys()];
    expect(ghost).toHaveLength(18);
    expect(ghost[ghost.length - 1]).toBe('n19');
    expect(policy.queueOf('k0')).toBeUndefined();
  });

  it('sendsAnObjectAtLeastAsLargeAsTheSmallShareToMain', () => {
    const { policy, index } = s3();
    runSteps(index, ['big:2', 'tiny:1']);
    expect([policy.queueOf('big'), policy.queueOf('tiny')]).toEqual(['main', 'small']);
  });

  it('removeDropsAKeyWithoutRememberingIt', () => {
    const { policy, index } = s3();
    runSteps(index, ['a', 'b']);
    expect(index.remove('a')).toBe(true);
    expect([policy.queueOf('a'), policy.size, policy.bytes]).toEqual([undefined, 1, 1]);
  });

  it('rejectsInvalidOptions', () => {
    expect(() => new S3FifoPolicy({ smallRatio: 1.5 })).toThrow(RangeError);
    expect(() => new S3FifoPolicy({ ghostRatio: -0.1 })).toThrow(RangeError);
    expect(() => new S3FifoPolicy({ moveToMainThreshold: 0 })).toThrow(RangeError);
  });
});
