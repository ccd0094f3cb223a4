import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TraceFormatError, TraceReader, type TraceRow, type TraceSource } from '../../../build/replay/index.ts';

async function readAll(source: TraceSource): Promise<{ rows: TraceRow[]; reader: TraceReader }> {
  const reader = new TraceReader(source);
  const rows: TraceRow[] = [];
  for await (const row of reader) rows.push(row);
  return { rows, reader };
}

/** Rows as `key:size@line`. */
const brief = (rows: TraceRow[]): string[] => rows.map((r) => `${r.key}:${r.size}@${r.line}`);

describe('TraceReader', () => {
  it('readsTimeKeySizeWithLineNumbers', async () => {
    const { rows, reader } = await readAll(['time,key,size\n1,10,512\n2,11,1024\n']);
    expect(rows).toEqual([
      { time: 1, key: '10', size: 512, line: 2 },
      { time: 2, key: '11', size: 1024, line: 3 },
    ]);
    expect([reader.rows, reader.skipped, reader.lines]).toEqual([2, 0, 3]);
  });

  it('locatesColumnsByHeaderNameAndIgnoresExtraColumns', async () => {
    const csv = 'image_id,key,category,size,time\nimg1,/a.png,map_tile,300,7\nimg2,/b.webp,banner,400,8\n';
    const { rows } = await readAll([csv]);
    expect(rows).toEqual([
      { time: 7, key: '/a.png', size: 300, line: 2 },
      { time: 8, key: '/b.webp', size: 400, line: 3 },
    ]);
  });

  it('acceptsTheImageAccessLogLayoutWithColumnsAfterTheThree', async () => {
    const { rows } = await readAll(['time,key,size,image_id,category\n0,/img/x.jpg,5000,x,vehicle\n']);
    expect(brief(rows)).toEqual(['/img/x.jpg:5000@2']);
  });

  it('toleratesCrlfABomAMissingFinalNewlineAndEmptyLines', async () => {
    const { rows } = await readAll(['\ufeffTime , Key , Size\r\n1,a,5\r\n\r\n2,b,6']);
    expect(brief(rows)).toEqual(['a:5@2', 'b:6@4']);
  });

  it('skipsAndCountsRowsOfSize0', async () => {
    const { rows, reader } = await readAll(['time,key,size\n1,a,0\n2,b,3\n3,c,0\n']);
    expect(brief(rows)).toEqual(['b:3@3']);
    expect([reader.rows, reader.skipped]).toEqual([1, 2]);
  });

  it('givesTheSameRowsWhateverTheChunkBoundaries', async () => {
    const csv = 'time,key,size\r\n1,alpha,10\r\n2,béta,20\r\n3,"q,uoted",30\r\n4,δ,40';
    const bytes = new TextEncoder().encode(csv);
    const whole = brief((await readAll([csv])).rows);
    const oneByteChunks = brief((await readAll(Array.from(bytes, (b) => Uint8Array.of(b)))).rows);
    const threeByteChunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i += 3) threeByteChunks.push(bytes.subarray(i, i + 3));
    expect(whole).toEqual(['alpha:10@2', 'béta:20@3', 'q,uoted:30@4', 'δ:40@5']);
    expect(oneByteChunks).toEqual(whole);
    expect(brief((await readAll(threeByteChunks)).rows)).toEqual(whole);
  });

  it('parsesQuotedFieldsWithEscapedQuotes', async () => {
    const { rows } = await readAll(['time,key,size\n"1","say ""hi"", ok","12"\n']);
    expect(rows).toEqual([{ time: 1, key: 'say "hi", ok', size: 12, line: 2 }]);
  });

  it('acceptsNonIntegerAndNegativeTimes', async () => {
    const { rows } = await readAll(['time,key,size\n1.5,a,1\n-3,b,2\n1e3,c,3\n']);
    expect(rows.map((r) => r.time)).toEqual([1.5, -3, 1000]);
  });

  it('readsAFileFromItsPath', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'trace-reader-'));
    try {
      const file = path.join(dir, 't.csv');
      await writeFile(file, 'time,key,size\n1,a,2\n');
      const reader = new TraceReader(file);
      expect(reader.name).toBe(file);
      const rows: TraceRow[] = [];
      for await (const batch of reader.batches()) rows.push(...batch);
      expect(brief(rows)).toEqual(['a:2@2']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('canBeIteratedOnlyOnce', async () => {
    const reader = new TraceReader(['time,key,size\n1,a,2\n']);
    for await (const _ of reader) void _;
    await expect(async () => {
      for await (const _ of reader) void _;
    }).rejects.toThrow(/only once/);
  });

  it.each([
    { name: 'an empty file', csv: '', line: 1, reason: 'empty trace: no header line' },
    { name: 'a header without size', csv: 'time,key,bytes\n1,a,2\n', line: 1, reason: /missing "size"/ },
    { name: 'a row missing the size column', csv: 'time,key,size\n1,a,2\n2,b\n', line: 3, reason: /missing column "size"/ },
    { name: 'a row with only one field', csv: 'time,key,size\n1\n', line: 2, reason: /missing column "key", "size"/ },
    { name: 'a non-numeric size', csv: 'time,key,size\n1,a,abc\n', line: 2, reason: 'size "abc" is not a number' },
    { name: 'an empty size', csv: 'time,key,size\n1,a,\n', line: 2, reason: 'size "" is not a number' },
    { name: 'a negative size', csv: 'time,key,size\n1,a,2\n2,b,-5\n', line: 3, reason: 'size -5 is negative' },
    { name: 'a fractional size', csv: 'time,key,size\n1,a,1.5\n', line: 2, reason: 'size 1.5 is not an integer number of bytes' },
    { name: 'a non-numeric time', csv: 'time,key,size\nnoon,a,1\n', line: 2, reason: 'time "noon" is not a number' },
    { name: 'an empty time', csv: 'time,key,size\n,a,1\n', line: 2, reason: 'time "" is not a number' },
    { name: 'an empty key', csv: 'time,key,size\n1,,1\n', line: 2, reason: 'empty key' },
    { name: 'a bad row after CRLF lines', csv: 'time,key,size\r\n1,a,1\r\n2,b,x\r\n', line: 3, reason: 'size "x" is not a number' },
  ])('rejects $name with its line number and reason', async ({ csv, line, reason }) => {
    const error = await readAll([csv]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TraceFormatError);
    const e = error as TraceFormatError;
    expect(e.name).toBe('TraceFormatError');
    expect(e.line).toBe(line);
    if (typeof reason === 'string') expect(e.reason).toBe(reason);
    else expect(e.reason).toMatch(reason);
    expect(e.message).toBe(`<input>:${line}: ${e.reason}`);
  });
});
