/**
 * Small HTTP rules the strategy applies to every response it produces: null-body statuses,
 * hop-by-hop headers, and the request headers that make a request conditional or partial.
 * Pure functions over `Headers` (no `self`, no `caches`).
 */

/**
 * Statuses whose response has no body (Fetch standard, "null body status": 101, 103, 204, 205,
 * 304). `new Response(body, { status })` throws a `TypeError` for these when `body` is not `null`,
 * so a response with one of these statuses is always rebuilt with a `null` body.
 */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);

/** Whether `status` is a null body status (see {@link NULL_BODY_STATUSES}). */
export function isNullBodyStatus(status: number): boolean {
  return NULL_BODY_STATUSES.has(status);
}

/**
 * Hop-by-hop header fields (RFC 9110 §7.6.1; RFC 9112 §7.1 `Transfer-Encoding`, §9.6
 * `Connection`, plus the historical `Keep-Alive`, `Proxy-Connection`): they describe one
 * connection and must not be replayed from a cache. Names listed in `Connection` are hop-by-hop too.
 */
export const HOP_BY_HOP_HEADERS: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Whether `headers` carries any hop-by-hop field (a few `has()` calls: cheap enough for a hit). */
export function hasHopByHop(headers: Headers): boolean {
  for (const name of HOP_BY_HOP_HEADERS) if (headers.has(name)) return true;
  return false;
}

/**
 * Deletes the hop-by-hop fields from `headers` (mutated in place): the fixed list and every field
 * named in `Connection` (RFC 9110 §7.6.1). Returns `headers`.
 */
export function stripHopByHop(headers: Headers): Headers {
  const connection = headers.get('connection');
  if (connection) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase();
      if (/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) headers.delete(name);
    }
  }
  for (const name of HOP_BY_HOP_HEADERS) headers.delete(name);
  return headers;
}

/**
 * Why a request from the page must go straight to the network, or `null`:
 * - `conditional`: it carries its own validators (`If-None-Match`, `If-Modified-Since`, `If-Match`,
 *   `If-Unmodified-Since`, `If-Range`; RFC 9110 §13.1): the page is revalidating a copy of its own,
 *   and the server's answer (often a bodiless `304`) is for that page alone, never shared or stored;
 * - `range`: it asks for part of the body (`Range`, RFC 9110 §14.2): a `206` is never stored.
 */
export function whyPassThrough(request: Request): 'conditional' | 'range' | null {
  const h = request.headers;
  if (h.has('if-none-match') || h.has('if-modified-since') || h.has('if-match') || h.has('if-unmodified-since') || h.has('if-range')) {
    return 'conditional';
  }
  if (h.has('range')) return 'range';
  return null;
}
