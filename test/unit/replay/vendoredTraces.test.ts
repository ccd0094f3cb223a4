import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { traceText, type TraceFile } from '../../fixtures/traces/traces.ts';

/** The SHA-256 of the original CSV files, as published in test/fixtures/traces/README.md. */
const SHA256: Record<TraceFile, string> = {
  'cloudphysics_og.csv': '128a04b4860bc2012368d3200c90dea02240c17058133a17900c4ca018cde909',
  'cloudphysics_raw.csv': '8e0355089914f5ecd5f51780393a9598930838256854773fb5fbcf7209ad7d4d',
};

describe('vendored CloudPhysics traces', () => {
  it.each(Object.keys(SHA256) as TraceFile[])('decompressesToTheOriginalBytesOf %s', async (file) => {
    const text = await traceText(file);
    expect(createHash('sha256').update(text).digest('hex')).toBe(SHA256[file]);
    expect(text.split('\n', 1)[0]).toBe('time,key,size');
  });
});
