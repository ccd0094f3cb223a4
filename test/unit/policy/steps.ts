import { CacheIndex, type CacheLimits, type ReplacementPolicy } from '../../../sw/policy/index.ts';

/**
 * Test helper: replays compact request steps through a {@link CacheIndex} and describes what
 * happened to each, so policy tests read as tables.
 *
 * A step is `'key'` (size 1) or `'key:size'`. Each outcome is `'hit'`, `'miss'` (admitted, no
 * eviction), `'miss -a -b'` (admitted after evicting a then b) or `'reject'` (a miss that is not
 * admitted: larger than `maxEntryBytes` / `maxBytes`).
 */
export function runSteps(index: CacheIndex, steps: readonly string[], before?: (i: number) => void): string[] {
  return steps.map((step, i) => {
    before?.(i);
    const [key, sizeText] = step.split(':') as [string, string | undefined];
    const size = sizeText === undefined ? 1 : Number(sizeText);
    const victims: string[] = [];
    if (index.request(key, size, victims)) return 'hit';
    if (!index.has(key)) return 'reject';
    return ['miss', ...victims.map((v) => `-${v}`)].join(' ');
  });
}

/** A fresh index over `policy` with `limits`. */
export function indexOf(policy: ReplacementPolicy, limits: CacheLimits): CacheIndex {
  return new CacheIndex(limits, policy);
}

/** For Belady: per step, the index of the next step with the same key (`Infinity` if none). */
export function nextAccessOfSteps(steps: readonly string[]): number[] {
  const keys = steps.map((s) => s.split(':')[0]!);
  return keys.map((key, i) => {
    const j = keys.indexOf(key, i + 1);
    return j === -1 ? Number.POSITIVE_INFINITY : j;
  });
}
