/**
 * `npx tsx test/bench/wake.ts --entries N [--profile DIR] [--port P] [--wakes K] [--seeded]`
 *
 * Diagnoses one large wake of our worker in Chromium, outside the full bench: grows the `ours`
 * origin to N entries (the first through the worker, which gives the seeding template, the rest
 * seeded straight into its stores as `npm run bench` does, which makes the index snapshot stale),
 * then K times: stops the worker, wakes it with the health endpoint and prints, every second until
 * the index is loaded (or 300 s), what the worker reports (index source and load time, the last
 * recovery, mutation timeouts, recent errors). Then a burst of 200 misses through the worker, and
 * how many of them were stored.
 *
 * `--profile DIR --port P` keep Chromium's profile and the origin, so that `--seeded` can wake the
 * same N entries again, with a rebuilt worker (a new worker version: it activates, which runs the
 * full recovery), without seeding again.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../browser/harness.ts';
import { buildWorkers } from './bundles.ts';
import { ensureBenchImages } from './images.ts';
import { loadPass, openTab, stopAllWorkers } from './measure.ts';
import { readTemplate, seed, waitStored } from './scale.ts';
import { loadImageStore, startVariant } from './variants.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function health(page: Page): Promise<Record<string, any>> {
  return page.evaluate(async () => {
    const r = await navigator.serviceWorker.getRegistration();
    const states = r ? `installing ${r.installing?.state ?? '-'}, waiting ${r.waiting?.state ?? '-'}, active ${r.active?.state ?? '-'}` : 'no registration';
    return { ...(await (await fetch('/__image-cache/health', { cache: 'no-store' })).json()), states };
  });
}

async function main(): Promise<void> {
  const entries = Number(arg('--entries', '100000'));
  const wakes = Number(arg('--wakes', '2'));
  const seeded = process.argv.includes('--seeded');
  const profileDir = arg('--profile') ?? (await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-wake-profile-')));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-wake-'));
  const bundles = await buildWorkers(tmp);
  const emptyDir = path.join(tmp, 'empty');
  await mkdir(emptyDir, { recursive: true });
  const images = await loadImageStore(await ensureBenchImages());
  const v = await startVariant({ id: 'ours', name: 'ours', bundle: bundles.ours, emptyDir, images, latencyMs: 0, port: Number(arg('--port', '0')) });
  const t0 = Date.now();
  const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)} s] ${s}`);
  log(`ours at ${v.origin}, profile ${profileDir}, sw.js ${bundles.ours!.gzipBytes} B gz`);
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profileDir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    if (!seeded) {
      const page = await openTab(context, v, 120_000);
      const first = ['/tiny/0.png'];
      await loadPass(page, v, first, 1);
      if ((await waitStored(page, v.cacheName!, first, 30_000)) !== 1) throw new Error('the template entry was not stored');
      const template = await readTemplate(page, v.cacheName!);
      await page.close();
      const page2 = await openTab(context, v, 120_000);
      await stopAllWorkers(page2);
      const s0 = Date.now();
      for (let from = 1; from < entries; from += 10_000) {
        await seed(page2, v.cacheName!, template, from, Math.min(entries, from + 10_000));
        log(`seeded ${Math.min(entries, from + 10_000)} entries (${((Date.now() - s0) / 1000).toFixed(0)} s)`);
      }
      await page2.close();
    }
    for (let w = 0; w < wakes; w++) {
      const page = await openTab(context, v, 300_000);
      await stopAllWorkers(page);
      const w0 = Date.now();
      let h: Record<string, any> = {};
      while (Date.now() - w0 < 300_000) {
        h = await health(page);
        log(
          `wake ${w + 1}: [${h.states}] indexLoaded ${h.indexLoaded}, index ${JSON.stringify(h.index)}, timeouts ${h.mutationTimeouts}, ` +
            `lastRecovery ${JSON.stringify(h.lastRecovery)?.slice(0, 300)}, errors ${JSON.stringify(h.recentErrors?.last)?.slice(0, 400)}`,
        );
        if (h.indexLoaded) break;
        await sleep(1000);
      }
      log(`wake ${w + 1}: ${h.indexLoaded ? 'loaded' : 'NOT loaded'} after ${Date.now() - w0} ms (health answered)`);
      await sleep(w + 1 < wakes ? 5_000 : 0); // time for the snapshot to be written behind
      await page.close();
    }
    const page = await openTab(context, v, 300_000);
    const burst = Array.from({ length: 200 }, (_, k) => `/tiny/${entries + 1_000_000 + k}.png`);
    await loadPass(page, v, burst, 32);
    log(`burst: ${await waitStored(page, v.cacheName!, burst, 60_000)} of ${burst.length} misses stored`);
    await page.close();
  } finally {
    await context?.close();
    await v.server.close();
  }
}

await main();
