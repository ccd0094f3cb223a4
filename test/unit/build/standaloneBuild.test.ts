import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BuildError } from '../../../build/BuildError.ts';
import { parseCli, runCli } from '../../../build/cli.ts';
import { injectManifest } from '../../../build/injectManifest.ts';
import { WRITTEN_FILES_RECORD } from '../../../build/OutputWriter.ts';
import { buildWorker, TEMPLATE_FILES } from '../../../build/standalone.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';

let dir: string;
let templatesDir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'pkg-build-'));
  templatesDir = path.join(dir, 'templates');
  await mkdir(templatesDir);
  // Minimal templates: the real ones are bundled by build/templates.ts (covered by config.test.ts
  // and the browser tests); here only the placeholders matter.
  for (const name of TEMPLATE_FILES) {
    await writeFile(
      path.join(templatesDir, name),
      name.startsWith('sw') ? 'const s = self.__IMAGE_CACHE_STANDALONE;\nconst m = self.__IMAGE_CACHE_MANIFEST;\n' : `/* ${name} */\n`,
    );
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const rev = (data: string | Buffer) => createHash('sha256').update(data).digest('hex').slice(0, 16);

async function expectCode(fn: () => Promise<unknown>, code: string): Promise<ImageCacheError | BuildError> {
  const e = await fn().then(
    () => null,
    (err: unknown) => err,
  );
  expect(e === null ? 'resolved' : (e as Error).name).toBe(code);
  return e as ImageCacheError | BuildError;
}

/** Evaluates a built sw.js template and returns what it injected. */
function injected(sw: string): { s: { config: { maxBytes: number }; shell: Array<{ url: string; revision: string }> }; m: unknown[] } {
  return new Function(`${sw}; return { s, m };`)() as ReturnType<typeof injected>;
}

describe('the standalone build (sw-image-cache build)', () => {
  it('writesOnlyTheWorkerFilesIntoAHostSiteAndLeavesItsIndexHtmlUntouched', async () => {
    const site = path.join(dir, 'site');
    await mkdir(site);
    await writeFile(path.join(site, 'index.html'), '<h1>the site</h1>');
    const result = await buildWorker({ root: dir, config: { maxBytes: 1000 }, outDir: 'site', templatesDir, log: false });
    expect(result.written.sort()).toEqual(['client.mjs', 'image-manifest.json', 'register.js', 'register.mjs', 'sw.js']);
    expect(await readFile(path.join(site, 'index.html'), 'utf8')).toBe('<h1>the site</h1>');
    const record = JSON.parse(await readFile(path.join(site, WRITTEN_FILES_RECORD), 'utf8'));
    expect(record.files).toEqual(['client.mjs', 'image-manifest.json', 'register.js', 'register.mjs', 'sw.js']);
    expect(injected(await readFile(path.join(site, 'sw.js'), 'utf8')).s.config.maxBytes).toBe(1000);
  });

  it('refusesToOverwriteAFileItDidNotWriteNamingItAndWritesNothing', async () => {
    const out = path.join(dir, 'out');
    await mkdir(out);
    await writeFile(path.join(out, 'sw.js'), '// the site own worker');
    const e = await expectCode(() => buildWorker({ root: dir, config: { maxBytes: 1000 }, outDir: 'out', templatesDir, log: false }), 'would-overwrite');
    expect(e.message).toContain(path.join(out, 'sw.js'));
    expect((e as BuildError).details.file).toBe(path.join(out, 'sw.js'));
    expect(await readFile(path.join(out, 'sw.js'), 'utf8')).toBe('// the site own worker');
    expect(existsSync(path.join(out, 'register.js'))).toBe(false);
    expect(existsSync(path.join(out, WRITTEN_FILES_RECORD))).toBe(false);
  });

  it('overwritesItsOwnFilesOnTheNextBuild', async () => {
    await buildWorker({ root: dir, config: { maxBytes: 1000 }, outDir: 'out', templatesDir, log: false });
    await buildWorker({ root: dir, config: { maxBytes: 2000 }, outDir: 'out', templatesDir, log: false });
    expect(injected(await readFile(path.join(dir, 'out/sw.js'), 'utf8')).s.config.maxBytes).toBe(2000);
  });

  it('hashesShellUrlsFromShellRootRelativeToTheConfigFile', async () => {
    await mkdir(path.join(dir, 'site/js'), { recursive: true });
    await mkdir(path.join(dir, 'config'));
    await writeFile(path.join(dir, 'site/index.html'), '<h1>host page</h1>');
    await writeFile(path.join(dir, 'site/js/lazysizes.min.js'), '/* lazysizes */');
    await writeFile(
      path.join(dir, 'config/image-cache.config.json'),
      JSON.stringify({ maxBytes: 1000, shellRoot: '../site', shell: ['/', '/index.html', '/js/lazysizes.min.js', '/register.js'], navigateFallback: '/index.html' }),
    );
    const result = await buildWorker({ root: dir, configPath: 'config/image-cache.config.json', outDir: 'site', templatesDir, log: false });
    expect(result.manifest.shell).toEqual([
      { url: '/', revision: rev('<h1>host page</h1>') },
      { url: '/index.html', revision: rev('<h1>host page</h1>') },
      { url: '/js/lazysizes.min.js', revision: rev('/* lazysizes */') },
      // A file of the build itself, written into the site root.
      { url: '/register.js', revision: rev('/* register.js */\n') },
    ]);
    expect(injected(await readFile(path.join(dir, 'site/sw.js'), 'utf8')).s.shell).toEqual(result.manifest.shell);
  });

  it('failsNamingTheShellEntryWhoseFileIsMissingFromShellRoot', async () => {
    await mkdir(path.join(dir, 'site'));
    await writeFile(path.join(dir, 'site/index.html'), 'x');
    const e = await expectCode(
      () => buildWorker({ root: dir, config: { maxBytes: 1000, shellRoot: 'site', shell: ['/index.html', '/lazysizes.min.js'] }, outDir: 'out', templatesDir, log: false }),
      'invalid-config',
    );
    expect((e as ImageCacheError).details.key).toBe('shell[1]');
    expect(e.message).toContain('/lazysizes.min.js');
    expect(e.message).toContain(path.join(dir, 'site/lazysizes.min.js'));
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it('failsNamingShellRootWhenTheFolderDoesNotExist', async () => {
    const e = await expectCode(() => buildWorker({ root: dir, config: { maxBytes: 1000, shellRoot: 'nowhere', shell: ['/'] }, templatesDir, log: false }), 'invalid-config');
    expect((e as ImageCacheError).details.key).toBe('shellRoot');
  });
});

describe('inject-manifest', () => {
  async function images(sizes: number[]): Promise<void> {
    await mkdir(path.join(dir, 'img/sub'), { recursive: true });
    for (const [i, n] of sizes.entries()) await writeFile(path.join(dir, i % 2 ? `img/sub/${i}.png` : `img/${i}.webp`), Buffer.alloc(n, i));
  }
  const config = (maxBytes: number) => ({ maxBytes, warmup: { sources: [{ directory: 'img', urlPrefix: '/img/' }] } });

  it('replacesThePlaceholderWithTheContentHashedManifest', async () => {
    await images([10, 20]);
    await writeFile(path.join(dir, 'in.js'), 'precacheAndRoute(self.__WB_MANIFEST);\ninstallImageCache({ maxBytes: 1, manifest: self.__IMAGE_CACHE_MANIFEST });\n');
    const result = await injectManifest({ root: dir, config: config(1000), swSrc: 'in.js', swDest: 'out/sw.js' });
    const expected = [
      { url: '/img/0.webp', revision: rev(Buffer.alloc(10, 0)), bytes: 10 },
      { url: '/img/sub/1.png', revision: rev(Buffer.alloc(20, 1)), bytes: 20 },
    ];
    expect(result.manifest).toEqual(expected);
    expect(await readFile(path.join(dir, 'out/sw.js'), 'utf8')).toBe(
      `precacheAndRoute(self.__WB_MANIFEST);\ninstallImageCache({ maxBytes: 1, manifest: ${JSON.stringify(expected)} });\n`,
    );
  });

  it('failsAsTheBuildDoesWhenTheManifestExceedsMaxBytesAndWritesNothing', async () => {
    await images([700, 700]);
    await writeFile(path.join(dir, 'in.js'), 'x(self.__IMAGE_CACHE_MANIFEST)');
    await expectCode(() => injectManifest({ root: dir, config: config(1000), swSrc: 'in.js', swDest: 'out.js' }), 'manifest-over-budget');
    expect(existsSync(path.join(dir, 'out.js'))).toBe(false);
  });

  it.each([
    ['no placeholder', 'x()'],
    ['two placeholders', 'x(self.__IMAGE_CACHE_MANIFEST, self.__IMAGE_CACHE_MANIFEST)'],
  ])('failsWhenTheWorkerHas %s', async (_name, source) => {
    await writeFile(path.join(dir, 'in.js'), source);
    const e = await expectCode(() => injectManifest({ root: dir, config: { maxBytes: 1000 }, swSrc: 'in.js', swDest: 'out.js' }), 'injection-point');
    expect(e.message).toContain(path.join(dir, 'in.js'));
  });

  it('keepsDollarSignsOfUrlsLiterally', async () => {
    await mkdir(path.join(dir, 'img'));
    await writeFile(path.join(dir, 'img/a$&b.png'), Buffer.alloc(3));
    await writeFile(path.join(dir, 'in.js'), 'm = self.__IMAGE_CACHE_MANIFEST;');
    await injectManifest({ root: dir, config: config(1000), swSrc: 'in.js', swDest: 'in.js' });
    expect(await readFile(path.join(dir, 'in.js'), 'utf8')).toContain('"/img/a$&b.png"');
  });
});

describe('the command line', () => {
  it.each<[string[], Record<string, unknown>]>([
    [['build'], { command: 'build', mode: 'production', demo: false }],
    [['build', '--config', 'c.json', '--out', 'site', '--dev'], { command: 'build', configPath: 'c.json', outDir: 'site', mode: 'development', demo: false }],
    [['--demo'], { command: 'build', demo: true }],
    [['inject-manifest', '--config', 'c.json', '--sw-src', 'a.js', '--sw-dest', 'b.js'], { command: 'inject-manifest', configPath: 'c.json', swSrc: 'a.js', swDest: 'b.js' }],
  ])('parses %j', (argv, expected) => {
    expect(parseCli(argv, 'build')).toMatchObject(expected);
  });

  it.each([[['inject-manifest', '--sw-src', 'a.js']], [['build', '--no-such-flag']], [['build', '--out']], [['deploy']], [['inject-manifest', '--sw-src', 'a', '--sw-dest', 'b', '--demo']]])(
    'rejects %j with a usage error',
    (argv) => {
      expect(() => parseCli(argv)).toThrowError(BuildError);
    },
  );

  it('buildsWithoutTheDemoUnlessAskedAndExitsNonZeroNamingTheKeyOnABadConfig', async () => {
    const calls: unknown[] = [];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await runCli(['build', '--out', 'x'], { build: async (o) => calls.push(o) })).toBe(0);
    expect(calls).toEqual([{ configPath: undefined, outDir: 'x', mode: 'production', demo: false }]);
    await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ maxBytes: 1000, maxAgeSecs: 1 }));
    const code = await runCli(['inject-manifest', '--config', path.join(dir, 'bad.json'), '--sw-src', 'a', '--sw-dest', 'b'], { build: async () => {} });
    expect(code).toBe(1);
    expect(String(errors.mock.calls.at(-1)?.[0])).toContain('maxAgeSecs');
    errors.mockRestore();
  });
});
