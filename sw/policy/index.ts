/**
 * The pure policy layer: replacement policies, the byte/count-bounded index and freshness math.
 * No `self`, `caches`, `indexedDB` or `Date.now()` here: the clock is passed in as `nowMs`.
 * @module
 */
export type { Bytes, Milliseconds, Seconds, RemovalReason, Removal } from './types.ts';
export type { ReplacementPolicy } from './ReplacementPolicy.ts';
export { LruPolicy } from './LruPolicy.ts';
export { CacheIndex, type CacheLimits, type Admission } from './CacheIndex.ts';
export { expiresAtMs, isFresh, ageSeconds, findExpired, recencyOrder } from './freshness.ts';
export { createPolicy, POLICY_NAMES, type PolicyName } from './createPolicy.ts';
