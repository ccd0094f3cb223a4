import { isFresh } from './freshness.ts';
import type { Bytes, Milliseconds } from './types.ts';

/**
 * Expired is not gone, but it goes first: when room is needed, stale (expired) entries are evicted
 * before any fresh one, in the given order (the policy's eviction order: least recently used first
 * under LRU); the replacement policy then chooses among the fresh ones as before.
 *
 * Returns the fewest leading stale entries (in `entries` order) whose removal frees `needBytes`
 * bytes and `needEntries` entries, or every stale entry when they cannot (the policy evicts the
 * rest). Nothing when nothing is needed.
 * @param entries Held entries in eviction order, each with its `bytes` and `expiresAt` (ms since epoch).
 * @param nowMs The time of the decision.
 * @param needBytes Bytes to free (≤ 0: none).
 * @param needEntries Entries to free (≤ 0: none).
 */
export function chooseStaleVictims(
  entries: Iterable<{ key: string; bytes: Bytes; expiresAt: Milliseconds }>,
  nowMs: Milliseconds,
  needBytes: Bytes,
  needEntries: number,
): string[] {
  const out: string[] = [];
  if (needBytes <= 0 && needEntries <= 0) return out;
  let bytes = 0;
  for (const e of entries) {
    if (isFresh(e.expiresAt, nowMs)) continue;
    out.push(e.key);
    bytes += e.bytes;
    if (bytes >= needBytes && out.length >= needEntries) break;
  }
  return out;
}
