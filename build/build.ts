/**
 * This repository's build: `npm run build [-- --config FILE] [--out DIR] [--dev]` runs the
 * package's command line (`sw-image-cache build`, see `cli.ts`) with `--demo`, over templates
 * bundled fresh from the sources (`templates.ts`). It writes into DIR (default `dist/`):
 * - `sw.js`, `register.js`, `register.mjs`, `client.mjs`, `image-manifest.json` (see `standalone.ts`);
 * - with the demo: `index.html`, `demo/main.js`, `demo/style.css`, `dashboard/index.html`,
 *   `dashboard/dashboard.js`, `dashboard/dashboard.css` (uPlot's CSS bundled in).
 * It never overwrites a file it did not write (`OutputWriter`). A malformed config or manifest
 * fails the build, naming the key (or entry) and the reason, before anything is written.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { ResolvedConfig, WarmupManifest } from '../sw/config.ts';
import { runCli } from './cli.ts';
import type { OutputWriter } from './OutputWriter.ts';
import { buildWorker } from './standalone.ts';
import { browserOptions, bundleTemplates, REPO_ROOT } from './templates.ts';

export { generateManifest } from './config.ts';

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
  /** Also bundle the demo app (the command line's `--demo`). @default true (this function is the repository's) */
  demo?: boolean;
  /** Print a summary. @default true */
  log?: boolean;
  /**
   * Where shell URLs that are not in the output folder come from (as the server mounts them),
   * when the config has no `shellRoot`.
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
  /** Whether `sw.js` was bundled for the config (always, in this repository). */
  bundled: boolean;
  /** The files written, relative to `outDir`. */
  written: string[];
}

/** Stages the demo app's files (bundled in `mode`). */
async function stageDemo(writer: OutputWriter, mode: 'production' | 'development'): Promise<void> {
  const common = { ...browserOptions(mode), write: false, outdir: writer.outDir } satisfies esbuild.BuildOptions;
  const bundle = async (entry: string, rel: string, format?: esbuild.Format) => {
    const result = await esbuild.build({ ...common, entryPoints: [path.join(REPO_ROOT, entry)], format, outdir: undefined, outfile: path.join(writer.outDir, rel) });
    writer.stage(rel, result.outputFiles[0]!.contents);
  };
  await bundle('app/demo/main.ts', 'demo/main.js', 'esm');
  await bundle('app/demo/dashboard/dashboard.ts', 'dashboard/dashboard.js', 'esm');
  await bundle('app/demo/dashboard/dashboard.css', 'dashboard/dashboard.css');
  writer.stage('index.html', await readFile(path.join(REPO_ROOT, 'app/demo/index.html')));
  writer.stage('demo/style.css', await readFile(path.join(REPO_ROOT, 'app/demo/style.css')));
  writer.stage('dashboard/index.html', await readFile(path.join(REPO_ROOT, 'app/demo/dashboard/index.html')));
}

/**
 * Runs the repository build (see the file header): bundles the page templates from the sources, then
 * the same standalone build as `npx sw-image-cache build` (`sw.js` bundled for the config from the
 * sources), plus the demo unless `demo: false`.
 * @throws ImageCacheError for a malformed config or manifest; BuildError `would-overwrite`.
 */
export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const mode = options.mode ?? 'production';
  const templatesDir = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-templates-'));
  try {
    // The page snippet from templates; sw.js bundled for the config from the sources.
    await bundleTemplates(templatesDir, mode, true, false);
    return await buildWorker({
      sourceRoot: REPO_ROOT,
      root: options.root,
      configPath: options.configPath,
      config: options.config,
      outDir: options.outDir,
      mode,
      log: options.log,
      templatesDir,
      mounts: options.mounts ?? [{ prefix: '/data/', dir: 'data' }],
      stageExtra: options.demo === false ? undefined : (writer) => stageDemo(writer, mode),
    });
  } finally {
    await rm(templatesDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runCli(process.argv.slice(2), { build: (o) => build(o) }, 'build').then((code) => process.exit(code));
}
