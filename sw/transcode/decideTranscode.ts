import type { ResolvedTranscodeOptions } from './TranscodeOptions.ts';
import { sniffImage } from './sniffImage.ts';

/**
 * Why an image was stored as it came, in the stats' `skipped` counts:
 * - `opaque`: an opaque response (its bytes cannot be read);
 * - `svg`: vector images are never re-encoded;
 * - `animated`: animated GIF, WebP or APNG (a canvas would keep the first frame only);
 * - `too-many-pixels`: width × height above `maxPixels` (or dimensions unreadable);
 * - `unsupported-type`: not PNG, JPEG, GIF or WebP by its bytes;
 * - `already-target`: already in the target format;
 * - `no-encoder`: the engine cannot encode the target (`convertToBlob` returned another type);
 * - `decode-failed` / `encode-failed`: `createImageBitmap` or `convertToBlob` rejected;
 * - `not-identical`: lossless was asked but the re-decoded pixels differ;
 * - `low-fidelity`: a lossy result scored below `MIN_LOSSY_SSIM` (0.98) against the original;
 * - `no-savings`: the result was not at least `minSavingsRatio` smaller.
 */
export type TranscodeSkipReason =
  | 'opaque'
  | 'svg'
  | 'animated'
  | 'too-many-pixels'
  | 'unsupported-type'
  | 'already-target'
  | 'no-encoder'
  | 'decode-failed'
  | 'encode-failed'
  | 'not-identical'
  | 'low-fidelity'
  | 'no-savings';

/** The pre-decode verdict: skip with a reason, or go ahead with the sniffed source type and pixel count. */
export type TranscodeDecision =
  | { transcode: false; reason: TranscodeSkipReason }
  | { transcode: true; from: string; pixels: number };

/**
 * Decides, before decoding, whether an image should be re-encoded. Pure: reads the bytes' headers only.
 * @param bytes The stored body (ignored when `opaque`).
 * @param contentType The response's `Content-Type` (an SVG is skipped by type or by bytes).
 * @param opaque Whether the response is opaque.
 */
export function decideTranscode(
  bytes: Uint8Array,
  contentType: string | null,
  opaque: boolean,
  options: ResolvedTranscodeOptions,
): TranscodeDecision {
  if (opaque) return { transcode: false, reason: 'opaque' };
  const declared = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const sniffed = sniffImage(bytes);
  if (declared === 'image/svg+xml' || sniffed.type === 'image/svg+xml') return { transcode: false, reason: 'svg' };
  if (sniffed.type === null) return { transcode: false, reason: 'unsupported-type' };
  if (sniffed.animated) return { transcode: false, reason: 'animated' };
  if (sniffed.type === options.to) return { transcode: false, reason: 'already-target' };
  if (sniffed.width === null || sniffed.height === null) return { transcode: false, reason: 'too-many-pixels' };
  const pixels = sniffed.width * sniffed.height;
  if (pixels > options.maxPixels || pixels === 0) return { transcode: false, reason: 'too-many-pixels' };
  return { transcode: true, from: sniffed.type, pixels };
}

/**
 * Whether an encoded result is worth storing instead of the original: it must be at least
 * `minSavingsRatio` of the original's bytes smaller (`encoded ≤ original × (1 − minSavingsRatio)`).
 * @param originalBytes Bytes of the original body.
 * @param encodedBytes Bytes of the re-encoded body.
 * @param minSavingsRatio A fraction 0..1.
 */
export function worthStoring(originalBytes: number, encodedBytes: number, minSavingsRatio: number): boolean {
  return encodedBytes < originalBytes && encodedBytes <= originalBytes * (1 - minSavingsRatio);
}

/**
 * Fidelity floor of lossy re-encodings: the mean SSIM (see `ssim.ts`) of the re-decoded result
 * against the original's pixels must be at least this, else the original is stored (`low-fidelity`).
 */
export const MIN_LOSSY_SSIM = 0.98;
