import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build } from '../../../build/build.ts';
import { checkManifest, resolveConfig } from '../../../sw/config.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';

/** Asserts that `fn` throws an ImageCacheError with `code` (and, when given, the offending key). */
async function expectError(fn: () => unknown, code: string, key?: string): Promise<ImageCacheError> {
  let caught: unknown;
  try {
    await fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ImageCacheError);
  const error = caught as ImageCacheError;
  expect(error.code).toBe(code);
  if (key !== undefined) {
    expect(error.details.key).toBe(key);
    expect(error.message).toContain(`\`${key}\``);
  }
  return error;
}

describe('resolveConfig', () => {
  it('fillsDefaults', () => {
    expect(resolveConfig({ maxBytes: 1000 })).toMatchObject({
      cacheName: 'sw-image-cache-images',
      maxBytes: 1000,
      maxEntries: 0,
      maxEntryBytes: 1000,
      maxAgeSeconds: 604800,
      matchImageDestination: true,
      routes: [],
      policy: 'lru',
      writeBehindMs: 1000,
      maxPendingBytes: 33_554_432,
    });
    expect(resolveConfig({ maxBytes: 1000, maxPendingBytes: 4096 }).maxPendingBytes).toBe(4096);
    expect(resolveConfig({ maxBytes: 100 * 1024 * 1024 }).maxEntryBytes).toBe(5 * 1024 * 1024);
  });

  it('requiresMaxBytes', async () => {
    await expectError(() => resolveConfig({}), 'max-bytes-required');
  });

  it.each([
    [{ maxBytes: -1 }, 'maxBytes', /≥ 1 bytes/],
    [{ maxBytes: '10MB' }, 'maxBytes', /integer number of bytes/],
    [{ maxBytes: 100, maxEntryBytes: 200 }, 'maxEntryBytes', /≤ maxBytes/],
    [{ maxBytes: 100, maxAgeSeconds: 1.5 }, 'maxAgeSeconds', /integer number of seconds/],
    [{ maxBytes: 100, maxBites: 3 }, 'maxBites', /not a known option/],
    [{ maxBytes: 100, routes: [{ pattern: '(' }] }, 'routes[0].pattern', /not a valid regular expression/],
    [{ maxBytes: 100, routes: [{ pattern: 'a', maxAgeSeconds: -2 }] }, 'routes[0].maxAgeSeconds', /≥ 0/],
    [{ maxBytes: 100, routes: [{ pattern: 'a', crossOrigin: 'yes' }] }, 'routes[0].crossOrigin', /true or false/],
    [{ maxBytes: 100, warmup: { concurrency: 0 } }, 'warmup.concurrency', /≥ 1/],
    [{ maxBytes: 100, warmup: { sources: [{ urlPrefix: '/x/' }] } }, 'warmup.sources[0].directory', /required/],
    [{ maxBytes: 100, policy: 'mru' }, 'policy', /must be one of/],
    [{ maxBytes: 100, maxPendingBytes: 0 }, 'maxPendingBytes', /≥ 1 bytes/],
    [{ maxBytes: 100, routes: [{ pattern: 'a', opaqueBytes: 50 }] }, 'routes[0].opaqueBytes', /needs crossOrigin: true/],
    [{ maxBytes: 100, routes: [{ pattern: 'a', crossOrigin: true, opaqueBytes: 0 }] }, 'routes[0].opaqueBytes', /≥ 1 bytes/],
  ])('rejects %j naming the key', async (input, key, reason) => {
    const error = await expectError(() => resolveConfig(input), 'invalid-config', key);
    expect(String(error.details.reason)).toMatch(reason);
  });
});

describe('resolveConfig: what would silently never work', () => {
  const shell = ['/', '/index.html', '/img/offline.png'];

  it.each([
    [{ maxBytes: 100, navigateFallback: '/offline.html', shell }, 'navigateFallback'],
    [{ maxBytes: 100, navigateFallback: '/index.html' }, 'navigateFallback'],
  ])('rejectsANavigateFallbackThatIsNotInTheShell %j', async (input, key) => {
    const error = await expectError(() => resolveConfig(input), 'invalid-config', key);
    expect(String(error.details.reason)).toMatch(/must be listed in `shell`/);
  });

  it('acceptsANavigateFallbackListedInTheShellWrittenEitherWay', () => {
    expect(resolveConfig({ maxBytes: 100, shell, navigateFallback: 'index.html#top' })).toMatchObject({ navigateFallback: 'index.html#top' });
  });

  it('acceptsAFallbackImageOutsideTheShell (installImageCache precaches it into its own cache)', () => {
    expect(resolveConfig({ maxBytes: 100, fallbackImage: '/img/offline.png' })).toMatchObject({ fallbackImage: '/img/offline.png' });
  });

  it.each([
    [{ maxBytes: 100, writeBehindMs: 2 ** 31 }, 'writeBehindMs'],
    [{ maxBytes: 100, sweepIntervalSeconds: 2_147_484 }, 'sweepIntervalSeconds'],
    [{ maxBytes: 100, warmup: { retries: 25 } }, 'warmup.retries'],
  ])('rejectsATimerValueSetTimeoutCannotHold %j', async (input, key) => {
    const error = await expectError(() => resolveConfig(input), 'invalid-config', key);
    expect(String(error.details.reason)).toMatch(/longer than setTimeout can hold/);
  });

  it('acceptsTheLongestTimerValuesSetTimeoutCanHold', () => {
    // 2^31 − 1 ms; 2 147 483 s = 2 147 483 000 ms; 250 ms · 2^22 = 1 048 576 000 ms (retries 23).
    const config = resolveConfig({ maxBytes: 100, writeBehindMs: 2 ** 31 - 1, sweepIntervalSeconds: 2_147_483, warmup: { retries: 23 } });
    expect(config).toMatchObject({ writeBehindMs: 2 ** 31 - 1, sweepIntervalSeconds: 2_147_483, warmup: { retries: 23 } });
  });
});

