/**
 * Why a response may not be stored, as the `detail` of its `Cache-Status` (RFC 9211 §2.8).
 * `null` means storable. `empty`: a 200 with an empty body (`Content-Length: 0`, or a body read
 * as 0 bytes) is passed through, never stored (an empty image is a server fault, not an image).
 * `busy`: the bodies already waiting to be stored add up to `maxPendingBytes`, so this one is
 * served but not stored (worker memory stays bounded during a burst of misses).
 * `superseded`: another store of the same URL (a page's miss and a capture or warm-up of it at
 * once) reserved after this one while its body was being written; the later one is the entry.
 */
export type NotStorableReason =
  | 'opaque'
  | 'status'
  | 'not-image'
  | 'no-store'
  | 'vary-star'
  | 'too-large'
  | 'length-mismatch'
  | 'quota'
  | 'write-failed'
  | 'superseded'
  | 'empty'
  | 'busy';

/**
 * Decides from status and headers alone whether a network response may be stored (the body's
 * length is checked later, once read). A response is stored only if it is:
 * - not opaque (`type !== 'opaque'`, [Fetch §4.3](https://fetch.spec.whatwg.org/#concept-filtered-response-opaque));
 * - status 200;
 * - an image (`Content-Type: image/*`);
 * - not `Cache-Control: no-store` (RFC 9111 §5.2.2.5);
 * - not `Vary: *` (RFC 9110 §12.5.5: it can never match a later request);
 * - not declared empty (`Content-Length: 0`).
 * @param response A `Response`, or its type, status and headers (a body already read).
 * @param maxEntryBytes A `Content-Length` above this is rejected at once as `too-large`.
 */
export function whyNotStorable(
  response: { readonly type: ResponseType; readonly status: number; readonly headers: Headers },
  maxEntryBytes: number,
): NotStorableReason | null {
  if (response.type === 'opaque' || response.type === 'opaqueredirect') return 'opaque';
  if (response.status !== 200) return 'status';
  const type = response.headers.get('content-type') ?? '';
  if (!/^\s*image\//i.test(type)) return 'not-image';
  const cc = response.headers.get('cache-control');
  if (cc && /(^|,)\s*no-store\s*(,|$)/i.test(cc)) return 'no-store';
  const vary = response.headers.get('vary');
  if (vary && vary.split(',').some((v) => v.trim() === '*')) return 'vary-star';
  const length = declaredLength(response.headers);
  if (length === 0) return 'empty';
  if (length !== null && length > maxEntryBytes) return 'too-large';
  return null;
}

/**
 * The body length a response declares (`Content-Length`), or `null` when absent, malformed, or
 * not comparable with the decoded body: with a `Content-Encoding` (gzip, br, …) the header counts
 * the encoded bytes, while `fetch()` hands the worker the decoded body (RFC 9110 §8.6).
 */
export function declaredLength(headers: Headers): number | null {
  const encoding = headers.get('content-encoding');
  if (encoding && encoding.trim().toLowerCase() !== 'identity') return null;
  const raw = headers.get('content-length');
  if (raw === null || !/^\s*\d+\s*$/.test(raw)) return null;
  return Number(raw);
}
