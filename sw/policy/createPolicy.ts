import { LruPolicy } from './LruPolicy.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';

/** Names accepted by `--policy` (replay) and the worker config's `policy` key. */
export const POLICY_NAMES = ['lru'] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];

/**
 * Makes a new, empty policy by name.
 * @throws RangeError naming the accepted policies when `name` is unknown.
 */
export function createPolicy(name: string = 'lru'): ReplacementPolicy {
  switch (name) {
    case 'lru':
      return new LruPolicy();
    default:
      throw new RangeError(`unknown policy "${name}"; expected one of: ${POLICY_NAMES.join(', ')}`);
  }
}
