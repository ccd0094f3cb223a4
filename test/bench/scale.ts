/**
 * The entry-count phase (issues 13 and 16): on one `<name>@scale` origin per worker variant
 * (`bare`, `bare-static`, `workbox`, `ours`), the cache grows to each level (100, 1,000, 10,000,
 * 100,000 entries, up to `--max-entries`) and, at each level:
 *
 * - **fills**: the last `B` entries of the level (all 100 of the first level, then `burstSize`, 1,000)
 *   are distinct misses loaded through the worker at c=32 (`new Image()`); the figure is `B` divided
 *   by the time from the first load until every one of them is in the worker's cache (one variant at
 *   a time, `bare`, `workbox`, `ours`). The entries below `level - B` are **seeded** directly from a
 *   page (Cache Storage `put` + the variant's own IndexedDB records, cloned from a record the worker
 *   wrote itself for `/tiny/0.png`, with workers stopped): filling 100,000 entries through a worker
 *   takes ~20 min per origin, which the bench cannot afford. The seeding changes the stores behind
 *   the workers' backs (as a crash or an update would), so every seeded worker is woken once before
 *   its burst: ours then rebuilds its index from the records (a full recovery, reported per level
 *   as `fullRecovery`), which is not counted in its fill figure (until 2026-12-03 it was), nor is
 *   its aftermath: every variant's burst starts {@link SETTLE_AFTER_WAKE_MS} after the wakes (ours
 *   writes its index snapshot 2 s after the recovery; measured with `test/bench/wake.ts`'s 100,000
 *   entries, a burst started at once ran 10–12 % slower than one started 4 s later);
 * - per round: cached hits at c=1 over 100 entries spread over the cache, each variant's pass
 *   followed by a stop of that variant's worker (CDP `ServiceWorker.stopWorker`), so that no work
 *   it goes on doing in the background lands in the next variant's pass: Workbox's
 *   `ExpirationPlugin` walks all its entries with an IndexedDB cursor after each hit (not in
 *   `waitUntil`), which at 10,000 entries kept its worker busy ~0.5–1 s past its pass, and the
 *   rotation always puts ours right after Workbox. Until 2026-12-03 that was ours' hit p50 of
 *   1.4–1.85× bare at 10,000 entries (a capped run: 1.39×; with the stop: 1.06×); with the
 *   variants ordered so that bare followed Workbox instead, ours was 0.75× bare. The next pass of
 *   the same variant comes after the cold loads, which stop every worker anyway; the first cached image
 *   after CDP `ServiceWorker.stopAllWorkers` (`coldPerRound` times, median); the cold page load (all
 *   workers stopped, then a navigation to a page of 30 cached bench images: time from the navigation
 *   start to the last image's `onload`); our worker's index load (`GET __image-cache/health`,
 *   `index.loadMs`) of the wake its cold starts left running;
 * - after the rounds: our worker's `GET __image-cache/health` after one more stop and wake
 *   (`index.loadMs`, `index.source`; "n/a" when the field is missing; the figure is the median of
 *   this wake and the rounds' since 2026-12-03, a single wake before), and every worker's JS heap
 *   after a full GC (CDP on the worker target) minus the same worker's heap with an empty cache.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { dumpSamples, loadPass, openTab, stopAllWorkers, stopWorkerOf, type PassResult } from './measure.ts';
import { median, percentile } from './stats.ts';
import { tinyPng } from './images.ts';
import type { Variant } from './variants.ts';
import { workerHeapAfterGc } from './worker-heap.ts';

/** Wait between the wakes after the seeding and the fill bursts, ms (every variant alike). */
export const SETTLE_AFTER_WAKE_MS = 4000;

/** Where per-round figures go (the FigureBook of browser-bench.ts). */
export interface Book {
  define(id: string, label: string, unit: 'ms' | 'img/s' | 'bytes', better: 'lower' | 'higher', latency: boolean): void;
  add(id: string, variant: string, value: number): void;
  /** Adds a round's samples to a figure whose value is their `p`-th percentile over every round together. */
  pool(id: string, variant: string, samples: readonly number[], p: number): void;
}

/** One fill burst: `entries` distinct misses at c=32 bringing the cache to `level`. */
export interface FillBurst {
  level: number;
  variant: string;
  entries: number;
  /** From the first load to every entry stored, ms. */
  storedMs: number;
  /** From the first load to the last `onload`, ms. */
  loadMs: number;
  perSecond: number;
  failed: number;
}

