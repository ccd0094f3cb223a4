import type { EntryRecord } from '../storage/EntryMetadataModel.ts';
import { EXPIRES_HEADER, STORED_HEADER } from '../storage/ImageCache.ts';

/**
 * The headers a body is stored with: the network's, plus its exact length and its entry's
 * `storedAt` / `expiresAt`, so a cold worker can judge freshness from the body alone.
 */
export function storedResponseHeaders(headers: Headers, record: EntryRecord): Headers {
  const h = new Headers(headers);
  h.set('content-length', String(record.bytes));
  // What a hit says, baked into the stored response: a hit is then served exactly as Cache Storage
  // returns it, with no Response rebuilt (rebuilding makes Chromium pump the body through the
  // worker, twice as slow for a 3 MB image). Other outcomes overwrite these headers.
  h.set('Cache-Status', 'sw-image-cache; hit');
  h.set('Server-Timing', 'sw-image-cache;desc="hit"');
  h.set(STORED_HEADER, String(record.storedAt));
  if (Number.isFinite(record.expiresAt)) h.set(EXPIRES_HEADER, String(record.expiresAt));
  else h.delete(EXPIRES_HEADER);
  return h;
}
