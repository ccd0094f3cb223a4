import { responseLifetimeSeconds, type HeaderSource } from './responseLifetimeSeconds.ts';
import type { Milliseconds, Removal, Seconds } from './types.ts';

export type { HeaderSource };

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
 * {@link capFreshness} that asks a record's route for its `maxAgeSeconds` only when the cap could
 * change the record. `floorSeconds` is a lower bound of every route's `maxAgeSeconds` other than
 * `0` (`Infinity` when every route's is `0`): a record stored by then (`storedAt ≤ nowMs`) and
 * expiring by `nowMs + floorSeconds * 1000` is within every route's cap, so it is returned as it
 * is without calling `maxAgeSecondsOf` (a route match per record: on a wake of 100,000 entries,
 * a pattern test each). `floorSeconds = 0` (no bound known) asks for every record.
 * @returns the same object when nothing changed, else a capped copy (as {@link capFreshness}).
 */
export function capFreshnessWithin<T extends { storedAt: Milliseconds; expiresAt: Milliseconds }>(
  record: T,
  nowMs: Milliseconds,
  floorSeconds: Seconds,
  maxAgeSecondsOf: (record: T) => Seconds,
): T {
  if (record.storedAt <= nowMs && record.expiresAt <= trustedUntilMs(nowMs, floorSeconds)) return record;
  return capFreshness(record, nowMs, maxAgeSecondsOf(record));
}

/**
 * The latest `expiresAt`, in ms since epoch, that {@link capFreshnessWithin} returns unchanged
 * without asking the route (for a record stored by `nowMs`): `nowMs + floorSeconds * 1000`, or
 * `-Infinity` when no floor is known (`floorSeconds = 0`: every record is asked).
 */
export function trustedUntilMs(nowMs: Milliseconds, floorSeconds: Seconds): Milliseconds {
  return floorSeconds > 0 ? nowMs + floorSeconds * 1000 : Number.NEGATIVE_INFINITY;
}

/** What clock sanity looks at in a record: its key (for its route), and its times in ms since epoch. */
export interface TimedRecord {
  url: string;
  storedAt: Milliseconds;
  expiresAt: Milliseconds;
}

/**
 * Clock sanity as one function of a record and the time ({@link capFreshnessWithin} with its
 * route's `maxAgeSeconds` and the floor bound in): the record itself, or a capped copy. Built once
 * by the cache; recovery, the wake from the snapshot and every read apply the same one.
 */
export interface ClockSanity {
  <T extends TimedRecord>(record: T, nowMs: Milliseconds): T;
  /**
   * {@link trustedUntilMs} of this function's floor: a record stored by `nowMs` and expiring by
   * `trustedUntil(nowMs)` is returned as it is, so a caller going over many records may skip the
   * call for those (the wake from the snapshot does). Absent: unknown (every record is asked).
   */
  readonly trustedUntil?: (nowMs: Milliseconds) => Milliseconds;
}

/** A {@link ClockSanity} for routes of `maxAgeSecondsOf(record)` seconds, none shorter than `floorSeconds` (`0`: unknown). */
export function clockSanity(maxAgeSecondsOf: (record: TimedRecord) => Seconds, floorSeconds: Seconds): ClockSanity {
  return Object.assign(<T extends TimedRecord>(record: T, nowMs: Milliseconds): T => capFreshnessWithin(record, nowMs, floorSeconds, maxAgeSecondsOf), {
    trustedUntil: (nowMs: Milliseconds) => trustedUntilMs(nowMs, floorSeconds),
  });
}

/**
 * Clock sanity without routes (an `ImageCache` built without `maxAgeSecondsFor`): a record's own
 * lifetime (`expiresAt - storedAt`; `0` when it never expires) is its cap. A record stored by
 * `nowMs` is within it whatever its expiry (`nowMs + lifetime ≥ storedAt + lifetime = expiresAt`),
 * so the floor is `Infinity`: {@link ClockSanity.trustedUntil} is `Infinity` and a wake skips every
 * such record; only a `storedAt` in the future is capped (to `nowMs`, its expiry to `nowMs` plus
 * its lifetime).
 */
export function ownLifetimeSanity(): ClockSanity {
  return clockSanity((r) => (Number.isFinite(r.expiresAt) ? Math.max(0, r.expiresAt - r.storedAt) / 1000 : 0), Number.POSITIVE_INFINITY);
}

/**
 * The floor for {@link clockSanity}: the shortest of the routes' `maxAgeSeconds` other than `0`,
 * in seconds; `Infinity` when every one is `0` (never expires: nothing to cap but `storedAt`).
 */
export function lifetimeFloorSeconds(maxAgeSeconds: readonly Seconds[]): Seconds {
  return Math.min(...maxAgeSeconds.filter((s) => s > 0));
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
