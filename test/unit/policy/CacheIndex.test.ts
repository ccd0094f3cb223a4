import { describe, expect, it, vi } from 'vitest';
import { CacheIndex, LruPolicy, type PolicyLimits, type ReplacementPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

/** An LRU without the optional hooks, to check CacheIndex's fallback path. */
function bareLru(): ReplacementPolicy {
  const lru = new LruPolicy();
  return {
    name: 'bare-lru',
    get size() {
      return lru.size;
    },
    get bytes() {
      return lru.bytes;
    },
    has: (k) => lru.has(k),
    sizeOf: (k) => lru.sizeOf(k),
    touch: (k) => lru.touch(k),
    insert: (k, s) => lru.insert(k, s),
    remove: (k) => lru.remove(k),
    evict: () => lru.evict(),
    keys: () => lru.keys(),
    clear: () => lru.clear(),
  };
}

describe('CacheIndex', () => {
  it('defaultsToLruAndCountsEvictionsFromRequestAdmitAndShrinkButNotRemove', () => {
    const index = new CacheIndex({ maxBytes: 10 });
    expect(index.policy.name).toBe('lru');
    expect(runSteps(index, ['a:4', 'b:4', 'c:4'])).toEqual(['miss', 'miss', 'miss -a']);
    expect(index.evictions).toBe(1);
    expect(index.admit('d', 6)).toEqual({ admitted: true, victims: ['b'] });
    expect(index.evictions).toBe(2);
    index.remove('c');
    expect(index.evictions).toBe(2);
    index.setLimits({ maxBytes: 5 });
    expect(index.shrink()).toEqual(['d']);
    expect(index.evictions).toBe(3);
  });

  it('admitRefusesAnOversizedObjectWithoutEvicting', () => {
    const index = new CacheIndex({ maxBytes: 10, maxEntryBytes: 6 });
    index.admit('a', 5);
    expect(index.admit('b', 7)).toEqual({ admitted: false, victims: [] });
    expect([index.admissible(6), index.admissible(7), [...index.keys()]]).toEqual([true, false, ['a']]);
  });

  it('admitThrowsForAKeyAlreadyHeld', () => {
    const index = new CacheIndex({ maxBytes: 10 });
    index.admit('a', 1);
    expect(() => index.admit('a', 1)).toThrow(/already held/);
  });

  it('requestAppendsVictimsToTheGivenArray', () => {
    const index = new CacheIndex({ maxBytes: 2 });
    const victims: string[] = ['earlier'];
    index.request('a', 1, victims);
    index.request('b', 1, victims);
    expect(index.request('c', 2, victims)).toBe(false);
    expect(victims).toEqual(['earlier', 'a', 'b']);
  });

  it('accessCountsAsAUseButHasAndSizeOfDoNot', () => {
    const index = new CacheIndex({ maxBytes: 2 });
    runSteps(index, ['a', 'b']);
    expect([index.has('a'), index.sizeOf('a'), index.sizeOf('zz')]).toEqual([true, 1, undefined]);
    expect([...index.keys()]).toEqual(['a', 'b']);
    expect(index.access('a')).toBe(true);
    expect(index.access('zz')).toBe(false);
    expect([...index.keys()]).toEqual(['b', 'a']);
  });

  it('usesHasAndTouchWhenThePolicyHasNoHitHook', () => {
    const steps = ['a', 'b', 'c', 'a', 'd', 'b', 'e:2'];
    const withHook = runSteps(new CacheIndex({ maxBytes: 3 }, new LruPolicy()), steps);
    const withoutHook = runSteps(new CacheIndex({ maxBytes: 3 }, bareLru()), steps);
    expect(withoutHook).toEqual(withHook);
    expect(withHook).toEqual(['miss', 'miss', 'miss', 'hit', 'miss -b', 'miss -c', 'miss -a -d']);
  });

  it('givesThePolicyItsLimitsOnConstructionAndOnEverySetLimits', () => {
    const policy = new LruPolicy() as LruPolicy & { configure: (limits: PolicyLimits) => void };
    policy.configure = vi.fn();
    const index = new CacheIndex({ maxBytes: 100 }, policy);
    index.setLimits({ maxBytes: 50, maxEntries: 3 });
    expect(vi.mocked(policy.configure).mock.calls).toEqual([
      [{ maxBytes: 100, maxEntries: Number.POSITIVE_INFINITY }],
      [{ maxBytes: 50, maxEntries: 3 }],
    ]);
  });

  it('clampsMaxEntryBytesToMaxBytesAndReadsMaxEntries0AsNoLimit', () => {
    const index = new CacheIndex({ maxBytes: 10, maxEntryBytes: 50, maxEntries: 0 });
    expect([index.maxBytes, index.maxEntryBytes, index.maxEntries]).toEqual([10, 10, Number.POSITIVE_INFINITY]);
  });

  it('shrinkEvictsInPolicyOrderUntilBothLimitsHold', () => {
    const index = new CacheIndex({ maxBytes: 10 });
    runSteps(index, ['a:3', 'b:3', 'c:3', 'a:3']);
    index.setLimits({ maxBytes: 10, maxEntries: 1 });
    expect(index.shrink()).toEqual(['b', 'c']);
    index.setLimits({ maxBytes: 2 });
    expect(index.shrink()).toEqual(['a']);
    expect([index.size, index.bytes]).toEqual([0, 0]);
  });

  it.each([
    [{ maxBytes: 0 }],
    [{ maxBytes: -1 }],
    [{ maxBytes: Number.NaN }],
    [{ maxBytes: 10, maxEntries: -1 }],
    [{ maxBytes: 10, maxEntryBytes: -1 }],
  ])('rejectsInvalidLimits %j', (limits) => {
    expect(() => new CacheIndex(limits)).toThrow(RangeError);
  });

  it('neverMovesAPinnedKeyOfASlottedPolicyToAnotherSlot', () => {
    // LruPolicy exposes slotOf; the storage layer keeps its columns by slot, so a pinned key (an
    // entry being written) must keep its slot while other keys are evicted around it.
    const index = new CacheIndex({ maxBytes: 30 }, new LruPolicy());
    for (const k of ['a', 'b', 'c']) index.admit(k, 10);
    expect(index.pin('a')).toBe(true);
    expect(index.pin('b')).toBe(true);
    const slotA = index.policy.slotOf!('a');
    const slotB = index.policy.slotOf!('b');
    const { admitted, victims } = index.admit('d', 10);
    expect(admitted).toBe(true);
    expect(victims).toEqual(['c']);
    expect(index.policy.slotOf!('a')).toBe(slotA);
    expect(index.policy.slotOf!('b')).toBe(slotB);
    // Only pinned keys and d are left: a request needing two victims evicts d only, never a pinned key.
    expect(index.fitsBesidePinned(10)).toBe(true);
    const out: string[] = [];
    index.request('e', 10, out);
    expect(out).toEqual(['d']);
    expect(index.has('a') && index.has('b')).toBe(true);
    expect(index.policy.slotOf!('a')).toBe(slotA);
  });
});
