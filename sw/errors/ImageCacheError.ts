import type { ImageCacheErrorCode } from '../protocol.ts';
import { messages } from './messages.ts';

/** The codes an {@link ImageCacheError} can carry (declared in `sw/protocol.ts`, shared with pages). */
export type { ImageCacheErrorCode };

/**
 * The one error class of sw-image-cache (Workbox `WorkboxError` style): `name` is a kebab-case
 * code, `details` carries the facts (for `invalid-config`: `{ key, reason }`), and `message` is
 * rendered from `messages.ts`. Platform errors (`QuotaExceededError`, `InvalidStateError`, …) are
 * never wrapped: they propagate as the `DOMException` they are.
 */
export class ImageCacheError extends Error {
  /** The error code, also in `name`. */
  readonly code: ImageCacheErrorCode;
  /** Structured facts about the failure. */
  readonly details: Record<string, unknown>;

  constructor(code: ImageCacheErrorCode, details: Record<string, unknown> = {}) {
    const render = messages[code];
    super(render ? render(details) : `${code} ${JSON.stringify(details)}`);
    this.name = code;
    this.code = code;
    this.details = details;
  }
}

/**
 * The code of any error met by the cache: an {@link ImageCacheError}'s own code;
 * `quota-exceeded` for a `QuotaExceededError`; `storage-failed` for anything else.
 */
export function errorCodeOf(e: unknown): ImageCacheErrorCode {
  if (e instanceof ImageCacheError) return e.code;
  if (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError') return 'quota-exceeded';
  return 'storage-failed';
}
