/**
 * The whole real traces, request for request, against an independent, widely used LRU:
 * `lru-cache` (isaacs/node-lru-cache) configured as the replay contract says (`maxSize` = budget,
 * `sizeCalculation` = the request's size, `maxEntrySize` = budget; `get`, then `set` on a miss, so
 * a hit keeps the stored size). Every request's hit/miss must agree, at 1, 5, 10 and 25 % of the
 * trace's unique bytes, on both traces (the `_raw` one changes sizes per key).
 */
import { LRUCache } from 'lru-cache';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTrace, type LoadedTrace } from '../../../build/replay/index.ts';
import { CacheIndex, LruPolicy } from '../../../sw/policy/index.ts';
import { traceStream, type TraceFile } from '../../fixtures/traces/traces.ts';

describe.each<TraceFile>(['cloudphysics_og.csv', 'cloudphysics_raw.csv'])('%s: every request vs lru-cache', (file) => {
  let trace: LoadedTrace;
  beforeAll(async () => {
    trace = await loadTrace(traceStream(file));
  }, 60_000);

  it.each([1, 5, 10, 25])('agreesOnEveryRequestAt %i %% of unique bytes', (percent) => {
    const maxBytes = Math.floor((trace.uniqueBytes * percent) / 100);
    const ours = new CacheIndex({ maxBytes }, new LruPolicy());
    const reference = new LRUCache<string, number>({ maxSize: maxBytes, maxEntrySize: maxBytes, sizeCalculation: (size) => size });
    let disagreements = 0;
    let firstDisagreement = -1;
    let hits = 0;
    for (let i = 0; i < trace.requests; i++) {
      const key = trace.keys[trace.keyIds[i]!]!;
      const size = trace.sizes[i]!;
      const ourHit = ours.request(key, size);
      const theirHit = reference.get(key) !== undefined;
      if (!theirHit) reference.set(key, size);
      if (ourHit !== theirHit) {
        disagreements++;
        if (firstDisagreement < 0) firstDisagreement = i;
      }
      if (ourHit) hits++;
    }
    expect({ disagreements, firstDisagreement }).toEqual({ disagreements: 0, firstDisagreement: -1 });
    expect(hits).toBeGreaterThan(0);
    expect(ours.bytes).toBe(reference.calculatedSize);
    expect(ours.size).toBe(reference.size);
  });
});
