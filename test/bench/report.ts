/**
 * Turns a {@link BrowserBenchResult} into: the targets with PASS/MISS, a plain-text table for
 * stdout, `results.json`, `results.md` (markdown tables) and `results.svg` (a hand-written plot:
 * grouped bars, log scale, of cached-image p50/p99 at c=1 and c=32, the miss path and cold starts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserBenchResult, Figure } from './browser-bench.ts';
import { COLUMN_NAMES, VARIANT_NAMES } from './variants.ts';

/** One target of issue 13 or 16, judged on medians of the same run. */
export interface Target {
  id: string;
  /** Which issue states it: `13`, `16`, or `13, 16`. */
  issue: string;
  description: string;
  /** The measured value (a ratio to bare, ms, bytes, …); `NaN` when not measured. */
  value: number;
  limit: number;
  comparison: '<=' | '>=' | 'stated';
  /** `null`: not measurable in this run (e.g. a field the worker does not report yet). */
  pass: boolean | null;
  valueText: string;
  limitText: string;
  detail: string;
}

const KIB = 1024;
/** Issue 13: `sw.js` ≤ 12 KiB gzipped. */
export const SIZE_LIMIT_BYTES = 12 * KIB;
/** Issue 13: the index fully loaded within 250 ms at 100,000 entries. */
export const INDEX_LOAD_LIMIT_MS = 250;
/** Issue 13: at most 200 B of worker memory per entry. */
export const BYTES_PER_ENTRY_LIMIT = 200;

function fig(result: BrowserBenchResult, id: string): Figure | undefined {
  return result.figures.find((f) => f.id === id);
}

const n0 = (x: number) => x.toLocaleString('en-US');

