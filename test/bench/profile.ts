/**
 * `--profile`: Chrome tracing over CDP (`Tracing.start` / `Tracing.end`, streamed back with
 * `IO.read`) around a burst of cached hits, for one variant at a time. The raw trace is written to
 * `.cache/bench-trace-<variant>.json` (open it in DevTools → Performance, or ui.perfetto.dev), and
 * {@link summarizeTrace} reduces it to where the service worker thread spends its time:
 * - trace events on that thread by *self* time (an event's duration minus its nested children's);
 * - JavaScript functions by self time, from the V8 CPU profiler samples taken on that thread
 *   (`disabled-by-default-v8.cpu_profiler`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { loadPass, openTab, type PassResult } from './measure.ts';
import type { Variant } from './variants.ts';

/** Categories recorded. */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'blink',
  'toplevel',
  'ServiceWorker',
  'disabled-by-default-ServiceWorker',
  'CacheStorage',
  'IndexedDB',
  'disabled-by-default-v8.cpu_profiler',
];

/** Events of the tracing machinery itself, left out of the worker thread's time. */
const IGNORED_EVENTS = new Set(['CpuProfiler::StartProfiling', 'CpuProfiler::StopProfiling', 'TracingStartedInBrowser']);

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: Record<string, any>;
}

/** A name and a time, in ms. */
export interface TimeRow {
  name: string;
  selfMs: number;
  /** Per cached hit of the burst. */
  perHitUs: number;
}

/** What {@link summarizeTrace} finds on the service worker thread. */
export interface TraceSummary {
  variant: string;
  traceFile: string;
  hits: number;
  thread: string;
  /** Sum of top-level event durations on the worker thread, ms. */
  busyMs: number;
  busyPerHitUs: number;
  topEvents: TimeRow[];
  /** JS functions by self time (CPU profiler samples), `(program)`/`(garbage collector)` included, idle excluded. */
  topFunctions: TimeRow[];
  sampledMs: number;
  /** The burst's own figures (Resource Timing), for context. */
  burst: { p50Ms: number; wallMs: number };
}

/** Records a trace around `run()` on the browser-level CDP session; returns the trace events. */
export async function traceAround<T>(browser: Browser, run: () => Promise<T>): Promise<{ events: TraceEvent[]; value: T }> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    await cdp.send('Tracing.start', {
      traceConfig: { includedCategories: TRACE_CATEGORIES, recordMode: 'recordAsMuchAsPossible' },
      transferMode: 'ReturnAsStream',
    } as never);
    let value: T | undefined;
    let failure: { error: unknown } | null = null;
    try {
      value = await run();
    } catch (error) {
      failure = { error };
    }
    const complete = new Promise<{ stream?: string }>((resolve) => cdp.once('Tracing.tracingComplete', resolve as never));
    await cdp.send('Tracing.end');
    const { stream } = await complete;
    if (failure) throw failure.error;
    if (!stream) throw new Error('Tracing.tracingComplete without a stream');
    const chunks: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const r = (await cdp.send('IO.read', { handle: stream, size: 1 << 20 })) as { data: string; eof: boolean; base64Encoded?: boolean };
      chunks.push(r.base64Encoded ? Buffer.from(r.data, 'base64').toString('utf8') : r.data);
      if (r.eof) break;
    }
    await cdp.send('IO.close', { handle: stream }).catch(() => {});
    const parsed = JSON.parse(chunks.join('')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
    return { events: Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []), value: value as T };
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** Self time by event name on one thread (complete `X` events and `B`/`E` pairs, properly nested). */
function selfTimes(events: TraceEvent[]): { byName: Map<string, number>; busyUs: number } {
  const spans: Array<{ name: string; start: number; end: number }> = [];
  const open: TraceEvent[] = [];
  for (const e of [...events].sort((a, b) => a.ts - b.ts)) {
    if (e.ph === 'X' && typeof e.dur === 'number') spans.push({ name: e.name, start: e.ts, end: e.ts + e.dur });
    else if (e.ph === 'B') open.push(e);
    else if (e.ph === 'E') {
      const b = open.pop();
      if (b) spans.push({ name: b.name, start: b.ts, end: e.ts });
    }
  }
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const byName = new Map<string, number>();
  const stack: Array<{ name: string; end: number; self: number }> = [];
  let busyUs = 0;
  const pop = () => {
    const s = stack.pop()!;
    byName.set(s.name, (byName.get(s.name) ?? 0) + Math.max(0, s.self));
  };
  for (const s of spans) {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= s.start) pop();
    const dur = s.end - s.start;
    const parent = stack[stack.length - 1];
    if (parent) parent.self -= Math.min(dur, parent.end - s.start);
    else busyUs += dur;
    stack.push({ name: s.name, end: s.end, self: dur });
  }
  while (stack.length > 0) pop();
  return { byName, busyUs };
}

