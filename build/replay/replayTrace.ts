import type { Bytes } from '../../sw/policy/index.ts';
import { createReplayPolicy, type ReplayPolicyName } from './replayPolicies.ts';
import { streamNextAccess } from './streamNextAccess.ts';
import { TraceReader, type TraceSource } from './TraceReader.ts';
import { TraceReplayer, type ReplayResult } from './TraceReplayer.ts';

/** Options of {@link replayTrace}. */
export interface ReplayTraceOptions {
  /** Policy name. Default `lru`. */
  policy?: ReplayPolicyName;
  /** Byte budget, in bytes (> 0). */
  maxBytes: Bytes;
  /** Count limit; absent: none. */
  maxEntries?: number;
  /** Largest object admitted, in bytes; absent: `maxBytes`. */
  maxEntryBytes?: Bytes;
  /**
   * For `belady` only: a fresh copy of the trace for the second pass (a chunk source can be read
   * only once). Default: `source` again, which works for a path.
   */
  secondPassSource?: () => TraceSource;
  /** Stored size per key (`--sizes`), see {@link TraceReplayerOptions.storedSizes}. Absent: the requested sizes. */
  storedSizes?: ReadonlyMap<string, Bytes>;
  /** Called every `progressEveryRows` requests with the count so far and the ms elapsed. */
  onProgress?: (requests: number, elapsedMs: number) => void;
  /** Progress period in requests. Default 1,000,000. */
  progressEveryRows?: number;
  /** Clock for `elapsedMs`, in ms. Default `performance.now`. */
  now?: () => number;
}

/** A {@link ReplayResult} with the run's timing and the trace's distinct keys. */
export interface TimedReplayResult extends ReplayResult {
  /** Distinct keys requested. */
  uniqueKeys: number;
  /** Sum of the first-seen size of each distinct key, in bytes. */
  uniqueBytes: Bytes;
  /** Wall time of the run (reading, parsing and replaying), in ms. */
  elapsedMs: number;
  /** `requests / elapsedMs × 1000`. */
  requestsPerSecond: number;
}

/**
 * Replays a trace, streamed row by row (single-run mode of `npm run replay`): memory is one chunk
 * plus the cache's own state and one `Map` slot per distinct key (for `uniqueKeys`), whatever
 * the trace's length. `belady` first streams the trace once to build its next-access array
 * (8 bytes per request) and then replays it.
 * @param source A path, or chunks of CSV text.
 * @param options Budget, policy, progress; see {@link ReplayTraceOptions}.
 * @throws TraceFormatError on a malformed row; RangeError on an invalid budget.
 */
export async function replayTrace(source: TraceSource, options: ReplayTraceOptions): Promise<TimedReplayResult> {
  const now = options.now ?? (() => performance.now());
  const every = options.progressEveryRows ?? 1_000_000;
  const started = now();
  const policyName = options.policy ?? 'lru';
  let nextAccess: Float64Array | undefined;
  let replaySource = source;
  if (policyName === 'belady') {
    nextAccess = await streamNextAccess(source);
    if (options.secondPassSource) {
      replaySource = options.secondPassSource();
    } else if (typeof source !== 'string') {
      throw new Error('replayTrace: belady needs the trace twice; pass a path or secondPassSource');
    }
  }
  const replayerOptions: ConstructorParameters<typeof TraceReplayer>[0] = {
    policy: createReplayPolicy(policyName),
    maxBytes: options.maxBytes,
    trackUnique: true,
  };
  if (options.maxEntries !== undefined) replayerOptions.maxEntries = options.maxEntries;
  if (options.maxEntryBytes !== undefined) replayerOptions.maxEntryBytes = options.maxEntryBytes;
  if (options.storedSizes !== undefined) replayerOptions.storedSizes = options.storedSizes;
  const replayer = new TraceReplayer(replayerOptions);
  const reader = new TraceReader(replaySource, typeof source === 'string' ? { name: source } : {});
  let nextReport = every;
  let i = 0;
  for await (const batch of reader.batches()) {
    if (nextAccess !== undefined) {
      for (const row of batch) {
        replayer.request(row.key, row.size, nextAccess[i++]);
      }
    } else {
      for (const row of batch) replayer.request(row.key, row.size);
    }
    if (options.onProgress && replayer.requests >= nextReport) {
      options.onProgress(replayer.requests, now() - started);
      nextReport = (Math.floor(replayer.requests / every) + 1) * every;
    }
  }
  const elapsedMs = now() - started;
  const result = replayer.result(reader.skipped);
  return {
    ...result,
    uniqueKeys: result.uniqueKeys ?? 0,
    uniqueBytes: result.uniqueBytes ?? 0,
    elapsedMs: Math.round(elapsedMs * 10) / 10,
    requestsPerSecond: elapsedMs > 0 ? Math.round((result.requests / elapsedMs) * 1000) : 0,
  };
}