/** Evaluates every target of issues 13 and 16 against the run's medians. */
export function evaluateTargets(result: BrowserBenchResult): Target[] {
  const targets: Target[] = [];
  const cmp = (value: number, limit: number, comparison: '<=' | '>=') => Number.isFinite(value) && (comparison === '<=' ? value <= limit : value >= limit);
  const ratioTarget = (issue: string, id: string, figureId: string, limit: number, comparison: '<=' | '>=', description: string, variant = 'ours') => {
    const f = fig(result, figureId);
    const value = f?.ratioToBare[variant] ?? NaN;
    const detail = f && f.median[variant] !== undefined ? `${variant} ${fmt(f.median[variant], f.unit)} vs bare ${fmt(f.median.bare, f.unit)} ${f.unit}` : 'not measured in this run';
    targets.push({ id, issue, description, value, limit, comparison, pass: f ? cmp(value, limit, comparison) : null, valueText: Number.isFinite(value) ? `${value.toFixed(2)}×` : '–', limitText: `${comparison} ${limit.toFixed(2)}×`, detail });
  };
  const levels = result.meta.scaleLevels;
  // ----- issue 13: hits (and issue 16: warm hits stay ≤ 1.10×) -----
  ratioTarget('13, 16', 'hit.c1.p50', 'hit.c1.p50', 1.1, '<=', 'hits: cached-image p50 at c=1 (hit set), ≤ 1.10× bare');
  ratioTarget('13', 'hit.c1.p99', 'hit.c1.p99', 1.25, '<=', 'hits: cached-image p99 at c=1 (hit set), ≤ 1.25× bare');
  ratioTarget('13, 16', 'hit.c32.p50', 'hit.c32.p50', 1.1, '<=', 'hits: cached-image p50 at c=32 (hit set), ≤ 1.10× bare');
  ratioTarget('13', 'hit.c32.p99', 'hit.c32.p99', 1.25, '<=', 'hits: cached-image p99 at c=32 (hit set), ≤ 1.25× bare');
  for (const l of levels) {
    ratioTarget('13, 16', `scale.hit.${l}.p50`, `scale.hit.${l}.p50`, 1.1, '<=', `hits: cached-image p50 at ${n0(l)} entries, ≤ 1.10× bare`);
    ratioTarget('13', `scale.hit.${l}.p99`, `scale.hit.${l}.p99`, 1.25, '<=', `hits: cached-image p99 at ${n0(l)} entries, ≤ 1.25× bare`);
  }
  // ----- issue 13: wake -----
  for (const l of levels) {
    ratioTarget('13', `cold.${l}`, `cold.${l}`, 1.5, '<=', `wake: first hit after a worker stop at ${n0(l)} entries, ≤ 1.5× bare`);
    const f = fig(result, `cold.${l}`);
    const o = f?.median.ours ?? NaN;
    const w = f?.median.workbox ?? NaN;
    const value = o / w;
    targets.push({
      id: `cold.${l}.vs-workbox`, issue: '13', description: `wake: first hit after a worker stop at ${n0(l)} entries, ahead of Workbox`,
      value, limit: 1, comparison: '<=', pass: f ? o < w : null, valueText: Number.isFinite(value) ? `${value.toFixed(2)}× workbox` : '–', limitText: '< 1.00× workbox',
      detail: f ? `ours ${fmt(o, 'ms')} vs workbox ${fmt(w, 'ms')} ms` : 'not measured in this run',
    });
  }
  {
    const idx = result.scale?.index ?? [];
    const last = idx[idx.length - 1];
    const at = last?.level ?? NaN;
    const value = last?.loadMs ?? NaN;
    const missing = last !== undefined && last.loadMs === null;
    targets.push({
      id: 'index.loadMs', issue: '13',
      description: `wake: index fully loaded ≤ 250 ms at 100,000 entries${last && at !== 100_000 ? ` (this run: at ${n0(at)}, its largest level)` : ''}`,
      value, limit: INDEX_LOAD_LIMIT_MS, comparison: '<=',
      pass: !last || missing ? null : at < 100_000 ? null : cmp(value, INDEX_LOAD_LIMIT_MS, '<='),
      valueText: missing ? 'n/a (field missing)' : Number.isFinite(value) ? `${value.toFixed(0)} ms` : '–',
      limitText: '≤ 250 ms',
      detail: last
        ? `health index ${missing ? 'field missing' : `source ${last.source}, ${last.entries ?? '?'} entries`}; ` +
          (last.wakes ? `median of ${last.wakes.length} wakes (${last.wakes.map((w) => w.toFixed(0)).join(', ')} ms); ` : `lastRecovery.durationMs ${last.recoveryMs ?? '–'} ms; `) +
          idx.map((i) => `${n0(i.level)}: ${i.loadMs === null ? 'n/a' : `${i.loadMs.toFixed(0)} ms (${i.source})`}`).join(', ')
        : 'not measured in this run',
    });
  }
  {
    const mem = (result.scale?.memory ?? []).filter((m) => m.variant === 'ours');
    const last = mem[mem.length - 1];
    const value = last?.perEntryBytes ?? NaN;
    targets.push({
      id: 'memory.perEntry', issue: '13',
      description: `wake: worker memory per entry ≤ 200 B (JS heap after GC minus the empty-cache heap, at the largest level${last ? `, ${n0(last.level)}` : ''})`,
      value, limit: BYTES_PER_ENTRY_LIMIT, comparison: '<=', pass: last ? cmp(value, BYTES_PER_ENTRY_LIMIT, '<=') : null,
      valueText: Number.isFinite(value) ? `${value.toFixed(0)} B` : '–', limitText: '≤ 200 B',
      detail: last
        ? `ours heap ${(last.heapBytes / 1048576).toFixed(1)} MiB − ${(last.baselineBytes / 1048576).toFixed(1)} MiB over ${n0(last.entries)} entries; per level: ` + mem.map((m) => `${n0(m.level)}: ${m.perEntryBytes.toFixed(0)} B`).join(', ')
        : 'not measured in this run',
    });
  }
  // ----- issue 13: fills -----
  for (const l of levels) {
    const b = result.fills.find((f) => f.level === l && f.variant === 'bare');
    const o = result.fills.find((f) => f.level === l && f.variant === 'ours');
    const value = o && b ? o.perSecond / b.perSecond : NaN;
    targets.push({
      id: `fills.${l}`, issue: '13', description: `fills: distinct misses stored per second at c=32, growing to ${n0(l)} entries, ≥ 0.9× bare`,
      value, limit: 0.9, comparison: '>=', pass: o && b ? cmp(value, 0.9, '>=') : null, valueText: Number.isFinite(value) ? `${value.toFixed(2)}×` : '–', limitText: '≥ 0.90×',
      detail: o && b ? `ours ${o.perSecond.toFixed(0)}/s vs bare ${b.perSecond.toFixed(0)}/s (${o.entries} misses each)` : 'not measured in this run',
    });
  }
  ratioTarget('13', 'throughput.c32', 'throughput.c32', 0.9, '>=', 'cached images per second at c=32 (hit set), ≥ 0.9× bare');
  ratioTarget('13', 'miss.c1.p50', 'miss.c1.p50', 1.15, '<=', 'miss path p50 at c=1, ≤ 1.15× bare');
  // ----- issue 13: memory (stated) -----
  {
    const m = result.memoryBursts?.find((x) => x.variant === 'ours');
    const bare = result.memoryBursts?.find((x) => x.variant === 'bare');
    const mib = (x: number) => `${(x / 1048576).toFixed(1)} MiB`;
    targets.push({
      id: 'memory.burst', issue: '13', description: `memory: peak worker memory during ${m?.misses ?? 50} distinct ~3 MB misses (stated)`,
      value: m?.peakBytes ?? NaN, limit: NaN, comparison: 'stated', pass: m ? Number.isFinite(m.peakBytes) : null,
      valueText: m ? `${mib(m.peakBytes)} heap` : '–', limitText: 'stated',
      detail: m
        ? `ours JS heap peak ${mib(m.peakBytes)} (base ${mib(m.baseBytes)}; bare ${bare ? mib(bare.peakBytes) : '–'}); stats.peakPendingBytes ${m.peakPendingBytes === null ? 'n/a (field missing)' : mib(m.peakPendingBytes)}; ${m.busyBypasses ?? '–'} served but not stored (busy) of ${m.misses}`
        : 'not measured in this run',
    });
  }
  // ----- issue 13: size -----
  const size = result.sizes.ours?.gzipBytes ?? NaN;
  targets.push({
    id: 'size.gzip', issue: '13', description: 'size: our sw.js ≤ 12 KiB gzipped (12,288 bytes)',
    value: size, limit: SIZE_LIMIT_BYTES, comparison: '<=', pass: size <= SIZE_LIMIT_BYTES,
    valueText: `${(size / KIB).toFixed(1)} KiB`, limitText: '≤ 12 KiB',
    detail: `${size} bytes gzipped (${result.sizes.ours?.bytes} bytes raw)`,
  });
  // ----- issue 16 -----
  for (const l of levels) ratioTarget('16', `cold16.${l}`, `cold.${l}`, 0.6, '<=', `first cached image after a worker stop at ${n0(l)} entries, ≤ 0.6× bare`);
  for (const l of levels) ratioTarget('16', `coldpage.${l}`, `coldpage.${l}`, 0.8, '<=', `cold page load (worker stopped, 30 images, last onload) at ${n0(l)} entries, ≤ 0.8× bare`);
  // ----- ahead of Workbox (existing figure) -----
  const latency = result.figures.filter((f) => f.latency && f.median.ours !== undefined && f.median.workbox !== undefined);
  const behind = latency.filter((f) => !(f.median.ours! < f.median.workbox!));
  targets.push({
    id: 'ahead-of-workbox', issue: '13',
    description: 'ahead of Workbox on every latency figure (ours median < workbox median)',
    value: latency.length - behind.length, limit: latency.length, comparison: '>=', pass: latency.length > 0 ? behind.length === 0 : null,
    valueText: `${latency.length - behind.length}/${latency.length}`, limitText: 'all',
    detail:
      behind.length === 0
        ? `ahead on all ${latency.length}`
        : `behind on: ` + behind.map((f) => `${f.label} (${fmt(f.median.ours!, f.unit)} vs ${fmt(f.median.workbox!, f.unit)} ms)`).join('; '),
  });
  return targets;
}

