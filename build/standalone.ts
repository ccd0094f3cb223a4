/**
 * The standalone build (`npx sw-image-cache build`): the service worker and the page snippet for a
 * site. `sw.js` is bundled for the config from the worker's sources (`workerBundle.ts`: only the
 * policy and the features the config uses, no config validation); without the sources or esbuild,
 * it comes from the prebuilt template holding every feature. The page snippet comes from prebuilt
 * templates (the package's `lib/templates/`, or freshly bundled ones in this repository). It writes
 * only its own files, and never overwrites a file it did not write.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkManifest, type ManifestEntry, type ResolvedConfig, type ShellEntry, type WarmupManifest } from '../sw/config.ts';
import { ImageCacheError } from '../sw/errors/ImageCacheError.ts';
import { MANIFEST_PLACEHOLDER, STANDALONE_PLACEHOLDER, type StandaloneInjection } from '../sw/standalone.ts';
import { BuildError } from './BuildError.ts';
import { generateManifest, loadConfig, type ConfigSource } from './config.ts';
import { replacePlaceholder } from './inject.ts';
import { OutputWriter, revisionOf } from './OutputWriter.ts';
import { bundleWorker, loadEsbuild } from './workerBundle.ts';

/** The files of a templates folder: the worker (production and development) and the page snippet. */
export const TEMPLATE_FILES = ['sw.js', 'sw.dev.js', 'register.js', 'register.mjs', 'client.mjs'] as const;

/** Options of `buildWorker`. Relative paths resolve against `root`. */
export interface BuildWorkerOptions extends ConfigSource {
  /** Output folder. @default "dist" */
  outDir?: string;
  /** `production` (minified, no logs) or `development` (workbox-core dev logging). @default "production" */
  mode?: 'production' | 'development';
  /** Folder holding {@link TEMPLATE_FILES}. */
  templatesDir: string;
  /**
   * Folder holding the worker's sources (`sw/index.ts` and what it imports): `sw.js` is then
   * bundled for the config (see `workerBundle.ts`). Without it, or when esbuild is not installed,
   * `sw.js` is the prebuilt template (every feature). @default none
   */
  sourceRoot?: string;
  /**
   * Where shell URLs come from when the config has no `shellRoot` and a URL starts with a
   * prefix (as the server mounts them). @default []
   */
  mounts?: Array<{ prefix: string; dir: string }>;
  /** Stages more files (the repository's demo) before the shell is hashed. */
  stageExtra?: (writer: OutputWriter) => Promise<void>;
  /** Print a summary. @default true */
  log?: boolean;
}

/** What `buildWorker` produced. */
export interface BuildWorkerResult {
  config: ResolvedConfig;
  manifest: WarmupManifest;
  outDir: string;
  /** `sw.js` size in bytes. */
  swBytes: number;
  /** Whether `sw.js` was bundled for the config (else: the prebuilt template). */
  bundled: boolean;
  /** The files written, relative to `outDir`. */
  written: string[];
}

/**
 * Finds and hashes the file of each shell URL: in `shellRoot` when the config sets it (then a
 * missing file fails, even if this build writes one by that name, unless it is one of the build's
 * own files); otherwise in a mount's folder, among the staged files, or in the output folder.
 * @throws ImageCacheError `invalid-config` with `key: "shell[i]"` naming the URL and the path looked at.
 */
