import { afterEach, describe, expect, it, vi } from 'vitest';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';
import { resolveInstallOptions, type InstallImageCacheOptions } from '../../../sw/worker/options.ts';

/** Asserts that `fn` throws an ImageCacheError with `code` (and `details.key`, when given). */
function expectError(fn: () => unknown, code: string, key?: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ImageCacheError);
  expect((caught as ImageCacheError).code).toBe(code);
  if (key !== undefined) expect((caught as ImageCacheError).details.key).toBe(key);
}

describe('installImageCache options', () => {
  it('takesTheConfigFileKeysAndFillsTheirDefaults', () => {
    const { config, manifest, register, scope } = resolveInstallOptions({ maxBytes: 1_000_000, routes: [{ pattern: '/tiles/', maxAgeSeconds: 60 }] });
    expect(config.maxBytes).toBe(1_000_000);
    expect(config.maxEntryBytes).toBe(1_000_000);
    expect(config.maxAgeSeconds).toBe(604_800);
    expect(config.routes[0]).toMatchObject({ pattern: '/tiles/', maxAgeSeconds: 60, crossOrigin: false });
    expect(config.policy).toBe('lru');
    expect({ manifest, register, scope }).toEqual({ manifest: [], register: true, scope: undefined });
  });

  it.each<[string, Record<string, unknown>, string, string?]>([
    ['a misspelled key', { maxBytes: 1000, maxAgeSecs: 5 }, 'invalid-config', 'maxAgeSecs'],
    ['a unitless duration', { maxBytes: 1000, maxAgeSeconds: '1h' }, 'invalid-config', 'maxAgeSeconds'],
    ['a bad route pattern', { maxBytes: 1000, routes: [{ pattern: '(' }] }, 'invalid-config', 'routes[0].pattern'],
    ['the standalone shell', { maxBytes: 1000, shell: ['/'] }, 'invalid-config', 'shell'],
    ['the standalone navigateFallback', { maxBytes: 1000, navigateFallback: '/index.html' }, 'invalid-config', 'navigateFallback'],
    ['the standalone shellRoot', { maxBytes: 1000, shellRoot: 'site' }, 'invalid-config', 'shellRoot'],
    ['a non-boolean register', { maxBytes: 1000, register: 'no' }, 'invalid-config', 'register'],
    ['an empty scope', { maxBytes: 1000, scope: '' }, 'invalid-config', 'scope'],
    ['a manifest that was never injected as an array', { maxBytes: 1000, manifest: 'self.__IMAGE_CACHE_MANIFEST' }, 'invalid-config', 'manifest'],
    ['no maxBytes', {}, 'max-bytes-required'],
    ['a manifest over maxBytes', { maxBytes: 1000, manifest: [{ url: '/a.png', revision: 'r', bytes: 600 }, { url: '/b.png', revision: 'r', bytes: 600 }] }, 'manifest-over-budget'],
    ['a malformed manifest entry', { maxBytes: 1000, manifest: [{ url: '/a.png', revision: '', bytes: 6 }] }, 'invalid-manifest'],
  ])('rejects %s, naming the key', (_name, options, code, key) => {
    expectError(() => resolveInstallOptions(options as unknown as InstallImageCacheOptions), code, key);
  });

  it('acceptsWarmupSourcesSoOneConfigObjectServesTheBuildAndTheWorker', () => {
    const { config } = resolveInstallOptions({ maxBytes: 1000, warmup: { sources: [{ directory: 'img', urlPrefix: '/img/' }], concurrency: 2 } });
    expect(config.warmup.concurrency).toBe(2);
  });
});

describe('importing the worker entry', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it('touchesNoGlobalUntilInstallImageCacheIsCalled', async () => {
    const touched: string[] = [];
    const self = new Proxy({}, { get: (_t, p) => (touched.push(String(p)), undefined) });
    vi.stubGlobal('self', self);
    vi.resetModules();
    const worker = await import('../../../sw/worker/index.ts');
    expect(typeof worker.installImageCache).toBe('function');
    expect(typeof worker.ImageCacheStrategy).toBe('function');
    expect(typeof worker.ImageCache).toBe('function');
    // workbox-core and workbox-routing read their own version markers (`self['workbox:core:7.4.0']`)
    // at import; nothing else may be read, let alone `registration` or `addEventListener`.
    expect(touched.filter((p) => !p.startsWith('workbox:'))).toEqual([]);
  });
});
