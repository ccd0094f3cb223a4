import { describe, expect, it } from 'vitest';
import { chooseVariant, variantKey } from '../../../sw/worker/variants.ts';
import { resolveConfig } from '../../../sw/config.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';

const PATTERN = /\/photos\/(?<image>[^/]+)-(?<width>\d+)\.(?<format>webp|jpg)$/;
const key = (url: string) => variantKey(url, PATTERN)!;
const cands = (...urls: string[]) => urls.map((url) => ({ url, key: key(url) }));

describe('responsive variants', () => {
  it('readsIdentityWidthAndFormatFromTheNamedGroups', () => {
    expect(variantKey('https://a.test/photos/p1-420.webp', PATTERN)).toEqual({ image: 'p1', width: 420, format: 'webp' });
    expect(variantKey('https://a.test/other/p1.png', PATTERN)).toBeNull();
    expect(variantKey('https://a.test/photos/p1-420.webp', /\/photos\//)).toBeNull();
  });

  it.each([
    ['the next larger size first', '/photos/p1-420.webp', ['/photos/p1-1260.webp', '/photos/p1-840.webp', '/photos/p1-200.webp'], '/photos/p1-840.webp'],
    ['the widest narrower one when none is larger', '/photos/p1-840.webp', ['/photos/p1-200.webp', '/photos/p1-420.webp'], '/photos/p1-420.webp'],
    ['the requested format at equal width', '/photos/p1-420.webp', ['/photos/p1-840.jpg', '/photos/p1-840.webp'], '/photos/p1-840.webp'],
    ['another format when it is the only one', '/photos/p1-420.webp', ['/photos/p1-840.jpg'], '/photos/p1-840.jpg'],
  ])('chooses %s', (_name, requested, candidates, expected) => {
    expect(chooseVariant(key(requested), cands(...candidates))).toBe(expected);
  });

  it('choosesNothingAmongNoCandidates', () => {
    expect(chooseVariant(key('/photos/p1-420.webp'), [])).toBeUndefined();
  });

  it('rejectsAVariantsPatternWithoutAnImageGroupNamingTheKey', () => {
    try {
      resolveConfig({ maxBytes: 1000, routes: [{ pattern: '/photos/', variants: { pattern: '-(\\d+)\\.jpg$' } }] });
      expect.unreachable();
    } catch (e) {
      expect((e as ImageCacheError).details.key).toBe('routes[0].variants.pattern');
    }
    expect(resolveConfig({ maxBytes: 1000, routes: [{ pattern: '/photos/', variants: { pattern: PATTERN.source } }] }).routes[0]!.variants).toEqual({
      pattern: PATTERN.source,
    });
  });
});
