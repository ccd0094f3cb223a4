import { readFile } from 'node:fs/promises';
import type { Bytes } from '../../sw/policy/index.ts';
import { TraceFormatError } from './TraceFormatError.ts';

/**
 * Reads a stored-sizes file for `npm run replay -- --sizes FILE`: a CSV with a header naming the
 * columns `key` and `stored_size` (found by name; extra columns ignored), such as the
 * `transcoded_sizes.csv` that `npm run data` writes. With it, a missed key is inserted with its
 * stored size (what the cache would keep, e.g. after re-encoding), while the trace's `size` stays
 * the requested (network) size that `bytesRequested` and `bytesMissed` sum.
 * @param file Path of the CSV.
 * @returns key → stored size in bytes.
 * @throws TraceFormatError `FILE:LINE: reason` for a missing column, a size that is not a positive
 *   integer, or a key listed twice.
 */
export async function loadStoredSizes(file: string): Promise<Map<string, Bytes>> {
  const text = (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  const lines = text.split(/\r?\n/);
  const cols = (lines[0] ?? '').split(',').map((c) => c.trim());
  const keyCol = cols.indexOf('key');
  const sizeCol = cols.indexOf('stored_size');
  if (keyCol < 0 || sizeCol < 0) throw new TraceFormatError(file, 1, 'the header must name the columns key and stored_size');
  const sizes = new Map<string, Bytes>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const parts = line.split(',');
    const key = parts[keyCol] ?? '';
    const text = parts[sizeCol] ?? '';
    const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (key === '') throw new TraceFormatError(file, i + 1, 'empty key');
    if (!Number.isSafeInteger(size) || size <= 0) throw new TraceFormatError(file, i + 1, `stored_size must be a positive integer, got ${JSON.stringify(text)}`);
    if (sizes.has(key)) throw new TraceFormatError(file, i + 1, `key ${key} listed twice`);
    sizes.set(key, size);
  }
  return sizes;
}