/** Self time by JS function from the CPU profiler samples of thread `tid` of `pid`. */
function profileSelfTimes(events: TraceEvent[], pid: number, tid: number): { byName: Map<string, number>; sampledUs: number } {
  const profileIds = new Set(events.filter((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid).map((e) => `${e.pid}:${e.id}`));
  const nodes = new Map<string, { name: string }>();
  const scriptUrls = new Map<string, string>();
  const byName = new Map<string, number>();
  let sampledUs = 0;
  for (const e of events) {
    if (e.name !== 'ProfileChunk' || !profileIds.has(`${e.pid}:${e.id}`)) continue;
    const data = e.args?.data ?? {};
    for (const n of data.cpuProfile?.nodes ?? []) {
      const cf = n.callFrame ?? {};
      // Later chunks may omit a script's URL: remember it by script id.
      if (typeof cf.url === 'string' && cf.url) scriptUrls.set(`${e.pid}:${cf.scriptId}`, cf.url);
      const url = scriptUrls.get(`${e.pid}:${cf.scriptId}`) ?? '';
      const file = url ? path.posix.basename(new URL(url, 'http://x/').pathname) : '';
      const where = file
        ? ` ${file}${file.endsWith('sw.js') && typeof cf.lineNumber === 'number' ? `:${cf.lineNumber + 1}` : ''}`
        : (cf.scriptId === 0 || cf.scriptId === '0') && !String(cf.functionName).startsWith('(')
          ? ' (native)'
          : '';
      nodes.set(`${e.id}:${n.id}`, { name: `${cf.functionName || '(anonymous)'}${where}` });
    }
    const samples: number[] = data.cpuProfile?.samples ?? [];
    const deltas: number[] = data.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const node = nodes.get(`${e.id}:${samples[i]}`);
      const d = Math.max(0, deltas[i + 1] ?? deltas[i] ?? 0);
      if (!node || node.name.startsWith('(idle)')) continue;
      byName.set(node.name, (byName.get(node.name) ?? 0) + d);
      sampledUs += d;
    }
  }
  return { byName, sampledUs };
}

function top(map: Map<string, number>, n: number, hits: number): TimeRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, selfMs: us / 1000, perHitUs: us / Math.max(1, hits) }));
}

/**
 * Finds the service worker thread (thread name containing "ServiceWorker"; the busiest one when
 * there are several) and reduces its events and CPU samples to self-time rankings.
 */
export function summarizeTrace(events: TraceEvent[], variant: string, hits: number, traceFile: string, burst: TraceSummary['burst']): TraceSummary {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, String(e.args?.name ?? ''));
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!/service ?worker/i.test(names.get(key) ?? '')) continue;
    if (e.ph === 'M' || IGNORED_EVENTS.has(e.name)) continue;
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(e);
  }
  let best: { key: string; st: ReturnType<typeof selfTimes> } | null = null;
  for (const [key, list] of byThread) {
    const st = selfTimes(list);
    if (!best || st.busyUs > best.st.busyUs) best = { key, st };
  }
  if (!best) {
    return { variant, traceFile, hits, thread: '(no service worker thread found)', busyMs: NaN, busyPerHitUs: NaN, topEvents: [], topFunctions: [], sampledMs: 0, burst };
  }
  const [pid, tid] = best.key.split(':').map(Number) as [number, number];
  const prof = profileSelfTimes(events, pid, tid);
  return {
    variant,
    traceFile,
    hits,
    thread: `${names.get(best.key)} (pid ${pid}, tid ${tid})`,
    busyMs: best.st.busyUs / 1000,
    busyPerHitUs: best.st.busyUs / Math.max(1, hits),
    topEvents: top(best.st.byName, 10, hits),
    topFunctions: top(prof.byName, 12, hits),
    sampledMs: prof.sampledUs / 1000,
    burst,
  };
}

/**
 * Profiles a burst of cached hits on `v`: opens a tab, wakes the worker with one load, then traces
 * a c=1 pass over `urls` (all already cached on `v`). Writes the trace to `.cache/bench-trace-<id>.json`.
 */
export async function profileHits(browser: Browser, context: BrowserContext, v: Variant, urls: string[], wakeUrl: string): Promise<TraceSummary> {
  const page = await openTab(context, v);
  try {
    await loadPass(page, v, [wakeUrl], 1);
    const { events, value } = await traceAround(browser, () => loadPass(page, v, urls, 1));
    const pass = value as PassResult;
    if (pass.serverRequests > 0) console.warn(`  profile ${v.id}: ${pass.serverRequests} image requests reached the server during the burst (not all hits)`);
    const file = path.resolve(`.cache/bench-trace-${v.id}.json`);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, JSON.stringify({ traceEvents: events }));
    const rts = pass.samples.map((s) => s.rtMs).filter(Number.isFinite).sort((a, b) => a - b);
    return summarizeTrace(events, v.id, urls.length, path.relative(process.cwd(), file), {
      p50Ms: rts[Math.floor(rts.length / 2)] ?? NaN,
      wallMs: pass.wallMs,
    });
  } finally {
    await page.close().catch(() => {});
  }
}

/** The summary as a few readable lines. */
export function formatTraceSummary(s: TraceSummary): string {
  const lines = [
    `${s.variant}: ${s.hits} cached hits at c=1 (p50 ${s.burst.p50Ms.toFixed(2)} ms, ${s.burst.wallMs.toFixed(0)} ms wall); worker thread ${s.thread}`,
    `  worker thread busy ${s.busyMs.toFixed(1)} ms = ${s.busyPerHitUs.toFixed(0)} µs per hit; CPU samples ${s.sampledMs.toFixed(1)} ms; trace ${s.traceFile}`,
    `  top trace events by self time (µs per hit):`,
    ...s.topEvents.slice(0, 8).map((r) => `    ${r.perHitUs.toFixed(0).padStart(6)}  ${r.name}`),
    `  top JS functions by self time (µs per hit, CPU samples):`,
    ...s.topFunctions.slice(0, 10).map((r) => `    ${r.perHitUs.toFixed(0).padStart(6)}  ${r.name}`),
  ];
  return lines.join('\n');
}