/** `PASS`, `MISS` or `n/a`. */
export function verdict(t: Target): string {
  return t.pass === null ? 'n/a ' : t.pass ? 'PASS' : 'MISS';
}

// ----- formatting ---------------------------------------------------------------------------------

/** A value in its unit, with sensible precision. */
export function fmt(x: number | undefined, unit: Figure['unit']): string {
  if (x === undefined || !Number.isFinite(x)) return '–';
  if (unit === 'bytes') return x >= KIB ? `${(x / KIB).toFixed(1)} KiB` : `${x} B`;
  if (unit === 'img/s') return x >= 100 ? x.toFixed(0) : x.toFixed(1);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '' : `${r.toFixed(2)}×`;
}

function figureTitle(f: Figure): string {
  return `${f.label} (${f.unit === 'bytes' ? 'gzip' : f.unit})`;
}

/** The plain-text report printed to stdout. */
export function formatText(result: BrowserBenchResult, targets: Target[]): string {
  const cols = COLUMN_NAMES;
  const w0 = Math.max(...result.figures.map((f) => figureTitle(f).length), 10) + 2;
  const w = 17;
  const lines: string[] = [];
  const m = result.meta;
  lines.push(
    `sw-image-cache bench: ${m.date}; ${m.cpu} × ${m.cores} cores; Chromium ${m.chromium}; ${m.rounds} rounds${m.quick ? ' (quick)' : ''}; latency ${m.latencyMs} ms; ` +
      `ours from ${m.git.commit}${m.git.dirtyFiles ? ` + ${m.git.dirtyFiles} uncommitted files` : ''}`,
  );
  lines.push(
    `medians across rounds (a figure marked "pooled": its percentile over every round's samples together); in parentheses the ratio to bare (the floor). Timing: ${m.timing}.`,
  );
  lines.push('');
  lines.push('figure'.padEnd(w0) + cols.map((c) => c.padStart(w)).join(''));
  for (const f of result.figures) {
    lines.push(
      figureTitle(f).padEnd(w0) +
        cols
          .map((c) => {
            const v = f.median[c];
            if (v === undefined) return ''.padStart(w);
            const r = f.ratioToBare[c];
            return `${fmt(v, f.unit)}${r !== undefined && Number.isFinite(r) ? ` (${r.toFixed(2)})` : ''}`.padStart(w);
          })
          .join(''),
    );
  }
  lines.push('');
  lines.push('targets (ours, medians of this run, or pooled where marked):');
  for (const t of targets) lines.push(`  ${verdict(t)}  [${t.issue}] ${t.description}: ${t.valueText} (${t.limitText}) – ${t.detail}`);
  lines.push('');
  lines.push('verification (hit passes must not reach the server; network revalidates each image):');
  for (const [id, v] of Object.entries(result.verification)) {
    lines.push(
      `  ${id.padEnd(14)} hit loads ${v.hitLoads}, at server ${v.hitServerRequests}, via worker ${v.hitViaWorker}; ` +
        `miss loads ${v.missLoads}, at server ${v.missServerRequests}; failed ${v.failures}, no timing ${v.missingTimings}` +
        (v.coldNotStopped ? `, cold starts not confirmed stopped ${v.coldNotStopped}` : ''),
    );
  }
  lines.push('');
  lines.push(...perSizeLines(result, 'text'));
  for (const n of result.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** The markdown tables (results, targets, verification, machine). */
export function formatMarkdown(result: BrowserBenchResult, targets: Target[], replay?: Record<string, unknown>, transcode?: Record<string, unknown>): string {
  const m = result.meta;
  const cols = COLUMN_NAMES;
  const out: string[] = [];
  out.push(`<!-- generated by \`npm run bench\`; do not edit by hand -->`);
  out.push(`# Benchmark results`);
  out.push('');
  out.push(
    `${m.date.slice(0, 10)} · ${m.cpu} × ${m.cores} cores, ${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · Chromium ${m.chromium} · ` +
      `${m.rounds} alternating rounds${m.quick ? ' (quick)' : ''} · network latency ${m.latencyMs} ms · ${m.durationSeconds} s · ` +
      `ours built from ${m.git.commit}${m.git.dirtyFiles ? ` + ${m.git.dirtyFiles} uncommitted files in sw/, build/` : ''}`,
  );
  out.push('');
  out.push(
    `Hit set: ${m.images.hitSet} images (${(m.images.hitSetBytes / 1048576).toFixed(1)} MiB; ` +
      Object.entries(m.images.formats).map(([f, n]) => `${n} ${f}`).join(', ') +
      `; ${m.images.largeBytes.length} of ~${(Math.max(0, ...m.images.largeBytes) / 1e6).toFixed(1)} MB). ` +
      `${m.images.missPerRound} misses per round. Entry-count figures on tiny PNGs at ${m.scaleLevels.map((l) => l.toLocaleString('en-US')).join(' / ')} entries, ${m.coldPerRound} cold starts per round.`,
  );
  out.push('');
  out.push(`Medians across rounds; *×* is the ratio to \`bare\` (the floor). Latency: ${m.timing}.`);
  out.push('');
  out.push(`| figure | ${cols.join(' | ')} | ours / workbox |`);
  out.push(`|---|${cols.map(() => '--:').join('|')}|--:|`);
  for (const f of result.figures) {
    const cells = cols.map((c) => {
      const v = f.median[c];
      if (v === undefined) return '';
      const r = f.ratioToBare[c];
      return `${fmt(v, f.unit)}${r !== undefined && Number.isFinite(r) && c !== 'bare' ? ` (${fmtRatio(r)})` : ''}`;
    });
    const ow = f.median.ours !== undefined && f.median.workbox ? `${(f.median.ours / f.median.workbox).toFixed(2)}` : '';
    out.push(`| ${figureTitle(f)} | ${cells.join(' | ')} | ${ow} |`);
  }
  out.push('');
  out.push(`## Targets`);
  out.push('');
  out.push(`| | issue | target | value | limit | detail |`);
  out.push(`|---|---|---|--:|--:|---|`);
  for (const t of targets) out.push(`| **${verdict(t).trim()}** | ${t.issue} | ${t.description} | ${t.valueText} | ${t.limitText} | ${t.detail} |`);
  out.push('');
  out.push(`## Verification`);
  out.push('');
  out.push(`| origin | hit loads | hit requests at server | hits via worker | miss loads | miss requests at server | failed | no timing |`);
  out.push(`|---|--:|--:|--:|--:|--:|--:|--:|`);
  for (const [id, v] of Object.entries(result.verification)) {
    out.push(`| ${id} | ${v.hitLoads} | ${v.hitServerRequests} | ${v.hitViaWorker} | ${v.missLoads} | ${v.missServerRequests} | ${v.failures} | ${v.missingTimings} |`);
  }
  if (result.notes.length > 0) {
    out.push('');
    for (const n of result.notes) out.push(`- ${n}`);
  }
  out.push('');
  out.push(...perSizeLines(result, 'md'));
  if (result.profile) {
    out.push('');
    out.push(`## Profile of the hit path (\`--profile\`)`);
    out.push('');
    out.push(
      `Chrome tracing over CDP around ${result.profile[0]?.hits ?? 0} cached hits at c=1 per variant; times are per hit, on the service worker thread, ` +
        `inflated by the tracing itself (compare the two, not the absolute values). Ours is a names-kept build of the same code and config.`,
    );
    for (const s of result.profile) {
      out.push('');
      out.push(
        `**${s.variant}**: p50 ${s.burst.p50Ms.toFixed(2)} ms; worker thread busy ${s.busyPerHitUs.toFixed(0)} µs per hit, ` +
          `CPU samples ${((s.sampledMs * 1000) / Math.max(1, s.hits)).toFixed(0)} µs per hit (trace \`${s.traceFile}\`).`,
      );
      out.push('');
      out.push(`| trace event (self) | µs/hit | JS function (self, CPU samples) | µs/hit |`);
      out.push(`|---|--:|---|--:|`);
      for (let i = 0; i < 8; i++) {
        const e = s.topEvents[i];
        const f = s.topFunctions[i];
        if (!e && !f) break;
        out.push(`| ${e ? `\`${e.name}\`` : ''} | ${e ? e.perHitUs.toFixed(0) : ''} | ${f ? `\`${f.name}\`` : ''} | ${f ? f.perHitUs.toFixed(0) : ''} |`);
      }
    }
  }
  if (replay) {
    const rps = (replay.requestsPerSecond ?? {}) as { ours?: number; lruCache?: number };
    out.push('');
    out.push(`## Replay speed (policy core vs lru-cache, Node)`);
    out.push('');
    out.push(`| trace | requests | budget (bytes) | ours (req/s) | lru-cache ${String(replay.lruCacheVersion ?? '')} (req/s) | ours / lru-cache |`);
    out.push(`|---|--:|--:|--:|--:|--:|`);
    const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
    out.push(
      `| ${String(replay.trace ?? '')} | ${n(replay.requests)} | ${n(replay.maxBytes)} | ${n(rps.ours)} | ${n(rps.lruCache)} | ` +
        `${typeof replay.ratio === 'number' ? replay.ratio.toFixed(2) : '–'} |`,
    );
  }
  if (transcode) {
    out.push('');
    out.push(`## Transcode (\`test/bench/transcode.ts\`)`);
    out.push('');
    out.push(...genericMarkdown(transcode));
  }
  out.push('');
  return out.join('\n');
}

/** A cell: numbers with sensible precision, objects as compact JSON. */
function cell(x: unknown): string {
  if (typeof x === 'number') return Number.isInteger(x) ? x.toLocaleString('en-US') : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
  if (x === null || x === undefined) return '–';
  if (typeof x === 'object') return `\`${JSON.stringify(x)}\``;
  return String(x).replace(/\|/g, '\\|');
}

/** Renders any result object: arrays of objects as tables, objects of scalars as key/value tables, scalars as lines. */
export function genericMarkdown(obj: Record<string, unknown>): string[] {
  const out: string[] = [];
  const scalars = Object.entries(obj).filter(([, v]) => v === null || typeof v !== 'object');
  if (scalars.length > 0) {
    out.push(`| key | value |`, `|---|--:|`);
    for (const [k, v] of scalars) out.push(`| ${k} | ${cell(v)} |`);
    out.push('');
  }
  for (const [k, v] of Object.entries(obj)) {
    if (v === null || typeof v !== 'object') continue;
    out.push(`**${k}**`, '');
    const rows = Array.isArray(v) ? v : Object.entries(v as Record<string, unknown>).map(([key, val]) => (val && typeof val === 'object' && !Array.isArray(val) ? { key, ...(val as object) } : { key, value: val }));
    if (rows.length > 0 && rows.every((r) => r && typeof r === 'object' && !Array.isArray(r))) {
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r as object)))];
      out.push(`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`);
      for (const r of rows) out.push(`| ${cols.map((c) => cell((r as Record<string, unknown>)[c])).join(' | ')} |`);
    } else out.push(cell(v));
    out.push('');
  }
  return out;
}

