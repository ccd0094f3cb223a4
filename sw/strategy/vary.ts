/**
 * `Vary` for image routes (RFC 9111 §4.1), decided as follows:
 * - `Accept` and `Accept-Encoding` are ignored. A browser sends one `Accept` for every `<img>`,
 *   CSS image and `new Image()` (Chromium: `image/avif,image/webp,image/apng,image/svg+xml,image/*,*\/*;q=0.8`),
 *   so honouring `Vary: Accept` would only split entries between `<img>` and `fetch()` callers of the
 *   same URL; and `fetch()` hands the worker decoded bodies, so `Accept-Encoding` never selects a
 *   different body here (the page cannot set it either: a forbidden request header).
 * - Every other header named in `Vary` is honoured: the request's values of those headers are
 *   stored with the body (header `X-SW-Image-Cache-Vary`, a JSON object name → value or `null`),
 *   and a later request whose values differ is not served that body: it is forwarded
 *   (`fwd=vary-miss`) and its response replaces the entry (one variant per URL is kept).
 * - `Vary: *` is never stored (see `whyNotStorable`: `detail=vary-star`).
 * The Cache API's own `Vary` matching does not apply: bodies are stored and matched by their URL
 * alone, with no request headers.
 */

/** Header of a stored body: the request's values of the headers its response varies on. */
export const VARY_HEADER = 'X-SW-Image-Cache-Vary';

/** Request headers `Vary` is not matched on (see the module comment). */
export const IGNORED_VARY_HEADERS: ReadonlySet<string> = new Set(['accept', 'accept-encoding']);

/** The header names a response varies on that are honoured (lower case, `*` excluded), in order. */
export function varyNames(responseHeaders: Headers): string[] {
  const vary = responseHeaders.get('vary');
  if (!vary) return [];
  const names = vary
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter((n) => n !== '' && n !== '*' && !IGNORED_VARY_HEADERS.has(n));
  return [...new Set(names)];
}

/**
 * The value of {@link VARY_HEADER} to store with a response to `request`, or `null` when the
 * response varies on nothing honoured.
 */
export function varyRecord(request: Request, responseHeaders: Headers): string | null {
  const names = varyNames(responseHeaders);
  if (names.length === 0) return null;
  const values: Record<string, string | null> = {};
  for (const name of names) values[name] = request.headers.get(name);
  return JSON.stringify(values);
}

/**
 * Whether a stored body may answer `request` (RFC 9111 §4.1): every honoured header its response
 * varies on has the same value in `request` as in the request it was stored for (absent matches
 * only absent). A stored body without {@link VARY_HEADER} varies on nothing honoured: it matches.
 * A malformed record matches nothing.
 */
export function varyMatches(storedHeaders: Headers, request: Request): boolean {
  const stored = storedHeaders.get(VARY_HEADER);
  if (stored === null) return true;
  let values: Record<string, unknown>;
  try {
    values = JSON.parse(stored) as Record<string, unknown>;
  } catch {
    return false;
  }
  if (typeof values !== 'object' || values === null) return false;
  for (const [name, value] of Object.entries(values)) {
    if (request.headers.get(name) !== value) return false;
  }
  return true;
}
