/**
 * Builds every benchmarked worker into a temp folder, at bench time:
 * - `bare`, `bare-static` and `workbox` (`test/bench/workers/*.ts`) with esbuild, production-style
 *   (`process.env.NODE_ENV` = "production", minified), as an IIFE like ours;
 * - `ours` with the project's own `build()` (`dist`-style `sw.js`, config inlined);
 * - optionally `ours` again unminified with names kept (same code, same config) for `--profile`, so a
 *   CPU profile names our functions and lines instead of minified ones (a copy is kept as
 *   `.cache/bench-trace-ours-profile.sw.js` to read the line numbers against).
 * Reports each `sw.js`'s size and gzipped size (node:zlib gzipSync, default level).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { build } from '../../build/build.ts';
import { replacePlaceholder } from '../../build/inject.ts';
import { resolveConfig } from '../../sw/config.ts';
import { MANIFEST_PLACEHOLDER, STANDALONE_PLACEHOLDER, type StandaloneInjection } from '../../sw/standalone.ts';

/** Names of the worker variants. */
export type WorkerName = 'bare' | 'bare-static' | 'workbox' | 'ours' | 'ours-mem';

/** A built worker: the folder to serve at `/` (holding `sw.js`) and its sizes. */
export interface WorkerBundle {
  name: WorkerName | 'ours-profile';
  /** Folder served at the origin's root; `sw.js` is in it. */
  dir: string;
  bytes: number;
  gzipBytes: number;
}

/**
 * Workbox ExpirationPlugin limits: larger than anything the bench stores (100,000 entries at
 * `--max-entries 100000`), so hits stay hits and no eviction pass runs inside a figure.
 */
export const WORKBOX_MAX_ENTRIES = 200_000;
export const MAX_AGE_SECONDS = 30 * 86_400;

/** The `ours-mem` variant's memory tier: room for the whole hit set (bodies up to 1/8 of it). */
export const MEMORY_TIER_BYTES = 64 * 1024 * 1024;

/** Our worker's config for the bench: a budget that holds everything the bench loads. */
export function oursConfig(): Record<string, unknown> {
  return {
    cacheName: 'sw-image-cache-images',
    maxBytes: 1024 * 1024 * 1024,
    maxEntryBytes: 16 * 1024 * 1024,
    maxAgeSeconds: MAX_AGE_SECONDS,
    writeBehindMs: 1000,
    routes: [],
  };
}

const COMMON: esbuild.BuildOptions = {
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  logLevel: 'warning',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  minify: true,
};

async function sizes(file: string): Promise<{ bytes: number; gzipBytes: number }> {
  const data = await readFile(file);
  return { bytes: data.byteLength, gzipBytes: gzipSync(data).byteLength };
}

/**
 * Builds the three workers (and, with `profile`, the names-kept build of ours) under `tmpDir`.
 * @returns one {@link WorkerBundle} per worker, keyed by name.
 */
export async function buildWorkers(tmpDir: string, options: { profile?: boolean } = {}): Promise<Record<string, WorkerBundle>> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const out: Record<string, WorkerBundle> = {};
  for (const name of ['bare', 'bare-static', 'workbox'] as const) {
    const dir = path.join(tmpDir, name);
    await mkdir(dir, { recursive: true });
    const outfile = path.join(dir, 'sw.js');
    await esbuild.build({
      ...COMMON,
      entryPoints: [path.join(here, 'workers', `${name}.ts`)],
      outfile,
      define: {
        ...COMMON.define,
        __BENCH_WORKBOX_MAX_ENTRIES__: String(WORKBOX_MAX_ENTRIES),
        __BENCH_WORKBOX_MAX_AGE_SECONDS__: String(MAX_AGE_SECONDS),
      },
    });
    out[name] = { name, dir, ...(await sizes(outfile)) };
  }
  const oursDir = path.join(tmpDir, 'ours');
  await build({ config: oursConfig(), outDir: oursDir, demo: false, log: false, mounts: [] });
  out.ours = { name: 'ours', dir: oursDir, ...(await sizes(path.join(oursDir, 'sw.js'))) };
  // The same worker with the memory tier on (issue: does a memory tier beat the floor?).
  const memDir = path.join(tmpDir, 'ours-mem');
  await build({ config: { ...oursConfig(), memoryTierBytes: MEMORY_TIER_BYTES }, outDir: memDir, demo: false, log: false, mounts: [] });
  out['ours-mem'] = { name: 'ours-mem', dir: memDir, ...(await sizes(path.join(memDir, 'sw.js'))) };

  if (options.profile) {
    // The same entry and config as build/build.ts, not minified, names kept.
    const dir = path.join(tmpDir, 'ours-profile');
    await mkdir(dir, { recursive: true });
    const config = resolveConfig(oursConfig());
    const outfile = path.join(dir, 'sw.js');
    await esbuild.build({
      ...COMMON,
      minify: false,
      keepNames: true,
      entryPoints: [path.resolve('sw/index.ts')],
      outfile,
    });
    // The config goes where the standalone build writes it (build/standalone.ts).
    const injection: StandaloneInjection = { config, shell: [] };
    const template = await readFile(outfile, 'utf8');
    await writeFile(outfile, replacePlaceholder(replacePlaceholder(template, STANDALONE_PLACEHOLDER, injection, outfile), MANIFEST_PLACEHOLDER, [], outfile));
    await mkdir(path.resolve('.cache'), { recursive: true });
    await writeFile(path.resolve('.cache/bench-trace-ours-profile.sw.js'), await readFile(outfile));
    out['ours-profile'] = { name: 'ours-profile', dir, ...(await sizes(outfile)) };
  }
  return out;
}
