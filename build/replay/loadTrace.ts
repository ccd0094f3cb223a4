import path from 'node:path';
import type { Bytes } from '../../sw/policy/index.ts';
import { TraceReader, type TraceSource } from './TraceReader.ts';

/** A trace held in memory in compact form (for the sweep, the tests and the benchmark). */
export interface LoadedTrace {
  /** Short name: the file's base name without `.csv`, or `input`. */
  name: string;
  /** Distinct keys; `keys[id]` is the key string of id `id` (ids in first-seen order). */
  keys: string[];
  /** Per request (rows with size 0 excluded), the interned key id. */
  keyIds: Uint32Array;
  /** Per request, the requested size in bytes. */
  sizes: Float64Array;
  /** Number of requests (`keyIds.length`). */
  requests: number;
  /** Sum of the requested sizes, in bytes. */
  bytesRequested: Bytes;
  /** Sum of the first-seen size of each distinct key, in bytes (the sweep's 100 %). */
  uniqueBytes: Bytes;
  /** Rows skipped because their size is 0. */
  skipped: number;
}

/** Options of {@link loadTrace}. */
export interface LoadTraceOptions {
  /** Stop after this many requests (size-0 rows do not count). Default: the whole trace. */
  limit?: number;
}

/**
 * Reads a whole trace into typed arrays, keys interned to integer ids: 12 bytes per request
 * (4 for the id, 8 for the size) plus one string and one `Map` slot per distinct key. Each key
 * string is kept once, so replaying `keys[keyIds[i]]` does not allocate.
 * @param source A path, or chunks of CSV text.
 * @param options See {@link LoadTraceOptions}.
 * @throws TraceFormatError on a malformed row (as {@link TraceReader}).
 */
export async function loadTrace(source: TraceSource, options: LoadTraceOptions = {}): Promise<LoadedTrace> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const reader = new TraceReader(source);
  const idOf = new Map<string, number>();
  const keys: string[] = [];
  let keyIds = new Uint32Array(1 << 16);
  let sizes = new Float64Array(1 << 16);
  let n = 0;
  let bytesRequested = 0;
  let uniqueBytes = 0;
  outer: for await (const batch of reader.batches()) {
    for (const row of batch) {
      if (n >= limit) break outer;
      if (n === keyIds.length) {
        const grownIds = new Uint32Array(n * 2);
        grownIds.set(keyIds);
        keyIds = grownIds;
        const grownSizes = new Float64Array(n * 2);
        grownSizes.set(sizes);
        sizes = grownSizes;
      }
      let id = idOf.get(row.key);
      if (id === undefined) {
        id = keys.length;
        idOf.set(row.key, id);
        keys.push(row.key);
        uniqueBytes += row.size;
      }
      keyIds[n] = id;
      sizes[n] = row.size;
      bytesRequested += row.size;
      n++;
    }
  }
  return {
    name: typeof source === 'string' ? path.basename(source).replace(/\.csv$/i, '') : 'input',
    keys,
    keyIds: keyIds.slice(0, n),
    sizes: sizes.slice(0, n),
    requests: n,
    bytesRequested,
    uniqueBytes,
    skipped: reader.skipped,
  };
}