/** The per-size table, the fills and the memory figures, as markdown (`md`) or plain text. */
export function perSizeLines(result: BrowserBenchResult, as: 'md' | 'text'): string[] {
  const out: string[] = [];
  const levels = result.meta.scaleLevels;
  const row = (cells: string[]) => (as === 'md' ? `| ${cells.join(' | ')} |` : cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(16))).join(' '));
  const rf = (id: string, v: string) => {
    const f = fig(result, id);
    const x = f?.median[v];
    if (x === undefined) return '';
    return v === 'bare' ? fmt(x, 'ms') : `${fmt(x, 'ms')} (${(f!.ratioToBare[v] ?? NaN).toFixed(2)})`;
  };
  if (levels.length > 0) {
    out.push(as === 'md' ? '## Per entry count (ms; in parentheses the ratio to bare)' : 'per entry count (ms; in parentheses the ratio to bare):');
    out.push('');
    const head = ['entries', 'hit p50 bare', 'hit p50 ours', 'hit p99 ours', 'wake bare', 'wake bare-static', 'wake workbox', 'wake ours', 'cold page bare', 'cold page b-static', 'cold page workbox', 'cold page ours', 'index load ours', 'full recovery ours', 'heap/entry ours', 'heap/entry bare', 'fills ours/bare'];
    out.push(row(head));
    if (as === 'md') out.push(`|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`);
    for (const l of levels) {
      const idx = result.scale?.index.find((i) => i.level === l);
      const full = result.scale?.fullRecovery?.find((i) => i.level === l);
      const mem = (v: string) => result.scale?.memory.find((m) => m.level === l && m.variant === v);
      const fo = result.fills.find((f) => f.level === l && f.variant === 'ours');
      const fb = result.fills.find((f) => f.level === l && f.variant === 'bare');
      out.push(
        row([
          l.toLocaleString('en-US'),
          rf(`scale.hit.${l}.p50`, 'bare'),
          rf(`scale.hit.${l}.p50`, 'ours'),
          rf(`scale.hit.${l}.p99`, 'ours'),
          rf(`cold.${l}`, 'bare'),
          rf(`cold.${l}`, 'bare-static'),
          rf(`cold.${l}`, 'workbox'),
          rf(`cold.${l}`, 'ours'),
          rf(`coldpage.${l}`, 'bare'),
          rf(`coldpage.${l}`, 'bare-static'),
          rf(`coldpage.${l}`, 'workbox'),
          rf(`coldpage.${l}`, 'ours'),
          !idx ? '' : idx.loadMs === null ? `n/a (${idx.recoveryMs ?? '–'} ms recovery)` : `${idx.loadMs.toFixed(0)} ms ${idx.source}`,
          !full ? '' : full.loadMs === null ? 'not loaded' : `${full.loadMs.toFixed(0)} ms ${full.source}`,
          mem('ours') ? `${mem('ours')!.perEntryBytes.toFixed(0)} B` : '',
          mem('bare') ? `${mem('bare')!.perEntryBytes.toFixed(0)} B` : '',
          fo && fb ? `${fo.perSecond.toFixed(0)}/${fb.perSecond.toFixed(0)}/s` : '',
        ]),
      );
    }
    out.push('');
  }
  if (result.fills.length > 0) {
    out.push(as === 'md' ? '## Fills (distinct misses at c=32 through the worker, one variant at a time)' : 'fills (distinct misses at c=32 through the worker, one variant at a time; stored per second):');
    out.push('');
    const names = ['bare', 'workbox', 'ours'];
    out.push(row(['growing to', ...names, 'ours / bare']));
    if (as === 'md') out.push(`|---|${names.map(() => '--:').join('|')}|--:|`);
    for (const l of levels) {
      const cells = names.map((n) => {
        const f = result.fills.find((x) => x.level === l && x.variant === n);
        return f ? `${f.perSecond.toFixed(0)}/s (${f.entries} in ${(f.storedMs / 1000).toFixed(1)} s)` : '';
      });
      const o = result.fills.find((x) => x.level === l && x.variant === 'ours');
      const b = result.fills.find((x) => x.level === l && x.variant === 'bare');
      out.push(row([l.toLocaleString('en-US'), ...cells, o && b ? (o.perSecond / b.perSecond).toFixed(2) : '']));
    }
    const seeds = result.scale?.seeding ?? [];
    if (seeds.length > 0) {
      out.push('');
      out.push(`Seeded directly (not through the worker): ${seeds.map((x) => `${x.variant} ${x.entries.toLocaleString('en-US')} at ${x.level.toLocaleString('en-US')} in ${(x.ms / 1000).toFixed(0)} s`).join(', ')}.`);
    }
    out.push('');
  }
  if (result.memoryBursts && result.memoryBursts.length > 0) {
    out.push(as === 'md' ? `## Memory during ${result.memoryBursts[0]!.misses} distinct ~3 MB misses` : `memory during ${result.memoryBursts[0]!.misses} distinct ~3 MB misses (worker JS heap + backing stores over CDP):`);
    out.push('');
    const mib = (x: number | null) => (x === null ? 'n/a (field missing)' : Number.isFinite(x) ? `${(x / 1048576).toFixed(1)} MiB` : '–');
    out.push(row(['variant', 'heap base', 'heap peak', 'peak − base', 'peakPendingBytes', 'busy bypasses', 'bodies', 'wall']));
    if (as === 'md') out.push(`|---|--:|--:|--:|--:|--:|--:|--:|`);
    for (const m of result.memoryBursts) {
      out.push(row([m.variant, mib(m.baseBytes), mib(m.peakBytes), mib(m.peakBytes - m.baseBytes), m.variant === 'ours' ? mib(m.peakPendingBytes) : '', m.busyBypasses === null ? '' : String(m.busyBypasses), mib(m.bodyBytes), `${(m.wallMs / 1000).toFixed(1)} s`]));
    }
    out.push('');
  }
  return out;
}

