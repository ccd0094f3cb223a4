import { TraceReader, type TraceSource } from './TraceReader.ts';

/**
 * Belady's next-access index for a trace file, streamed (first of the two passes of
 * `--policy belady`): for each replayed request i (rows with size 0 excluded), the index of the
 * next request of the same key, or `Infinity` when there is none.
 *
 * Memory: 8 bytes per request for the result (a `Float64Array` that doubles while growing, so up
 * to 16 bytes per request transiently) plus one `Map` slot per distinct key. Time: O(n).
 * @param source The trace (a path, or chunks; read once).
 * @returns The next-access array, one element per request (a view of the grown buffer).
 * @throws TraceFormatError on a malformed row (as {@link TraceReader}).
 */
export async function streamNextAccess(source: TraceSource): Promise<Float64Array> {
  const last = new Map<string, number>();
  let next = new Float64Array(1 << 16);
  let n = 0;
  for await (const batch of new TraceReader(source).batches()) {
    for (const row of batch) {
      if (n === next.length) {
        const grown = new Float64Array(next.length * 2);
        grown.set(next);
        next = grown;
      }
      next[n] = Number.POSITIVE_INFINITY;
      const previous = last.get(row.key);
      if (previous !== undefined) next[previous] = n;
      last.set(row.key, n);
      n++;
    }
  }
  return next.subarray(0, n);
}