async function shellManifest(
  config: ResolvedConfig,
  configDir: string,
  root: string,
  writer: OutputWriter,
  mounts: Array<{ prefix: string; dir: string }>,
): Promise<ShellEntry[]> {
  const shellRoot = config.shellRoot ? path.resolve(configDir, config.shellRoot) : null;
  if (shellRoot && !existsSync(shellRoot)) {
    throw new ImageCacheError('invalid-config', { key: 'shellRoot', reason: `${shellRoot} does not exist (shellRoot is relative to the config file)` });
  }
  const out: ShellEntry[] = [];
  for (const [i, url] of config.shell.entries()) {
    const pathname = new URL(url, 'http://site.invalid/').pathname;
    const mount = shellRoot ? undefined : mounts.find((m) => pathname.startsWith(m.prefix));
    let rel = decodeURIComponent(mount ? pathname.slice(mount.prefix.length) : pathname.replace(/^\//, ''));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    let data: Uint8Array | undefined;
    let lookedAt: string;
    if (shellRoot) {
      lookedAt = path.join(shellRoot, rel);
      if (!lookedAt.startsWith(shellRoot)) throw new ImageCacheError('invalid-config', { key: `shell[${i}]`, reason: `${url} is outside shellRoot` });
      if (existsSync(lookedAt) && (await stat(lookedAt)).isFile()) data = await readFile(lookedAt);
      else if (path.resolve(lookedAt) === path.join(writer.outDir, rel)) data = writer.staged(rel);
    } else if (mount) {
      lookedAt = path.join(path.resolve(root, mount.dir), rel);
      if (existsSync(lookedAt) && (await stat(lookedAt)).isFile()) data = await readFile(lookedAt);
    } else {
      lookedAt = path.join(writer.outDir, rel);
      data = writer.staged(rel);
      if (!data && existsSync(lookedAt) && (await stat(lookedAt)).isFile()) data = await readFile(lookedAt);
    }
    if (!data) {
      throw new ImageCacheError('invalid-config', {
        key: `shell[${i}]`,
        reason: `no file for ${url}: ${lookedAt} does not exist${shellRoot ? '' : ' (set shellRoot to the folder of the site the shell URLs name)'}`,
      });
    }
    out.push({ url, revision: revisionOf(data) });
  }
  return out;
}

/**
 * Builds the standalone worker into `outDir`: `sw.js` (config, shell and warm-up manifests
 * written into the template), `register.js` (one script tag), `register.mjs` and `client.mjs`
 * (ESM), `image-manifest.json` (for inspection), plus whatever `stageExtra` stages.
 * Everything is checked before anything is written.
 * @throws ImageCacheError for a malformed config or manifest, or a missing shell file (naming it).
 * @throws BuildError `would-overwrite` naming an existing file this tool did not write;
 *   `missing-template` when `templatesDir` lacks a file.
 */
export async function buildWorker(options: BuildWorkerOptions): Promise<BuildWorkerResult> {
  const { config, root, configDir } = await loadConfig(options);
  const outDir = path.resolve(root, options.outDir ?? 'dist');
  const mode = options.mode ?? 'production';
  const images: ManifestEntry[] = await generateManifest(config, root);
  checkManifest({ images, shell: [] }, config);

  const template = async (name: (typeof TEMPLATE_FILES)[number]): Promise<Buffer> => {
    const file = path.join(options.templatesDir, name);
    try {
      return await readFile(file);
    } catch {
      throw new BuildError('missing-template', `template ${file} is missing (in this repository: run the build through npm run build)`, { file });
    }
  };
  const writer = new OutputWriter(outDir);
  for (const name of ['register.js', 'register.mjs', 'client.mjs'] as const) writer.stage(name, await template(name));
  if (options.stageExtra) await options.stageExtra(writer);

  const shell = await shellManifest(config, configDir, root, writer, options.mounts ?? []);
  const manifest: WarmupManifest = { images, shell };
  const esbuild = options.sourceRoot ? await loadEsbuild() : null;
  const bundled = options.sourceRoot && esbuild ? await bundleWorker(esbuild, config, mode, options.sourceRoot) : null;
  const swTemplate = bundled ? bundled.code : (await template(mode === 'production' ? 'sw.js' : 'sw.dev.js')).toString('utf8');
  const swSource = options.sourceRoot && bundled ? path.join(options.sourceRoot, 'sw', 'index.ts') : path.join(options.templatesDir, 'sw.js');
  const injection: StandaloneInjection = { config, shell };
  const sw = replacePlaceholder(replacePlaceholder(swTemplate, STANDALONE_PLACEHOLDER, injection, swSource), MANIFEST_PLACEHOLDER, images, swSource);
  writer.stage('sw.js', sw);
  writer.stage('image-manifest.json', JSON.stringify(manifest, null, 2) + '\n');
  const written = await writer.commit();
  const swBytes = Buffer.byteLength(sw);
  if (options.log ?? true) {
    const warmBytes = images.reduce((s, e) => s + e.bytes, 0);
    if (options.sourceRoot && !esbuild) console.log('esbuild is not installed: sw.js is the prebuilt worker with every feature (install esbuild to bundle it for the config)');
    console.log(
      `built ${path.relative(root, outDir) || '.'}/ (${mode}): sw.js ${(swBytes / 1024).toFixed(1)} KiB, ` +
        `warm-up ${images.length} images / ${(warmBytes / 1048576).toFixed(1)} MiB of maxBytes ${(config.maxBytes / 1048576).toFixed(1)} MiB, ` +
        `shell ${shell.length} files; wrote ${written.length} files`,
    );
  }
  return { config, manifest, outDir, swBytes, bundled: bundled !== null, written };
}
