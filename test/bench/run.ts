/**
 * `npm run bench [-- --rounds N] [--quick] [--max-entries N] [--phases LIST] [--tmpfs] [--profile] [--latency MS] [--out DIR] [--no-replay] [--no-transcode] [--no-browser]`
 *
 * 1. The browser benchmark (browser-bench.ts): network, HTTP cache, a bare cache-first worker (the
 *    floor), Workbox CacheFirst + ExpirationPlugin, and ours, side by side in one Chromium session;
 *    prints a table of medians and ratios to bare, PASS/MISS per target, and writes
 *    `docs/bench/results.{json,md,svg}` (`--quick` writes to `.cache/bench-quick/` unless `--out`).
 * 2. The replay speed benchmark, `main()` of `test/bench/replay-vs-lru-cache.ts` (skipped with a
 *    note when that file is absent); its result is added to `results.json` and `results.md`.
 * 3. The transcode benchmark, `main()` of `test/bench/transcode.ts` (skipped with a note when that
 *    file is absent or exports no `main`); its result goes to `results.*` under `transcode`.
 * With `BENCH_SAMPLES=<file>` in the environment, every c=1 hit pass (main set and entry-count
 * levels) also appends its samples, in load order, to that file as JSON lines (`dumpSamples`).
 * See docs/bench/README.md.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBrowserBench, type BrowserBenchResult } from './browser-bench.ts';
import { formatTraceSummary } from './profile.ts';
import { evaluateTargets, formatText, writeReports, type Target } from './report.ts';

const USAGE = `usage: npm run bench -- [--rounds N] [--quick] [--max-entries N] [--phases LIST] [--tmpfs] [--profile] [--latency MS] [--out DIR] [--no-replay] [--no-transcode] [--no-browser]
  --rounds N     alternating rounds (default 5; 2 with --quick)
  --quick        a short run (50 hit images, 2 rounds, entry counts up to 1,000 in 1 round, 10 large misses)
  --max-entries N  the largest entry-count level (default 100000; 1000 with --quick): 100, 1,000, 10,000, 100,000 up to N, and N
  --phases LIST  comma-separated subset of hits,scale,memory (default all three)
  --tmpfs        put Chromium's profile in /dev/shm instead of the OS temp folder
  --profile      also trace a burst of cached hits on bare and ours (.cache/bench-trace-*.json)
  --latency MS   artificial latency of every server response (default 20)
  --out DIR      where results.{json,md,svg} go (default docs/bench; .cache/bench-quick with --quick)
  --no-replay    skip the replay speed benchmark
  --no-transcode skip the transcode benchmark
  --no-browser   only the replay speed benchmark`;

interface Args {
  rounds?: number;
  quick: boolean;
  profile: boolean;
  latencyMs: number;
  out?: string;
  replay: boolean;
  transcode: boolean;
  browser: boolean;
  maxEntries?: number;
  phases: Set<'hits' | 'scale' | 'memory'>;
  tmpfs: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, profile: false, latencyMs: 20, replay: true, transcode: true, browser: true, phases: new Set(['hits', 'scale', 'memory']), tmpfs: false };
  const num = (name: string, s: string | undefined, min: number, max: number): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < min || n > max) {
      console.error(`bench: ${name} must be an integer from ${min} to ${max}, got ${s}\n${USAGE}`);
      process.exit(2);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') args.rounds = num('--rounds', argv[++i], 1, 50);
    else if (a === '--quick') args.quick = true;
    else if (a === '--profile') args.profile = true;
    else if (a === '--latency') args.latencyMs = num('--latency', argv[++i], 0, 1000);
    else if (a === '--out') args.out = argv[++i];
    else if (a === '--no-replay') args.replay = false;
    else if (a === '--no-transcode') args.transcode = false;
    else if (a === '--tmpfs') args.tmpfs = true;
    else if (a === '--max-entries') args.maxEntries = num('--max-entries', argv[++i], 100, 1_000_000);
    else if (a === '--phases') {
      const list = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = list.filter((p) => p !== 'hits' && p !== 'scale' && p !== 'memory');
      if (list.length === 0 || bad.length > 0) {
        console.error(`bench: --phases takes a comma-separated subset of hits,scale,memory, got ${argv[i]}\n${USAGE}`);
        process.exit(2);
      }
      args.phases = new Set(list as Array<'hits' | 'scale' | 'memory'>);
    }
    else if (a === '--no-browser') args.browser = false;
    else if (a === '--help' || a === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      console.error(`bench: unknown argument ${a}\n${USAGE}`);
      process.exit(2);
    }
  }
  return args;
}

/** What the replay speed benchmark returns (see replay-vs-lru-cache.ts); kept loose on purpose. */
export type ReplaySummary = Record<string, unknown>;

