import { beforeAll, describe, expect, it } from 'vitest';
import { LruPolicy } from '../../../sw/policy/index.ts';
import { loadTrace, replayTrace, TraceReplayer, type LoadedTrace } from '../../../build/replay/index.ts';
import { traceStream, traceText, type TraceFile } from '../../fixtures/traces/traces.ts';

const ROWS = 5000;

/**
 * A deliberately naive LRU, independent of sw/policy: an array in recency order (least recent
 * first), linear search, `splice` to move a hit to the end, `shift` to evict. Obviously correct,
 * O(n) per request. The replay contract: a hit keeps the stored size; an object larger than the
 * budget is a miss that evicts nothing; otherwise evict the least recent until used + size ≤ max.
 */
class NaiveLru {
  entries: { key: string; size: number }[] = [];
  used = 0;
  evictions = 0;
  constructor(readonly maxBytes: number) {}

  request(key: string, size: number): boolean {
    const i = this.entries.findIndex((e) => e.key === key);
    if (i >= 0) {
      const [entry] = this.entries.splice(i, 1);
      this.entries.push(entry!);
      return true;
    }
    if (size > this.maxBytes) return false;
    while (this.used + size > this.maxBytes) {
      const victim = this.entries.shift()!;
      this.used -= victim.size;
      this.evictions++;
    }
    this.entries.push({ key, size });
    this.used += size;
    return false;
  }
}

describe.each<TraceFile>(['cloudphysics_og.csv', 'cloudphysics_raw.csv'])('replay of the first 5,000 rows of %s vs a naive LRU', (file) => {
  let trace: LoadedTrace;
  let csvPrefix: string;

  beforeAll(async () => {
    trace = await loadTrace(traceStream(file), { limit: ROWS });
    const text = await traceText(file);
    csvPrefix = text.split('\n').slice(0, ROWS + 1).join('\n') + '\n';
  });

  it('loadsTheFirstRows', () => {
    expect(trace.requests).toBe(ROWS);
    expect(trace.skipped).toBe(0);
  });

  // Budgets: a fraction of the prefix's unique bytes, and two absolute ones, one below the largest
  // object (69,632 bytes) so that some objects are too large to admit.
  const budgets: [string, (t: LoadedTrace) => number][] = [
    ['50,000 bytes (some objects too large)', () => 50_000],
    ['200,000 bytes', () => 200_000],
    ['1% of unique bytes', (t) => Math.floor(t.uniqueBytes / 100)],
    ['10% of unique bytes', (t) => Math.floor(t.uniqueBytes / 10)],
    ['25% of unique bytes', (t) => Math.floor(t.uniqueBytes / 4)],
  ];

  it.each(budgets)('matchesRequestByRequestAt %s', async (_label, budgetOf) => {
    const maxBytes = budgetOf(trace);
    const naive = new NaiveLru(maxBytes);
    const ours = new TraceReplayer({ policy: new LruPolicy(), maxBytes });
    const expected: boolean[] = [];
    const actual: boolean[] = [];
    for (let i = 0; i < trace.requests; i++) {
      const key = trace.keys[trace.keyIds[i]!]!;
      const size = trace.sizes[i]!;
      expected.push(naive.request(key, size));
      actual.push(ours.request(key, size));
    }
    const result = ours.result();
    const hits = expected.filter(Boolean).length;
    expect(actual).toEqual(expected);
    expect([result.hits, result.misses, result.evictions]).toEqual([hits, ROWS - hits, naive.evictions]);
    expect(ours.index.bytes).toBe(naive.used);
    expect([...ours.index.keys()]).toEqual(naive.entries.map((e) => e.key));

    // The streaming path (CSV text → TraceReader → replayTrace) counts the same.
    const streamed = await replayTrace([csvPrefix], { maxBytes });
    expect(streamed).toMatchObject({
      policy: 'lru',
      requests: ROWS,
      hits,
      misses: ROWS - hits,
      evictions: naive.evictions,
      bytesRequested: result.bytesRequested,
      bytesMissed: result.bytesMissed,
      skipped: 0,
    });
  });
});
