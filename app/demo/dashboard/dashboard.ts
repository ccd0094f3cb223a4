/**
 * The live image-cache dashboard (`/dashboard/`): bytes used against the budget, hit rate over
 * time (uPlot), hits and misses per image category, a sortable entries table, an event log and the
 * worker's health.
 *
 * It is driven by the worker's events ({@link ImageCacheClient.on}, a BroadcastChannel), not by
 * polling: after each batch of events it re-reads the stats (and the entries, when entries were
 * stored or removed), throttled; a slow safety refresh runs every 30 s. Relative times (age,
 * expiry) are redrawn locally every 5 s without asking the worker.
 * @internal Demo only.
 */
import uPlot from 'uplot';
import {
  ImageCacheClient,
  ImageCacheClientError,
  type CacheEvent,
  type ClientStats,
  type EntryInfo,
  type HealthReport,
} from '../../client.ts';
import { el, formatBytes, formatCount, formatPercent } from '../format.ts';

/** Slow safety refresh of stats, entries and health, in ms (events drive everything else). */
const SAFETY_REFRESH_MS = 30_000;
/** Shortest time between two stats reads caused by events, in ms. */
const STATS_THROTTLE_MS = 300;
/** Shortest time between two entries reads caused by events, in ms. */
const ENTRIES_THROTTLE_MS = 1_000;
/** Local redraw of relative times and of the hit-rate timeline, in ms. */
const TICK_MS = 5_000;
/** Events kept in the log. */
const MAX_LOG = 200;
/** Entries rows drawn at most (the filter narrows the rest). */
const MAX_ROWS = 300;
/** Points kept on the hit-rate chart (about an hour at one point per 5 s). */
const MAX_POINTS = 720;
/** Window of the "recent" hit rate, in ms (keep the chart's series label in step). */
const RECENT_WINDOW_MS = 5_000;
/** The demo's image categories, in display order (others are added as they are seen). */
const KNOWN_CATEGORIES = ['map_tile', 'driver_photo', 'vehicle', 'banner'];

const client = new ImageCacheClient({ timeoutMs: 10_000 });

/** The element with a `data-testid`; the page's HTML guarantees it exists. */
function byTestId<T extends HTMLElement = HTMLElement>(testId: string): T {
  const node = document.querySelector<T>(`[data-testid="${testId}"]`);
  if (node === null) throw new Error(`dashboard: missing [data-testid="${testId}"]`);
  return node;
}

/** Sets a field's text, its raw value in `data-value` (for tests) and an optional tone. */
function setField(testId: string, text: string, value?: number | string, state?: string): void {
  const node = byTestId(testId);
  if (node.textContent !== text) node.textContent = text;
  if (value !== undefined) node.dataset.value = String(value);
  if (state !== undefined) node.dataset.state = state;
}

/** The category of an image URL: `/data/images/<category>/…`, else `other`. */
export function categoryOf(url: string): string {
  let path = url;
  try {
    path = new URL(url, location.href).pathname;
  } catch {
    // keep the raw string
  }
  const match = /\/data\/images\/([^/]+)\//.exec(path);
  return match ? decodeURIComponent(match[1]!) : 'other';
}

/** The URL as shown: its path (and query) when same-origin, else in full. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin ? u.pathname + u.search : u.href;
  } catch {
    return url;
  }
}

/** A duration for humans: `"850 ms"`, `"42 s"`, `"12 min"`, `"3.5 h"`, `"6.9 d"`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const a = Math.abs(ms);
  if (a < 1_000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${Math.round(ms / 1_000)} s`;
  if (a < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (a < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}

function clockTime(at: number): string {
  const d = new Date(at);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// ----- state ------------------------------------------------------------------------------------

let stats: ClientStats | null = null;
let entries: EntryInfo[] = [];
let entriesAt = 0;
const log: CacheEvent[] = [];
/** Hits and misses per category, from events since this page opened. */
const perCategory = new Map<string, { hits: number; misses: number }>();
/** Times (ms since epoch) and outcomes of recent lookups, for the windowed hit rate. */
const recentLookups: Array<{ at: number; hit: boolean }> = [];
const timeline: { t: number[]; overall: Array<number | null>; recent: Array<number | null> } = { t: [], overall: [], recent: [] };
let sort: { key: SortKey; dir: 1 | -1 } = { key: 'lastAccess', dir: -1 };
type SortKey = 'url' | 'bytes' | 'age' | 'expiry' | 'lastAccess' | 'kind';

