/**
 * Belady's next-access index for a trace held in memory: for each request i, the index of the
 * next request of the same key, or `Infinity` when the key is not requested again.
 *
 * One backward pass. Cost: O(n) time; memory 8 bytes per request (the result) plus 8 bytes per
 * distinct key (scratch).
 * @param keyIds The requests' keys, interned to integers `0 ≤ id < keyCount`.
 * @param keyCount Number of distinct ids.
 * @returns A `Float64Array` of length `keyIds.length`.
 */
export function computeNextAccess(keyIds: ArrayLike<number>, keyCount: number): Float64Array {
  const n = keyIds.length;
  const next = new Float64Array(n);
  const seen = new Float64Array(keyCount).fill(Number.POSITIVE_INFINITY);
  for (let i = n - 1; i >= 0; i--) {
    const id = keyIds[i]!;
    next[i] = seen[id]!;
    seen[id] = i;
  }
  return next;
}
