import { isNullBodyStatus, stripHopByHop } from './http.ts';

/** The cache name used in every `Cache-Status` header we write (RFC 9211 §2). */
export const CACHE_STATUS_NAME = 'sw-image-cache';
/** `Cache-Status` member of a hit (RFC 9211), stored with each body by `storedResponseHeaders`. */
export const HIT_CACHE_STATUS = 'sw-image-cache; hit';
/** `Server-Timing` entry of a hit, stored with each body (no duration: nothing is timed on a hit). */
export const HIT_SERVER_TIMING = 'sw-image-cache;desc="hit"';

/**
 * Builds a `Cache-Status` member (RFC 9211 §2) for this cache, e.g.
 * `cacheStatus('hit', { ttl: 3600 })` → `sw-image-cache; hit; ttl=3600`, or
 * `cacheStatus('fwd=miss', { stored: true })` → `sw-image-cache; fwd=miss; stored`.
 * @param first `hit` or `fwd=<reason>` (`miss`, `stale`, `bypass`, `vary-miss`, `uri-miss`, …; §2.2).
 * @param params `ttl` (seconds of freshness left, §2.6), `fwd-status` (§2.3), `stored` (§2.5),
 *   `collapsed` (§2.7), `detail` (a token saying why, §2.8).
 */
export function cacheStatus(
  first: 'hit' | `fwd=${string}`,
  params: { ttl?: number; fwdStatus?: number; stored?: boolean; collapsed?: boolean; detail?: string } = {},
): string {
  let s = `${CACHE_STATUS_NAME}; ${first}`;
  if (params.fwdStatus !== undefined) s += `; fwd-status=${params.fwdStatus}`;
  if (params.ttl !== undefined && Number.isFinite(params.ttl)) s += `; ttl=${Math.max(0, Math.floor(params.ttl))}`;
  if (params.stored) s += '; stored';
  if (params.collapsed) s += '; collapsed';
  if (params.detail) s += `; detail=${params.detail}`;
  return s;
}

/**
 * Splits a `Cache-Status` field value into its list members (RFC 9211 §2 is an RFC 8941 List:
 * comma-separated, with commas allowed inside quoted strings such as `detail="a, b"`).
 */
export function cacheStatusMembers(value: string | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((m) => m !== '');
}

/** Whether a list member is one of ours (its cache name is {@link CACHE_STATUS_NAME}). */
function isOurs(member: string): boolean {
  const name = member.split(';', 1)[0]!.trim();
  return name === CACHE_STATUS_NAME || name === `"${CACHE_STATUS_NAME}"`;
}

/**
 * The `Cache-Status` value with `ours` appended after the members of caches further from the
 * user (a CDN's `ExampleCDN; hit; ttl=300`), which are kept in order: the last member is the
 * cache closest to the user (RFC 9211 §2). Members of our own from an earlier pass (a stored
 * hit's) are replaced, never repeated.
 * @param existing The field as received (`null` when absent).
 * @param ours Our member, from {@link cacheStatus}.
 */
export function appendCacheStatus(existing: string | null, ours: string): string {
  const upstream = cacheStatusMembers(existing).filter((m) => !isOurs(m));
  upstream.push(ours);
  return upstream.join(', ');
}

/** `Server-Timing` with our entry (if any) replaced by `entry`; the server's entries are kept. */
export function withServerTiming(existing: string | null, entry: string | null): string | null {
  const others = (existing ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '' && !m.startsWith(CACHE_STATUS_NAME));
  if (entry) others.push(entry);
  return others.length ? others.join(', ') : null;
}

/** What {@link withCacheStatus} adds besides `Cache-Status`. */
export interface Decoration {
  /** Time spent in the worker, for `Server-Timing: sw-image-cache;dur=<ms>;desc="<outcome>"`. */
  timing?: { durMs: number; desc: string };
  /** Headers to set (a `null` value deletes the header). */
  set?: Record<string, string | null>;
}

/**
 * A copy of `response` for the page, with:
 * - our `Cache-Status` member appended to the upstream ones (see {@link appendCacheStatus});
 * - a `Server-Timing` entry (`sw-image-cache;dur=<ms in the worker>;desc="<outcome>"`, W3C Server
 *   Timing) when `timing` is given, so DevTools' Network panel shows what the worker did;
 * - hop-by-hop headers removed (RFC 9110 §7.6.1: `Connection`, `Keep-Alive`, …);
 * - the status and status text as received; a null body status (204, 205, 304, …) keeps a `null`
 *   body, since the `Response` constructor throws for any other (Fetch standard).
 * Responses from `fetch()` and `Cache.match()` have immutable headers, hence the copy; the body is
 * passed through as a stream, not read. Opaque and error responses cannot carry headers we add:
 * returned unchanged.
 */
export function withCacheStatus(response: Response, status: string, decoration: Decoration = {}): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.type === 'error') return response;
  const headers = stripHopByHop(new Headers(response.headers));
  headers.set('Cache-Status', appendCacheStatus(headers.get('cache-status'), status));
  const timing = decoration.timing;
  const serverTiming = withServerTiming(
    headers.get('server-timing'),
    timing ? `${CACHE_STATUS_NAME};dur=${timing.durMs.toFixed(2)};desc="${timing.desc}"` : null,
  );
  if (serverTiming) headers.set('Server-Timing', serverTiming);
  else headers.delete('Server-Timing');
  for (const [name, value] of Object.entries(decoration.set ?? {})) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  const body = isNullBodyStatus(response.status) ? null : response.body;
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
