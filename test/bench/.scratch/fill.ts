import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../browser/harness.ts';
import { buildWorkers } from '../bundles.ts';
import { ensureBenchImages } from '../images.ts';
import { loadImageStore, startVariant } from '../variants.ts';
import { openTab, loadPass, cacheCount, oursStats } from '../measure.ts';
const tmp = await mkdtemp(path.join(os.tmpdir(), 'fill-')); const prof = await mkdtemp(path.join(os.tmpdir(), 'fillp-'));
const bundles = await buildWorkers(tmp); const empty = path.join(tmp, 'e'); await mkdir(empty);
const store = await loadImageStore(await ensureBenchImages({ log: false }));
const ctx = await chromium.launchPersistentContext(prof, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const which = process.argv.slice(2);
for (const name of which as Array<'bare'|'workbox'|'ours'>) {
  const v = await startVariant({ id: name, name, bundle: bundles[name], emptyDir: empty, images: store, latencyMs: 20 });
  const page = await openTab(ctx, v);
  const t0 = Date.now();
  for (let from = 0; from < 3000; from += 1000) {
    const urls = Array.from({ length: 1000 }, (_, k) => `/tiny/${from + k}.png`);
    const t1 = Date.now();
    await loadPass(page, v, urls, 48);
    const t2 = Date.now();
    let n = 0; for (let i = 0; i < 2000; i++) { n = await cacheCount(page, v.cacheName!); if (n >= from + 1000) break; await new Promise(r => setTimeout(r, 100)); }
    console.log(name, `to ${from + 1000}: loads ${t2 - t1} ms, stored after ${Date.now() - t1} ms`, n);
  }
  if (name === 'ours') console.log(await oursStats(page));
  await page.close(); await v.server.close();
}
await ctx.close();
