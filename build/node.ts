/**
 * `sw-image-cache/build`: the build tools for Node (what the `sw-image-cache` command runs).
 * - {@link injectManifest}: for a worker built by your own pipeline (Workbox, Vite, …), replaces
 *   `self.__IMAGE_CACHE_MANIFEST` with the content-hashed warm-up manifest;
 * - {@link build}: the standalone worker (`sw.js`, `register.js`, …) for a site without a worker.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildWorker, type BuildWorkerResult } from './standalone.ts';
import type { ConfigSource } from './config.ts';

export { injectManifest, type InjectManifestOptions, type InjectManifestResult } from './injectManifest.ts';
export { BuildError, type BuildErrorCode } from './BuildError.ts';
export { WRITTEN_FILES_RECORD } from './OutputWriter.ts';
export type { ConfigSource };
export type { BuildWorkerResult } from './standalone.ts';
export { ImageCacheError, type ImageCacheErrorCode } from '../sw/errors/ImageCacheError.ts';
export type { ImageCacheConfig, ManifestEntry, ResolvedConfig, ShellEntry, WarmupManifest } from '../sw/config.ts';

/** Options of {@link build}. Relative paths resolve against `root`. */
export interface BuildOptions extends ConfigSource {
  /** Output folder. @default "dist" */
  outDir?: string;
  /** `production` (minified, no logs) or `development` (workbox-core dev logging). @default "production" */
  mode?: 'production' | 'development';
  /** Print a summary. @default true */
  log?: boolean;
}

/** The package's prebuilt templates (`lib/templates/`, next to this module's folder). */
function templatesDir(): string {
  const dir = fileURLToPath(new URL('../templates/', import.meta.url));
  if (!existsSync(dir)) throw new Error(`sw-image-cache: templates folder ${dir} is missing (a broken install?)`);
  return dir;
}

/** The worker's sources shipped in the package (`lib/src/`, holding `sw/`), or `undefined` when absent. */
function sourceRoot(): string | undefined {
  const dir = fileURLToPath(new URL('../src/', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

/**
 * Builds the standalone worker into `outDir` (default `dist`): `sw.js` (bundled for the config
 * with esbuild from the shipped sources: only the policy and features it uses; the prebuilt
 * worker with every feature when esbuild is not installed), `register.js`,
 * `register.mjs`, `client.mjs` and `image-manifest.json`. It never overwrites a file it did not
 * write, and checks everything before it writes anything.
 * @throws ImageCacheError for a malformed config or manifest (naming the key or entry), a missing
 *   shell file (naming `shell[i]`); BuildError `would-overwrite` naming the file.
 */
export function build(options: BuildOptions = {}): Promise<BuildWorkerResult> {
  return buildWorker({ ...options, templatesDir: templatesDir(), sourceRoot: sourceRoot() });
}
