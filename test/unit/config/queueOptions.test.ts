import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';

const codeAndKey = (fn: () => unknown): { name: string; key: unknown } => {
  try {
    fn();
  } catch (e) {
    return { name: (e as Error).name, key: (e as { details?: { key?: unknown } }).details?.key };
  }
  throw new Error('did not throw');
};

describe('warmup.requestsPerSecond and warmup.installBytes', () => {
  it('defaultsToNoRateLimitAndFiveMiBBeforeInstallCompletes', () => {
    expect(resolveConfig({ maxBytes: 100 }).warmup).toMatchObject({ requestsPerSecond: 0, installBytes: 5 * 1024 * 1024 });
  });

  it('acceptsFractionalRatesAndIntegerBytes', () => {
    expect(resolveConfig({ maxBytes: 100, warmup: { requestsPerSecond: 0.5, installBytes: 0 } }).warmup).toMatchObject({ requestsPerSecond: 0.5, installBytes: 0 });
  });

  it.each([
    [{ requestsPerSecond: -1 }, 'warmup.requestsPerSecond'],
    [{ requestsPerSecond: '5' }, 'warmup.requestsPerSecond'],
    [{ requestsPerSecond: Number.POSITIVE_INFINITY }, 'warmup.requestsPerSecond'],
    [{ installBytes: 1.5 }, 'warmup.installBytes'],
    [{ installBytes: -1 }, 'warmup.installBytes'],
  ])('rejects %j naming %s', (warmup, key) => {
    expect(codeAndKey(() => resolveConfig({ maxBytes: 100, warmup }))).toEqual({ name: 'invalid-config', key });
  });
});
