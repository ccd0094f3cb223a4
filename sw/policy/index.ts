/**
 * The pure policy layer: replacement policies (lru, fifo, lfu, sieve, s3fifo, gdsf, and the
 * offline belady used by the replay tool), the byte/count-bounded index and freshness math.
 * No `self`, `caches`, `indexedDB` or `Date.now()` here: the clock is passed in as `nowMs`.
 * @module
 */
export type { Bytes, Milliseconds, Seconds, RemovalReason, Removal } from './types.ts';
export type { ReplacementPolicy, PolicyLimits } from './ReplacementPolicy.ts';
export { LruPolicy } from './LruPolicy.ts';
export { FifoPolicy } from './FifoPolicy.ts';
export { LfuPolicy } from './LfuPolicy.ts';
export { SievePolicy } from './SievePolicy.ts';
export { S3FifoPolicy, type S3FifoOptions, type S3FifoQueue } from './S3FifoPolicy.ts';
export { GdsfPolicy } from './GdsfPolicy.ts';
export { BeladyPolicy } from './BeladyPolicy.ts';
export { CacheIndex, type CacheLimits, type Admission } from './CacheIndex.ts';
export { expiresAtMs, isFresh, ageSeconds, findExpired, recencyOrder, isPastStaleGrace, capFreshness } from './freshness.ts';
export { chooseStaleVictims } from './staleFirst.ts';
export { createPolicy, POLICY_NAMES, type PolicyName } from './createPolicy.ts';
export {
  JobQueue,
  JOB_PRIORITIES,
  type Job,
  type JobPriority,
  type JobOutcome,
  type JobEvent,
  type JobTimer,
  type JobQueueOptions,
  type DeadLetter,
  type BatchProgress,
  type PriorityCounts,
  type ProgressListener,
} from './JobQueue.ts';