// ----- messages and status ---------------------------------------------------------------------

function showMessage(text: string | null, tone: 'warn' | 'error' = 'warn'): void {
  const node = byTestId('dash-message');
  node.hidden = text === null;
  node.textContent = text ?? '';
  node.dataset.state = tone;
}

function showConnection(): void {
  if (!('serviceWorker' in navigator)) setField('dash-connection', 'no service worker', undefined, 'error');
  else if (client.controlled) setField('dash-connection', 'live', undefined, 'ok');
  else setField('dash-connection', 'not controlled', undefined, 'warn');
}

function describeError(error: unknown): string {
  if (error instanceof ImageCacheClientError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// ----- stats -----------------------------------------------------------------------------------

function renderStats(s: ClientStats): void {
  const lookups = s.hits + s.misses;
  const budget = s.effectiveMaxBytes || s.maxBytes;
  const used = budget > 0 ? s.bytesUsed / budget : 0;
  setField('dash-bytes-used', formatBytes(s.bytesUsed), s.bytesUsed);
  setField('dash-max-bytes', formatBytes(s.maxBytes), s.maxBytes);
  setField('dash-bytes-percent', formatPercent(used), used);
  setField('dash-peak-bytes', formatBytes(s.peakBytes), s.peakBytes);
  setField('dash-effective-max-bytes', formatBytes(s.effectiveMaxBytes), s.effectiveMaxBytes, s.effectiveMaxBytes < s.maxBytes ? 'warn' : '');
  setField('dash-max-entry-bytes', formatBytes(s.maxEntryBytes), s.maxEntryBytes);
  setField('dash-hit-rate', lookups > 0 ? formatPercent(s.hitRate) : '–', s.hitRate);
  setField('dash-hits', formatCount(s.hits), s.hits);
  setField('dash-misses', formatCount(s.misses), s.misses);
  // Cold hits by static route (coldHits): '–' where the browser has none (Firefox, WebKit) or it is off.
  const routed = s.staticRoute;
  setField('dash-static-route-hits', routed?.active ? formatCount(routed.reportedHits) : '–', routed?.reportedHits ?? 0);
  setField('dash-entries', s.maxEntries ? `${formatCount(s.entries)} / ${formatCount(s.maxEntries)}` : formatCount(s.entries), s.entries);
  setField('dash-stored', formatCount(s.stored), s.stored);
  setField('dash-evictions', formatCount(s.evictions), s.evictions);
  setField('dash-expirations', formatCount(s.expirations), s.expirations);
  setField('dash-bypassed', formatCount(s.bypassed), s.bypassed);
  setField('dash-policy', `policy ${s.policy} · ${s.cacheName}`);
  const bar = byTestId('dash-bytes-bar');
  bar.style.setProperty('--used', `${(Math.min(1, used) * 100).toFixed(2)}%`);
  bar.style.setProperty('--peak', `${(Math.min(1, budget > 0 ? s.peakBytes / budget : 0) * 100).toFixed(2)}%`);
  bar.setAttribute('aria-valuenow', String(Math.round(used * 100)));
  bar.dataset.level = used > 0.9 ? 'high' : used > 0.7 ? 'mid' : 'low';
}

// ----- job queue --------------------------------------------------------------------------------

/** The queue card: pending / running / done / dead by priority, and the URLs that kept failing. */
function renderQueue(s: ClientStats): void {
  const q = s.queue;
  const card = byTestId('dash-queue');
  card.hidden = !q;
  if (!q) return;
  const rows = (['capture', 'manifest', 'warm'] as const).map((p) => {
    const c = q.byPriority[p];
    const tr = document.createElement('tr');
    tr.dataset.priority = p;
    const cells = [p, c.pending, c.running, c.done, c.dead].map((v, i) => {
      const td = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) td.setAttribute('scope', 'row');
      else td.className = 'num';
      td.textContent = typeof v === 'number' ? formatCount(v) : v;
      return td;
    });
    tr.append(...cells);
    return tr;
  });
  byTestId('queue-table').querySelector('tbody')!.replaceChildren(...rows);
  byTestId('queue-page-fetches').textContent = `${formatCount(q.pageFetches)} page misses in flight · ${formatCount(q.resumed)} resumed after a restart`;
  byTestId('queue-dead').replaceChildren(
    ...q.dead.slice(-10).map((d) => {
      const li = document.createElement('li');
      li.textContent = `${d.priority} ${d.url} — ${d.reason} after ${d.attempts} attempts`;
      return li;
    }),
  );
}

// ----- hit rate chart ---------------------------------------------------------------------------

let chart: uPlot | null = null;

function recentHitRate(now: number): number | null {
  while (recentLookups.length > 0 && now - recentLookups[0]!.at > RECENT_WINDOW_MS) recentLookups.shift();
  if (recentLookups.length === 0) return null;
  return (recentLookups.filter((l) => l.hit).length / recentLookups.length) * 100;
}

/** Adds a point (now) to the hit-rate timeline and redraws. */
function samplePoint(): void {
  const now = Date.now();
  const lookups = stats ? stats.hits + stats.misses : 0;
  const overall = stats && lookups > 0 ? stats.hitRate * 100 : null;
  const recent = recentHitRate(now);
  if (overall === null && recent === null && timeline.t.length === 0) return;
  timeline.t.push(now / 1000);
  timeline.overall.push(overall);
  timeline.recent.push(recent);
  if (timeline.t.length > MAX_POINTS) {
    timeline.t.shift();
    timeline.overall.shift();
    timeline.recent.shift();
  }
  drawChart();
}

function chartSize(container: HTMLElement): { width: number; height: number } {
  return { width: Math.max(280, container.clientWidth), height: 240 };
}

function drawChart(): void {
  const container = byTestId('hit-rate-chart');
  byTestId('hit-rate-empty').hidden = timeline.t.length > 0;
  const data: uPlot.AlignedData = [timeline.t, timeline.overall, timeline.recent];
  if (chart) {
    chart.setData(data);
    return;
  }
  if (timeline.t.length === 0) return;
  const opts: uPlot.Options = {
    ...chartSize(container),
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: [0, 100] } },
    axes: [
      {
        stroke: '#4b5563',
        grid: { stroke: '#eef0f3' },
        ticks: { stroke: '#e5e7eb' },
        space: 70,
        // Whole seconds and up: no sub-second ticks on a short timeline.
        incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
        values: (_u, splits) => splits.map((v) => clockTime(v * 1000).slice(0, 8)),
      },
      {
        stroke: '#4b5563',
        grid: { stroke: '#eef0f3' },
        ticks: { stroke: '#e5e7eb' },
        values: (_u, splits) => splits.map((v) => `${v}%`),
        size: 50,
      },
    ],
    series: [
      { label: 'time', value: (_u, v) => (v == null ? '–' : clockTime(v * 1000).slice(0, 8)) },
      {
        label: 'overall',
        stroke: '#0f766e',
        width: 2,
        fill: 'rgba(20, 184, 166, 0.12)',
        points: { show: false },
        spanGaps: true,
        value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)}%`),
      },
      {
        label: 'last 5 s',
        stroke: '#d97706',
        width: 2,
        dash: [6, 4],
        points: { show: true, size: 4 },
        value: (_u, v) => (v == null ? '–' : `${v.toFixed(1)}%`),
      },
    ],
  };
  chart = new uPlot(opts, data, container);
  new ResizeObserver(() => chart?.setSize(chartSize(container))).observe(container);
}

// ----- categories -------------------------------------------------------------------------------

function renderCategories(): void {
  const stored = new Map<string, { count: number; bytes: number }>();
  for (const e of entries) {
    const c = categoryOf(e.url);
    const s = stored.get(c) ?? { count: 0, bytes: 0 };
    s.count++;
    s.bytes += e.bytes;
    stored.set(c, s);
  }
  const names = [...new Set([...KNOWN_CATEGORIES, ...perCategory.keys(), ...stored.keys()])];
  const max = Math.max(1, ...names.map((n) => (perCategory.get(n)?.hits ?? 0) + (perCategory.get(n)?.misses ?? 0)));
  const body = byTestId('category-table').querySelector('tbody')!;
  const rows: HTMLTableRowElement[] = [];
  for (const name of names) {
    const c = perCategory.get(name) ?? { hits: 0, misses: 0 };
    const s = stored.get(name) ?? { count: 0, bytes: 0 };
    if (name === 'other' && c.hits + c.misses + s.count === 0) continue;
    const tr = el('tr', '', 'category-row');
    tr.dataset.category = name;
    const th = el('th');
    th.scope = 'row';
    th.textContent = name.replace(/_/g, ' ');
    const hits = el('td', 'num', 'category-hits');
    hits.textContent = formatCount(c.hits);
    hits.dataset.value = String(c.hits);
    const misses = el('td', 'num', 'category-misses');
    misses.textContent = formatCount(c.misses);
    misses.dataset.value = String(c.misses);
    const barCell = el('td', 'bar-col');
    const bar = el('div', 'split-bar');
    const hitPart = el('span', 'hit');
    hitPart.style.width = `${(c.hits / max) * 100}%`;
    const missPart = el('span', 'miss');
    missPart.style.width = `${(c.misses / max) * 100}%`;
    bar.append(hitPart, missPart);
    const lookups = c.hits + c.misses;
    bar.title = lookups > 0 ? `${formatPercent(c.hits / lookups)} hits` : 'no lookups yet';
    barCell.append(bar);
    const storedCell = el('td', 'num', 'category-stored');
    storedCell.textContent = s.count > 0 ? `${formatCount(s.count)} · ${formatBytes(s.bytes)}` : '–';
    storedCell.dataset.value = String(s.bytes);
    tr.append(th, hits, misses, barCell, storedCell);
    rows.push(tr);
  }
  body.replaceChildren(...rows);
}

// ----- entries table ----------------------------------------------------------------------------

function sortValue(e: EntryInfo, key: SortKey, now: number): number | string {
  switch (key) {
    case 'url':
      return displayUrl(e.url);
    case 'bytes':
      return e.bytes;
    case 'age':
      return now - e.storedAt;
    case 'expiry':
      return e.expiresAt === null ? Number.POSITIVE_INFINITY : e.expiresAt - now;
    case 'lastAccess':
      return e.lastAccessedAt;
    case 'kind':
      return e.kind;
  }
}

function renderEntries(): void {
  const now = Date.now();
  const filter = byTestId<HTMLInputElement>('entries-filter').value.trim().toLowerCase();
  const shown = filter ? entries.filter((e) => e.url.toLowerCase().includes(filter)) : [...entries];
  shown.sort((a, b) => {
    const va = sortValue(a, sort.key, now);
    const vb = sortValue(b, sort.key, now);
    const c = typeof va === 'string' ? va.localeCompare(String(vb)) : va < (vb as number) ? -1 : va > (vb as number) ? 1 : 0;
    return c * sort.dir || a.url.localeCompare(b.url);
  });
  const total = entries.reduce((s, e) => s + e.bytes, 0);
  const count = byTestId('entries-count');
  count.textContent =
    `${formatCount(entries.length)} · ${formatBytes(total)}` +
    (filter ? ` · ${formatCount(shown.length)} match` : '') +
    (shown.length > MAX_ROWS ? ` · first ${MAX_ROWS} shown` : '');
  count.dataset.value = String(entries.length);
  const rows = shown.slice(0, MAX_ROWS).map((e) => {
    const tr = el('tr', '', 'entry-row');
    tr.dataset.url = e.url;
    const cells: Array<[string, string, string?]> = [
      ['url', displayUrl(e.url)],
      ['num', formatBytes(e.bytes), String(e.bytes)],
      ['num', formatDuration(now - e.storedAt), String(e.storedAt)],
      [
        'num',
        e.expiresAt === null ? 'never' : e.expiresAt <= now ? 'expired' : formatDuration(e.expiresAt - now),
        String(e.expiresAt ?? ''),
      ],
      ['num', `${formatDuration(now - e.lastAccessedAt)} ago`, String(e.lastAccessedAt)],
      ['kind', e.kind],
    ];
    for (const [className, text, value] of cells) {
      const td = el('td', className);
      td.textContent = text;
      if (value !== undefined) td.dataset.value = value;
      if (className === 'url') td.title = e.url;
      if (className === 'kind') td.dataset.kind = e.kind;
      tr.append(td);
    }
    const action = el('td', 'action');
    const del = el('button', 'row-delete', 'entry-delete');
    del.type = 'button';
    del.textContent = '✕';
    del.title = `Delete ${displayUrl(e.url)} from the cache`;
    del.setAttribute('aria-label', del.title);
    del.addEventListener('click', () => void deleteEntry(e.url));
    action.append(del);
    tr.append(action);
    return tr;
  });
  byTestId('entries-table').querySelector('tbody')!.replaceChildren(...rows);
  for (const th of byTestId('entries-table').querySelectorAll<HTMLTableCellElement>('th[data-sort]')) {
    const key = th.dataset.sort as SortKey;
    th.setAttribute('aria-sort', key === sort.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none');
  }
}

async function deleteEntry(url: string): Promise<void> {
  try {
    await client.delete(url);
  } catch (error) {
    showMessage(describeError(error), 'error');
  }
  await refreshEntries();
}

// ----- event log --------------------------------------------------------------------------------

function eventDetail(e: CacheEvent): string {
  switch (e.type) {
    case 'hit':
      return '';
    case 'miss':
      return e.stale ? 'expired entry' : '';
    case 'stored':
      return e.kind;
    case 'evicted':
      return e.reason;
    case 'expired':
      return 'expire';
    case 'cleared':
      return `${e.entries} entries`;
    case 'error':
      return `${e.operation}: ${e.message}`;
  }
}

function renderLog(): void {
  const filter = byTestId<HTMLSelectElement>('events-filter').value;
  const shown = log.filter((e) => filter === '*' || (filter === '!hit' ? e.type !== 'hit' : e.type === filter));
  const items = shown.map((e) => {
    const li = el('li', 'event', 'event-row');
    li.dataset.type = e.type;
    if (e.type === 'evicted') li.dataset.reason = e.reason;
    const time = el('time', 'event-time');
    time.dateTime = new Date(e.at).toISOString();
    time.textContent = clockTime(e.at);
    const type = el('span', 'event-type');
    type.textContent = e.type;
    const url = el('span', 'event-url');
    url.textContent = e.url ? displayUrl(e.url) : '';
    if (e.url) url.title = e.url;
    const bytes = el('span', 'event-bytes');
    bytes.textContent = 'bytes' in e ? formatBytes(e.bytes) : '';
    const detail = el('span', 'event-detail');
    detail.textContent = eventDetail(e);
    li.append(time, type, url, bytes, detail);
    return li;
  });
  byTestId('event-log').replaceChildren(...items);
  const count = byTestId('events-count');
  count.textContent = `${formatCount(log.length)} latest, newest first`;
  count.dataset.value = String(log.length);
}

// ----- health -----------------------------------------------------------------------------------

function renderHealth(h: HealthReport): void {
  const state = h.status === 'ok' ? 'ok' : h.status === 'degraded' ? 'warn' : 'error';
  setField('health-status', `health ${h.status}`, h.status, state);
  const lines = [
    `status: ${h.status}`,
    `index loaded: ${h.indexLoaded}`,
    `recent errors: ${h.recentErrors.count}`,
    ...h.recentErrors.last.map((e) => `  ${clockTime(e.at)} ${e.operation}: ${e.message}`),
    h.storage ? `storage: ${formatBytes(h.storage.usage)} used of ${formatBytes(h.storage.quota)} quota` : 'storage: unknown',
    `budget in force: ${formatBytes(h.effectiveMaxBytes)} of ${formatBytes(h.maxBytes)}`,
  ];
  byTestId('health-status').title = lines.join('\n');
}

// ----- reading from the worker ------------------------------------------------------------------

async function refreshStats(): Promise<void> {
  try {
    stats = await client.stats();
    renderStats(stats);
    renderQueue(stats);
    samplePoint();
    showMessage(null);
  } catch (error) {
    showMessage(describeError(error), 'error');
  }
  showConnection();
}

async function refreshEntries(): Promise<void> {
  try {
    entries = await client.entries();
    entriesAt = Date.now();
    renderEntries();
    renderCategories();
  } catch (error) {
    showMessage(describeError(error), 'error');
  }
}

async function refreshHealth(): Promise<void> {
  try {
    renderHealth(await client.health());
  } catch (error) {
    setField('health-status', 'health unknown', 'unknown', 'warn');
    byTestId('health-status').title = describeError(error);
  }
}

async function refreshAll(): Promise<void> {
  if (!client.controlled) {
    showConnection();
    return;
  }
  await Promise.all([refreshStats(), refreshEntries(), refreshHealth()]);
}

/** Runs `fn` at most once per `ms`, trailing: calls during the wait are merged into one. */
function throttle(fn: () => Promise<void>, ms: number): () => void {
  let timer = 0;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = window.setTimeout(() => {
      timer = 0;
      last = Date.now();
      void fn();
    }, wait);
  };
}

const statsSoon = throttle(refreshStats, STATS_THROTTLE_MS);
const entriesSoon = throttle(refreshEntries, ENTRIES_THROTTLE_MS);
const healthSoon = throttle(refreshHealth, ENTRIES_THROTTLE_MS);
let logRenderPending = false;

function onEvent(e: CacheEvent): void {
  log.unshift(e);
  if (log.length > MAX_LOG) log.length = MAX_LOG;
  if (e.type === 'hit' || e.type === 'miss') {
    const c = categoryOf(e.url);
    const counts = perCategory.get(c) ?? { hits: 0, misses: 0 };
    if (e.type === 'hit') counts.hits++;
    else counts.misses++;
    perCategory.set(c, counts);
    recentLookups.push({ at: e.at, hit: e.type === 'hit' });
  }
  if (e.type === 'stored' || e.type === 'evicted' || e.type === 'cleared') entriesSoon();
  if (e.type === 'error') healthSoon();
  if (client.controlled) statsSoon();
  // One redraw per batch: events of a batch are dispatched synchronously.
  if (!logRenderPending) {
    logRenderPending = true;
    queueMicrotask(() => {
      logRenderPending = false;
      renderLog();
      renderCategories();
    });
  }
}

// ----- start ------------------------------------------------------------------------------------

function wireControls(): void {
  byTestId('dash-refresh').addEventListener('click', () => void refreshAll());
  byTestId('entries-filter').addEventListener('input', renderEntries);
  byTestId('events-filter').addEventListener('change', renderLog);
  for (const th of byTestId('entries-table').querySelectorAll<HTMLTableCellElement>('th[data-sort]')) {
    th.querySelector('button')?.addEventListener('click', () => {
      const key = th.dataset.sort as SortKey;
      sort = sort.key === key ? { key, dir: sort.dir === 1 ? -1 : 1 } : { key, dir: key === 'url' || key === 'kind' ? 1 : -1 };
      renderEntries();
    });
  }
}

async function start(): Promise<void> {
  wireControls();
  renderLog();
  renderCategories();
  renderEntries();
  showConnection();
  client.on('*', onEvent);
  if (!('serviceWorker' in navigator)) {
    showMessage('Service workers are not available in this browser (or this page is not a secure context).', 'error');
    return;
  }
  if (!client.controlled) {
    showMessage('Waiting for the image-cache worker to control this page…');
    await client.ready();
  }
  showMessage(null);
  await refreshAll();
  navigator.serviceWorker.addEventListener('controllerchange', () => void refreshAll());
  setInterval(() => void refreshAll(), SAFETY_REFRESH_MS);
  setInterval(() => {
    // Local only: relative times, and a timeline point so the chart keeps moving.
    if (document.visibilityState !== 'visible') return;
    if (entriesAt > 0) renderEntries();
    samplePoint();
  }, TICK_MS);
}

void start().catch((error: unknown) => showMessage(describeError(error), 'error'));
