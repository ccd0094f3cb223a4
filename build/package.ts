/**
 * `npm run build:package` (run by `prepack`, so `npm pack` always ships a fresh build): writes
 * the package's `lib/` (git-ignored):
 * - `lib/esm/`: ESM for bundlers, one file per entry plus shared chunks (esbuild, code splitting):
 *   `worker.js` (`sw-image-cache/worker`), `register.js`, `client.js`, `policy.js`. Dependencies
 *   (`workbox-routing`, `workbox-core`, `idb`) stay imports, so a host's `registerRoute` and ours
 *   share one default router. `process.env.NODE_ENV` is left for the host's bundler to define, as
 *   Workbox's own packages do;
 * - `lib/classic/sw-image-cache.js`: the IIFE for `importScripts` (everything bundled, production,
 *   minified) setting `self.swImageCache`; `sw-image-cache.dev.js`: the same with dev logging;
 * - `lib/templates/`: the standalone build's page templates, and its worker with every feature
 *   (used when esbuild is not installed);
 * - `lib/src/sw/`: the worker's TypeScript sources, which the standalone build bundles for each
 *   config (`workerBundle.ts`: only the policy and features the config uses);
 * - `lib/node/index.js` (`sw-image-cache/build`) and `lib/node/cli.js` (the `sw-image-cache` bin);
 * - `lib/types/`: declarations generated from the sources by `tsc --emitDeclarationOnly`
 *   (`tsconfig.pkg.*.json`), with relative `.ts` specifiers rewritten to `.js`.
 */
import { execFileSync } from 'node:child_process';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { browserOptions, bundleTemplates, REPO_ROOT, TARGETS } from './templates.ts';

const LIB = path.join(REPO_ROOT, 'lib');

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(full)));
    else out.push(full);
  }
  return out;
}

/** Builds `lib/` (see the file header). */
export async function buildPackage(): Promise<void> {
  await rm(LIB, { recursive: true, force: true });
  const src = (p: string) => path.join(REPO_ROOT, p);
  await esbuild.build({
    entryPoints: {
      worker: src('sw/worker/index.ts'),
      register: src('app/register.ts'),
      client: src('app/client.ts'),
      policy: src('sw/policy/index.ts'),
    },
    outdir: path.join(LIB, 'esm'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'neutral',
    target: TARGETS,
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
  for (const mode of ['production', 'development'] as const) {
    await esbuild.build({
      ...browserOptions(mode),
      sourcemap: false,
      entryPoints: [src('sw/classic.ts')],
      format: 'iife',
      outfile: path.join(LIB, 'classic', mode === 'production' ? 'sw-image-cache.js' : 'sw-image-cache.dev.js'),
    });
  }
  await bundleTemplates(path.join(LIB, 'templates'), 'production', false);
  await cp(src('sw'), path.join(LIB, 'src', 'sw'), { recursive: true, filter: (f) => !f.endsWith('.md') });
  const node: esbuild.BuildOptions = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' };
  await esbuild.build({ ...node, entryPoints: [src('build/node.ts')], outfile: path.join(LIB, 'node', 'index.js') });
  // The bin imports the node entry (one copy of the code and of its templates path).
  await esbuild.build({
    ...node,
    entryPoints: [src('build/bin.ts')],
    outfile: path.join(LIB, 'node', 'cli.js'),
    banner: { js: '#!/usr/bin/env node' },
    plugins: [
      {
        name: 'node-entry-external',
        setup(b) {
          b.onResolve({ filter: /^\.\/node\.ts$/ }, () => ({ path: './index.js', external: true }));
        },
      },
    ],
  });
  for (const project of ['worker', 'page', 'node']) {
    execFileSync(process.execPath, [src('node_modules/typescript/bin/tsc'), '-p', src(`tsconfig.pkg.${project}.json`)], { stdio: 'inherit' });
  }
  for (const file of await walk(path.join(LIB, 'types'))) {
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2'));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildPackage().then(
    () => console.error(`built ${path.relative(process.cwd(), LIB)}/`),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
