/**
 * Names accepted by `--policy` (replay) and the worker config's `policy` key: the online policies.
 * The offline optimum `belady` (`BeladyPolicy`) needs the future and is only offered by the
 * replay tool. (No imports here, so the config validator does not pull every policy into a bundle.)
 */
export const POLICY_NAMES = ['lru', 'fifo', 'lfu', 'sieve', 's3fifo', 'gdsf'] as const;
/** One of {@link POLICY_NAMES}. */
export type PolicyName = (typeof POLICY_NAMES)[number];
