import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** The README's fenced blocks that follow a `<!-- example…: … -->` marker. */
async function markedBlocks(): Promise<Array<{ kind: 'example' | 'example-script'; target: string; code: string }>> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const re = /<!-- (example|example-script): ([^>]+?) -->\n```[a-z]*\n([\s\S]*?)```\n/g;
  return [...readme.matchAll(re)].map((m) => ({ kind: m[1] as 'example' | 'example-script', target: m[2]!, code: m[3]! }));
}

describe('README "Add it to an existing service worker"', () => {
  it('showsEachExampleFileExactlyAsTheExampleHasIt', async () => {
    const blocks = (await markedBlocks()).filter((b) => b.kind === 'example');
    expect(blocks.map((b) => b.target)).toEqual([
      'examples/workbox-inject-manifest/src/sw.js',
      'examples/workbox-inject-manifest/image-cache.config.json',
      'examples/workbox-inject-manifest/build.mjs',
      'examples/vite-pwa/src/sw.js',
      'examples/vite-pwa/vite.config.js',
      'examples/classic-importscripts/public/sw.js',
      'examples/classic-importscripts/build.mjs',
    ]);
    for (const b of blocks) expect(b.code, b.target).toBe(await readFile(path.join(ROOT, b.target), 'utf8'));
  });

  it('showsEachExampleBuildScriptExactlyAsItsPackageJsonHasIt', async () => {
    const blocks = (await markedBlocks()).filter((b) => b.kind === 'example-script');
    expect(blocks.map((b) => b.target)).toEqual(['examples/vite-pwa build', 'examples/classic-importscripts build']);
    for (const b of blocks) {
      const pkg = JSON.parse(await readFile(path.join(ROOT, b.target.split(' ')[0]!, 'package.json'), 'utf8'));
      expect(b.code.trim(), b.target).toBe(pkg.scripts.build);
    }
  });

  it('addsTheImageCacheInAtMostTenLinesOfTheHostWorkers', async () => {
    // The lines a host adds: the import and the installImageCache call (Workbox and Vite recipes).
    for (const file of ['examples/workbox-inject-manifest/src/sw.js', 'examples/vite-pwa/src/sw.js']) {
      const lines = (await readFile(path.join(ROOT, file), 'utf8')).split('\n');
      const ours = lines.filter((l) => /sw-image-cache|installImageCache|imageCacheConfig/.test(l));
      expect(ours.length, file).toBeLessThanOrEqual(10);
      expect(lines.some((l) => l.includes('precacheAndRoute(self.__WB_MANIFEST)')), file).toBe(true);
    }
  });
});

describe('package.json', () => {
  it('exportsEveryEntryTheReadmeNamesAndShipsOnlyTheBuild', async () => {
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'sw-image-cache', version: '0.2.0', license: 'MIT', bin: { 'sw-image-cache': 'lib/node/cli.js' } });
    expect(pkg.private).toBeUndefined();
    expect(Object.keys(pkg.exports)).toEqual(['.', './worker', './register', './client', './policy', './classic', './classic/dev', './build', './package.json']);
    expect(pkg.files).toEqual(['lib/', 'LICENSE', 'README.md', 'CHANGELOG.md']);
    expect(pkg.sideEffects).toEqual(['./lib/classic/*.js', './lib/templates/*']);
    expect(pkg.scripts.prepack).toBe('npm run build:package');
  });
});
