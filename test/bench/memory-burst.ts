/**
 * Peak worker memory during a burst of 50 distinct ~3 MB misses (issue 13, "Memory"): on a
 * variant's main origin, the page loads `/img/large<k % 4>.png?burst=<k>` for k = 0…49 all at once
 * (`new Image()`, c=50; every URL is new, so each is a miss the worker fetches and stores) while the
 * worker's JS heap is sampled over CDP every 25 ms (`Runtime.getHeapUsage().usedSize`, no GC; the
 * baseline is read after a full GC just before). The phase waits 3 s after the last load for the
 * stores, still sampling. For ours it also reads `stats.peakPendingBytes` (bytes of bodies waiting
 * to be stored, highest since start; "n/a" when the worker does not report it) and `busyBypasses`.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { loadPass, openTab } from './measure.ts';
import type { Variant } from './variants.ts';
import { sampleWorkerHeap } from './worker-heap.ts';

/** One variant's burst. */
export interface MemoryBurst {
  variant: string;
  misses: number;
  bodyBytes: number;
  /** Heap after a full GC before the burst, bytes. */
  baseBytes: number;
  /** Highest `usedSize` sampled during the burst and the 3 s after it, bytes. */
  peakBytes: number;
  samples: number;
  failed: number;
  wallMs: number;
  /** Ours: `stats.peakPendingBytes` after the burst, or `null` when the field is missing. */
  peakPendingBytes: number | null;
  /** Ours: `stats.busyBypasses` gained during the burst (responses served but not stored). */
  busyBypasses: number | null;
}

/** Runs the burst on each of `variants` (one after another). `largeFiles`: the ~3 MB bench images. */
export async function runMemoryBursts(browser: Browser, context: BrowserContext, variants: Variant[], largeFiles: Array<{ file: string; bytes: number }>, misses = 50): Promise<MemoryBurst[]> {
  const out: MemoryBurst[] = [];
  for (const v of variants) {
    const page = await openTab(context, v);
    try {
      const urls = Array.from({ length: misses }, (_, k) => `/img/${largeFiles[k % largeFiles.length]!.file}?burst=${k}`);
      const bodyBytes = Array.from({ length: misses }, (_, k) => largeFiles[k % largeFiles.length]!.bytes).reduce((a, b) => a + b, 0);
      const stats = async () => (v.name === 'ours' ? ((await page.evaluate(async () => (await fetch('__image-cache/stats')).json())) as Record<string, unknown>) : undefined);
      const before = await stats();
      const { value: pass, peakBytes, baseBytes, samples } = await sampleWorkerHeap(browser, v.origin, async () => {
        const p = await loadPass(page, v, urls, misses);
        await new Promise((r) => setTimeout(r, 3000));
        return p;
      });
      const after = await stats();
      const num = (x: unknown) => (typeof x === 'number' ? x : null);
      out.push({
        variant: v.name,
        misses,
        bodyBytes,
        baseBytes,
        peakBytes,
        samples,
        failed: pass.samples.filter((s) => !s.ok).length,
        wallMs: pass.wallMs,
        peakPendingBytes: num(after?.peakPendingBytes),
        busyBypasses: after && before ? (num(after.busyBypasses) ?? 0) - (num(before.busyBypasses) ?? 0) : null,
      });
    } finally {
      await page.close();
    }
  }
  return out;
}
