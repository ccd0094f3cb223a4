/**
 * Replay speed: our policy core (`CacheIndex` + `LruPolicy`, the code the worker runs) against
 * the `lru-cache` package configured the same way, on a real trace held in memory.
 *
 *   npx tsx test/bench/replay-vs-lru-cache.ts [--trace FILE] [--percent P] [--rounds N] [--passes K]
 *
 * - The trace (default `../shared/traces/cloudphysics_og.csv`, resolved from the working
 *   directory, i.e. `/work/shared/traces/...` from the repository root) is loaded first; the key
 *   strings are interned, so both sides get the very same string objects and no parsing is timed.
 * - Budget: P % (default 10) of the trace's unique bytes (first-seen size per key).
 * - Ours: `index.request(key, size)`. lru-cache: `maxSize` = budget, `maxEntrySize` = budget,
 *   `sizeCalculation: (size) => size` (the value stored is the size); `get`, then `set` on a miss.
 *   Both evict least recently used entries until `used + size ≤ budget`, so the hit counts must
 *   be equal (a warning line is printed if not).
 * - Timing: N rounds (default 7) alternating ours / lru-cache after one warm-up round each; a
 *   round replays the whole trace K times (default 5) from an empty cache. Prints the median
 *   requests per second of each and the ratio ours / lru-cache (> 1: ours is faster).
 *
 * `main()` is exported for `npm run bench` (test/bench/run.ts), which calls it without arguments.
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LRUCache } from 'lru-cache';
import { loadTrace } from '../../build/replay/loadTrace.ts';
import { CacheIndex, LruPolicy } from '../../sw/policy/index.ts';

/** What {@link main} measured. */
export interface ReplayBenchResult {
  /** Trace name. */
  trace: string;
  /** Requests per replay. */
  requests: number;
  /** Budget in bytes. */
  maxBytes: number;
  /** Hits of our replay and of lru-cache's (equal when both are right). */
  hits: { ours: number; lruCache: number };
  /** Median requests per second. */
  requestsPerSecond: { ours: number; lruCache: number };
  /** `ours / lruCache` of the medians (> 1: ours is faster). */
  ratio: number;
  /** lru-cache's version. */
  lruCacheVersion: string;
}

interface BenchOptions {
  trace: string;
  percent: number;
  rounds: number;
  passes: number;
}

const USAGE =
  'usage: npx tsx test/bench/replay-vs-lru-cache.ts [--trace FILE] [--percent P] [--rounds N] [--passes K]';

function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = {
    trace: path.resolve(process.cwd(), '../shared/traces/cloudphysics_og.csv'),
    percent: 10,
    rounds: 7,
    passes: 5,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--help' || flag === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    if (value === undefined) throw new RangeError(`${flag} needs a value\n${USAGE}`);
    i++;
    if (flag === '--trace') options.trace = path.resolve(process.cwd(), value);
    else if (flag === '--percent' || flag === '--rounds' || flag === '--passes') {
      const n = Number(value);
      if (!(n > 0) || (flag !== '--percent' && !Number.isInteger(n))) throw new RangeError(`${flag} must be a positive ${flag === '--percent' ? 'number' : 'integer'}, got ${value}\n${USAGE}`);
      options[flag.slice(2) as 'percent' | 'rounds' | 'passes'] = n;
    } else throw new RangeError(`unknown argument ${flag}\n${USAGE}`);
  }
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function lruCacheVersion(): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve('lru-cache'));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lru-cache') return pkg.version ?? '?';
    } catch {
      // not here: go up
    }
    const parent = path.dirname(dir);
    if (parent === dir) return '?';
    dir = parent;
  }
}

/** One replay through our core; returns the hits. */
function replayOurs(keys: readonly string[], sizes: Float64Array, maxBytes: number): number {
  const index = new CacheIndex({ maxBytes }, new LruPolicy());
  let hits = 0;
  for (let i = 0; i < keys.length; i++) if (index.request(keys[i]!, sizes[i]!)) hits++;
  return hits;
}

/** One replay through lru-cache; returns the hits. */
function replayLruCache(keys: readonly string[], sizes: Float64Array, maxBytes: number): number {
  const cache = new LRUCache<string, number>({
    maxSize: maxBytes,
    maxEntrySize: maxBytes,
    sizeCalculation: (size) => size,
  });
  let hits = 0;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, sizes[i]!);
  }
  return hits;
}

/** Times `passes` replays; returns requests per second. */
function timeRound(replay: () => number, passes: number, requests: number): number {
  const started = performance.now();
  for (let p = 0; p < passes; p++) replay();
  const elapsedMs = performance.now() - started;
  return (requests * passes) / (elapsedMs / 1000);
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * Runs the benchmark and prints its report to stdout.
 * @param argv Command-line arguments (see the module doc). Default: none (all defaults), which is
 *   how `npm run bench` calls it.
 * @returns The measured numbers.
 */
export async function main(argv: readonly string[] = []): Promise<ReplayBenchResult> {
  const options = parseArgs(argv);
  const trace = await loadTrace(options.trace);
  const keys = Array.from(trace.keyIds, (id) => trace.keys[id]!);
  const sizes = trace.sizes;
  const maxBytes = Math.floor((trace.uniqueBytes * options.percent) / 100);
  const ours = (): number => replayOurs(keys, sizes, maxBytes);
  const theirs = (): number => replayLruCache(keys, sizes, maxBytes);
  const version = lruCacheVersion();

  const hits = { ours: ours(), lruCache: theirs() }; // also the warm-up round
  console.log(
    `replay speed: ${trace.name}, ${fmt(trace.requests)} requests, budget ${fmt(maxBytes)} bytes ` +
      `(${options.percent}% of ${fmt(trace.uniqueBytes)} unique bytes), ${options.rounds} rounds × ${options.passes} replays`,
  );
  console.log(`  hits: ours ${fmt(hits.ours)}, lru-cache ${fmt(hits.lruCache)}${hits.ours === hits.lruCache ? ' (equal)' : ''}`);
  if (hits.ours !== hits.lruCache) {
    console.log(`  WARNING: hit counts differ (ours ${hits.ours}, lru-cache ${hits.lruCache}): the two caches disagree`);
  }

  const oursRates: number[] = [];
  const theirRates: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate which goes first, so drift (thermal, GC, neighbours) hits both alike.
    if (round % 2 === 0) {
      oursRates.push(timeRound(ours, options.passes, trace.requests));
      theirRates.push(timeRound(theirs, options.passes, trace.requests));
    } else {
      theirRates.push(timeRound(theirs, options.passes, trace.requests));
      oursRates.push(timeRound(ours, options.passes, trace.requests));
    }
  }
  const requestsPerSecond = { ours: median(oursRates), lruCache: median(theirRates) };
  const ratio = requestsPerSecond.ours / requestsPerSecond.lruCache;
  console.log(`  ours (CacheIndex + LruPolicy): ${fmt(requestsPerSecond.ours)} req/s (median)`);
  console.log(`  lru-cache ${version}:             ${fmt(requestsPerSecond.lruCache)} req/s (median)`);
  console.log(`  ratio ours / lru-cache: ${ratio.toFixed(2)}${ratio >= 1 ? '' : '  (ours is slower)'}`);
  return { trace: trace.name, requests: trace.requests, maxBytes, hits, requestsPerSecond, ratio, lruCacheVersion: version };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    await main(process.argv.slice(2));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = error instanceof RangeError ? 2 : 1;
  }
}
