import { describe, expect, it } from 'vitest';
import { CacheIndex, FifoPolicy } from '../../../sw/policy/index.ts';
import { runSteps } from './steps.ts';

describe('FifoPolicy', () => {
  it.each([
    {
      name: 'evictsInInsertionOrderIgnoringHits',
      limits: { maxBytes: 3 },
      steps: ['a', 'b', 'c', 'a', 'a', 'd', 'e'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'hit', 'miss -a', 'miss -b'],
      keys: ['c', 'd', 'e'],
    },
    {
      name: 'evictsSeveralOldestUntilTheObjectFits',
      limits: { maxBytes: 10 },
      steps: ['a:3', 'b:3', 'c:3', 'b:3', 'd:7'],
      outcomes: ['miss', 'miss', 'miss', 'hit', 'miss -a -b'],
      keys: ['c', 'd'],
    },
    {
      name: 'aReinsertedKeyGoesToTheBackOfTheQueue',
      limits: { maxBytes: 2 },
      steps: ['a', 'b', 'c', 'a', 'd'],
      outcomes: ['miss', 'miss', 'miss -a', 'miss -b', 'miss -c'],
      keys: ['a', 'd'],
    },
  ])('$name', ({ limits, steps, outcomes, keys }) => {
    const index = new CacheIndex(limits, new FifoPolicy());
    expect(runSteps(index, steps)).toEqual(outcomes);
    expect([...index.keys()]).toEqual(keys);
  });

  it('staysLinearOverALongQueue', () => {
    // A Map used as a queue is quadratic in V8 (holes left by deletes); the linked queue is not.
    const fifo = new FifoPolicy();
    const index = new CacheIndex({ maxBytes: 50_000 }, fifo);
    const started = performance.now();
    for (let i = 0; i < 300_000; i++) index.request(`k${i}`, 1);
    expect(index.evictions).toBe(250_000);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