/** Our index after a wake at one level (`GET __image-cache/health`). */
export interface IndexLoad {
  level: number;
  /** `index.loadMs`, or `null` when the worker does not report the field. */
  loadMs: number | null;
  source: string | null;
  /** `index.entries`, or `lastRecovery.entries`. */
  entries: number | null;
  /** `lastRecovery.durationMs` (today's field), for context. */
  recoveryMs: number | null;
  /** How long the page waited until the health report said the index was loaded, ms. */
  waitedMs: number;
  /**
   * `loadMs` of every wake sampled at this level: one per round (after its cold starts) and the
   * one after the rounds; `loadMs` above is their median. Absent: one wake.
   */
  wakes?: number[];
}

/** A worker's JS heap at one level. */
export interface MemoryAtLevel {
  level: number;
  variant: string;
  /** `Runtime.getHeapUsage().usedSize` after `HeapProfiler.collectGarbage`, bytes. */
  heapBytes: number;
  /** The same with an empty cache (same origin, same worker), bytes. */
  baselineBytes: number;
  /** `(heapBytes - baselineBytes) / entries`. */
  perEntryBytes: number;
  entries: number;
}

/** Everything the phase measured besides the per-round figures. */
export interface ScaleResult {
  levels: number[];
  fills: FillBurst[];
  index: IndexLoad[];
  memory: MemoryAtLevel[];
  /** Entries seeded directly per level and variant, and how long seeding took, ms. */
  seeding: Array<{ level: number; variant: string; entries: number; ms: number }>;
  /**
   * Ours, right after the seeding changed its stores behind its back: the wake that rebuilds the
   * index from the records (the full recovery, as after a crash or an update), per level. Taken
   * before the fill burst, so that the fill figure measures fills, not this recovery.
   */
  fullRecovery: IndexLoad[];
  galleryImages: number;
}

/** Options of {@link runScalePhase}. */
export interface ScaleOptions {
  context: BrowserContext;
  browser: Browser;
  /** bare, bare-static, workbox, ours (each on its own origin). */
  variants: Variant[];
  levels: number[];
  rounds: number;
  coldPerRound: number;
  /** Bench image files shown by the cold page load (cached on every origin first). */
  galleryFiles: string[];
  /** Distinct misses per fill burst (the last ones of each level). @default 1000 */
  burstSize: number;
  book: Book;
  onPass: (v: Variant, pass: PassResult, kind: 'hit' | 'miss') => void;
  onColdNotStopped: (v: Variant) => void;
  log: (line: string) => void;
  notes: string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);
const tiny = (i: number) => `/tiny/${i}.png`;
const FILL_CONCURRENCY = 32;
const SEED_BATCH = 500;
const fmtLevel = (n: number) => n.toLocaleString('en-US');

/** Waits until every URL of `urls` is in `cacheName` (polling the ones not seen yet). @returns how many are. */
export async function waitStored(page: Page, cacheName: string, urls: string[], timeoutMs: number): Promise<number> {
  return page.evaluate(
    async ({ name, list, timeout }) => {
      const cache = await caches.open(name);
      let left = list.slice();
      const deadline = performance.now() + timeout;
      while (left.length > 0 && performance.now() < deadline) {
        const found = await Promise.all(left.map((u) => cache.match(u).then((r) => r !== undefined)));
        left = left.filter((_, i) => !found[i]);
        if (left.length > 0) await new Promise((r) => setTimeout(r, 50));
      }
      return list.length - left.length;
    },
    { name: cacheName, list: urls, timeout: timeoutMs },
  );
}

/** What seeding clones: the stored response's headers and every IndexedDB record naming the template URL. */
interface SeedTemplate {
  headers: Array<[string, string]>;
  records: Array<{ db: string; store: string; json: string; key: string | null }>;
  templateUrl: string;
}

