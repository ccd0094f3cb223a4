/**
 * The freshness lifetime a response declares (`freshness: "response"`), read by `lifetimeSeconds`
 * in `freshness.ts`. Its own module so the standalone `sw.js` leaves it out when no route uses it
 * (`build/workerBundle.ts`).
 * @module
 */
import type { Milliseconds, Seconds } from './types.ts';

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
