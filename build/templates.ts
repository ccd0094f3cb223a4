/**
 * Bundles the standalone build's templates from this repository's sources with esbuild (the
 * package ships them prebuilt in `lib/templates/`): the page snippet `register.js` (IIFE),
 * `register.mjs` and `client.mjs` (ESM), and, with `worker`, `sw.js` (production: minified, dev
 * logs compiled out) and `sw.dev.js` (development: workbox-core logging, inline source map) with
 * every feature: the fallback when `sw.js` cannot be bundled for the config (`workerBundle.ts`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { browserOptions } from './workerBundle.ts';

export { browserOptions, TARGETS } from './workerBundle.ts';

/** The repository root (this file's parent folder). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Writes the templates into `outDir`. The page snippet is built in `pageMode` (the worker in both).
 * @param outDir Target folder (created).
 * @param sourcemaps Inline source maps in development bundles. @default true
 * @param worker Also the worker templates `sw.js` and `sw.dev.js` (every feature). @default true
 */
export async function bundleTemplates(outDir: string, pageMode: 'production' | 'development' = 'production', sourcemaps = true, worker = true): Promise<void> {
  const src = (p: string) => path.join(REPO_ROOT, p);
  const page = { ...browserOptions(pageMode), ...(sourcemaps ? {} : { sourcemap: false as const }) };
  const dev = { ...browserOptions('development'), ...(sourcemaps ? {} : { sourcemap: false as const }) };
  // Without the worker: placeholder templates (a build given sourceRoot bundles sw.js itself).
  await mkdir(outDir, { recursive: true });
  const placeholder = (name: string) => writeFile(path.join(outDir, name), '/* bundled per config: see build/workerBundle.ts */\n');
  await Promise.all([
    worker
      ? esbuild.build({ ...browserOptions('production'), entryPoints: [src('sw/index.ts')], format: 'iife', outfile: path.join(outDir, 'sw.js') })
      : placeholder('sw.js'),
    worker ? esbuild.build({ ...dev, entryPoints: [src('sw/index.ts')], format: 'iife', outfile: path.join(outDir, 'sw.dev.js') }) : placeholder('sw.dev.js'),
    esbuild.build({ ...page, entryPoints: [src('app/register.ts')], format: 'esm', outfile: path.join(outDir, 'register.mjs') }),
    esbuild.build({ ...page, entryPoints: [src('app/register-auto.ts')], format: 'iife', outfile: path.join(outDir, 'register.js') }),
    esbuild.build({ ...page, entryPoints: [src('app/client.ts')], format: 'esm', outfile: path.join(outDir, 'client.mjs') }),
  ]);
}
