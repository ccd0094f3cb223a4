import { mkdtemp, mkdir } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../browser/harness.ts';
import { buildWorkers } from '../bundles.ts';
import { ensureBenchImages } from '../images.ts';
import { loadImageStore, startVariant, type Variant } from '../variants.ts';
import { openTab, loadPass, passInNewTab, waitForCacheCount } from '../measure.ts';
import { percentile } from '../stats.ts';
const tmp = await mkdtemp(path.join(os.tmpdir(), 'p3-')); const prof = await mkdtemp(path.join(os.tmpdir(), 'p3p-'));
const bundles = await buildWorkers(tmp); const empty = path.join(tmp, 'e'); await mkdir(empty);
const rw = path.join(tmp, 'rewrap'); await mkdir(rw);
await esbuild.build({ bundle: true, minify: true, format: 'iife', entryPoints: ['test/bench/.scratch/w/rewrap.ts'], outfile: path.join(rw, 'sw.js') });
const images = await ensureBenchImages({ log: false });
const store = await loadImageStore(images);
const ctx = await chromium.launchPersistentContext(prof, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const vs: Variant[] = [];
vs.push(await startVariant({ id: 'bare', name: 'bare', bundle: bundles.bare, emptyDir: empty, images: store, latencyMs: 20 }));
vs.push(await startVariant({ id: 'bare+rewrap', name: 'bare', bundle: { name: 'bare', dir: rw, bytes: 0, gzipBytes: 0 }, emptyDir: empty, images: store, latencyMs: 20 }));
vs.push(await startVariant({ id: 'ours', name: 'ours', bundle: bundles.ours, emptyDir: empty, images: store, latencyMs: 20 }));
const all = images.map(i => `/img/${i.file}`);
const large = images.filter(i => i.kind === 'large').map(i => `/img/${i.file}`);
const small = images.filter(i => i.kind === 'small').map(i => `/img/${i.file}`);
for (const v of vs) { const p = await openTab(ctx, v); await loadPass(p, v, all, 16); await waitForCacheCount(p, v.cacheName!, all.length); await p.close(); }
await new Promise(r => setTimeout(r, 2000));
const res: Record<string, { large: number[]; small: number[]; c32: number[]; ips: number[] }> = {};
for (let r = 0; r < 5; r++) for (const v of vs) {
  const x = (res[v.id] ??= { large: [], small: [], c32: [], ips: [] });
  const a = await passInNewTab(ctx, v, large, 1); x.large.push(...a.samples.map(s => s.rtMs));
  const s = await passInNewTab(ctx, v, small.slice(0, 150), 1); x.small.push(percentile(s.samples.map(s => s.rtMs), 50));
  const b = await passInNewTab(ctx, v, all, 32); x.c32.push(percentile(b.samples.map(s => s.rtMs), 50)); x.ips.push(b.samples.length * 1000 / b.wallMs);
}
for (const [id, x] of Object.entries(res)) console.log(id.padEnd(14), 'large c1', percentile(x.large, 50).toFixed(1), '| small c1 p50', percentile(x.small, 50).toFixed(2), '| c32 p50', percentile(x.c32, 50).toFixed(1), 'img/s', percentile(x.ips, 50).toFixed(0));
await ctx.close(); for (const v of vs) await v.server.close();
