/**
 * Issue 13, "the worker holds at most 200 B of memory per entry": a counting test (bytes, not
 * time). The index of 100,000 entries with ~70-character URLs is loaded in a Node process of its
 * own (`test/helpers/indexMemory.ts`, `--expose-gc`), once from the records and once from the index
 * snapshot, and the heap the cache holds is divided by the entries. Node's V8 uses 8-byte pointers
 * (Chromium compresses them to 4), so this bounds the browser's figure from above.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../helpers/indexMemory.ts', import.meta.url));

async function bytesPerEntry(n: number, source: 'records' | 'snapshot'): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(n), source], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    maxBuffer: 1 << 20,
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as { n: number; source: string; bytesPerEntry: number };
  expect(result).toMatchObject({ n, source });
  return result.bytesPerEntry;
}

describe('worker memory per entry of the loaded index (issue 13: ≤ 200 B at 100,000 entries)', () => {
  it.each(['records', 'snapshot'] as const)('loadedFrom %s: at most 200 bytes per entry, URL included', async (source) => {
    const perEntry = await bytesPerEntry(100_000, source);
    expect(perEntry).toBeGreaterThan(68); // the URL alone: the measurement sees the entries
    expect(perEntry).toBeLessThanOrEqual(200);
  }, 120_000);
});
