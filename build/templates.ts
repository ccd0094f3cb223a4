/**
 * Bundles the standalone build's templates from this repository's sources with esbuild (the
 * package ships them prebuilt in `lib/templates/`): `sw.js` (production: minified, dev logs
 * compiled out), `sw.dev.js` (development: workbox-core logging, inline source map), and the page
 * snippet `register.js` (IIFE), `register.mjs` and `client.mjs` (ESM).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** The repository root (this file's parent folder). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The browser targets of every bundle. */
export const TARGETS = ['chrome110', 'firefox115', 'safari16'];

/** esbuild options shared by the browser bundles of `mode`. */
export function browserOptions(mode: 'production' | 'development'): esbuild.BuildOptions {
  return {
    bundle: true,
    platform: 'browser',
    target: TARGETS,
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    minify: mode === 'production',
    sourcemap: mode === 'development' ? 'inline' : false,
  };
}

/**
 * Writes the templates into `outDir`. The page snippet is built in `pageMode` (the worker in both).
 * @param outDir Target folder (created).
 * @param sourcemaps Inline source maps in development bundles. @default true
 */
export async function bundleTemplates(outDir: string, pageMode: 'production' | 'development' = 'production', sourcemaps = true): Promise<void> {
  const src = (p: string) => path.join(REPO_ROOT, p);
  const page = { ...browserOptions(pageMode), ...(sourcemaps ? {} : { sourcemap: false as const }) };
  const dev = { ...browserOptions('development'), ...(sourcemaps ? {} : { sourcemap: false as const }) };
  await Promise.all([
    esbuild.build({ ...browserOptions('production'), entryPoints: [src('sw/index.ts')], format: 'iife', outfile: path.join(outDir, 'sw.js') }),
    esbuild.build({ ...dev, entryPoints: [src('sw/index.ts')], format: 'iife', outfile: path.join(outDir, 'sw.dev.js') }),
    esbuild.build({ ...page, entryPoints: [src('app/register.ts')], format: 'esm', outfile: path.join(outDir, 'register.mjs') }),
    esbuild.build({ ...page, entryPoints: [src('app/register-auto.ts')], format: 'iife', outfile: path.join(outDir, 'register.js') }),
    esbuild.build({ ...page, entryPoints: [src('app/client.ts')], format: 'esm', outfile: path.join(outDir, 'client.mjs') }),
  ]);
}
