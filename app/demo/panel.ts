/**
 * The "Image cache" panel: live numbers from the worker's `GET /__image-cache/stats`, polled
 * every 2 s while the page is visible and shortly after bursts of image loads. When the page is
 * not controlled, the endpoint would reach the server (404), so it shows "not controlled yet".
 * @internal Demo only.
 */
import { formatBytes, formatCount, formatPercent } from './format.ts';

/** The worker's virtual endpoints (the registration scope is `/`). */
export const STATS_URL = '/__image-cache/stats';
export const CLEAR_URL = '/__image-cache/clear';
const POLL_MS = 2_000;
/** Quiet time after the last image load before refreshing. */
const BURST_DEBOUNCE_MS = 400;

/** The fields the panel shows (the endpoint may send more). */
export interface CacheStats {
  hits: number;
  misses: number;
  hitRate: number;
  bytesUsed: number;
  maxBytes: number;
  entries: number;
  maxEntries?: number | null;
  evictions: number;
  expirations: number;
  peakBytes: number;
}

const isControlled = (): boolean => navigator.serviceWorker?.controller != null;

export class CachePanel {
  private timer = 0;
  private debounce = 0;
  private inFlight = false;
  private readonly fields = new Map<string, HTMLElement>();

  /** @param root the panel; its fields are found by `data-testid="stat-…"`. */
  constructor(private readonly root: HTMLElement) {
    for (const node of root.querySelectorAll<HTMLElement>('[data-testid^="stat-"]')) {
      this.fields.set(node.dataset.testid!, node);
    }
    const toggle = root.querySelector<HTMLButtonElement>('[data-testid="cache-panel-toggle"]');
    // On a phone the full panel would cover the page: start collapsed there.
    if (matchMedia('(max-width: 560px)').matches) {
      root.classList.add('collapsed');
      toggle?.setAttribute('aria-expanded', 'false');
    }
    toggle?.addEventListener('click', () => {
      const collapsed = root.classList.toggle('collapsed');
      toggle.setAttribute('aria-expanded', String(!collapsed));
    });
    const clear = root.querySelector('[data-testid="cache-clear"]');
    clear?.addEventListener('click', () => void this.clear());

    // The layout keeps the drivers column clear of the panel using its height.
    new ResizeObserver(() => {
      document.documentElement.style.setProperty('--panel-h', `${root.offsetHeight}px`);
    }).observe(root);

    document.addEventListener('visibilitychange', () => this.schedulePolling());
    const refreshNow = (): void => void this.refresh();
    addEventListener('online', refreshNow);
    addEventListener('offline', refreshNow);
    navigator.serviceWorker?.addEventListener('controllerchange', refreshNow);
    addEventListener('sw-image-cache:controlled', refreshNow);
    this.schedulePolling();
  }

  /** Refreshes once the current burst of image loads has been quiet for a moment. */
  refreshSoon(): void {
    clearTimeout(this.debounce);
    this.debounce = window.setTimeout(() => void this.refresh(), BURST_DEBOUNCE_MS);
  }

  /** Reads the stats now (unless a read is already under way) and redraws. */
  async refresh(): Promise<void> {
    this.showStatus();
    if (!isControlled() || this.inFlight) return;
    this.inFlight = true;
    try {
      const res = await fetch(STATS_URL, { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.showStats((await res.json()) as CacheStats);
      this.set('stat-status', 'live', '');
    } catch (error) {
      this.set('stat-status', `stats unavailable (${(error as Error).message})`, 'error');
    } finally {
      this.inFlight = false;
    }
  }

  private schedulePolling(): void {
    clearInterval(this.timer);
    if (document.visibilityState === 'visible') {
      this.timer = window.setInterval(() => void this.refresh(), POLL_MS);
      void this.refresh();
    }
  }

  private async clear(): Promise<void> {
    if (!isControlled()) return;
    try {
      await fetch(CLEAR_URL, { method: 'POST' });
    } finally {
      await this.refresh();
    }
  }

  private showStatus(): void {
    const controlled = isControlled();
    const online = navigator.onLine;
    this.set('stat-controlled', controlled ? 'controlled' : 'not controlled', controlled ? 'ok' : 'warn');
    this.set('stat-online', online ? 'online' : 'offline', online ? 'ok' : 'warn');
    this.root.classList.toggle('is-controlled', controlled);
    const clear = this.root.querySelector<HTMLButtonElement>('[data-testid="cache-clear"]');
    if (clear) clear.disabled = !controlled;
    if (!controlled) {
      this.set('stat-hit-rate-mini', '', '');
      const supported = 'serviceWorker' in navigator;
      this.set('stat-status', supported ? 'not controlled yet' : 'service workers unavailable', 'warn');
    }
  }

  private showStats(s: CacheStats): void {
    const lookups = (s.hits ?? 0) + (s.misses ?? 0);
    const hitRate = typeof s.hitRate === 'number' ? s.hitRate : lookups > 0 ? s.hits / lookups : 0;
    this.set('stat-hit-rate', lookups > 0 ? formatPercent(hitRate) : '–', '', hitRate);
    this.set('stat-hit-rate-mini', lookups > 0 ? formatPercent(hitRate) : '', '', hitRate);
    this.set('stat-hits', formatCount(s.hits), '', s.hits);
    this.set('stat-misses', formatCount(s.misses), '', s.misses);
    this.set('stat-bytes-used', formatBytes(s.bytesUsed), '', s.bytesUsed);
    this.set('stat-max-bytes', formatBytes(s.maxBytes), '', s.maxBytes);
    this.set('stat-peak-bytes', formatBytes(s.peakBytes), '', s.peakBytes);
    const entries = formatCount(s.entries);
    const maxEntries = s.maxEntries ? ` / ${formatCount(s.maxEntries)}` : '';
    this.set('stat-entries', entries + maxEntries, '', s.entries);
    this.set('stat-evictions', formatCount(s.evictions), '', s.evictions);
    this.set('stat-expirations', formatCount(s.expirations), '', s.expirations);
    const bar = this.fields.get('stat-bytes-bar');
    if (bar) {
      const used = s.maxBytes > 0 ? Math.min(1, s.bytesUsed / s.maxBytes) : 0;
      bar.style.setProperty('--used', `${(used * 100).toFixed(2)}%`);
      bar.setAttribute('aria-valuenow', String(Math.round(used * 100)));
      bar.classList.toggle('high', used > 0.9);
    }
  }

  /**
   * Sets a field's text; `data-value` holds the raw number (for tests) and `data-state` a tone.
   */
  private set(testId: string, text: string, state: string, value?: number): void {
    const node = this.fields.get(testId);
    if (!node) return;
    if (node.textContent !== text) node.textContent = text;
    if (state) node.dataset.state = state;
    else delete node.dataset.state;
    if (value !== undefined && Number.isFinite(value)) node.dataset.value = String(value);
  }
}
