import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../build/replay.ts';

/** Runs the CLI in-process, capturing stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(argv);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('npm run replay (build/replay.ts main)', () => {
  let dir: string;
  const file = (name: string): string => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'replay-cli-'));
    // a b c a d b, sizes 4 each, plus a zero-size row; extra columns after the three.
    await writeFile(
      file('small.csv'),
      'time,key,size,image_id,category\n1,a,4,x,map\n2,b,4,x,map\n3,c,4,x,map\n4,a,4,x,map\n5,z,0,x,map\n6,d,4,x,map\n7,b,9,x,map\n',
    );
    await writeFile(file('bad.csv'), 'time,key,size\n1,a,4\n2,b,four\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('printsOneJsonObjectWithTheContractFields', async () => {
    const { code, stdout } = await cli('--trace', file('small.csv'), '--max-bytes', '12');
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    // LRU, 12 bytes = 3 entries: a b c miss, a hit, d evicts b, b (asking 9 bytes) evicts c, a, d.
    expect(result).toMatchObject({
      policy: 'lru',
      maxBytes: 12,
      requests: 6,
      hits: 1,
      misses: 5,
      missRatio: 5 / 6,
      bytesRequested: 29,
      bytesMissed: 25,
      byteMissRatio: 25 / 29,
      evictions: 4,
      skipped: 1,
      uniqueKeys: 4,
      uniqueBytes: 16,
    });
    expect(typeof result.elapsedMs).toBe('number');
  });

  it('runsBeladyWithItsTwoPasses', async () => {
    const { code, stdout } = await cli('--trace', file('small.csv'), '--max-bytes', '12', '--policy', 'belady');
    expect(code).toBe(0);
    // At d: a and c are never requested again (a, inserted first, goes); b is kept for its hit.
    expect(JSON.parse(stdout)).toMatchObject({ policy: 'belady', hits: 2, misses: 4, evictions: 1 });
  });

  it('exitsWith2AndTheUsageOnBadArguments', async () => {
    const { code, stdout, stderr } = await cli('--trace', file('small.csv'), '--max-bytes', 'lots');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('--max-bytes must be a positive integer, got "lots"');
    expect(stderr).toContain('Usage:');
  });

  it('exitsWith2WhenTheTraceDoesNotExist', async () => {
    const { code, stderr } = await cli('--trace', file('missing.csv'), '--max-bytes', '5');
    expect(code).toBe(2);
    expect(stderr).toContain('no such file');
  });

  it('exitsWith1NamingTheLineOfAMalformedRow', async () => {
    const { code, stdout, stderr } = await cli('--trace', file('bad.csv'), '--max-bytes', '5');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${file('bad.csv')}:3: size "four" is not a number`);
  });

  it('printsTheHelpWithTheBeladyMemoryCost', async () => {
    const { code, stdout } = await cli('--help');
    expect(code).toBe(0);
    expect(stdout).toContain('8 bytes per request');
  });

  it('writesTheSweepJsonMarkdownAndSvg', async () => {
    const out = file('sweep-out');
    const { code, stdout } = await cli('--trace', file('small.csv'), '--sweep', '--out', out);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).files).toEqual({
      json: path.join(out, 'small.sweep.json'),
      markdown: path.join(out, 'small.sweep.md'),
      svg: path.join(out, 'small.sweep.svg'),
    });
    const sweep = JSON.parse(await readFile(path.join(out, 'small.sweep.json'), 'utf8'));
    expect(sweep.points.map((p: { maxBytes: number }) => p.maxBytes)).toEqual([1, 1, 1, 4]); // ⌊16 × p%⌋, at least 1
    expect(await readFile(path.join(out, 'small.sweep.md'), 'utf8')).toContain('| budget % | budget bytes | lru miss |');
    expect(await readFile(path.join(out, 'small.sweep.svg'), 'utf8')).toMatch(/^<svg/);
  });
});
