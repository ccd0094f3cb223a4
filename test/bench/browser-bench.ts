/**
 * The side-by-side browser benchmark: five variants on five origins in ONE Chromium session,
 * measured in alternating (round-robin) rounds; each figure is the median of its per-round values.
 *
 * Phases:
 * 1. setup: bench images (sharp, cached), worker bundles, one server per origin, Chromium with a
 *    fresh profile;
 * 2. warm-up: each variant's page loads every hit image once; worker variants are awaited until
 *    their cache holds them all; a verification pass must then see no image request at the server
 *    (except `network`, which revalidates every image by design);
 * 3. rounds (variant order rotated each round): cached hits at c=1, cached hits at c=32 (also
 *    images per second), and misses at c=1 (fresh `?miss=<round>` URLs), each pass in a new tab;
 * 4. scale (scale.ts; `bare`, `bare-static`, `workbox`, `ours` on separate `<name>@scale` origins):
 *    the caches grow to 100, 1,000, 10,000, 100,000 entries (up to `maxEntries`); at each level a
 *    fill burst, then per round hits at c=1, the first cached image after a worker stop and a cold
 *    page load; then our index load time and every worker's heap per entry;
 * 5. memory (memory-burst.ts): 50 distinct ~3 MB misses, worker heap sampled over CDP;
 * 6. `--profile`: a traced burst of cached hits on `bare` and on a names-kept build of ours.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_ARGS } from '../browser/harness.ts';
import { buildWorkers, type WorkerBundle } from './bundles.ts';
import { ensureBenchImages, type BenchImage } from './images.ts';
import { dumpSamples, loadPass, oursStats, openTab, passInNewTab, waitForCacheCount, type PassResult } from './measure.ts';
import { runMemoryBursts, type MemoryBurst } from './memory-burst.ts';
import { profileHits, type TraceSummary } from './profile.ts';
import { runScalePhase, type FillBurst, type ScaleResult } from './scale.ts';
import { median, percentile, ratio } from './stats.ts';
import { loadImageStore, startVariant, VARIANT_NAMES, type Variant } from './variants.ts';

/** Options of {@link runBrowserBench}. */
export interface BenchOptions {
  /** Alternating rounds. @default 5 (2 with `quick`) */
  rounds: number;
  /** A short run: fewer images per pass, fewer rounds, smaller fills. */
  quick: boolean;
  /** Trace a burst of hits on bare and ours (see profile.ts). */
  profile: boolean;
  /** Artificial latency of every server response (except `/tiny/` fills), ms. @default 20 */
  latencyMs: number;
  /** The largest entry-count level (levels are 100, 1,000, 10,000, 100,000 up to it, and it). @default 100000 (1000 with `quick`) */
  maxEntries: number;
  /** Which phases run: `hits` (warm-up and rounds), `scale` (entry counts), `memory` (50 × 3 MB misses). @default all */
  phases: ReadonlySet<'hits' | 'scale' | 'memory'>;
  /** Where Chromium's profile (user-data-dir) goes. @default /dev/shm when it exists, else the OS temp folder */
  profileRoot: string;
  /** Progress lines. */
  log: (line: string) => void;
}

/**
 * One reported figure: per variant, the per-round values, their median and the ratio to `bare`.
 * A pooled figure's `median` is instead the percentile `pooled.p` over every round's samples
 * together (a tail percentile of a small pass, such as the p99 of 100 hits, is only its slowest
 * one or two; see {@link FigureBook.pool}); its `rounds` still list each round's own value.
 */
export interface Figure {
  id: string;
  label: string;
  unit: 'ms' | 'img/s' | 'bytes';
  better: 'lower' | 'higher';
  /** A latency figure (the "ahead of Workbox on every latency figure" target covers these). */
  latency: boolean;
  rounds: Record<string, number[]>;
  median: Record<string, number>;
  ratioToBare: Record<string, number>;
  /** Set on a pooled figure: the percentile taken over the samples of every round together. */
  pooled?: { p: number; samples: Record<string, number> };
}

