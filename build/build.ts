/**
 * `npm run build [-- --config FILE] [--out DIR] [--dev]`: validates the config, generates the
 * warm-up manifest (content-hash revisions) and bundles with esbuild:
 * - `sw/index.ts` → `DIR/sw.js` (config and manifest inlined; production: minified, dev logs compiled out);
 * - `app/register.ts` → `DIR/register.mjs` (ESM) and `app/register-auto.ts` → `DIR/register.js` (one script tag);
 * - `app/client.ts` → `DIR/client.mjs` (ESM: the page client, `ImageCacheClient`);
 * - `app/demo/main.ts` → `DIR/demo/main.js`, `app/demo/index.html` → `DIR/index.html`, `app/demo/style.css`;
 * - `app/demo/dashboard/` → `DIR/dashboard/index.html`, `dashboard.js`, `dashboard.css` (uPlot's CSS bundled in);
 * - `DIR/image-manifest.json` (the manifest, for inspection).
 * A malformed config or manifest fails the build, naming the key (or entry) and the reason.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { checkManifest, resolveConfig, type ManifestEntry, type ResolvedConfig, type ShellEntry, type WarmupManifest } from '../sw/config.ts';
import { ImageCacheError } from '../sw/errors/ImageCacheError.ts';

/** Options of {@link build}. Paths are relative to `root`. */
export interface BuildOptions {
  /** Repository root. @default process.cwd() */
  root?: string;
  /** Config file. @default "image-cache.config.json" */
  configPath?: string;
  /** A config object instead of a file (tests). */
  config?: unknown;
  /** Output folder. @default "dist" */
  outDir?: string;
  /** `production` (minified, no logs) or `development` (workbox-core dev logging). @default "production" */
  mode?: 'production' | 'development';
  /** Also bundle the demo app. @default true */
  demo?: boolean;
  /** Print a summary. @default true */
  log?: boolean;
  /**
   * Where shell URLs that are not in the output folder come from (as the server mounts them).
   * @default [{ prefix: '/data/', dir: 'data' }]
   */
  mounts?: Array<{ prefix: string; dir: string }>;
}

/** What {@link build} produced. */
export interface BuildResult {
  config: ResolvedConfig;
  manifest: WarmupManifest;
  outDir: string;
  /** `sw.js` size in bytes. */
  swBytes: number;
}

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|avif|svg)$/i;

async function hashFile(file: string): Promise<{ revision: string; bytes: number }> {
  const data = await readFile(file);
  return { revision: createHash('sha256').update(data).digest('hex').slice(0, 16), bytes: data.byteLength };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(full)));
    else if (d.isFile()) out.push(full);
  }
  return out;
}

/**
 * Builds the warm-up manifest from the config's `warmup.sources`: every image file under each
 * `directory` (whose path relative to it matches `include`, when given) becomes
 * `{ url: urlPrefix + relativePath, revision: sha256(bytes)[0..16], bytes }`, sorted by URL.
 * @throws ImageCacheError `invalid-config` when a source directory does not exist.
 */
export async function generateManifest(config: ResolvedConfig, root: string): Promise<ManifestEntry[]> {
  const images: ManifestEntry[] = [];
  for (const [i, source] of config.warmup.sources.entries()) {
    const dir = path.resolve(root, source.directory);
    if (!existsSync(dir)) {
      throw new ImageCacheError('invalid-config', {
        key: `warmup.sources[${i}].directory`,
        reason: `${source.directory} does not exist (run \`npm run data\` for the demo dataset)`,
      });
    }
    const include = source.include ? new RegExp(source.include) : null;
    for (const file of await walk(dir)) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      if (!IMAGE_EXT.test(rel) || (include && !include.test(rel))) continue;
      images.push({ url: source.urlPrefix + rel, ...(await hashFile(file)) });
    }
  }
  images.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return images;
}

