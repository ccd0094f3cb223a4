import type { HealthReport } from '../protocol.ts';
import type { ImageCache } from '../storage/ImageCache.ts';

/** Errors remembered for the health report: the last ones within `windowMs`. */
export class ErrorLog {
  readonly #windowMs: number;
  readonly #keep: number;
  #errors: Array<{ at: number; operation: string; message: string }> = [];

  /** @param windowMs How long an error counts as recent, in ms. @default 300000 (5 min) @param keep How many are kept. @default 20 */
  constructor(windowMs = 5 * 60_000, keep = 20) {
    this.#windowMs = windowMs;
    this.#keep = keep;
  }

  add(at: number, operation: string, message: string): void {
    this.#errors.push({ at, operation, message });
    if (this.#errors.length > this.#keep) this.#errors.shift();
  }

  /** Errors within the window before `nowMs`. */
  recent(nowMs: number): Array<{ at: number; operation: string; message: string }> {
    return this.#errors.filter((e) => nowMs - e.at <= this.#windowMs);
  }
}

/** The worker's `navigator.storage`, where the engine has one (WebKitGTK 2.50 has none by default). */
function workerStorageManager(): { estimate?: unknown } | undefined {
  return (globalThis as { navigator?: { storage?: { estimate?: unknown } } }).navigator?.storage;
}

/**
 * Builds the health report. `failed` when the index cannot load (images then go to the network
 * unchanged); `degraded` on recent errors, failed warm-up URLs, or a budget clamped by the quota;
 * `ok` otherwise.
 *
 * An engine without `navigator.storage.estimate()` (WebKitGTK 2.50 ships the Storage API off) is
 * not an error: the report says `storageEstimate: 'unsupported'`, `storage: null`, and the budget
 * stays `maxBytes` (the quota clamp has nothing to clamp to), with status `ok`.
 *
 * @param estimate reads the storage estimate (bytes); `null` or a rejection when it cannot.
 * @param storageManager the worker's `navigator.storage`, to tell "unsupported" from "failed".
 *   @default the global `navigator.storage`
 */
export async function healthReport(
  cache: ImageCache,
  errors: ErrorLog,
  warmup: { failed: number } | null,
  estimate: () => Promise<{ usage?: number; quota?: number } | null>,
  storageManager: { estimate?: unknown } | undefined = workerStorageManager(),
): Promise<HealthReport> {
  const now = cache.now();
  let indexLoaded = true;
  let lastRecovery: Record<string, unknown> | null = null;
  try {
    lastRecovery = { ...(await cache.ready()) };
  } catch (e) {
    indexLoaded = false;
    lastRecovery = { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  const supported = typeof storageManager?.estimate === 'function';
  const storage = supported ? await estimate().catch(() => null) : null;
  const known = storage !== null && typeof storage.quota === 'number';
  const stats = cache.stats();
  const recent = errors.recent(now);
  const status: HealthReport['status'] = !indexLoaded
    ? 'failed'
    : recent.length > 0 || (warmup?.failed ?? 0) > 0 || stats.effectiveMaxBytes < stats.maxBytes
      ? 'degraded'
      : 'ok';
  return {
    status,
    indexLoaded,
    lastRecovery,
    storage: known ? { usage: storage.usage ?? 0, quota: storage.quota! } : null,
    storageEstimate: !supported ? 'unsupported' : known ? 'supported' : 'failed',
    effectiveMaxBytes: stats.effectiveMaxBytes,
    maxBytes: stats.maxBytes,
    mutationTimeouts: cache.mutationTimeouts,
    recentErrors: { count: recent.length, last: recent.slice(-5) },
    warmup: warmup ? { ...warmup } : null,
    index: indexLoaded && cache.indexLoad ? { ...cache.indexLoad } : null,
    at: now,
  };
}