describe('checkManifest', () => {
  const config = resolveConfig({ maxBytes: 1000, maxEntryBytes: 600 });
  it('acceptsAManifestWithinTheBudget', () => {
    expect(() => checkManifest({ images: [{ url: '/a.png', revision: 'r1', bytes: 600 }, { url: '/b.png', revision: 'r2', bytes: 400 }], shell: [] }, config)).not.toThrow();
  });
  it('failsAManifestLargerThanTheBudget', async () => {
    const error = await expectError(
      () => checkManifest({ images: [{ url: '/a.png', revision: 'r1', bytes: 600 }, { url: '/b.png', revision: 'r2', bytes: 401 }], shell: [] }, config),
      'manifest-over-budget',
    );
    expect(error.message).toMatch(/1001 bytes, more than `maxBytes` \(1000 bytes\)/);
  });
  it('failsAnEntryLargerThanMaxEntryBytes', async () => {
    await expectError(() => checkManifest({ images: [{ url: '/a.png', revision: 'r1', bytes: 601 }], shell: [] }, config), 'invalid-manifest');
  });
});

describe('npm run build', () => {
  let dir: string;
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('failsWhenTheWarmupFolderExceedsMaxBytesAndWritesNothing', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'build-test-'));
    await mkdir(path.join(dir, 'imgs'));
    await writeFile(path.join(dir, 'imgs/a.png'), Buffer.alloc(700));
    await writeFile(path.join(dir, 'imgs/b.png'), Buffer.alloc(700));
    const out = path.join(dir, 'out');
    await expectError(
      () => build({ config: { maxBytes: 1000, warmup: { sources: [{ directory: path.join(dir, 'imgs'), urlPrefix: '/i/' }] } }, outDir: out, log: false }),
      'manifest-over-budget',
    );
    const { existsSync } = await import('node:fs');
    expect(existsSync(path.join(out, 'sw.js'))).toBe(false);
  });

  it('buildsAManifestWithContentRevisions', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'build-test-'));
    await mkdir(path.join(dir, 'imgs/sub'), { recursive: true });
    await writeFile(path.join(dir, 'imgs/a.png'), Buffer.alloc(10, 1));
    await writeFile(path.join(dir, 'imgs/sub/b.webp'), Buffer.alloc(20, 2));
    await writeFile(path.join(dir, 'imgs/notes.txt'), 'not an image');
    const result = await build({
      config: { maxBytes: 1000, warmup: { sources: [{ directory: path.join(dir, 'imgs'), urlPrefix: '/i/' }] } },
      outDir: path.join(dir, 'out'),
      demo: false,
      log: false,
    });
    expect(result.manifest.images.map((e) => [e.url, e.bytes])).toEqual([
      ['/i/a.png', 10],
      ['/i/sub/b.webp', 20],
    ]);
    expect(result.manifest.images[0]!.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(result.manifest.images[0]!.revision).not.toBe(result.manifest.images[1]!.revision);
  });

  it('failsNamingTheKeyOfAMalformedConfigFile', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'build-test-'));
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ maxBytes: 1000, routes: [{ pattern: 'x', maxAgeSecs: 5 }] }));
    await expectError(() => build({ root: dir, configPath: 'bad.json', log: false }), 'invalid-config', 'routes[0].maxAgeSecs');
  });
});

describe('production and development builds', () => {
  let out: string;
  afterEach(() => rm(out, { recursive: true, force: true }));

  it.each([
    ['production', false],
    ['development', true],
  ] as const)('a %s build keeps workbox-core logging only in development', async (mode, logs) => {
    out = await mkdtemp(path.join(os.tmpdir(), 'build-mode-'));
    await build({ config: { maxBytes: 1000 }, outDir: out, demo: false, log: false, mode });
    const { readFile } = await import('node:fs/promises');
    const sw = await readFile(path.join(out, 'sw.js'), 'utf8');
    // Dev-only branches compile out of production (Workbox style): our log lines and the logger.
    expect(sw.includes('activate: recovery'), mode).toBe(logs);
    expect(sw.includes('%cworkbox'), mode).toBe(logs);
  });
});