// ----- SVG -----------------------------------------------------------------------------------------

const COLORS: Record<string, string> = {
  network: '#9e9e9e',
  'http-cache': '#6baed6',
  bare: '#31a354',
  workbox: '#fd8d3c',
  ours: '#756bb1',
};

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Grouped bars (log scale, ms) of the main latency figures per variant. */
export function formatSvg(result: BrowserBenchResult): string {
  const groups = [
    ['hit.c1.p50', 'hit p50, c=1'],
    ['hit.c1.p99', 'hit p99, c=1'],
    ['hit.c32.p50', 'hit p50, c=32'],
    ['hit.c32.p99', 'hit p99, c=32'],
    ['miss.c1.p50', 'miss p50'],
    ['cold.1000', 'cold, 1k entries'],
    ['cold.10000', 'cold, 10k entries'],
  ]
    .map(([id, label]) => ({ f: fig(result, id!), label: label! }))
    .filter((g): g is { f: Figure; label: string } => g.f !== undefined);
  const values = groups.flatMap((g) => Object.values(g.f.median)).filter((x) => Number.isFinite(x) && x > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(values.length ? Math.min(...values) : 1)));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...values, lo * 10))));
  const W = 1000;
  const H = 460;
  const left = 64;
  const right = 16;
  const top = 56;
  const bottom = 70;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const y = (v: number) => top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const m = result.meta;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  parts.push(`<text x="${left}" y="22" font-size="15" font-weight="600">Image latency per variant (ms, log scale; medians of ${m.rounds} alternating rounds, one Chromium session)</text>`);
  parts.push(`<text x="${left}" y="40" fill="#555">${esc(`${m.date.slice(0, 10)} · ${m.cpu} × ${m.cores} cores · Chromium ${m.chromium} · latency ${m.latencyMs} ms · lower is better`)}</text>`);
  for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
    for (const k of [1, 2, 5]) {
      const v = k * Math.pow(10, e);
      if (v < lo - 1e-12 || v > hi + 1e-9) continue;
      const yy = y(v).toFixed(1);
      parts.push(`<line x1="${left}" x2="${W - right}" y1="${yy}" y2="${yy}" stroke="${k === 1 ? '#ccc' : '#eee'}"/>`);
      parts.push(`<text x="${left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${v >= 1 ? v.toFixed(0) : v.toString()}</text>`);
    }
  }
  const gw = plotW / groups.length;
  const bw = Math.min(22, (gw - 16) / VARIANT_NAMES.length);
  groups.forEach((g, gi) => {
    const x0 = left + gi * gw + (gw - bw * VARIANT_NAMES.length) / 2;
    VARIANT_NAMES.forEach((name, vi) => {
      const v = g.f.median[name];
      if (v === undefined || !Number.isFinite(v) || v <= 0) return;
      const x = x0 + vi * bw;
      const yy = y(v);
      parts.push(`<rect x="${x.toFixed(1)}" y="${yy.toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(top + plotH - yy).toFixed(1)}" fill="${COLORS[name]}"><title>${esc(`${name}: ${fmt(v, 'ms')} ms (${fmtRatio(g.f.ratioToBare[name])} bare)`)}</title></rect>`);
      parts.push(`<text x="${(x + (bw - 2) / 2).toFixed(1)}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="9" fill="#333">${fmt(v, 'ms')}</text>`);
    });
    parts.push(`<text x="${(left + gi * gw + gw / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${esc(g.label)}</text>`);
  });
  parts.push(`<line x1="${left}" x2="${W - right}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`);
  let lx = left;
  for (const name of VARIANT_NAMES) {
    parts.push(`<rect x="${lx}" y="${H - 24}" width="12" height="12" fill="${COLORS[name]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${H - 14}">${name}</text>`);
    lx += 110;
  }
  parts.push(`</svg>`);
  return parts.join('\n') + '\n';
}

/** Writes results.json, results.md and results.svg into `dir` (with the replay speed result, when given). */
export async function writeReports(dir: string, result: BrowserBenchResult, targets: Target[], replay?: Record<string, unknown>, transcode?: Record<string, unknown>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    'results.json': JSON.stringify({ ...result, targets, replay, transcode }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n',
    'results.md': formatMarkdown(result, targets, replay, transcode),
    'results.svg': formatSvg(result),
  };
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(path.relative(process.cwd(), file));
  }
  return written;
}