/** What the transcode benchmark returns (see transcode.ts): `perCategory` rows, `encodeMsPerMegapixel`, …; rendered generically. */
export type TranscodeSummary = Record<string, unknown>;

/**
 * Runs `main(argv)` of the benchmark module `test/bench/<file>` (skipped with a note when the file is
 * absent or exports no `main`) and returns its result when it is an object.
 */
async function runModule(title: string, file: string, argv: readonly string[]): Promise<Record<string, unknown> | undefined> {
  const full = path.join(path.dirname(fileURLToPath(import.meta.url)), file);
  if (!existsSync(full)) {
    console.log(`\n${title}: skipped (test/bench/${file} is not there yet)`);
    return undefined;
  }
  const mod = (await import(pathToFileURL(full).href)) as { main?: (argv?: readonly string[]) => unknown };
  if (typeof mod.main !== 'function') {
    console.log(`\n${title}: skipped (test/bench/${file} exports no main())`);
    return undefined;
  }
  console.log(`\n${title} (test/bench/${file}):`);
  const result = await mod.main(argv);
  return result && typeof result === 'object' ? (result as Record<string, unknown>) : undefined;
}

const runReplay = (quick: boolean): Promise<ReplaySummary | undefined> =>
  runModule('replay speed benchmark', 'replay-vs-lru-cache.ts', quick ? ['--rounds', '3', '--passes', '2'] : []);

const runTranscode = (quick: boolean): Promise<TranscodeSummary | undefined> =>
  runModule('transcode benchmark', 'transcode.ts', quick ? ['--quick'] : []);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let browser: { result: BrowserBenchResult; targets: Target[] } | undefined;
  if (args.browser) {
    const rounds = args.rounds ?? (args.quick ? 2 : 5);
    const result = await runBrowserBench({
      rounds,
      quick: args.quick,
      profile: args.profile,
      latencyMs: args.latencyMs,
      maxEntries: args.maxEntries ?? (args.quick ? 1000 : 100_000),
      phases: args.phases,
      profileRoot: args.tmpfs ? '/dev/shm' : os.tmpdir(),
      log: (line) => console.log(line),
    });
    const targets = evaluateTargets(result);
    console.log('\n' + formatText(result, targets));
    if (result.profile) {
      console.log('\nprofile of the hit path (service worker thread):');
      for (const s of result.profile) console.log(formatTraceSummary(s));
    }
    browser = { result, targets };
  }
  let replay: ReplaySummary | undefined;
  if (args.replay) {
    try {
      replay = await runReplay(args.quick);
    } catch (error) {
      console.error(`replay speed benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
  let transcode: TranscodeSummary | undefined;
  if (args.transcode) {
    try {
      transcode = await runTranscode(args.quick);
    } catch (error) {
      console.error(`transcode benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
  if (browser) {
    const out = args.out ?? (args.quick ? '.cache/bench-quick' : 'docs/bench');
    const written = await writeReports(path.resolve(out), browser.result, browser.targets, replay, transcode);
    console.log(`\nwrote ${written.join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
