/**
 * Turns a {@link BrowserBenchResult} into: the targets with PASS/MISS, a plain-text table for
 * stdout, `results.json`, `results.md` (markdown tables) and `results.svg` (a hand-written plot:
 * grouped bars, log scale, of cached-image p50/p99 at c=1 and c=32, the miss path and cold starts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserBenchResult, Figure } from './browser-bench.ts';
import { VARIANT_NAMES } from './variants.ts';

/** One target of the issue, judged on medians of the same run. */
export interface Target {
  id: string;
  description: string;
  /** The measured value (a ratio to bare, a size, or a count). */
  value: number;
  limit: number;
  comparison: '<=' | '>=';
  pass: boolean;
  detail: string;
}

const KIB = 1024;
/** "our sw.js ≤ 15 KB gzipped", read as 15 KiB. */
export const SIZE_LIMIT_BYTES = 15 * KIB;

function fig(result: BrowserBenchResult, id: string): Figure | undefined {
  return result.figures.find((f) => f.id === id);
}

/** Evaluates the issue's targets against the run's medians. */
export function evaluateTargets(result: BrowserBenchResult): Target[] {
  const targets: Target[] = [];
  const ratioTarget = (id: string, figureId: string, limit: number, comparison: '<=' | '>=', description: string) => {
    const f = fig(result, figureId);
    const value = f?.ratioToBare.ours ?? NaN;
    const pass = Number.isFinite(value) && (comparison === '<=' ? value <= limit : value >= limit);
    const detail = f ? `ours ${fmt(f.median.ours!, f.unit)} vs bare ${fmt(f.median.bare!, f.unit)} ${unitLabel(f.unit)}` : 'not measured';
    targets.push({ id, description, value, limit, comparison, pass, detail });
  };
  ratioTarget('hit.c1.p50', 'hit.c1.p50', 1.1, '<=', 'cached-image p50 at c=1, ratio to bare ≤ 1.10');
  ratioTarget('hit.c1.p99', 'hit.c1.p99', 1.25, '<=', 'cached-image p99 at c=1, ratio to bare ≤ 1.25');
  ratioTarget('hit.c32.p50', 'hit.c32.p50', 1.1, '<=', 'cached-image p50 at c=32, ratio to bare ≤ 1.10');
  ratioTarget('hit.c32.p99', 'hit.c32.p99', 1.25, '<=', 'cached-image p99 at c=32, ratio to bare ≤ 1.25');
  ratioTarget('throughput.c32', 'throughput.c32', 0.9, '>=', 'images per second at c=32, ratio to bare ≥ 0.9');
  ratioTarget('miss.c1.p50', 'miss.c1.p50', 1.15, '<=', 'miss path p50, ratio to bare ≤ 1.15');
  ratioTarget('cold.10000', 'cold.10000', 1.5, '<=', 'first cached image after a worker stop, 10,000 entries, ratio to bare ≤ 1.5');
  const size = result.sizes.ours?.gzipBytes ?? NaN;
  targets.push({
    id: 'size.gzip',
    description: 'our sw.js ≤ 15 KB gzipped (15 KiB = 15,360 bytes)',
    value: size,
    limit: SIZE_LIMIT_BYTES,
    comparison: '<=',
    pass: size <= SIZE_LIMIT_BYTES,
    detail: `${size} bytes gzipped (${(size / KIB).toFixed(1)} KiB; ${result.sizes.ours?.bytes} bytes raw)`,
  });
  const latency = result.figures.filter((f) => f.latency && f.median.ours !== undefined && f.median.workbox !== undefined);
  const behind = latency.filter((f) => !(f.median.ours! < f.median.workbox!));
  targets.push({
    id: 'ahead-of-workbox',
    description: 'ahead of Workbox on every latency figure (ours median < workbox median)',
    value: latency.length - behind.length,
    limit: latency.length,
    comparison: '>=',
    pass: latency.length > 0 && behind.length === 0,
    detail:
      behind.length === 0
        ? `ahead on all ${latency.length}`
        : `ahead on ${latency.length - behind.length} of ${latency.length}; behind on: ` +
          behind.map((f) => `${f.label} (${fmt(f.median.ours!, f.unit)} vs ${fmt(f.median.workbox!, f.unit)} ms, ×${(f.median.ours! / f.median.workbox!).toFixed(2)})`).join('; '),
  });
  return targets;
}

// ----- formatting ---------------------------------------------------------------------------------

function unitLabel(unit: Figure['unit']): string {
  return unit === 'bytes' ? 'bytes' : unit;
}

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

