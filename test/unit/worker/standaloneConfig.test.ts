import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';
import { resolveInstallOptions } from '../../../sw/worker/options.ts';

/** The key an `invalid-config` error names. */
function failingKey(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImageCacheError);
    return String((e as ImageCacheError).details.key);
  }
  throw new Error('did not throw');
}

describe('standalone-worker keys of issue 15', () => {
  it('keepsPagesAndWaitsThreeSecondsForTheNetworkByDefault', () => {
    expect(resolveConfig({ maxBytes: 1000 })).toMatchObject({ cachePages: true, networkTimeoutSeconds: 3 });
    expect(resolveConfig({ maxBytes: 1000, cachePages: false, networkTimeoutSeconds: 0 })).toMatchObject({ cachePages: false, networkTimeoutSeconds: 0 });
  });

  it.each([
    [{ cachePages: 'yes' }, 'cachePages'],
    [{ networkTimeoutSeconds: -1 }, 'networkTimeoutSeconds'],
    [{ networkTimeoutSeconds: 1.5 }, 'networkTimeoutSeconds'],
    [{ networkTimeoutSeconds: 3_000_000 }, 'networkTimeoutSeconds'],
  ])('rejects %j naming the key', (extra, key) => {
    expect(failingKey(() => resolveConfig({ maxBytes: 1000, ...extra }))).toBe(key);
  });

  it.each(['cachePages', 'networkTimeoutSeconds'])('refuses %s in installImageCache options (a host worker owns its navigations)', (key) => {
    expect(failingKey(() => resolveInstallOptions({ maxBytes: 1000, [key]: key === 'cachePages' ? true : 3 } as never))).toBe(key);
  });
});
