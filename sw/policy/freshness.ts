import type { Milliseconds, Removal, Seconds } from './types.ts';

/**
 * Freshness math (RFC 9111 §4.2): the one place where seconds become milliseconds.
 *
 * An entry stored at `storedAtMs` with a freshness lifetime of `maxAgeSeconds` expires at
 * `storedAtMs + maxAgeSeconds * 1000`; it is fresh while `nowMs < expiresAtMs` (at exactly
 * `expiresAtMs` it is stale). `maxAgeSeconds = 0` disables the age limit: the entry never expires
 * (`expiresAtMs = Infinity`).
 */
export function expiresAtMs(storedAtMs: Milliseconds, maxAgeSeconds: Seconds): Milliseconds {
  return maxAgeSeconds > 0 ? storedAtMs + maxAgeSeconds * 1000 : Number.POSITIVE_INFINITY;
}

/** Whether an entry expiring at `expiresAt` (ms since epoch) is fresh at `nowMs`. */
export function isFresh(expiresAt: Milliseconds, nowMs: Milliseconds): boolean {
  return nowMs < expiresAt;
}

/** Current age of an entry in whole seconds (RFC 9111 §5.1 `Age`), never negative. */
export function ageSeconds(storedAtMs: Milliseconds, nowMs: Milliseconds): Seconds {
  return Math.max(0, Math.floor((nowMs - storedAtMs) / 1000));
}

/**
 * The entries that are expired at `nowMs`, as removals with reason `expire`, in input order.
 * @param entries Anything with a `key` (or `url`) and `expiresAt` in ms since epoch.
 */
export function findExpired(
  entries: Iterable<{ key: string; expiresAt: Milliseconds }>,
  nowMs: Milliseconds,
): Removal[] {
  const out: Removal[] = [];
  for (const e of entries) if (!isFresh(e.expiresAt, nowMs)) out.push({ key: e.key, reason: 'expire' });
  return out;
}

/**
 * Rebuilds recency order from persisted access times (on wake): least recently used first.
 * Accesses within the same millisecond are ordered by `accessSeq` (a counter that increases on
 * every store and hit), then by `storedAt`, then by key, so the order is deterministic.
 */
export function recencyOrder<
  T extends { key: string; lastAccessedAt: Milliseconds; storedAt: Milliseconds; accessSeq?: number },
>(entries: readonly T[]): T[] {
  return [...entries].sort(
    (a, b) =>
      a.lastAccessedAt - b.lastAccessedAt ||
      (a.accessSeq ?? 0) - (b.accessSeq ?? 0) ||
      a.storedAt - b.storedAt ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/**
 * Whether a stale entry is past its grace period and is dropped (RFC 9111 §4.2.4 lets a cache keep
 * and serve stale responses when disconnected; RFC 5861 `stale-if-error` bounds how long). An
 * entry expiring at `expiresAt` is dropped from `expiresAt + maxStaleSeconds * 1000` on (at exactly
 * that instant, it is dropped). `maxStaleSeconds = 0` keeps stale entries until they are evicted.
 */
export function isPastStaleGrace(expiresAt: Milliseconds, nowMs: Milliseconds, maxStaleSeconds: Seconds): boolean {
  return maxStaleSeconds > 0 && Number.isFinite(expiresAt) && nowMs >= expiresAt + maxStaleSeconds * 1000;
}

/**
 * Clock sanity (DESIGN.md §4, invariant 3): no record is trusted beyond `now + maxAgeSeconds` of its
 * route. A `storedAt` in the future (a clock rolled back, a corrupt record) becomes `nowMs`, and
 * `expiresAt` is capped at `nowMs + maxAgeSeconds * 1000`. Records of normal clocks are returned
 * unchanged (their `expiresAt` is `storedAt + maxAgeSeconds * 1000 ≤ nowMs + maxAgeSeconds * 1000`);
 * a route whose `maxAgeSeconds` was lowered caps older, longer-lived entries too.
 * `maxAgeSeconds = 0` (never expires) caps nothing but `storedAt`.
 * @returns the same object when nothing changed, else a capped copy.
 */
export function capFreshness<T extends { storedAt: Milliseconds; expiresAt: Milliseconds }>(
  record: T,
  nowMs: Milliseconds,
  maxAgeSeconds: Seconds,
): T {
  const storedAt = Math.min(record.storedAt, nowMs);
  const expiresAt = maxAgeSeconds > 0 ? Math.min(record.expiresAt, expiresAtMs(nowMs, maxAgeSeconds)) : record.expiresAt;
  if (storedAt === record.storedAt && expiresAt === record.expiresAt) return record;
  return { ...record, storedAt, expiresAt };
}
