import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../build/replay.ts';
import { loadStoredSizes, parseReplayArgs, TraceFormatError, TraceReplayer, UsageError } from '../../../build/replay/index.ts';
import { LruPolicy } from '../../../sw/policy/index.ts';

/** `npm run replay -- --sizes FILE`: entries stored with another size than the one requested (transcoding). */
describe('replay with stored sizes (--sizes)', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'replay-sizes-'));
    // a b c a b c with 10 bytes each: a 20-byte LRU never hits; stored at 6 bytes, all three fit.
    await writeFile(file('trace.csv'), 'time,key,size\n1,a,10\n2,b,10\n3,c,10\n4,a,10\n5,b,10\n6,c,10\n');
    await writeFile(file('sizes.csv'), 'image_id,key,category,size,stored_size\nA,a,x,10,6\nB,b,x,10,6\nC,c,x,10,6\n');
    await writeFile(file('bad.csv'), 'key,stored_size\na,6\nb,0\n');
    await writeFile(file('twice.csv'), 'key,stored_size\na,6\na,7\n');
    await writeFile(file('nocol.csv'), 'key,size\na,6\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('insertsMissesWithTheStoredSizeAndCountsRequestedBytes', () => {
    const sizes = new Map([['a', 6], ['b', 6], ['c', 6]]);
    const run = (storedSizes?: Map<string, number>) => {
      const r = new TraceReplayer({ policy: new LruPolicy(), maxBytes: 20, ...(storedSizes ? { storedSizes } : {}) });
      for (const k of ['a', 'b', 'c', 'a', 'b', 'c']) r.request(k, 10);
      return r.result();
    };
    const plain = run();
    const stored = run(sizes);
    expect(plain).toMatchObject({ hits: 0, bytesRequested: 60, bytesMissed: 60 });
    expect(stored).toMatchObject({ hits: 3, misses: 3, bytesRequested: 60, bytesMissed: 30, byteMissRatio: 0.5, evictions: 0 });
  });

  it('admitsByTheStoredSize', () => {
    const r = new TraceReplayer({ policy: new LruPolicy(), maxBytes: 8, storedSizes: new Map([['big', 5]]) });
    expect(r.request('big', 10)).toBe(false);
    expect(r.request('big', 10)).toBe(true);
    expect(r.result().notAdmitted).toBe(0);
  });

  it('runsFromTheCommandLine', async () => {
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      expect(await main(['--trace', file('trace.csv'), '--max-bytes', '20', '--sizes', file('sizes.csv')])).toBe(0);
    } finally {
      out.mockRestore();
    }
    expect(JSON.parse(stdout)).toMatchObject({ sizes: file('sizes.csv'), hits: 3, bytesRequested: 60, bytesMissed: 30 });
  });

  it('parsesAndRejects', async () => {
    expect(parseReplayArgs(['--trace', 't.csv', '--max-bytes', '5', '--sizes', 's.csv'])).toMatchObject({ mode: 'single', sizes: 's.csv' });
    expect(() => parseReplayArgs(['--trace', 't.csv', '--sweep', '--sizes', 's.csv'])).toThrow(UsageError);
    await expect(loadStoredSizes(file('bad.csv'))).rejects.toThrow(/bad\.csv:3: stored_size must be a positive integer/);
    await expect(loadStoredSizes(file('twice.csv'))).rejects.toThrow(/twice\.csv:3: key a listed twice/);
    await expect(loadStoredSizes(file('nocol.csv'))).rejects.toThrow(TraceFormatError);
    expect(await loadStoredSizes(file('sizes.csv'))).toEqual(new Map([['a', 6], ['b', 6], ['c', 6]]));
  });
});
