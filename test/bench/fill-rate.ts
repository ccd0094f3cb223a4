/**
 * Why are cache fills slow? `npx tsx test/bench/fill-rate.ts [--n 2000] [--c 32]`: fills `bare` and
 * `ours` with `n` distinct tiny images at concurrency `c`, once with the Chromium profile
 * (user-data-dir) in the OS temp folder (disk) and once in `/dev/shm` (tmpfs), and prints the
 * stores per second (time from the first load to the cache holding all `n`); then seeds `--seed`
 * more entries directly from the page (scale.ts `seed`) and prints that rate too.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../browser/harness.ts';
import { buildWorkers } from './bundles.ts';
import { ensureBenchImages } from './images.ts';
import { loadPass, openTab, stopAllWorkers, waitForCacheCount } from './measure.ts';
import { readTemplate, seed } from './scale.ts';
import { loadImageStore, startVariant, type Variant } from './variants.ts';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};

async function main(): Promise<void> {
  const n = arg('--n', 2000);
  const c = arg('--c', 32);
  const store = await loadImageStore(await ensureBenchImages({ log: false }));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-fillrate-'));
  const bundles = await buildWorkers(tmp);
  const emptyDir = path.join(tmp, 'empty');
  await mkdir(emptyDir, { recursive: true });
  try {
    for (const root of [os.tmpdir(), '/dev/shm']) {
      const profileDir = await mkdtemp(path.join(root, 'sw-image-cache-fillrate-profile-'));
      const servers: Variant[] = [];
      const context = await chromium.launchPersistentContext(profileDir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
      try {
        for (const name of ['bare', 'ours'] as const) {
          const v = await startVariant({ id: name, name, bundle: bundles[name], emptyDir, images: store, latencyMs: 0 });
          servers.push(v);
          const page = await openTab(context, v);
          const t0 = Date.now();
          const urls = Array.from({ length: n }, (_, k) => `/tiny/${k}.png`);
          const pass = await loadPass(page, v, urls, c);
          const loadMs = Date.now() - t0;
          const got = await waitForCacheCount(page, v.cacheName!, n, 600_000);
          const ms = Date.now() - t0;
          const extra = arg('--seed', 5000);
          const template = await readTemplate(page, v.cacheName!);
          await stopAllWorkers(page);
          const s0 = Date.now();
          await seed(page, v.cacheName!, template, n, n + extra);
          const seedMs = Date.now() - s0;
          console.log(`${root.padEnd(10)} ${name.padEnd(5)} seeded ${extra} in ${(seedMs / 1000).toFixed(1)} s = ${((extra * 1000) / seedMs).toFixed(0)}/s`);
          console.log(`${root.padEnd(10)} ${name.padEnd(5)} ${got}/${n} stored in ${(ms / 1000).toFixed(1)} s = ${((got * 1000) / ms).toFixed(0)}/s (loads done after ${(loadMs / 1000).toFixed(1)} s, ${pass.samples.filter((s) => !s.ok).length} failed)`);
          await page.close();
        }
      } finally {
        await context.close();
        for (const v of servers) await v.server.close();
        await rm(profileDir, { recursive: true, force: true });
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
