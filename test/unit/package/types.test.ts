import { describe, expectTypeOf, it } from 'vitest';
import type { ImageCacheManifest, InstallImageCacheOptions, InstalledImageCache } from '../../../sw/worker/index.ts';
import type { installImageCache } from '../../../sw/worker/index.ts';

describe('the public types of sw-image-cache/worker', () => {
  it('requiresMaxBytesAndRejectsStandaloneOnlyKeys', () => {
    expectTypeOf<{ maxBytes: number }>().toExtend<InstallImageCacheOptions>();
    // @ts-expect-error maxBytes is required
    const noBudget: InstallImageCacheOptions = { maxAgeSeconds: 60 };
    // @ts-expect-error shell belongs to the standalone worker
    const withShell: InstallImageCacheOptions = { maxBytes: 1, shell: ['/'] };
    void noBudget;
    void withShell;
  });

  it('takesTheInjectedManifestAndReturnsCacheStrategyAndRoute', () => {
    expectTypeOf<Parameters<typeof installImageCache>[0]['manifest']>().toEqualTypeOf<ImageCacheManifest | undefined>();
    expectTypeOf<ImageCacheManifest[number]>().toEqualTypeOf<{ url: string; revision: string; bytes: number }>();
    expectTypeOf<InstalledImageCache>().toHaveProperty('cache');
    expectTypeOf<InstalledImageCache>().toHaveProperty('strategy');
    expectTypeOf<InstalledImageCache>().toHaveProperty('route');
  });
});
