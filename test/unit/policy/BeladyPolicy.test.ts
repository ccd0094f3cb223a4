import { describe, expect, it } from 'vitest';
import { BeladyPolicy, CacheIndex, createPolicy, POLICY_NAMES } from '../../../sw/policy/index.ts';
import { nextAccessOfSteps, runSteps } from './steps.ts';

function runBelady(limits: { maxBytes: number; maxEntries?: number }, steps: string[]) {
  const belady = new BeladyPolicy();
  const index = new CacheIndex(limits, belady);
  const next = nextAccessOfSteps(steps);
  const outcomes = runSteps(index, steps, (i) => belady.setNextAccess(next[i]!));
  return { belady, index, outcomes };
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('BeladyPolicy', () => {
  it('evictsTheEntryRequestedFurthestInTheFuture', () => {
    const { outcomes, index } = runBelady({ maxBytes: 2 }, ['a', 'b', 'c', 'a', 'b', 'c']);
    expect(outcomes).toEqual(['miss', 'miss', 'miss -b', 'hit', 'miss -a', 'hit']);
    expect([...index.keys()].sort()).toEqual(['b', 'c']);
  });

  it('evictsKeysNeverRequestedAgainFirstLargestFirst', () => {
    const { outcomes } = runBelady({ maxBytes: 10 }, ['x:2', 'y:3', 'z:5', 'x:2', 'w:5', 'x:2']);
    // At w: y and z are never requested again; z is larger and alone frees enough.
    expect(outcomes).toEqual(['miss', 'miss', 'miss', 'hit', 'miss -z', 'hit']);
  });

  it('stampsAHitWithTheKeysNextAccess', () => {
    const belady = new BeladyPolicy();
    belady.setNextAccess(5);
    belady.insert('a', 1);
    expect(belady.nextAccessOf('a')).toBe(5);
    belady.setNextAccess(9);
    belady.touch('a');
    expect(belady.nextAccessOf('a')).toBe(9);
    belady.setNextAccess(Number.POSITIVE_INFINITY);
    belady.insert('b', 1);
    expect([...belady.keys()]).toEqual(['b', 'a']);
  });

  it.each([1, 2, 3, 5, 8, 13])('isAnUpperBoundOnHitsForUnitSizes (capacity %i)', (capacity) => {
    const rand = random(capacity * 7919);
    const steps = Array.from({ length: 3000 }, () => `k${Math.floor(rand() ** 2 * 40)}`);
    const { outcomes } = runBelady({ maxBytes: capacity }, steps);
    const beladyHits = outcomes.filter((o) => o === 'hit').length;
    for (const name of POLICY_NAMES) {
      const hits = runSteps(new CacheIndex({ maxBytes: capacity }, createPolicy(name)), steps).filter((o) => o === 'hit').length;
      expect(beladyHits, name).toBeGreaterThanOrEqual(hits);
    }
  });
});
