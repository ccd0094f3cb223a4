import { mkdtemp, mkdir, readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import os from 'node:os'; import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../browser/harness.ts';
import { build } from '../../../build/build.ts';
import { buildWorkers, oursConfig } from '../bundles.ts';
import { ensureBenchImages } from '../images.ts';
import { loadImageStore, startVariant, type Variant } from '../variants.ts';
import { openTab, loadPass, passInNewTab, waitForCacheCount, oursStats, stopAllWorkers } from '../measure.ts';
import { percentile } from '../stats.ts';
const tmp = await mkdtemp(path.join(os.tmpdir(), 'p2-')); const prof = await mkdtemp(path.join(os.tmpdir(), 'p2p-'));
const bundles = await buildWorkers(tmp); const empty = path.join(tmp, 'e'); await mkdir(empty);
const noFlushDir = path.join(tmp, 'noflush');
await build({ config: { ...oursConfig(), writeBehindMs: 600000, sweepIntervalSeconds: 100000 }, outDir: noFlushDir, demo: false, log: false, mounts: [] });
const images = await ensureBenchImages({ log: false });
const store = await loadImageStore(images);
const ctx = await chromium.launchPersistentContext(prof, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
const vs: Variant[] = [];
vs.push(await startVariant({ id: 'bare', name: 'bare', bundle: bundles.bare, emptyDir: empty, images: store, latencyMs: 20 }));
vs.push(await startVariant({ id: 'ours', name: 'ours', bundle: bundles.ours, emptyDir: empty, images: store, latencyMs: 20 }));
vs.push(await startVariant({ id: 'ours-noflush', name: 'ours', bundle: { name: 'ours', dir: noFlushDir, bytes: 0, gzipBytes: 0 }, emptyDir: empty, images: store, latencyMs: 20 }));
const all = images.map(i => `/img/${i.file}`);
const large = images.filter(i => i.kind === 'large').map(i => `/img/${i.file}`);
for (const v of vs) { const p = await openTab(ctx, v); await loadPass(p, v, all, 16); await waitForCacheCount(p, v.cacheName!, all.length); await p.close(); }
await new Promise(r => setTimeout(r, 2000));
const res: Record<string, { large: number[]; p50: number[]; p95: number[]; p99: number[]; ips: number[] }> = {};
for (let r = 0; r < 5; r++) for (const v of vs) {
  const x = (res[v.id] ??= { large: [], p50: [], p95: [], p99: [], ips: [] });
  const a = await passInNewTab(ctx, v, large, 1); x.large.push(...a.samples.map(s => s.rtMs));
  const b = await passInNewTab(ctx, v, all, 32); const rts = b.samples.map(s => s.rtMs);
  x.p50.push(percentile(rts, 50)); x.p95.push(percentile(rts, 95)); x.p99.push(percentile(rts, 99)); x.ips.push(b.samples.length * 1000 / b.wallMs);
}
for (const [id, x] of Object.entries(res)) console.log(id.padEnd(14), 'large c1 median', percentile(x.large, 50).toFixed(1), '| c32 p50', percentile(x.p50, 50).toFixed(1), 'p95', percentile(x.p95, 50).toFixed(1), 'p99', percentile(x.p99, 50).toFixed(1), 'img/s', percentile(x.ips, 50).toFixed(0));
// cold with recovery report
const o = vs[1]!; const p = await openTab(ctx, o);
for (let k = 0; k < 3; k++) { await stopAllWorkers(p); const a = await loadPass(p, o, [all[k * 7]!], 1); const st: any = await oursStats(p); console.log('cold ours 304 entries', a.samples[0]!.rtMs.toFixed(1), 'ms; lastRecovery', JSON.stringify(st.lastRecovery)); }
await p.close();
await ctx.close(); for (const v of vs) await v.server.close();