/** Reads the seeding template of `cacheName` from the page's origin (the worker stored `/tiny/0.png`). */
export async function readTemplate(page: Page, cacheName: string): Promise<SeedTemplate> {
  return page.evaluate(
    async ({ name, path }) => {
      const abs = new URL(path, location.href).href;
      const cached = await (await caches.open(name)).match(abs);
      if (!cached) throw new Error(`${path} is not in ${name}`);
      const headers = [...cached.headers.entries()];
      const records: Array<{ db: string; store: string; json: string; key: string | null }> = [];
      for (const info of await indexedDB.databases()) {
        if (!info.name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open(info.name!);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        try {
          for (const storeName of [...db.objectStoreNames]) {
            const found = await new Promise<{ json: string; key: string | null } | null>((resolve, reject) => {
              const store = db.transaction(storeName, 'readonly').objectStore(storeName);
              const req = store.openCursor();
              req.onerror = () => reject(req.error);
              req.onsuccess = () => {
                const cursor = req.result;
                if (!cursor) return resolve(null);
                const v = cursor.value as unknown;
                if (v && typeof v === 'object' && !Array.isArray(v) && Object.values(v).some((x) => typeof x === 'string' && (x === abs || x === path || x.endsWith('|' + abs)))) {
                  return resolve({ json: JSON.stringify(v), key: store.keyPath === null ? String(cursor.key) : null });
                }
                cursor.continue();
              };
            });
            if (found) records.push({ db: info.name, store: storeName, ...found });
          }
        } finally {
          db.close();
        }
      }
      return { headers, records, templateUrl: abs };
    },
    { name: cacheName, path: tiny(0) },
  );
}

/**
 * Writes entries `from` … `to - 1` (`/tiny/<n>.png`) straight into the origin's stores, as the
 * worker would have: the body with the template's headers, and a clone of each template record
 * with the URL replaced (`bytes` set, `accessSeq` counted up). Where the database has a `state`
 * store, its `generation` token is rewritten (what every write of ours does), so an index snapshot
 * written before is not trusted.
 */
export async function seed(page: Page, cacheName: string, template: SeedTemplate, from: number, to: number): Promise<void> {
  for (let a = from; a < to; a += SEED_BATCH) {
    const b = Math.min(to, a + SEED_BATCH);
    const bodies: string[] = [];
    for (let n = a; n < b; n++) bodies.push(tinyPng(n).toString('base64'));
    await page.evaluate(
      async ({ name, start, bodies, tpl }) => {
        const cache = await caches.open(name);
        const urls = bodies.map((_, i) => new URL(`/tiny/${start + i}.png`, location.href).href);
        const sizes: number[] = [];
        await Promise.all(
          bodies.map((b64, i) => {
            const bin = atob(b64);
            const bytes = new Uint8Array(bin.length);
            for (let k = 0; k < bin.length; k++) bytes[k] = bin.charCodeAt(k);
            sizes[i] = bytes.byteLength;
            const headers = new Headers(tpl.headers);
            if (headers.has('content-length')) headers.set('content-length', String(bytes.byteLength));
            return cache.put(urls[i]!, new Response(bytes, { status: 200, headers }));
          }),
        );
        const byDb = new Map<string, typeof tpl.records>();
        for (const r of tpl.records) byDb.set(r.db, [...(byDb.get(r.db) ?? []), r]);
        for (const [dbName, recs] of byDb) {
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const open = indexedDB.open(dbName);
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
          });
          try {
            const hasState = db.objectStoreNames.contains('state');
            const names = [...new Set(recs.map((r) => r.store)), ...(hasState ? ['state'] : [])];
            const tx = db.transaction(names, 'readwrite');
            for (const r of recs) {
              const store = tx.objectStore(r.store);
              const base = JSON.parse(r.json) as Record<string, unknown>;
              urls.forEach((u, i) => {
                const v = JSON.parse(r.json.split(tpl.templateUrl).join(u)) as Record<string, unknown>;
                if (typeof v.bytes === 'number') v.bytes = sizes[i];
                if (typeof base.accessSeq === 'number') v.accessSeq = (base.accessSeq as number) + start + i;
                if (r.key === null) store.put(v);
                else store.put(v, r.key.split(tpl.templateUrl).join(u));
              });
            }
            if (hasState) {
              const state = tx.objectStore('state');
              const token = `bench-seed-${Date.now()}-${Math.random().toString(36).slice(2)}`;
              if (state.keyPath === null) state.put(token, 'generation');
            }
            await new Promise<void>((resolve, reject) => {
              tx.oncomplete = () => resolve();
              tx.onerror = () => reject(tx.error);
              tx.onabort = () => reject(tx.error ?? new Error('aborted'));
            });
          } finally {
            db.close();
          }
        }
      },
      { name: cacheName, start: a, bodies, tpl: template },
    );
  }
}