function targetValue(t: Target): string {
  if (t.id === 'size.gzip') return `${(t.value / KIB).toFixed(1)} KiB`;
  if (t.id === 'ahead-of-workbox') return `${t.value}/${t.limit}`;
  return Number.isFinite(t.value) ? t.value.toFixed(2) : '–';
}

function targetLimit(t: Target): string {
  if (t.id === 'size.gzip') return `${t.comparison} 15 KiB`;
  if (t.id === 'ahead-of-workbox') return `all`;
  return `${t.comparison} ${t.limit.toFixed(2)}`;
}

/** The plain-text report printed to stdout. */
export function formatText(result: BrowserBenchResult, targets: Target[]): string {
  const cols = VARIANT_NAMES;
  const w0 = Math.max(...result.figures.map((f) => figureTitle(f).length), 10) + 2;
  const w = 17;
  const lines: string[] = [];
  const m = result.meta;
  lines.push(
    `sw-image-cache bench: ${m.date}; ${m.cpu} × ${m.cores} cores; Chromium ${m.chromium}; ${m.rounds} rounds${m.quick ? ' (quick)' : ''}; latency ${m.latencyMs} ms; ` +
      `ours from ${m.git.commit}${m.git.dirtyFiles ? ` + ${m.git.dirtyFiles} uncommitted files` : ''}`,
  );
  lines.push(`medians across rounds; in parentheses the ratio to bare (the floor). Timing: ${m.timing}.`);
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
  lines.push('targets (ours, medians of this run):');
  for (const t of targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${t.description}: ${targetValue(t)} (${targetLimit(t)}) – ${t.detail}`);
  lines.push('');
  lines.push('verification (hit passes must not reach the server; network revalidates each image):');
  for (const [id, v] of Object.entries(result.verification)) {
    lines.push(
      `  ${id.padEnd(14)} hit loads ${v.hitLoads}, at server ${v.hitServerRequests}, via worker ${v.hitViaWorker}; ` +
        `miss loads ${v.missLoads}, at server ${v.missServerRequests}; failed ${v.failures}, no timing ${v.missingTimings}` +
        (v.coldNotStopped ? `, cold starts not confirmed stopped ${v.coldNotStopped}` : ''),
    );
  }
  if (result.fills.length > 0) {
    lines.push('');
    lines.push('cache fills of the entry-count phase (the three origins fill concurrently; time until every entry was stored):');
    for (const level of [...new Set(result.fills.map((f) => f.level))]) {
      const row = result.fills.filter((f) => f.level === level);
      lines.push(
        `  to ${String(level).padStart(6)}: ` +
          row.map((f) => `${f.variant} ${f.entries} in ${(f.storedMs / 1000).toFixed(1)} s (${((f.entries * 1000) / f.storedMs).toFixed(0)}/s)`).join(', '),
      );
    }
  }
  for (const n of result.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

/** The markdown tables (results, targets, verification, machine). */
export function formatMarkdown(result: BrowserBenchResult, targets: Target[], replay?: Record<string, unknown>): string {
  const m = result.meta;
  const cols = VARIANT_NAMES;
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
  out.push(`| | target | value | limit | detail |`);
  out.push(`|---|---|--:|--:|---|`);
  for (const t of targets) out.push(`| ${t.pass ? '**PASS**' : '**MISS**'} | ${t.description} | ${targetValue(t)} | ${targetLimit(t)} | ${t.detail} |`);
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
  if (result.fills.length > 0) {
    out.push('');
    out.push(`## Cache fills (entry-count phase; the three origins fill concurrently)`);
    out.push('');
    const names = ['bare', 'workbox', 'ours'].filter((n) => result.fills.some((f) => f.variant === n));
    out.push(`| fill | ${names.join(' | ')} |`);
    out.push(`|---|${names.map(() => '--:').join('|')}|`);
    for (const level of [...new Set(result.fills.map((f) => f.level))]) {
      const cells = names.map((n) => {
        const f = result.fills.find((x) => x.level === level && x.variant === n);
        return f ? `${(f.storedMs / 1000).toFixed(1)} s (${((f.entries * 1000) / f.storedMs).toFixed(0)}/s)` : '';
      });
      const added = result.fills.find((x) => x.level === level)?.entries ?? 0;
      out.push(`| to ${level.toLocaleString('en-US')} entries (+${added.toLocaleString('en-US')}) | ${cells.join(' | ')} |`);
    }
  }
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
  out.push('');
  return out.join('\n');
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
export async function writeReports(dir: string, result: BrowserBenchResult, targets: Target[], replay?: Record<string, unknown>): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = {
    'results.json': JSON.stringify({ ...result, targets, replay }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n',
    'results.md': formatMarkdown(result, targets, replay),
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
