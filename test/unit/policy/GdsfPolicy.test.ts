import { describe, expect, it } from 'vitest';
import { CacheIndex, GdsfPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

describe('GdsfPolicy', () => {
  it('evictsTheLargestOfEquallyUsedObjectsFirst', () => {
    const gdsf = new GdsfPolicy();
    const index = new CacheIndex({ maxBytes: 100 }, gdsf);
    // H = L + freq / size: a 1/50 = 0.02, b 1/10 = 0.1, c 1/40 = 0.025.
    expect(runSteps(index, ['a:50', 'b:10', 'c:40', 'd:10'])).toEqual(['miss', 'miss', 'miss', 'miss -a']);
    expect(gdsf.inflation).toBeCloseTo(0.02, 12);
    expect(gdsf.priorityOf('d')).toBeCloseTo(0.02 + 1 / 10, 12);
  });

  it('frequencyRaisesPriorityAndInflationAgesOldEntries', () => {
    const gdsf = new GdsfPolicy();
    const index = new CacheIndex({ maxBytes: 100 }, gdsf);
    // a: 3/50 = 0.06 after two hits; b, c: 1/25 = 0.04 (b older: the tie goes to b).
    expect(runSteps(index, ['a:50', 'b:25', 'c:25', 'a:50', 'a:50', 'd:1'])).toEqual([
      'miss',
      'miss',
      'miss',
      'hit',
      'hit',
      'miss -b',
    ]);
    expect(gdsf.inflation).toBeCloseTo(0.04, 12);
    // e: L + 1/25 = 0.08; the next victims are c (0.04) then a (0.06), whose H predates L.
    expect(runSteps(index, ['e:25', 'f:50'])).toEqual(['miss -c', 'miss -a']);
    expect([...index.keys()]).toEqual(['e', 'f', 'd']);
  });

  it('aHitRecomputesHWithTheCurrentInflation', () => {
    const gdsf = new GdsfPolicy();
    const index = new CacheIndex({ maxBytes: 2 }, gdsf);
    runSteps(index, ['a', 'b', 'c']); // evicts a: L = 1
    expect(gdsf.priorityOf('b')).toBe(1);
    index.access('b');
    expect(gdsf.priorityOf('b')).toBe(1 + 2);
    expect(gdsf.priorityOf('c')).toBe(1 + 1);
  });

  it('breaksTiesByLeastRecentAccess', () => {
    const index = new CacheIndex({ maxBytes: 3 }, new GdsfPolicy());
    expect(runSteps(index, ['a', 'b', 'c', 'd', 'e'])).toEqual(['miss', 'miss', 'miss', 'miss -a', 'miss -b']);
  });

  it('removeDoesNotChangeTheInflation', () => {
    const gdsf = new GdsfPolicy();
    gdsf.insert('a', 4);
    gdsf.remove('a');
    expect(gdsf.inflation).toBe(0);
    gdsf.insert('b', 4);
    expect(gdsf.evict()).toBe('b');
    expect(gdsf.inflation).toBe(0.25);
    gdsf.clear();
    expect(gdsf.inflation).toBe(0);
  });
});
