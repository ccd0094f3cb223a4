/**
 * Without esbuild installed, `sw-image-cache build` falls back to the prebuilt worker template
 * (every feature) instead of bundling sw.js for the config.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { buildWorker, TEMPLATE_FILES } from '../../../build/standalone.ts';
import { REPO_ROOT } from '../../../build/templates.ts';

vi.mock('../../../build/workerBundle.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../../build/workerBundle.ts')>()),
  loadEsbuild: async () => null,
}));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'worker-fallback-'));
  await mkdir(path.join(dir, 'templates'));
  for (const name of TEMPLATE_FILES) {
    await writeFile(path.join(dir, 'templates', name), name.startsWith('sw') ? '/* prebuilt */ const s = self.__IMAGE_CACHE_STANDALONE; const m = self.__IMAGE_CACHE_MANIFEST;\n' : `/* ${name} */\n`);
  }
});
afterEach(() => rm(dir, { recursive: true, force: true }));

it('usesThePrebuiltWorkerTemplateWhenEsbuildIsNotInstalled', async () => {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const result = await buildWorker({ root: dir, config: { maxBytes: 1000 }, outDir: 'out', templatesDir: path.join(dir, 'templates'), sourceRoot: REPO_ROOT });
  const printed = log.mock.calls.flat().join('\n');
  log.mockRestore();
  expect(result.bundled).toBe(false);
  const sw = await readFile(path.join(dir, 'out', 'sw.js'), 'utf8');
  expect(sw.startsWith('/* prebuilt */ const s = {"config":{')).toBe(true);
  expect(printed).toContain('esbuild is not installed');
});
