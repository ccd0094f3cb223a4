import { describe, expect, it } from 'vitest';
import { parseReplayArgs, UsageError } from '../../../build/replay/index.ts';

describe('parseReplayArgs', () => {
  it.each([
    {
      argv: ['--trace', 't.csv', '--max-bytes', '100'],
      command: { mode: 'single', trace: 't.csv', policy: 'lru', maxBytes: 100 },
    },
    {
      argv: ['--trace=t.csv', '--max-bytes=1_000', '--max-entries', '5', '--max-entry-bytes', '50', '--policy', 'belady'],
      command: { mode: 'single', trace: 't.csv', policy: 'belady', maxBytes: 1000, maxEntries: 5, maxEntryBytes: 50 },
    },
    { argv: ['--trace', 't.csv', '--sweep'], command: { mode: 'sweep', trace: 't.csv', out: 'docs/replay' } },
    { argv: ['--sweep', '--out', 'x', '--trace', 't.csv'], command: { mode: 'sweep', trace: 't.csv', out: 'x' } },
    { argv: ['--help'], command: { mode: 'help' } },
    { argv: ['--max-bytes', 'oops', '-h'], command: { mode: 'help' } },
  ])('parses $argv', ({ argv, command }) => {
    expect(parseReplayArgs(argv)).toEqual(command);
  });

  it.each([
    { argv: [], message: '--trace FILE is required' },
    { argv: ['--trace', 't.csv'], message: '--max-bytes N is required (or use --sweep)' },
    { argv: ['--trace', 't.csv', '--max-bytes', '0'], message: '--max-bytes must be a positive integer, got "0"' },
    { argv: ['--trace', 't.csv', '--max-bytes', '-5'], message: '--max-bytes must be a positive integer, got "-5"' },
    { argv: ['--trace', 't.csv', '--max-bytes', '1.5'], message: '--max-bytes must be a positive integer, got "1.5"' },
    { argv: ['--trace', 't.csv', '--max-bytes', '10MB'], message: '--max-bytes must be a positive integer, got "10MB"' },
    { argv: ['--trace', 't.csv', '--max-bytes', '9'.repeat(20)], message: /--max-bytes must be a positive integer/ },
    { argv: ['--trace', 't.csv', '--max-bytes', '10', '--max-entries', 'x'], message: /--max-entries must be/ },
    { argv: ['--trace', 't.csv', '--max-bytes', '10', '--policy', 'arc'], message: /unknown policy "arc"; expected one of: lru, fifo, lfu, sieve, s3fifo, gdsf, belady/ },
    { argv: ['--trace', 't.csv', '--max-bytes'], message: '--max-bytes needs a value' },
    { argv: ['--trace', '--sweep'], message: '--trace needs a value' },
    { argv: ['--trace', 't.csv', '--trace', 'u.csv', '--sweep'], message: '--trace given more than once' },
    { argv: ['--trace', 't.csv', '--bogus'], message: 'unknown option --bogus' },
    { argv: ['t.csv'], message: 'unexpected argument "t.csv"' },
    { argv: ['--trace', 't.csv', '--sweep', '--max-bytes', '5'], message: /--max-bytes cannot be used with --sweep/ },
    { argv: ['--trace', 't.csv', '--max-bytes', '5', '--out', 'x'], message: '--out is only used with --sweep' },
  ])('rejects $argv', ({ argv, message }) => {
    let error: unknown;
    try {
      parseReplayArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });
});
