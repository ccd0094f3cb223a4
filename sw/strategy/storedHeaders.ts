import type { EntryRecord } from '../storage/EntryMetadataModel.ts';
import { EXPIRES_HEADER, STORED_HEADER } from '../storage/ImageCache.ts';
import { appendCacheStatus, HIT_CACHE_STATUS, HIT_SERVER_TIMING, withServerTiming } from './cacheStatus.ts';
import { stripHopByHop } from './http.ts';

/**
 * The headers a body is stored with, for the `storedHeaders` option of `ImageCache`: the
 * network's end-to-end headers, plus what a hit must say, so that a hit is served exactly as Cache
 * Storage returns it, with no `Response` rebuilt (rebuilding makes Chromium pump the body through
 * the worker, about twice as slow for a 3 MB image):
 * - hop-by-hop fields removed (`Connection`, `Keep-Alive`, `Transfer-Encoding`, `TE`, `Trailer`,
 *   `Upgrade`, `Proxy-*`, and any field named in `Connection`; RFC 9110 §7.6.1): they described
 *   the connection the body came on, not the body;
 * - `Content-Length`: the exact length of the stored body (`record.bytes`);
 * - `Cache-Status`: the upstream members kept, `sw-image-cache; hit` appended (RFC 9211 §2);
 * - `Server-Timing`: the server's entries kept, `sw-image-cache;desc="hit"` appended;
 * - `X-SW-Image-Cache-Stored` and `X-SW-Image-Cache-Expires`: the entry's `storedAt` and
 *   `expiresAt` (ms since epoch; no `Expires` header when the entry never expires), so a cold
 *   worker can judge freshness from the body alone. When a `304` renews the entry, the record's
 *   `expiresAt` moves on and the strategy rewrites this header on the next hit.
 * Other outcomes (stale, bypass, …) replace our `Cache-Status` member when they serve the body.
 * @param headers The network response's headers (not modified).
 * @param record The entry's record (`bytes`, `storedAt`, `expiresAt`).
 * @returns A new `Headers`.
 */
export function storedResponseHeaders(headers: Headers, record: Pick<EntryRecord, 'bytes' | 'storedAt' | 'expiresAt'>): Headers {
  const h = stripHopByHop(new Headers(headers));
  h.set('content-length', String(record.bytes));
  h.set('Cache-Status', appendCacheStatus(h.get('cache-status'), HIT_CACHE_STATUS));
  h.set('Server-Timing', withServerTiming(h.get('server-timing'), HIT_SERVER_TIMING)!);
  h.set(STORED_HEADER, String(record.storedAt));
  if (Number.isFinite(record.expiresAt)) h.set(EXPIRES_HEADER, String(record.expiresAt));
  else h.delete(EXPIRES_HEADER);
  return h;
}

/** The value {@link storedResponseHeaders} writes in `X-SW-Image-Cache-Expires` for `expiresAt`, or `null` (never expires). */
export function expiresHeaderValue(expiresAt: number): string | null {
  return Number.isFinite(expiresAt) ? String(expiresAt) : null;
}