/** GETs our health report; waits (≤ 120 s) until it says the index is loaded. */
async function readIndex(page: Page, level: number): Promise<IndexLoad> {
  const t0 = Date.now();
  let h: Record<string, any> = {};
  while (Date.now() - t0 < 120_000) {
    h = await page.evaluate(async () => (await fetch('__image-cache/health', { cache: 'no-store' })).json());
    // Not loaded yet (`index: null`, `lastRecovery.error`): the recovery is retried; keep asking.
    if (h.indexLoaded === true) break;
    await sleep(100);
  }
  const index = h.index as { loadMs?: number; source?: string; entries?: number } | undefined;
  const rec = h.lastRecovery as { durationMs?: number; entries?: number } | null | undefined;
  return {
    level,
    loadMs: typeof index?.loadMs === 'number' ? index.loadMs : null,
    source: typeof index?.source === 'string' ? index.source : null,
    entries: typeof index?.entries === 'number' ? index.entries : typeof rec?.entries === 'number' ? rec.entries : null,
    recoveryMs: typeof rec?.durationMs === 'number' ? rec.durationMs : null,
    waitedMs: Date.now() - t0,
  };
}

/**
 * Stops the workers, wakes `v`'s (ours: the health endpoint, which also waits for the index; the
 * others: a same-origin `fetch` of the page, which starts the worker without storing anything),
 * and reads its heap after a full GC.
 */
async function heapAfterWake(browser: Browser, page: Page, v: Variant, level: number): Promise<{ heap: number; index?: IndexLoad }> {
  await stopAllWorkers(page);
  let index: IndexLoad | undefined;
  if (v.name === 'ours') index = await readIndex(page, level);
  else await page.evaluate(async () => void (await fetch('bench.html', { cache: 'no-store' })).text());
  await sleep(500);
  return { heap: await workerHeapAfterGc(browser, v.origin), index };
}

