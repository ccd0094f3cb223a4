/**
 * The trace-replay tool's reusable parts (`npm run replay`, see `build/replay.ts`): the streaming
 * CSV trace reader, the replay loop over the worker's `CacheIndex`, Belady's next-access index,
 * the sweep with its Markdown / SVG renderers, and the command-line parser.
 * @module
 */
export { TraceReader, type TraceRow, type TraceSource, type TraceReaderOptions } from './TraceReader.ts';
export { TraceFormatError } from './TraceFormatError.ts';
export { TraceReplayer, type TraceReplayerOptions, type ReplayResult } from './TraceReplayer.ts';
export { replayTrace, type ReplayTraceOptions, type TimedReplayResult } from './replayTrace.ts';
export { loadStoredSizes } from './loadStoredSizes.ts';
export { loadTrace, type LoadedTrace, type LoadTraceOptions } from './loadTrace.ts';
export { computeNextAccess } from './computeNextAccess.ts';
export { streamNextAccess } from './streamNextAccess.ts';
export { runSweep, type SweepOptions, type SweepPoint, type SweepResult } from './runSweep.ts';
export { renderSweepMarkdown, type SweepMarkdownOptions } from './renderSweepMarkdown.ts';
export { renderSweepSvg } from './renderSweepSvg.ts';
export { writeSweep, type SweepFiles } from './writeSweep.ts';
export { REPLAY_POLICY_NAMES, createReplayPolicy, isReplayPolicyName, type ReplayPolicyName } from './replayPolicies.ts';
export {
  parseReplayArgs,
  REPLAY_USAGE,
  DEFAULT_SWEEP_OUT,
  SWEEP_PERCENTS,
  type ReplayCommand,
  type SingleReplayCommand,
  type SweepCommand,
  type HelpCommand,
} from './parseReplayArgs.ts';
export { UsageError } from './UsageError.ts';