/** Resolves shell URLs to files (a mount's folder, else the output folder) and hashes them. */
async function shellManifest(
  config: ResolvedConfig,
  root: string,
  outDir: string,
  mounts: Array<{ prefix: string; dir: string }>,
): Promise<ShellEntry[]> {
  const out: ShellEntry[] = [];
  for (const [i, url] of config.shell.entries()) {
    const mount = mounts.find((m) => url.startsWith(m.prefix));
    let rel = mount ? url.slice(mount.prefix.length) : url.replace(/^\//, '');
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(mount ? path.resolve(root, mount.dir) : outDir, rel);
    if (!existsSync(file) || !(await stat(file)).isFile()) {
      throw new ImageCacheError('invalid-config', { key: `shell[${i}]`, reason: `no file for ${url} in ${path.relative(root, outDir)}/ or the repository` });
    }
    out.push({ url, revision: (await hashFile(file)).revision });
  }
  return out;
}

/** Runs the build. See the file header. @throws ImageCacheError for a malformed config or manifest. */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const root = path.resolve(options.root ?? process.cwd());
  const outDir = path.resolve(root, options.outDir ?? 'dist');
  const mode = options.mode ?? 'production';
  const log = options.log ?? true;
  let rawConfig = options.config;
  if (rawConfig === undefined) {
    const configPath = path.resolve(root, options.configPath ?? 'image-cache.config.json');
    let text: string;
    try {
      text = await readFile(configPath, 'utf8');
    } catch {
      throw new ImageCacheError('invalid-config', { key: '(file)', reason: `cannot read ${configPath}` });
    }
    try {
      rawConfig = JSON.parse(text);
    } catch (e) {
      throw new ImageCacheError('invalid-config', { key: '(file)', reason: `${configPath} is not valid JSON: ${(e as Error).message}` });
    }
  }
  const config = resolveConfig(rawConfig);
  const images = await generateManifest(config, root);
  checkManifest({ images, shell: [] }, config);

  await mkdir(path.join(outDir, 'demo'), { recursive: true });
  if (options.demo !== false) await mkdir(path.join(outDir, 'dashboard'), { recursive: true });
  const common: esbuild.BuildOptions = {
    bundle: true,
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    minify: mode === 'production',
    sourcemap: mode === 'development' ? 'inline' : false,
  };
  // Page-side bundles first: the shell manifest hashes them.
  await Promise.all([
    esbuild.build({ ...common, entryPoints: [path.join(root, 'app/register.ts')], format: 'esm', outfile: path.join(outDir, 'register.mjs') }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'app/register-auto.ts')], format: 'iife', outfile: path.join(outDir, 'register.js') }),
    esbuild.build({ ...common, entryPoints: [path.join(root, 'app/client.ts')], format: 'esm', outfile: path.join(outDir, 'client.mjs') }),
    ...(options.demo === false
      ? []
      : [
          esbuild.build({ ...common, entryPoints: [path.join(root, 'app/demo/main.ts')], format: 'esm', outfile: path.join(outDir, 'demo/main.js') }),
          copyFile(path.join(root, 'app/demo/index.html'), path.join(outDir, 'index.html')),
          copyFile(path.join(root, 'app/demo/style.css'), path.join(outDir, 'demo/style.css')),
          esbuild.build({ ...common, entryPoints: [path.join(root, 'app/demo/dashboard/dashboard.ts')], format: 'esm', outfile: path.join(outDir, 'dashboard/dashboard.js') }),
          esbuild.build({ ...common, entryPoints: [path.join(root, 'app/demo/dashboard/dashboard.css')], outfile: path.join(outDir, 'dashboard/dashboard.css') }),
          copyFile(path.join(root, 'app/demo/dashboard/index.html'), path.join(outDir, 'dashboard/index.html')),
        ]),
  ]);
  const manifest: WarmupManifest = { images, shell: await shellManifest(config, root, outDir, options.mounts ?? [{ prefix: '/data/', dir: 'data' }]) };
  await esbuild.build({
    ...common,
    entryPoints: [path.join(root, 'sw/index.ts')],
    format: 'iife',
    outfile: path.join(outDir, 'sw.js'),
    define: {
      ...common.define,
      __SW_IMAGE_CACHE_CONFIG__: JSON.stringify(config),
      __SW_IMAGE_CACHE_MANIFEST__: JSON.stringify(manifest),
      __SW_IMAGE_CACHE_POLICY__: JSON.stringify(config.policy),
    },
  });
  await writeFile(path.join(outDir, 'image-manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const swBytes = (await stat(path.join(outDir, 'sw.js'))).size;
  if (log) {
    const warmBytes = images.reduce((s, e) => s + e.bytes, 0);
    console.log(
      `built ${path.relative(root, outDir) || '.'}/ (${mode}): sw.js ${(swBytes / 1024).toFixed(1)} KiB, ` +
        `warm-up ${images.length} images / ${(warmBytes / 1048576).toFixed(1)} MiB of maxBytes ${(config.maxBytes / 1048576).toFixed(1)} MiB, ` +
        `shell ${manifest.shell.length} files`,
    );
  }
  return { config, manifest, outDir, swBytes };
}

function parseArgs(argv: string[]): BuildOptions {
  const options: BuildOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config') options.configPath = argv[++i];
    else if (a === '--out') options.outDir = argv[++i];
    else if (a === '--dev') options.mode = 'development';
    else if (a === '--no-demo') options.demo = false;
    else {
      console.error(`build: unknown argument ${a}\nusage: npm run build -- [--config FILE] [--out DIR] [--dev] [--no-demo]`);
      process.exit(2);
    }
  }
  return options;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  build(parseArgs(process.argv.slice(2))).catch((e: unknown) => {
    if (e instanceof ImageCacheError) {
      console.error(`build failed: ${e.message}`);
      process.exit(1);
    }
    throw e;
  });
}
