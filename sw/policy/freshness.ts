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

/**
 * Where an entry's freshness lifetime comes from (the `freshness` option):
 * - `config`: the route's `maxAgeSeconds`, whatever the response says;
 * - `response`: the response's own lifetime (RFC 9111 §4.2.1: `Cache-Control: max-age`, else
 *   `Expires` − `Date`, minus `Age`), capped by the route's `maxAgeSeconds`; a response without
 *   either gets the route's `maxAgeSeconds`.
 */
export type FreshnessSource = 'config' | 'response';

/**
 * The lifetime, in seconds, that makes an entry stale the moment it is stored: positive (so not
 * `0`, "never expires") yet too small to move `expiresAt` past `storedAt` (`now + 5e-321 === now`
 * for any epoch time in ms), so {@link isFresh} is false from the first lookup on. Used for
 * responses that say `no-cache`, `max-age=0`, or an `Expires` in the past: stored (for a
 * conditional refetch and offline use) but never served as fresh.
 */
export const STALE_AT_ONCE_SECONDS: Seconds = Number.MIN_VALUE;

/** Read access to response headers (a `Headers` object fits). */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The freshness lifetime a response declares for a private cache, in seconds (RFC 9111 §4.2.1),
 * or `null` when it declares none:
 * - `Cache-Control: no-cache` (any form) → `0` (stale at once; RFC 9111 §5.2.2.4);
 * - `Cache-Control: max-age=N` → `N` (the first occurrence; a malformed value → `0`, §4.2.1 lets a
 *   cache treat a conflicting or invalid directive as stale); `s-maxage` is for shared caches and
 *   is ignored (§5.2.2.10);
 * - else `Expires` − `Date` (`Date` absent: `nowMs`); an invalid `Expires` such as `0` is in the past
 *   (§5.3) → `0`;
 * and in each case minus the `Age` the response already has (§4.2.3, `Age` = seconds spent in caches
 * upstream), never below `0`.
 * @param headers The response's headers.
 * @param nowMs The time of receipt, ms since epoch (used when `Date` is absent).
 */
export function responseLifetimeSeconds(headers: HeaderSource, nowMs: Milliseconds): Seconds | null {
  const directives = parseCacheControl(headers.get('cache-control'));
  let lifetime: number | null = null;
  if (directives.has('no-cache')) lifetime = 0;
  else if (directives.has('max-age')) {
    const v = directives.get('max-age') ?? '';
    lifetime = /^\d+$/.test(v) ? Number(v) : 0;
  } else {
    const expires = headers.get('expires');
    if (expires !== null) {
      const expiresMs = Date.parse(expires);
      const dateHeader = headers.get('date');
      const dateMs = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
      lifetime = Number.isNaN(expiresMs) ? 0 : Math.max(0, (expiresMs - (Number.isNaN(dateMs) ? nowMs : dateMs)) / 1000);
    }
  }
  if (lifetime === null) return null;
  const age = Number(headers.get('age') ?? '0');
  return Math.max(0, lifetime - (Number.isFinite(age) && age > 0 ? age : 0));
}

/**
 * The directives of a `Cache-Control` field value (RFC 9111 §5.2), lower-cased names to values
 * (unquoted; `null` for a directive without a value). The first occurrence of a name wins.
 */
export function parseCacheControl(value: string | null): Map<string, string | null> {
  const out = new Map<string, string | null>();
  if (!value) return out;
  // Commas inside quoted values (no-cache="a, b") do not split directives.
  for (const m of value.matchAll(/([^=,\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?/g)) {
    const name = m[1]!.toLowerCase();
    if (out.has(name)) continue;
    const raw = m[2]?.trim();
    out.set(name, raw === undefined ? null : raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return out;
}

/** What {@link lifetimeSeconds} needs. */
export interface LifetimeInput {
  /** The route's freshness lifetime, in seconds; `0`: never expires (and no cap on a response's lifetime). */
  maxAgeSeconds: Seconds;
  /** Where the lifetime comes from. @default "config" */
  freshness?: FreshnessSource;
  /** The response's headers (only read with `freshness: "response"`); `null` when unknown (a warm-up). */
  headers?: HeaderSource | null;
  /** The time of receipt, ms since epoch. */
  nowMs: Milliseconds;
  /** Fraction (0..1) by which lifetimes are shortened at random (staggered TTL). @default 0 */
  maxAgeJitter?: number;
  /** A uniform random number in [0, 1), drawn by the caller (this code stays pure). @default 0 */
  random?: number;
}

/**
 * The freshness lifetime of an entry being stored, in seconds (what `PutOptions.maxAgeSeconds`
 * and `ImageCache.refresh` take; `0` = never expires):
 * 1. the base: the route's `maxAgeSeconds`, or with `freshness: "response"` the response's own
 *    lifetime ({@link responseLifetimeSeconds}) capped by `maxAgeSeconds` (when that is > 0); a
 *    response lifetime of `0` gives {@link STALE_AT_ONCE_SECONDS};
 * 2. staggered TTL: a positive, finite base is multiplied by `1 − maxAgeJitter × random` and rounded
 *    to whole milliseconds (at least 1 ms), so entries stored together (a warm-up, a map area) do
 *    not all expire, and revalidate, in the same second. `maxAgeJitter = 0` leaves it unchanged; a
 *    never-expiring or stale-at-once lifetime is never jittered.
 */
export function lifetimeSeconds(input: LifetimeInput): Seconds {
  const { maxAgeSeconds, nowMs } = input;
  let base = maxAgeSeconds;
  if (input.freshness === 'response' && input.headers) {
    const declared = responseLifetimeSeconds(input.headers, nowMs);
    if (declared !== null) base = maxAgeSeconds > 0 ? Math.min(declared, maxAgeSeconds) : declared;
    if (base === 0) return STALE_AT_ONCE_SECONDS;
  }
  const jitter = input.maxAgeJitter ?? 0;
  if (base <= 0 || jitter <= 0) return base;
  const r = input.random ?? 0;
  return Math.max(1, Math.round(base * 1000 * (1 - jitter * r))) / 1000;
}

/**
 * Whether an entry expiring at `expiresAt` is inside its stale-while-revalidate window at `nowMs`
 * (RFC 5861 §3): expired (`nowMs ≥ expiresAt`) and `nowMs < expiresAt + staleWhileRevalidateSeconds
 * × 1000`. Inside it, the stale body is served at once and revalidated in the background.
 * `staleWhileRevalidateSeconds = 0` (the default) disables the window; a never-expiring entry has none.
 */
export function isWithinStaleWhileRevalidate(expiresAt: Milliseconds, nowMs: Milliseconds, staleWhileRevalidateSeconds: Seconds): boolean {
  return (
    staleWhileRevalidateSeconds > 0 &&
    Number.isFinite(expiresAt) &&
    nowMs >= expiresAt &&
    nowMs < expiresAt + staleWhileRevalidateSeconds * 1000
  );
}
