import { FifoPolicy } from './FifoPolicy.ts';
import { GdsfPolicy } from './GdsfPolicy.ts';
import { LfuPolicy } from './LfuPolicy.ts';
import { LruPolicy } from './LruPolicy.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import { S3FifoPolicy } from './S3FifoPolicy.ts';
import { SievePolicy } from './SievePolicy.ts';

import { POLICY_NAMES } from './policyNames.ts';

export { POLICY_NAMES, type PolicyName } from './policyNames.ts';

/**
 * Makes a new, empty policy by name, with its default tuning.
 * @param name One of {@link POLICY_NAMES}. Default: `'lru'`.
 * @throws RangeError naming the accepted policies when `name` is unknown.
 */
export function createPolicy(name: string = 'lru'): ReplacementPolicy {
  switch (name) {
    case 'lru':
      return new LruPolicy();
    case 'fifo':
      return new FifoPolicy();
    case 'lfu':
      return new LfuPolicy();
    case 'sieve':
      return new SievePolicy();
    case 's3fifo':
      return new S3FifoPolicy();
    case 'gdsf':
      return new GdsfPolicy();
    default:
      throw new RangeError(`unknown policy "${name}"; expected one of: ${POLICY_NAMES.join(', ')}`);
  }
}
