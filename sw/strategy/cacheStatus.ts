/** The cache name used in every `Cache-Status` header we write (RFC 9211 §2). */
export const CACHE_STATUS_NAME = 'sw-image-cache';

/**
 * Builds a `Cache-Status` member (RFC 9211 §2) for this cache, e.g.
 * `cacheStatus('hit', { ttl: 3600 })` → `sw-image-cache; hit; ttl=3600`, or
 * `cacheStatus('fwd=miss', { stored: true })` → `sw-image-cache; fwd=miss; stored`.
 * @param first `hit` or `fwd=<reason>` (`miss`, `stale`, `bypass`, `uri-miss`, …; §2.2).
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
 * A copy of `response` with a `Cache-Status` header added, and a `Server-Timing` entry
 * (`sw-image-cache;dur=<ms in the worker>;desc="<outcome>"`, W3C Server Timing) when `timing` is
 * given, so DevTools' Network panel shows what the worker did and how long it took. Responses from
 * `fetch()` and `Cache.match()` have immutable headers, hence the copy; the body is passed through
 * as a stream, not read. Opaque responses cannot carry headers we add: returned unchanged.
 */
export function withCacheStatus(
  response: Response,
  status: string,
  timing?: { durMs: number; desc: string },
): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.type === 'error') return response;
  const headers = new Headers(response.headers);
  headers.set('Cache-Status', status);
  // Replace our own Server-Timing entry (a stored body carries the hit's), keep the server's.
  const others = (headers.get('Server-Timing') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '' && !m.startsWith(CACHE_STATUS_NAME));
  if (timing) others.push(`${CACHE_STATUS_NAME};dur=${timing.durMs.toFixed(2)};desc="${timing.desc}"`);
  if (others.length) headers.set('Server-Timing', others.join(', '));
  else headers.delete('Server-Timing');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
