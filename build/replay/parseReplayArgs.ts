import type { Bytes } from '../../sw/policy/index.ts';
import { isReplayPolicyName, REPLAY_POLICY_NAMES, type ReplayPolicyName } from './replayPolicies.ts';
import { UsageError } from './UsageError.ts';

/** Default `--out` of `--sweep`, relative to the working directory. */
export const DEFAULT_SWEEP_OUT = 'docs/replay';
/** Cache sizes of a sweep, in percent of the trace's unique bytes. */
export const SWEEP_PERCENTS: readonly number[] = [1, 5, 10, 25];

/** `--help`: print {@link REPLAY_USAGE} and exit 0. */
export interface HelpCommand {
  mode: 'help';
}

/** One replay of one policy at one budget, streamed. */
export interface SingleReplayCommand {
  mode: 'single';
  /** Path of the trace CSV. */
  trace: string;
  /** `--policy`. Default `lru`. */
  policy: ReplayPolicyName;
  /** `--max-bytes`: the byte budget, in bytes. Required. */
  maxBytes: Bytes;
  /** `--max-entries`: count limit; absent: none. */
  maxEntries?: number;
  /** `--max-entry-bytes`: largest admitted object, in bytes; absent: `maxBytes`. */
  maxEntryBytes?: Bytes;
  /** `--sizes`: CSV of `key,stored_size` (e.g. `data/transcoded_sizes.csv`); absent: entries keep the requested size. */
  sizes?: string;
}

/** Every policy at 1, 5, 10, 25 % of the unique bytes, with JSON, Markdown and SVG output. */
export interface SweepCommand {
  mode: 'sweep';
  /** Path of the trace CSV. */
  trace: string;
  /** `--out`: output directory. Default {@link DEFAULT_SWEEP_OUT}. */
  out: string;
}

/** What the command line asks for. */
export type ReplayCommand = HelpCommand | SingleReplayCommand | SweepCommand;

/** The `--help` text (also printed after a usage error). */
export const REPLAY_USAGE = `Usage:
  npm run replay -- --trace FILE.csv --max-bytes N [--max-entries N] [--max-entry-bytes N] [--policy NAME] [--sizes FILE.csv]
  npm run replay -- --trace FILE.csv --sweep [--out DIR]

Replays a request trace through the service worker's policy core (sw/policy CacheIndex) and
prints one JSON object to stdout: { policy, maxBytes, requests, hits, misses, missRatio,
bytesRequested, bytesMissed, byteMissRatio, evictions, skipped, ... }.

Trace: CSV with a header naming the columns time,key,size (found by name; extra columns are
ignored). A hit is a key match (the entry keeps the size it was stored with); on a miss, victims
are evicted one at a time until the object fits; an object larger than the budget (or
--max-entry-bytes) is a miss that is not admitted and evicts nothing. Rows with size 0 are
skipped and counted; a malformed row stops the run with its line number (exit 1).

Options:
  --trace FILE          trace CSV (required)
  --max-bytes N         byte budget, in bytes (required without --sweep)
  --max-entries N       count limit (default: none)
  --max-entry-bytes N   largest object admitted, in bytes (default: --max-bytes)
  --policy NAME         ${REPLAY_POLICY_NAMES.join(' | ')} (default: lru)
                        belady is the offline optimum (evicts the entry requested furthest in
                        the future): it reads the trace twice and keeps the whole trace's
                        next-access array in memory, 8 bytes per request
  --sizes FILE          CSV naming the columns key,stored_size (e.g. data/transcoded_sizes.csv
                        from npm run data): a missed key is stored with that size (what a cache
                        that re-encodes keeps); the trace's size stays the requested size summed
                        in bytesRequested/bytesMissed; unlisted keys keep the trace's size
  --sweep               run every policy at ${SWEEP_PERCENTS.join(', ')} % of the trace's unique bytes
                        (first-seen size per key) and write DIR/<trace>.sweep.{json,md,svg};
                        reads the trace into memory (about 12 bytes per request plus the keys)
  --out DIR             output directory of --sweep (default: ${DEFAULT_SWEEP_OUT})
  --help                show this text

Single runs stream the file; progress goes to stderr every 1,000,000 rows when stderr is a
terminal or the run is long.
`;

/** Flags that take a value. */
const VALUE_FLAGS = ['--trace', '--max-bytes', '--max-entries', '--max-entry-bytes', '--policy', '--out', '--sizes'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];

/**
 * Parses the replay command line (the arguments after `npm run replay --`). Accepts `--flag value`
 * and `--flag=value`.
 * @param argv The arguments, without `node` and the script.
 * @returns The command.
 * @throws UsageError naming the bad argument: unknown flag, missing or repeated value, a number
 *   that is not a positive integer, an unknown policy, options that do not go together.
 */
export function parseReplayArgs(argv: readonly string[]): ReplayCommand {
  const values = new Map<ValueFlag, string>();
  let sweep = false;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (arg === '--sweep') {
      sweep = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (!(VALUE_FLAGS as readonly string[]).includes(flag)) {
      throw new UsageError(arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument ${JSON.stringify(arg)}`);
    }
    let value: string | undefined;
    if (eq > 0) {
      value = arg.slice(eq + 1);
    } else {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
      i++;
    }
    if (value === '') throw new UsageError(`${flag} needs a value`);
    if (values.has(flag as ValueFlag)) throw new UsageError(`${flag} given more than once`);
    values.set(flag as ValueFlag, value);
  }
  if (help) return { mode: 'help' };

  const trace = values.get('--trace');
  if (trace === undefined) throw new UsageError('--trace FILE is required');

  if (sweep) {
    for (const flag of ['--max-bytes', '--max-entries', '--max-entry-bytes', '--policy', '--sizes'] as const) {
      if (values.has(flag)) throw new UsageError(`${flag} cannot be used with --sweep (the sweep sets budgets itself and runs every policy)`);
    }
    return { mode: 'sweep', trace, out: values.get('--out') ?? DEFAULT_SWEEP_OUT };
  }
  if (values.has('--out')) throw new UsageError('--out is only used with --sweep');

  const maxBytesText = values.get('--max-bytes');
  if (maxBytesText === undefined) throw new UsageError('--max-bytes N is required (or use --sweep)');
  const policy = values.get('--policy') ?? 'lru';
  if (!isReplayPolicyName(policy)) {
    throw new UsageError(`unknown policy ${JSON.stringify(policy)}; expected one of: ${REPLAY_POLICY_NAMES.join(', ')}`);
  }
  const command: SingleReplayCommand = { mode: 'single', trace, policy, maxBytes: positiveInteger('--max-bytes', maxBytesText) };
  const maxEntries = values.get('--max-entries');
  if (maxEntries !== undefined) command.maxEntries = positiveInteger('--max-entries', maxEntries);
  const maxEntryBytes = values.get('--max-entry-bytes');
  if (maxEntryBytes !== undefined) command.maxEntryBytes = positiveInteger('--max-entry-bytes', maxEntryBytes);
  const sizes = values.get('--sizes');
  if (sizes !== undefined) command.sizes = sizes;
  return command;
}

/** Parses a positive safe integer (digits, `_` separators allowed). */
function positiveInteger(flag: string, text: string): number {
  const digits = text.replaceAll('_', '');
  const value = /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return value;
}
