import { BeladyPolicy, createPolicy, POLICY_NAMES, type ReplacementPolicy } from '../../sw/policy/index.ts';

/**
 * Policies the replay tool accepts: the worker's online policies ({@link POLICY_NAMES}, built by
 * `createPolicy`, the code the worker runs) plus the offline optimum `belady`, in sweep order.
 */
export const REPLAY_POLICY_NAMES = [...POLICY_NAMES, 'belady'] as const;
/** One of {@link REPLAY_POLICY_NAMES}. */
export type ReplayPolicyName = (typeof REPLAY_POLICY_NAMES)[number];

/** Whether `name` is one of {@link REPLAY_POLICY_NAMES}. */
export function isReplayPolicyName(name: string): name is ReplayPolicyName {
  return (REPLAY_POLICY_NAMES as readonly string[]).includes(name);
}

/**
 * Makes a new, empty policy for the replay tool.
 * @param name One of {@link REPLAY_POLICY_NAMES}; `belady` gives a {@link BeladyPolicy}, which
 *   the replayer feeds next-access times.
 * @throws RangeError when `name` is unknown.
 */
export function createReplayPolicy(name: string): ReplacementPolicy {
  return name === 'belady' ? new BeladyPolicy() : createPolicy(name);
}
