import { computeNextAccess } from './computeNextAccess.ts';
import type { LoadedTrace } from './loadTrace.ts';
import { SWEEP_PERCENTS } from './parseReplayArgs.ts';
import { createReplayPolicy, REPLAY_POLICY_NAMES, type ReplayPolicyName } from './replayPolicies.ts';
import { TraceReplayer, type ReplayResult } from './TraceReplayer.ts';

/** Options of {@link runSweep}. */
export interface SweepOptions {
  /** Cache sizes in percent of the unique bytes. Default {@link SWEEP_PERCENTS} (1, 5, 10, 25). */
  percents?: readonly number[];
  /** Policies, in column order. Default {@link REPLAY_POLICY_NAMES} (belady last). */
  policies?: readonly ReplayPolicyName[];
  /** Called after each run (for progress on stderr). */
  onRun?: (percent: number, result: ReplayResult) => void;
}

/** One cache size of a sweep. */
export interface SweepPoint {
  /** Cache size, in percent of the trace's unique bytes. */
  percent: number;
  /** The byte budget: ⌊uniqueBytes × percent / 100⌋ bytes (at least 1). */
  maxBytes: number;
  /** One replay per policy, in the sweep's policy order. */
  results: ReplayResult[];
}

/** Every policy at every cache size over one trace (written as `<trace>.sweep.json`). */
export interface SweepResult {
  /** Trace name (file base name without `.csv`). */
  trace: string;
  /** Requests replayed per run. */
  requests: number;
  /** Rows skipped (size 0). */
  skipped: number;
  /** Distinct keys. */
  uniqueKeys: number;
  /** Sum of the first-seen size per key, in bytes: the 100 % of the cache sizes. */
  uniqueBytes: number;
  /** Sum of the requested sizes, in bytes. */
  bytesRequested: number;
  /** Policies, in column order. */
  policies: ReplayPolicyName[];
  /** One point per cache size, smallest first. */
  points: SweepPoint[];
}

/**
 * Replays a trace held in memory through every policy at every cache size (no limit but the
 * bytes: no count limit, `maxEntryBytes` = the budget). Each run starts from an empty cache and
 * replays the same request sequence as the streaming single run would.
 * Cost: O(policies × sizes × requests × policy cost); memory: the loaded trace plus, for belady,
 * its next-access array (8 bytes per request).
 * @param trace The trace, from {@link loadTrace}.
 * @param options Sizes, policies, progress; see {@link SweepOptions}.
 */
export function runSweep(trace: LoadedTrace, options: SweepOptions = {}): SweepResult {
  const percents = options.percents ?? SWEEP_PERCENTS;
  const policies = [...(options.policies ?? REPLAY_POLICY_NAMES)];
  const { keys, keyIds, sizes, requests } = trace;
  let nextAccess: Float64Array | undefined;
  const points: SweepPoint[] = [];
  for (const percent of percents) {
    const maxBytes = Math.max(Math.floor((trace.uniqueBytes * percent) / 100), 1);
    const results: ReplayResult[] = [];
    for (const name of policies) {
      const replayer = new TraceReplayer({ policy: createReplayPolicy(name), maxBytes });
      if (name === 'belady') {
        nextAccess ??= computeNextAccess(keyIds, keys.length);
        for (let i = 0; i < requests; i++) replayer.request(keys[keyIds[i]!]!, sizes[i]!, nextAccess[i]!);
      } else {
        for (let i = 0; i < requests; i++) replayer.request(keys[keyIds[i]!]!, sizes[i]!);
      }
      const result = replayer.result(trace.skipped);
      results.push(result);
      options.onRun?.(percent, result);
    }
    points.push({ percent, maxBytes, results });
  }
  return {
    trace: trace.name,
    requests,
    skipped: trace.skipped,
    uniqueKeys: keys.length,
    uniqueBytes: trace.uniqueBytes,
    bytesRequested: trace.bytesRequested,
    policies,
    points,
  };
}
