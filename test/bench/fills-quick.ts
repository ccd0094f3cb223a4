/**
 * A quick fills measurement (not part of `npm run bench`): N distinct tiny-PNG misses at c=32 on a
 * fresh origin per variant, timed until every entry is in the variant's Cache Storage cache.
 * `npx tsx test/bench/fills-quick.ts [N] [rounds]`; prints one line per run and the medians.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../browser/harness.ts';
import { buildWorkers } from './bundles.ts';
import { ensureBenchImages } from './images.ts';
import { loadPass, oursStats, openTab, waitForCacheCount } from './measure.ts';
import { median } from './stats.ts';
import { loadImageStore, startVariant, type Variant } from './variants.ts';

const n = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 2);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-fills-'));
const profileDir = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-fills-profile-'));
const store = await loadImageStore(await ensureBenchImages({ log: false }));
const bundles = await buildWorkers(tmp);
const emptyDir = path.join(tmp, 'empty');
await mkdir(emptyDir, { recursive: true });
const servers: Variant[] = [];
const context = await chromium.launchPersistentContext(profileDir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
const rates: Record<string, number[]> = { bare: [], ours: [] };
try {
  for (let r = 0; r < rounds; r++) {
    for (const name of r % 2 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const)) {
      const v = await startVariant({ id: `${name}-${r}`, name, bundle: bundles[name], emptyDir, images: store, latencyMs: 0 });
      servers.push(v);
      const page = await openTab(context, v);
      const t0 = Date.now();
      const pass = await loadPass(page, v, Array.from({ length: n }, (_, i) => `/tiny/${r * n + i}.png`), 32);
      const got = await waitForCacheCount(page, v.cacheName!, n, 600_000);
      const ms = Date.now() - t0;
      const rate = (got * 1000) / ms;
      rates[name]!.push(rate);
      const stats = name === 'ours' ? await oursStats(page).catch(() => ({})) : {};
      const pick = (k: string) => (stats as Record<string, unknown>)[k];
      console.log(
        `${name} round ${r + 1}: ${got}/${n} stored in ${ms} ms = ${rate.toFixed(1)}/s (load ${pass.wallMs.toFixed(0)} ms, failed ${pass.samples.filter((s) => !s.ok).length})` +
          (name === 'ours' ? ` streamedStores=${pick('streamedStores')} peakPendingBytes=${pick('peakPendingBytes')} errors=${pick('errors')}` : ''),
      );
      await page.close();
    }
  }
  const b = median(rates.bare!);
  const o = median(rates.ours!);
  console.log(`median: bare ${b.toFixed(1)}/s, ours ${o.toFixed(1)}/s, ours/bare ${(o / b).toFixed(2)}`);
} finally {
  await context.close();
  for (const v of servers) await v.server.close();
}