/** How the hits were verified to be hits, per variant. */
export interface Verification {
  /** Image loads in hit passes (warm-up excluded). */
  hitLoads: number;
  /** Image requests that reached the server during hit passes (0 for a cache). */
  hitServerRequests: number;
  /** Hit-pass loads answered through a service worker (`workerStart > 0`). */
  hitViaWorker: number;
  /** Failed image loads in any measured pass. */
  failures: number;
  /** Loads without a Resource Timing entry. */
  missingTimings: number;
  /** Miss-pass loads and the requests they caused at the server (one each expected). */
  missLoads: number;
  missServerRequests: number;
  /** Cold starts where CDP did not report every worker stopped in time. */
  coldNotStopped: number;
}

/** Everything the browser benchmark measured. */
export interface BrowserBenchResult {
  meta: {
    date: string;
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    chromium: string;
    /** The commit measured, and how many files under sw/ and build/ differed from it (work in progress). */
    git: { commit: string; dirtyFiles: number };
    rounds: number;
    quick: boolean;
    latencyMs: number;
    timing: string;
    images: { hitSet: number; hitSetBytes: number; total: number; formats: Record<string, number>; largeBytes: number[]; missPerRound: number };
    scaleLevels: number[];
    maxEntries: number;
    phases: string[];
    /** Chromium's profile folder (tmpfs or disk). */
    profileRoot: string;
    coldPerRound: number;
    durationSeconds: number;
  };
  figures: Figure[];
  verification: Record<string, Verification>;
  sizes: Record<string, { bytes: number; gzipBytes: number }>;
  /**
   * The fill bursts of the entry-count phase: distinct misses at c=32 through the worker, one variant
   * at a time, at each level (see scale.ts).
   */
  fills: FillBurst[];
  /** The entry-count phase's other results (index load, heap per entry, seeding). */
  scale?: ScaleResult;
  /** Peak worker heap during 50 distinct ~3 MB misses. */
  memoryBursts?: MemoryBurst[];
  oursStats?: Record<string, unknown>;
  profile?: TraceSummary[];
  notes: string[];
}

/** The entry-count levels up to `max`: 100, 1,000, 10,000, 100,000 (those ≤ max), and `max` itself. */
export function entryLevels(max: number): number[] {
  const levels = [100, 1000, 10_000, 100_000].filter((l) => l <= max);
  if (levels[levels.length - 1] !== max && max >= 100) levels.push(max);
  return levels;
}

/** The commit and the number of uncommitted files under sw/ and build/ (what `ours` was built from). */
function gitState(): { commit: string; dirtyFiles: number } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'sw', 'build'], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
    return { commit, dirtyFiles: dirty };
  } catch {
    return { commit: 'unknown', dirtyFiles: 0 };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);

/** Picks `n` items spread evenly over `xs` (sorted by size) – a deterministic mix of sizes. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (n >= xs.length) return [...xs];
  return Array.from({ length: n }, (_, i) => xs[Math.floor(((i + 0.5) * xs.length) / n)]!);
}

function newVerification(): Verification {
  return { hitLoads: 0, hitServerRequests: 0, hitViaWorker: 0, failures: 0, missingTimings: 0, missLoads: 0, missServerRequests: 0, coldNotStopped: 0 };
}

/** Collects per-round values and turns them into {@link Figure}s. */
class FigureBook {
  readonly #figures = new Map<string, Figure>();
  /** Per pooled figure: its percentile and every round's samples per variant. */
  readonly #pools = new Map<string, { p: number; samples: Map<string, number[]> }>();

  define(id: string, label: string, unit: Figure['unit'], better: Figure['better'], latency: boolean): void {
    this.#figures.set(id, { id, label, unit, better, latency, rounds: {}, median: {}, ratioToBare: {} });
  }

  add(id: string, variant: string, value: number): void {
    const f = this.#figures.get(id);
    if (!f) throw new Error(`unknown figure ${id}`);
    (f.rounds[variant] ??= []).push(value);
  }

  /**
   * Adds one round's samples to a pooled figure: the round's own `p`-th percentile goes to
   * `rounds`, and the figure's value is the `p`-th percentile over every round's samples together.
   */
  pool(id: string, variant: string, samples: readonly number[], p: number): void {
    this.add(id, variant, percentile(samples, p));
    const pool = this.#pools.get(id) ?? { p, samples: new Map<string, number[]>() };
    this.#pools.set(id, pool);
    pool.samples.set(variant, [...(pool.samples.get(variant) ?? []), ...samples]);
  }