/** Runs the phase (see the module doc). */
export async function runScalePhase(o: ScaleOptions): Promise<ScaleResult> {
  const { context, browser, variants, levels, rounds, coldPerRound, book, log, notes } = o;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
  const result: ScaleResult = { levels, fills: [], index: [], memory: [], seeding: [], fullRecovery: [], galleryImages: o.galleryFiles.length };
  const gallery = `/gallery.html?img=${o.galleryFiles.map(encodeURIComponent).join(',')}`;
  const galleryUrls = o.galleryFiles.map((f) => `/img/${f}`);
  const count = new Map<string, number>(variants.map((v) => [v.id, 0]));
  const baseline = new Map<string, number>();
  const templates = new Map<string, SeedTemplate>();
  const filled = (v: Variant) => v.name !== 'bare-static';
  // A worker loading a large index, on a loaded machine, can take a while to answer a navigation.
  const tab = (v: Variant) => openTab(context, v, 120_000);

  // Empty-cache heap of every worker, and the gallery images cached on every origin.
  for (const v of variants) {
    const page = await tab(v);
    try {
      const { heap } = await heapAfterWake(browser, page, v, 0);
      baseline.set(v.id, heap);
      await loadPass(page, v, galleryUrls, 8);
      const stored = await waitStored(page, v.cacheName!, galleryUrls, 60_000);
      if (stored < galleryUrls.length) notes.push(`${v.id}: only ${stored} of ${galleryUrls.length} gallery images stored`);
    } finally {
      await page.close();
    }
  }
  log(`scale: empty-cache heaps ${variants.map((v) => `${v.id} ${((baseline.get(v.id) ?? NaN) / 1024).toFixed(0)} KiB`).join(', ')} (${elapsed()})`);

  for (const level of levels) {
    try {
      const label = fmtLevel(level);
      book.define(`scale.hit.${level}.p50`, `cached image p50, c=1, ${label} entries`, 'ms', 'lower', true);
      book.define(`scale.hit.${level}.p99`, `cached image p99, c=1, ${label} entries (all rounds' hits pooled)`, 'ms', 'lower', true);
      book.define(`cold.${level}`, `first cached image after worker stop, ${label} entries`, 'ms', 'lower', true);
      book.define(`coldpage.${level}`, `cold page load, 30 images, ${label} entries`, 'ms', 'lower', true);

      // Grow every origin to `level`: seed up to level - burst (all origins at once), then the burst
      // through the worker (one origin at a time: the fill rate is a figure). The whole first level
      // goes through the worker (it gives the seeding template); bare-static has no burst after it
      // (its worker is bare's; its fills are not a figure).
      const t0 = Date.now();
      const burstOf = (v: Variant) => {
        const have = count.get(v.id)!;
        if (have >= level) return 0;
        return !templates.has(v.id) ? level - have : filled(v) ? Math.min(o.burstSize, level - have) : 0;
      };
      // Tabs first, then one stop of every worker, then the seeding in parallel: a stop while another
      // origin's tab is navigating would kill the worker answering that navigation.
      const toSeed = variants.filter((v) => level - burstOf(v) > count.get(v.id)!);
      const pages: Page[] = [];
      try {
        for (const v of toSeed) pages.push(await tab(v));
        if (pages.length > 0) await stopAllWorkers(pages[0]!);
        await Promise.all(
          toSeed.map(async (v, i) => {
            const have = count.get(v.id)!;
            const seedTo = level - burstOf(v);
            const s0 = Date.now();
            await seed(pages[i]!, v.cacheName!, templates.get(v.id)!, have, seedTo);
            result.seeding.push({ level, variant: v.name, entries: seedTo - have, ms: Date.now() - s0 });
            count.set(v.id, seedTo);
          }),
        );
      } finally {
        for (const p of pages) await p.close().catch(() => {});
      }
      // Wake every seeded worker before its burst (ours: until its index is loaded, which after
      // the seeding is a full recovery from the records, recorded on its own).
      for (const v of toSeed) {
        const page = await tab(v);
        try {
          if (v.name === 'ours') {
            const full = await readIndex(page, level);
            result.fullRecovery.push(full);
            log(`scale: ours woke after the seeding at ${label}: index ${full.loadMs === null ? 'not loaded' : `${full.loadMs.toFixed(0)} ms from the ${full.source}`} (${elapsed()})`);
          }
        } finally {
          await page.close();
        }
      }
      if (toSeed.length > 0) await sleep(SETTLE_AFTER_WAKE_MS);
      for (const v of variants) {
        const burst = burstOf(v);
        if (burst === 0) continue;
        const from = count.get(v.id)!;
        const page = await tab(v);
        try {
          const urls = Array.from({ length: burst }, (_, k) => tiny(from + k));
          const b0 = Date.now();
          const pass = await loadPass(page, v, urls, FILL_CONCURRENCY);
          const loadMs = Date.now() - b0;
          const stored = await waitStored(page, v.cacheName!, urls, 180_000);
          const storedMs = Date.now() - b0;
          const failed = pass.samples.filter((s) => !s.ok).length;
          if (stored < burst) notes.push(`${v.id}: only ${stored} of ${burst} entries stored through the worker at ${label}`);
          if (filled(v)) result.fills.push({ level, variant: v.name, entries: burst, storedMs, loadMs, perSecond: (stored * 1000) / storedMs, failed });
          count.set(v.id, from + burst);
          if (!templates.has(v.id)) templates.set(v.id, await readTemplate(page, v.cacheName!));
        } finally {
          await page.close();
        }
      }
      const fills = result.fills.filter((f) => f.level === level);
      const seeds = result.seeding.filter((s) => s.level === level);
      log(
        `scale: ${label} entries in ${((Date.now() - t0) / 1000).toFixed(0)} s (` +
          fills.map((f) => `${f.variant} ${f.entries} misses stored at ${f.perSecond.toFixed(0)}/s`).join(', ') +
          (seeds.length ? `; seeded ${seeds.map((s) => `${s.variant} ${s.entries} in ${(s.ms / 1000).toFixed(0)} s`).join(', ')}` : '') +
          `; ${elapsed()})`,
      );
      // Let write-behind settle, then one wake so every worker has loaded its index once.
      {
        const page = await tab(variants[0]!);
        try {
          await stopAllWorkers(page);
        } finally {
          await page.close();
        }
        for (const v of variants) {
          const page = await tab(v);
          try {
            if (v.name === 'ours') await readIndex(page, level);
          } finally {
            await page.close();
          }
        }
        await sleep(2000);
      }

      const roundWakes: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const order = rotate(variants, r);
        const sample = Array.from({ length: 100 }, (_, k) => tiny(Math.floor(((k + r / rounds) * level) / 100) % level));
        for (const v of order) {
          const page = await tab(v);
          try {
            const pass = await loadPass(page, v, sample, 1);
            dumpSamples({ phase: 'scale', level, round: r + 1 }, v, pass);
            // Its background work must not run into the next variant's pass (see the module doc).
            if (!(await stopWorkerOf(page, v.origin))) notes.push(`${v.id}: worker not stopped after its hit pass at ${label}, round ${r + 1}`);
            o.onPass(v, pass, 'hit');
            const rts = pass.samples.map((s) => s.rtMs);
            if (v.name === 'ours') {
              // How ours answered: `hit;0` served as stored, else rebuilt (the header said otherwise) or not a hit.
              const kinds = new Map<string, number[]>();
              for (const s of pass.samples) {
                const k = s.ourTiming === 'hit;0' ? 'as stored' : s.ourTiming?.startsWith('hit;') ? 'hit rebuilt' : (s.ourTiming ?? 'none');
                kinds.set(k, [...(kinds.get(k) ?? []), s.rtMs]);
              }
              log(`scale: ours hits at ${label}, round ${r + 1}: ${[...kinds].map(([k, a]) => `${k} ${a.length} (p50 ${percentile(a, 50).toFixed(2)} ms)`).join(', ')}`);
            }
            book.add(`scale.hit.${level}.p50`, v.name, percentile(rts, 50));
            // Pooled: a p99 of one round's 100 hits is their slowest one or two.
            book.pool(`scale.hit.${level}.p99`, v.name, rts, 99);
          } finally {
            await page.close();
          }
        }
        for (const v of order) {
          const page = await tab(v);
          try {
            const colds: number[] = [];
            for (let k = 0; k < coldPerRound; k++) {
              if (!(await stopAllWorkers(page))) o.onColdNotStopped(v);
              const j = ((r * coldPerRound + k) * 7919 + 13) % level;
              const pass = await loadPass(page, v, [tiny(j)], 1);
              o.onPass(v, pass, 'hit');
              colds.push(pass.samples[0]!.rtMs);
            }
            book.add(`cold.${level}`, v.name, median(colds));
            // The index load of the wake the cold starts left running (one sample per round).
            if (v.name === 'ours') {
              const w = await readIndex(page, level);
              if (w.loadMs !== null) roundWakes.push(w.loadMs);
            }
            // The cold page load: every worker stopped, then a navigation to 30 cached images.
            if (!(await stopAllWorkers(page))) o.onColdNotStopped(v);
            v.server.resetCounts();
            await page.goto(`${v.origin}${gallery}`);
            const g = await page.evaluate(() =>
              Promise.race([
                (window as unknown as { galleryDone: Promise<{ lastMs: number; failed: number }> }).galleryDone,
                new Promise<{ lastMs: number; failed: number }>((resolve) => setTimeout(() => resolve({ lastMs: NaN, failed: -1 }), 30_000)),
              ]),
            );
            let atServer = 0;
            for (const [p, n] of v.server.requests) if (p.startsWith('/img/')) atServer += n;
            if (g.failed !== 0 || atServer > 0) notes.push(`${v.id}: cold page load at ${label}: ${g.failed} images failed, ${atServer} image requests at the server`);
            book.add(`coldpage.${level}`, v.name, g.lastMs);
          } finally {
            await page.close();
          }
        }
      }
      log(`scale: measured at ${label} entries (${elapsed()})`);

      for (const v of variants) {
        const page = await tab(v);
        try {
          const { heap, index } = await heapAfterWake(browser, page, v, level);
          if (index) {
            // The median over this level's wakes (a single wake varies by tens of ms run to run).
            if (index.loadMs !== null && roundWakes.length > 0) {
              index.wakes = [...roundWakes, index.loadMs];
              index.loadMs = median(index.wakes);
            }
            result.index.push(index);
          }
          const base = baseline.get(v.id) ?? NaN;
          const entries = count.get(v.id)! + galleryUrls.length;
          result.memory.push({ level, variant: v.name, heapBytes: heap, baselineBytes: base, perEntryBytes: (heap - base) / entries, entries });
        } finally {
          await page.close();
        }
      }
      const idx = result.index.find((i) => i.level === level);
      log(
        `scale: at ${label}: ours index ${idx?.loadMs === null || !idx ? `loadMs n/a (field missing; lastRecovery ${idx?.recoveryMs ?? '–'} ms)` : `${idx.loadMs.toFixed(0)} ms from ${idx.source}`}; heap per entry ` +
          result.memory.filter((m) => m.level === level).map((m) => `${m.variant} ${m.perEntryBytes.toFixed(0)} B`).join(', ') +
          ` (${elapsed()})`,
      );
  
    } catch (error) {
      // Keep what was measured: the report shows the levels reached and this note.
      const msg = `scale phase stopped at ${fmtLevel(level)} entries: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
      notes.push(msg);
      log(msg);
      result.levels = levels.filter((l) => l < level);
      break;
    }
  }
  return result;
}
