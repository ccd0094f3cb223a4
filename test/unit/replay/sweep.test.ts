import { describe, expect, it } from 'vitest';
import {
  computeNextAccess,
  loadTrace,
  REPLAY_POLICY_NAMES,
  renderSweepMarkdown,
  renderSweepSvg,
  runSweep,
  streamNextAccess,
} from '../../../build/replay/index.ts';

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

/** A skewed trace of `n` requests over up to 1,000 keys, each of size `sizeOf(key)`. */
function csv(n: number, sizeOf: (key: number) => number, seed = 42): string {
  const rand = random(seed);
  const lines = ['time,key,size'];
  for (let i = 0; i < n; i++) {
    const key = Math.floor(rand() ** 3 * 1000);
    lines.push(`${i},${key},${sizeOf(key)}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('sweep', () => {
  it('runsEveryPolicyAtEachPercentOfTheUniqueBytes', async () => {
    const trace = await loadTrace([csv(20_000, (k) => 100 + (k % 7) * 50)]);
    const sweep = runSweep(trace);
    expect(sweep.policies).toEqual([...REPLAY_POLICY_NAMES]);
    expect(sweep.points.map((p) => p.percent)).toEqual([1, 5, 10, 25]);
    expect(sweep.points.map((p) => p.maxBytes)).toEqual(
      [1, 5, 10, 25].map((p) => Math.floor((trace.uniqueBytes * p) / 100)),
    );
    for (const point of sweep.points) {
      expect(point.results.map((r) => r.policy)).toEqual([...REPLAY_POLICY_NAMES]);
      for (const r of point.results) {
        expect(r).toMatchObject({ maxBytes: point.maxBytes, requests: 20_000 });
        expect(r.hits + r.misses).toBe(20_000);
      }
    }
    // More cache, fewer misses (LRU has the stack property).
    const lru = sweep.points.map((p) => p.results[0]!.missRatio);
    expect([...lru].sort((a, b) => b - a)).toEqual(lru);
  });

  it('beladyMissesLeastForUnitSizes', async () => {
    const sweep = runSweep(await loadTrace([csv(20_000, () => 1, 7)]));
    for (const point of sweep.points) {
      const belady = point.results.find((r) => r.policy === 'belady')!;
      for (const r of point.results) expect(belady.misses, `${r.policy} at ${point.percent}%`).toBeLessThanOrEqual(r.misses);
    }
  });

  it('computesTheSameNextAccessInMemoryAndStreamed', async () => {
    const text = csv(5000, () => 3, 3);
    const trace = await loadTrace([text]);
    const inMemory = computeNextAccess(trace.keyIds, trace.keys.length);
    const streamed = await streamNextAccess([text]);
    expect(Array.from(streamed)).toEqual(Array.from(inMemory));
    // Naively: the next index with the same key.
    const ids = Array.from(trace.keyIds);
    const naive = ids.map((id, i) => {
      const j = ids.indexOf(id, i + 1);
      return j === -1 ? Number.POSITIVE_INFINITY : j;
    });
    expect(Array.from(inMemory)).toEqual(naive);
  });

  it('rendersAMarkdownTableWithTheBestOnlinePolicyInBold', async () => {
    const sweep = runSweep(await loadTrace([csv(5000, (k) => 1 + (k % 3))]));
    const md = renderSweepMarkdown(sweep, { tracePath: '../shared/traces/x.csv' });
    const table = md.split('\n').filter((l) => l.startsWith('|'));
    expect(table[0]).toBe(
      `| budget % | budget bytes | ${REPLAY_POLICY_NAMES.map((p) => `${p} miss | ${p} byte miss`).join(' | ')} |`,
    );
    expect(table).toHaveLength(2 + 4);
    expect(table[2]!.startsWith('| 1 | ')).toBe(true);
    expect(md).toContain('`../shared/traces/x.csv`');
    for (const row of table.slice(2)) expect(row).toContain('**');
  });

  it('rendersAnSvgWithTwoPanelsALineAndALegendEntryPerPolicy', async () => {
    const sweep = runSweep(await loadTrace([csv(5000, (k) => 1 + (k % 3))]));
    const svg = renderSweepSvg(sweep);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2 * REPLAY_POLICY_NAMES.length);
    expect(svg).toContain('>miss ratio</text>');
    expect(svg).toContain('>byte miss ratio</text>');
    expect(svg).toContain('cache size (% of unique bytes, log scale)');
    for (const policy of REPLAY_POLICY_NAMES) expect(svg).toContain(`<title>${policy}</title>`);
    expect(svg).toContain('belady (offline)');
  });
});
