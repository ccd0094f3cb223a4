/**
 * `npm run replay`: replays a request trace through the service worker's policy core
 * (`sw/policy/CacheIndex`), see `REPLAY_USAGE` or `npm run replay -- --help`.
 *
 * - single run: streams the trace and prints one JSON object to stdout (DESIGN.md §5);
 * - `--sweep`: every policy at 1, 5, 10, 25 % of the unique bytes, written as
 *   `DIR/<trace>.sweep.{json,md,svg}` (default `docs/replay/`); prints the paths as JSON.
 *
 * Exit status: 0 on success, 1 on a malformed trace or an I/O error (message with the line
 * number on stderr), 2 on bad arguments (message and usage on stderr).
 * @module
 */
import { stat } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import {
  loadStoredSizes,
  loadTrace,
  parseReplayArgs,
  REPLAY_USAGE,
  replayTrace,
  runSweep,
  TraceFormatError,
  UsageError,
  writeSweep,
  type ReplayCommand,
  type ReplayTraceOptions,
} from './replay/index.ts';

/** Progress is printed when stderr is a terminal, or once a run is older than this, in ms. */
const LONG_RUN_MS = 5_000;

/**
 * Runs the replay command line.
 * @param argv Arguments after the script name. Default: `process.argv.slice(2)`.
 * @returns The exit status (0, 1 or 2).
 */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  let command: ReplayCommand;
  try {
    command = parseReplayArgs(argv);
    if (command.mode !== 'help') await checkTrace(command.trace);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`replay: ${error.message}\n\n${REPLAY_USAGE}`);
      return 2;
    }
    throw error;
  }
  if (command.mode === 'help') {
    process.stdout.write(REPLAY_USAGE);
    return 0;
  }
  try {
    if (command.mode === 'single') {
      const options: ReplayTraceOptions = {
        policy: command.policy,
        maxBytes: command.maxBytes,
        onProgress: (requests, elapsedMs) => {
          if (!process.stderr.isTTY && elapsedMs < LONG_RUN_MS) return;
          const rate = elapsedMs > 0 ? (requests / elapsedMs) * 1000 : 0;
          process.stderr.write(
            `replay: ${requests.toLocaleString('en-US')} requests, ${(elapsedMs / 1000).toFixed(1)} s, ` +
              `${Math.round(rate).toLocaleString('en-US')} req/s\n`,
          );
        },
      };
      if (command.maxEntries !== undefined) options.maxEntries = command.maxEntries;
      if (command.maxEntryBytes !== undefined) options.maxEntryBytes = command.maxEntryBytes;
      if (command.sizes !== undefined) options.storedSizes = await loadStoredSizes(command.sizes);
      const result = await replayTrace(command.trace, options);
      const sizes = command.sizes !== undefined ? { sizes: command.sizes } : {};
      process.stdout.write(`${JSON.stringify({ trace: command.trace, ...sizes, ...result }, null, 2)}\n`);
      return 0;
    }
    const started = performance.now();
    const trace = await loadTrace(command.trace);
    process.stderr.write(
      `replay: loaded ${command.trace}: ${trace.requests.toLocaleString('en-US')} requests, ` +
        `${trace.keys.length.toLocaleString('en-US')} keys, ${trace.uniqueBytes.toLocaleString('en-US')} unique bytes\n`,
    );
    const sweep = runSweep(trace, {
      onRun: (percent, result) => {
        process.stderr.write(
          `replay: ${percent}% ${result.policy}: missRatio ${result.missRatio.toFixed(4)}, ` +
            `byteMissRatio ${result.byteMissRatio.toFixed(4)}\n`,
        );
      },
    });
    const files = await writeSweep(sweep, command.out, command.trace);
    const elapsedMs = Math.round(performance.now() - started);
    process.stdout.write(`${JSON.stringify({ trace: command.trace, files, elapsedMs }, null, 2)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof TraceFormatError) {
      process.stderr.write(`replay: malformed trace: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`replay: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/** @throws UsageError when the trace path is not a readable file. */
async function checkTrace(trace: string): Promise<void> {
  let isFile = false;
  try {
    isFile = (await stat(trace)).isFile();
  } catch {
    throw new UsageError(`--trace ${trace}: no such file`);
  }
  if (!isFile) throw new UsageError(`--trace ${trace}: not a file`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
