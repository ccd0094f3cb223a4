/**
 * Units and shared vocabulary of the pure policy layer.
 *
 * Glossary (kept fixed across the code base):
 * - *entry*: one cached image, its URL key plus metadata.
 * - *evict*: remove an entry to satisfy `maxBytes` / `maxEntries` (victims chosen by the policy).
 * - *expire*: remove an entry because it is past its freshness lifetime (RFC 9111 §4.2).
 * - *purge*: drop entries under quota pressure (`QuotaExceededError`).
 * - *revision*: the content version of a precached URL; a new revision replaces the entry.
 * - *delete*: an explicit removal asked for by the page or the API.
 *
 * @module
 */

/** A size in bytes (an integer ≥ 0). */
export type Bytes = number;
/** A duration in seconds, as configured by humans (`maxAgeSeconds`). */
export type Seconds = number;
/** A point in time in milliseconds since the Unix epoch, or a duration in milliseconds. */
export type Milliseconds = number;

/**
 * Why an entry left the cache, in the style of lru-cache's `DisposeReason` (defined in
 * `sw/protocol.ts`, shared with pages).
 * - `evict`: chosen as a victim to make room under `maxBytes` / `maxEntries`.
 * - `expire`: past `expiresAt` (freshness lifetime over).
 * - `purge`: dropped under quota pressure.
 * - `revision`: replaced by a new revision of the same URL (precache) or a new body (runtime).
 * - `delete`: removed on request (`delete(url)`, `clear()`).
 */
import type { RemovalReason } from '../protocol.ts';
export type { RemovalReason };

/** One removal decided by policy code, carried out by a storage adapter. */
export interface Removal {
  /** The entry's key (normalised URL). */
  key: string;
  /** Why it is removed. */
  reason: RemovalReason;
}