  finish(): Figure[] {
    const out = [...this.#figures.values()];
    for (const f of out) {
      const pool = this.#pools.get(f.id);
      if (pool) f.pooled = { p: pool.p, samples: Object.fromEntries([...pool.samples].map(([v, a]) => [v, a.length])) };
      for (const [v, values] of Object.entries(f.rounds)) {
        const samples = pool?.samples.get(v);
        f.median[v] = samples ? percentile(samples, pool!.p) : median(values);
      }
      for (const v of Object.keys(f.median)) f.ratioToBare[v] = ratio(f.median[v]!, f.median.bare ?? NaN);
    }
    return out.filter((f) => Object.keys(f.rounds).length > 0);
  }
}

/** Runs the whole browser benchmark. Always closes the browser and every server. */
export async function runBrowserBench(options: BenchOptions): Promise<BrowserBenchResult> {
  const started = Date.now();
  const { log, quick, rounds, latencyMs } = options;
  const notes: string[] = [];
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

  const images = await ensureBenchImages({ log: true });
  const store = await loadImageStore(images);
  const small = images.filter((i) => i.kind === 'small').sort((a, b) => a.bytes - b.bytes);
  const large = images.filter((i) => i.kind === 'large');
  const hitSet: BenchImage[] = quick ? [...spread(small, 48), ...large.slice(0, 2)] : [...small, ...large];
  const hitUrls = hitSet.map((i) => `/img/${i.file}`);
  const missSet = spread(small, quick ? 15 : 30);
  const missUrls = (round: number) => missSet.map((i) => `/img/${i.file}?miss=${round}`);
  const scaleLevels = entryLevels(options.maxEntries);
  const coldPerRound = quick ? 2 : 3;
  const burst = spread(small, 100).map((i) => `/img/${i.file}`);

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-bench-'));
  const profileDir = await mkdtemp(path.join(options.profileRoot, 'sw-image-cache-bench-profile-'));
  const servers: Variant[] = [];
  let context: BrowserContext | undefined;
  let git = { commit: 'unknown', dirtyFiles: 0 };
  try {
    log(`building workers …`);
    git = gitState(); // what ours is built from, read when it is built
    const bundles = await buildWorkers(tmp, { profile: options.profile });
    const emptyDir = path.join(tmp, 'empty');
    await mkdir(emptyDir, { recursive: true });
    const start = async (id: string, name: Variant['name'], bundle?: WorkerBundle) => {
      const v = await startVariant({ id, name, bundle, emptyDir, images: store, latencyMs });
      servers.push(v);
      return v;
    };
    const main: Variant[] = [];
    for (const name of VARIANT_NAMES) main.push(await start(name, name, bundles[name]));
    const scale: Variant[] = [];
    if (options.phases.has('scale')) for (const name of ['bare', 'bare-static', 'workbox', 'ours'] as const) scale.push(await start(`${name}@scale`, name, bundles[name]));
    const oursProfile = options.profile ? await start('ours-profile', 'ours-profile', bundles['ours-profile']) : undefined;
    for (const v of servers) log(`  ${v.id.padEnd(12)} ${v.origin}`);

    const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    context = await chromium.launchPersistentContext(profileDir, { executablePath, args: CHROMIUM_ARGS });
    const browser = context.browser() as Browser;
    const chromiumVersion = browser?.version() ?? 'unknown';
    log(`Chromium ${chromiumVersion}; ${rounds} rounds; ${hitUrls.length} hit images, ${missSet.length} misses per round; latency ${latencyMs} ms`);

    const verification: Record<string, Verification> = {};
    for (const v of [...main, ...scale]) verification[v.id] = newVerification();
    const book = new FigureBook();
    const tally = (v: Variant, pass: PassResult, kind: 'hit' | 'miss') => {
      const ver = verification[v.id]!;
      ver.failures += pass.samples.filter((s) => !s.ok).length;
      ver.missingTimings += pass.samples.filter((s) => !Number.isFinite(s.rtMs)).length;
      if (kind === 'hit') {
        ver.hitLoads += pass.samples.length;
        ver.hitServerRequests += pass.serverRequests;
        ver.hitViaWorker += pass.samples.filter((s) => s.viaWorker).length;
      } else {
        ver.missLoads += pass.samples.length;
        ver.missServerRequests += pass.serverRequests;
      }
    };

    const oursMain = main.find((v) => v.name === 'ours')!;
    let oursStatsAfter: Record<string, unknown> | undefined;
    if (options.phases.has('hits')) {
      // ----- warm-up -------------------------------------------------------------------------------
      log(`warm-up: every variant loads the ${hitUrls.length} hit images once …`);
      for (const v of main) {
        const page = await openTab(context, v);
        try {
          await loadPass(page, v, hitUrls, 16);
          if (v.cacheName) {
            const n = await waitForCacheCount(page, v.cacheName, hitUrls.length);
            if (n < hitUrls.length) notes.push(`${v.id}: only ${n} of ${hitUrls.length} images were in its cache after warm-up`);
          }
        } finally {
          await page.close();
        }
      }
      await sleep(1500);
      for (const v of main) {
        for (let attempt = 1; attempt <= 3; attempt++) {
          const pass = await passInNewTab(context, v, hitUrls, 32);
          const expected = v.name === 'network' ? hitUrls.length : 0;
          if (pass.serverRequests === expected && pass.samples.every((s) => s.ok)) break;
          const msg = `${v.id}: verification pass ${attempt}: ${pass.serverRequests} image requests at the server (expected ${expected}), ${pass.samples.filter((s) => !s.ok).length} failed`;
          log(`  ${msg}`);
          if (attempt === 3) notes.push(msg);
          await sleep(1000);
        }
      }
      log(`warm-up done (${elapsed()})`);

      // ----- rounds --------------------------------------------------------------------------------
      for (const c of [1, 32]) {
        for (const p of [50, 95, 99]) book.define(`hit.c${c}.p${p}`, `cached image p${p}, c=${c}`, 'ms', 'lower', true);
      }
      book.define('throughput.c32', 'images per second, c=32', 'img/s', 'higher', false);
      book.define('miss.c1.p50', 'miss path p50, c=1', 'ms', 'lower', true);
      book.define('miss.c1.p95', 'miss path p95, c=1', 'ms', 'lower', true);
      for (let r = 0; r < rounds; r++) {
        const order = rotate(main, r);
        for (const v of order) {
          const pass = await passInNewTab(context, v, hitUrls, 1);
          tally(v, pass, 'hit');
          dumpSamples({ phase: 'hits', concurrency: 1, round: r + 1 }, v, pass);
          const rts = pass.samples.map((s) => s.rtMs);
          for (const p of [50, 95, 99]) book.add(`hit.c1.p${p}`, v.name, percentile(rts, p));
        }
        for (const v of order) {
          const pass = await passInNewTab(context, v, hitUrls, 32);
          tally(v, pass, 'hit');
          const rts = pass.samples.map((s) => s.rtMs);
          for (const p of [50, 95, 99]) book.add(`hit.c32.p${p}`, v.name, percentile(rts, p));
          book.add('throughput.c32', v.name, (pass.samples.length * 1000) / pass.wallMs);
        }
        for (const v of order) {
          const pass = await passInNewTab(context, v, missUrls(r), 1);
          tally(v, pass, 'miss');
          const rts = pass.samples.map((s) => s.rtMs);
          book.add('miss.c1.p50', v.name, percentile(rts, 50));
          book.add('miss.c1.p95', v.name, percentile(rts, 95));
        }
        log(`round ${r + 1}/${rounds} done (${elapsed()})`);
      }
      {
        const page = await openTab(context, oursMain);
        try {
          oursStatsAfter = await oursStats(page);
        } catch (e) {
          notes.push(`ours: stats endpoint failed: ${(e as Error).message}`);
        } finally {
          await page.close();
        }
      }
    }

    // ----- scale: 100 / 1,000 / 10,000 / 100,000 entries (scale.ts) -----------------------------------
    let scaleResult: ScaleResult | undefined;
    if (options.phases.has('scale')) {
      scaleResult = await runScalePhase({
        context,
        browser,
        variants: scale,
        levels: scaleLevels,
        rounds: quick ? 1 : Math.min(rounds, 3),
        coldPerRound,
        galleryFiles: spread(small, 30).map((i) => i.file),
        burstSize: quick ? 200 : 1000,
        book,
        onPass: (v, pass, kind) => tally(v, pass, kind),
        onColdNotStopped: (v) => void verification[v.id]!.coldNotStopped++,
        log,
        notes,
      });
    }

    // ----- memory: 50 distinct ~3 MB misses --------------------------------------------------------
    let memoryBursts: MemoryBurst[] | undefined;
    if (options.phases.has('memory')) {
      log(`memory: ${quick ? 10 : 50} distinct ~3 MB misses on bare, workbox and ours, worker heap sampled over CDP …`);
      memoryBursts = await runMemoryBursts(
        browser,
        context,
        main.filter((v) => v.name === 'bare' || v.name === 'workbox' || v.name === 'ours'),
        large.map((i) => ({ file: i.file, bytes: i.bytes })),
        quick ? 10 : 50,
      );
      for (const m of memoryBursts) {
        log(`  ${m.variant}: heap peak ${(m.peakBytes / 1048576).toFixed(1)} MiB (base ${(m.baseBytes / 1048576).toFixed(1)} MiB, ${m.samples} samples)` + (m.variant === 'ours' ? `, peakPendingBytes ${m.peakPendingBytes ?? 'n/a'}, busy bypasses ${m.busyBypasses ?? 'n/a'}` : ''));
      }
    }

    // ----- profile ----------------------------------------------------------------------------------
    let profile: TraceSummary[] | undefined;
    if (oursProfile) {
      log(`profile: tracing ${burst.length} cached hits on bare and on ours (names-kept build) …`);
      const wake = `/img/${large[0]?.file ?? small[0]!.file}`;
      const bare = main.find((v) => v.name === 'bare')!;
      for (const v of [bare, oursProfile]) {
        const page = await openTab(context, v);
        try {
          await loadPass(page, v, [...burst, wake], 16);
          if (v === oursProfile) await waitForCacheCount(page, v.cacheName!, burst.length + 1);
        } finally {
          await page.close();
        }
      }
      await sleep(1500);
      profile = [];
      for (const v of [bare, oursProfile]) profile.push(await profileHits(browser, context, v, burst, wake));
    }

    const sizes: BrowserBenchResult['sizes'] = {};
    for (const name of ['bare', 'bare-static', 'workbox', 'ours'] as const) sizes[name] = { bytes: bundles[name]!.bytes, gzipBytes: bundles[name]!.gzipBytes };
    book.define('size.gzip', 'worker script, gzipped', 'bytes', 'lower', false);
    for (const name of ['bare', 'bare-static', 'workbox', 'ours'] as const) book.add('size.gzip', name, sizes[name]!.gzipBytes);

    const formats: Record<string, number> = {};
    for (const i of hitSet) formats[i.format] = (formats[i.format] ?? 0) + 1;
    return {
      meta: {
        date: new Date().toISOString(),
        cpu: os.cpus()[0]?.model?.trim() ?? 'unknown',
        cores: os.cpus().length,
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        os: `${os.type()} ${os.release()} ${os.arch()}`,
        node: process.version,
        chromium: chromiumVersion,
        git,
        rounds,
        quick,
        latencyMs,
        timing: 'Resource Timing responseEnd - startTime of each image (new Image(), new tab per pass)',
        images: {
          hitSet: hitSet.length,
          hitSetBytes: hitSet.reduce((s, i) => s + i.bytes, 0),
          total: images.length,
          formats,
          largeBytes: hitSet.filter((i) => i.kind === 'large').map((i) => i.bytes),
          missPerRound: missSet.length,
        },
        scaleLevels: scaleResult?.levels ?? [],
        maxEntries: options.maxEntries,
        phases: [...options.phases],
        profileRoot: options.profileRoot,
        coldPerRound,
        durationSeconds: Math.round((Date.now() - started) / 1000),
      },
      figures: book.finish(),
      verification,
      sizes,
      fills: scaleResult?.fills ?? [],
      scale: scaleResult,
      memoryBursts,
      oursStats: oursStatsAfter,
      profile,
      notes,
    };
  } finally {
    await context?.close().catch(() => {});
    for (const v of servers) await v.server.close().catch(() => {});
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    await rm(profileDir, { recursive: true, force: true }).catch(() => {});
  }
}
