import { describe, expect, it } from 'vitest';
import { CacheIndex, SievePolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

describe('SievePolicy', () => {
  it.each([
    {
      name: 'theHandSkipsAVisitedEntryAndKeepsItWhileNewEntriesComeAndGo',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'a', 'd', 'e', 'f', 'g'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -b', 'miss -c', 'miss -d', 'miss -e'],
      keys: ['f', 'g', 'a'],
    },
    {
      name: 'theHandWrapsFromTheHeadToTheTailAfterClearingEveryVisitedBit',
      limits: { maxBytes: 2 },
      steps: ['a', 'b', 'a', 'b', 'c', 'd'],
      outcomes: ['miss', 'miss', 'hit', 'hit', 'miss -a', 'miss -b'],
      keys: ['c', 'd'],
    },
    {
      name: 'withoutHitsItIsFifo',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'd', 'e'],
      outcomes: ['miss', 'miss', 'miss', 'miss -a', 'miss -b'],
      keys: ['c', 'd', 'e'],
    },
    {
      name: 'evictsSeveralUnvisitedEntriesForABigObject',
      limits: { maxBytes: 10 },
      steps: ['a:3', 'b:3', 'c:3', 'a:3', 'd:7'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -b -c'],
      keys: ['a', 'd'], // a's bit was cleared by the hand: it is the next victim
    },
  ])('$name', ({ limits, steps, outcomes, keys }) => {
    const index = new CacheIndex(limits, new SievePolicy());
    expect(runSteps(index, steps)).toEqual(outcomes);
    expect([...index.keys()]).toEqual(keys);
  });

  it('clearsTheVisitedBitOfEveryEntryTheHandPasses', () => {
    const sieve = new SievePolicy();
    const index = new CacheIndex({ maxBytes: 3 }, sieve);
    runSteps(index, ['a', 'b', 'c', 'a', 'b']);
    expect([sieve.visited('a'), sieve.visited('b'), sieve.visited('c')]).toEqual([true, true, false]);
    expect(runSteps(index, ['d'])).toEqual(['miss -c']);
    expect([sieve.visited('a'), sieve.visited('b'), sieve.visited('d')]).toEqual([false, false, false]);
  });

  it('keysListsUnvisitedThenVisitedInScanOrderFromTheHand', () => {
    const sieve = new SievePolicy();
    for (const k of ['a', 'b', 'c']) sieve.insert(k, 1);
    sieve.touch('b');
    expect([...sieve.keys()]).toEqual(['a', 'c', 'b']);
    expect([sieve.evict(), sieve.evict(), sieve.evict()]).toEqual(['a', 'c', 'b']);
  });

  it('removingTheEntryUnderTheHandMovesTheHandToItsNewerNeighbour', () => {
    const sieve = new SievePolicy();
    const index = new CacheIndex({ maxBytes: 3 }, sieve);
    runSteps(index, ['a', 'b', 'c', 'a', 'd']); // evicts b, hand on c
    expect(index.remove('c')).toBe(true); // hand moves to d
    expect(runSteps(index, ['e', 'f'])).toEqual(['miss', 'miss -d']);
    expect([...index.keys()]).toEqual(['e', 'f', 'a']);
  });
});
