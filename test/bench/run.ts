/**
 * `npm run bench [-- --rounds N] [--quick] [--profile] [--latency MS] [--out DIR] [--no-replay] [--no-browser]`
 *
 * 1. The browser benchmark (browser-bench.ts): network, HTTP cache, a bare cache-first worker (the
 *    floor), Workbox CacheFirst + ExpirationPlugin, and ours, side by side in one Chromium session;
 *    prints a table of medians and ratios to bare, PASS/MISS per target, and writes
 *    `docs/bench/results.{json,md,svg}` (`--quick` writes to `.cache/bench-quick/` unless `--out`).
 * 2. The replay speed benchmark, `main()` of `test/bench/replay-vs-lru-cache.ts` (skipped with a
 *    note when that file is absent); its result is added to `results.json` and `results.md`.
 * See docs/bench/README.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBrowserBench, type BrowserBenchResult } from './browser-bench.ts';
import { formatTraceSummary } from './profile.ts';
import { evaluateTargets, formatText, writeReports, type Target } from './report.ts';

const USAGE = `usage: npm run bench -- [--rounds N] [--quick] [--profile] [--latency MS] [--out DIR] [--no-replay] [--no-browser]
  --rounds N     alternating rounds (default 5; 2 with --quick)
  --quick        a short run (fewer images per pass, 2 rounds; under ~2 minutes)
  --profile      also trace a burst of cached hits on bare and ours (.cache/bench-trace-*.json)
  --latency MS   artificial latency of every server response (default 20)
  --out DIR      where results.{json,md,svg} go (default docs/bench; .cache/bench-quick with --quick)
  --no-replay    skip the replay speed benchmark
  --no-browser   only the replay speed benchmark`;

interface Args {
  rounds?: number;
  quick: boolean;
  profile: boolean;
  latencyMs: number;
  out?: string;
  replay: boolean;
  browser: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, profile: false, latencyMs: 20, replay: true, browser: true };
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

async function runReplay(quick: boolean): Promise<ReplaySummary | undefined> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), 'replay-vs-lru-cache.ts');
  if (!existsSync(file)) {
    console.log('\nreplay speed benchmark: skipped (test/bench/replay-vs-lru-cache.ts is not there yet)');
    return undefined;
  }
  const mod = (await import(pathToFileURL(file).href)) as { main?: (argv?: readonly string[]) => unknown };
  if (typeof mod.main !== 'function') {
    console.log('\nreplay speed benchmark: skipped (test/bench/replay-vs-lru-cache.ts exports no main())');
    return undefined;
  }
  console.log('\nreplay speed benchmark (test/bench/replay-vs-lru-cache.ts):');
  const result = await mod.main(quick ? ['--rounds', '3', '--passes', '2'] : []);
  return result && typeof result === 'object' ? (result as ReplaySummary) : undefined;
}

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
  if (browser) {
    const out = args.out ?? (args.quick ? '.cache/bench-quick' : 'docs/bench');
    const written = await writeReports(path.resolve(out), browser.result, browser.targets, replay);
    console.log(`\nwrote ${written.join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
