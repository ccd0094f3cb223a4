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

/**
 * Builds the health report. `failed` when the index cannot load (images then go to the network
 * unchanged); `degraded` on recent errors, failed warm-up URLs, or a budget clamped by the quota;
 * `ok` otherwise.
 */
export async function healthReport(
  cache: ImageCache,
  errors: ErrorLog,
  warmup: { failed: number } | null,
  estimate: () => Promise<{ usage?: number; quota?: number } | null>,
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
  const storage = await estimate().catch(() => null);
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
    storage: storage && typeof storage.quota === 'number' ? { usage: storage.usage ?? 0, quota: storage.quota } : null,
    effectiveMaxBytes: stats.effectiveMaxBytes,
    maxBytes: stats.maxBytes,
    mutationTimeouts: cache.mutationTimeouts,
    recentErrors: { count: recent.length, last: recent.slice(-5) },
    warmup: warmup ? { ...warmup } : null,
    at: now,
  };
}
