/** Config keys of issue 11: `maxAgeJitter`, `staleWhileRevalidateSeconds`, `freshness` (global and per route), `captureLoadedImages`. */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';

function expectInvalid(input: Record<string, unknown>, key: string): void {
  try {
    resolveConfig({ maxBytes: 1000, ...input });
  } catch (e) {
    expect(e).toBeInstanceOf(ImageCacheError);
    expect((e as ImageCacheError).name).toBe('invalid-config');
    expect((e as ImageCacheError).details).toMatchObject({ key });
    return;
  }
  throw new Error(`expected invalid-config for ${key}`);
}

describe('freshness options', () => {
  it('defaultsLeaveTodaysBehaviour', () => {
    const c = resolveConfig({ maxBytes: 1000, routes: [{ pattern: '/x/' }] });
    expect(c).toMatchObject({ maxAgeJitter: 0, staleWhileRevalidateSeconds: 0, freshness: 'config', captureLoadedImages: true });
    expect(c.routes[0]).toMatchObject({ maxAgeJitter: 0, staleWhileRevalidateSeconds: 0, freshness: 'config' });
  });

  it('routesInheritTheTopLevelValuesAndMayOverrideThem', () => {
    const c = resolveConfig({
      maxBytes: 1000,
      maxAgeJitter: 0.1,
      staleWhileRevalidateSeconds: 30,
      freshness: 'response',
      captureLoadedImages: false,
      routes: [{ pattern: '/a/' }, { pattern: '/b/', maxAgeJitter: 0, staleWhileRevalidateSeconds: 3600, freshness: 'config' }],
    });
    expect(c.captureLoadedImages).toBe(false);
    expect(c.routes[0]).toMatchObject({ maxAgeJitter: 0.1, staleWhileRevalidateSeconds: 30, freshness: 'response' });
    expect(c.routes[1]).toMatchObject({ maxAgeJitter: 0, staleWhileRevalidateSeconds: 3600, freshness: 'config' });
  });

  it('aResolvedConfigResolvesToItself', () => {
    // The standalone worker passes resolved routes back through the validator.
    const once = resolveConfig({ maxBytes: 1000, maxAgeJitter: 0.25, routes: [{ pattern: '/a/', freshness: 'response' }] });
    const { shell, shellRoot, navigateFallback, warmup, fallbackImage, ...rest } = once;
    void shell, shellRoot, navigateFallback, fallbackImage;
    expect(resolveConfig({ ...rest, warmup: { concurrency: warmup.concurrency, retries: warmup.retries } })).toEqual(once);
  });

  it.each<[Record<string, unknown>, string]>([
    [{ maxAgeJitter: 1.5 }, 'maxAgeJitter'],
    [{ maxAgeJitter: -0.1 }, 'maxAgeJitter'],
    [{ maxAgeJitter: '0.1' }, 'maxAgeJitter'],
    [{ staleWhileRevalidateSeconds: 1.5 }, 'staleWhileRevalidateSeconds'],
    [{ staleWhileRevalidateSeconds: -1 }, 'staleWhileRevalidateSeconds'],
    [{ freshness: 'headers' }, 'freshness'],
    [{ captureLoadedImages: 'yes' }, 'captureLoadedImages'],
    [{ routes: [{ pattern: '/a/', maxAgeJitter: 2 }] }, 'routes[0].maxAgeJitter'],
    [{ routes: [{ pattern: '/a/', staleWhileRevalidateSeconds: 'x' }] }, 'routes[0].staleWhileRevalidateSeconds'],
    [{ routes: [{ pattern: '/a/', freshness: 'server' }] }, 'routes[0].freshness'],
  ])('rejects %j naming %s', (input, key) => expectInvalid(input, key));
});
