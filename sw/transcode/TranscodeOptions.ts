import { ImageCacheError } from '../errors/ImageCacheError.ts';

/**
 * A route's `transcode` option: re-encode the images this route stores so that more of them fit in
 * `maxBytes`. The page always gets the original response; the re-encoding runs afterwards in the
 * worker (in the fetch event's `waitUntil`), and the result is stored only when it is at least
 * `minSavingsRatio` smaller. Off by default (no `transcode` key).
 */
export interface TranscodeOptions {
  /** Target MIME type. Only `"image/webp"` is accepted. */
  to: 'image/webp';
  /**
   * Lossless encoding (tiles, diagrams). Chromium's `convertToBlob` has no lossless flag: it encodes
   * WebP losslessly when `quality` is exactly 1. Every lossless result is decoded again and its RGBA
   * compared with the original's; if one pixel differs the original is stored (`not-identical`).
   * Cannot be combined with `quality`. @default false
   */
  lossless?: boolean;
  /** Lossy quality, a fraction 0..1 exclusive of 1 (1 means lossless in Chromium). @default 0.8 */
  quality?: number;
  /** Smallest saving worth storing, a fraction of the original's bytes (0..1). @default 0.1 */
  minSavingsRatio?: number;
  /** Images with more pixels (width × height) are stored as they are, in pixels. @default 16000000 */
  maxPixels?: number;
}

/** {@link TranscodeOptions} with defaults filled in. */
export interface ResolvedTranscodeOptions {
  to: 'image/webp';
  lossless: boolean;
  /** Passed to `convertToBlob`: 1 when lossless. */
  quality: number;
  minSavingsRatio: number;
  maxPixels: number;
}

/** Defaults of the optional `transcode` keys. */
export const TRANSCODE_DEFAULTS = { quality: 0.8, minSavingsRatio: 0.1, maxPixels: 16_000_000 } as const;

const KEYS = ['to', 'lossless', 'quality', 'minSavingsRatio', 'maxPixels'];

function fail(key: string, reason: string): never {
  throw new ImageCacheError('invalid-config', { key, reason });
}

/**
 * Checks a route's `transcode` value and fills in defaults.
 * @param value The parsed JSON value.
 * @param key Its path in the config, for errors (e.g. `routes[0].transcode`).
 * @throws ImageCacheError `invalid-config` naming the offending key (e.g. `routes[0].transcode.quality`).
 */
export function parseTranscodeOptions(value: unknown, key: string): ResolvedTranscodeOptions {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, 'must be an object { to, lossless?, quality?, minSavingsRatio?, maxPixels? }');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) fail(`${key}.${k}`, 'is not a known transcode option');
  if (v.to !== 'image/webp') fail(`${key}.to`, `must be "image/webp", got ${JSON.stringify(v.to)}`);
  if (v.lossless !== undefined && typeof v.lossless !== 'boolean') fail(`${key}.lossless`, `must be true or false, got ${JSON.stringify(v.lossless)}`);
  const lossless = v.lossless === true;
  const num = (k: string, ok: (n: number) => boolean, what: string): number | undefined => {
    const n = v[k];
    if (n === undefined) return undefined;
    if (typeof n !== 'number' || !Number.isFinite(n) || !ok(n)) fail(`${key}.${k}`, `must be ${what}, got ${JSON.stringify(n)}`);
    return n;
  };
  // `quality: 1` with `lossless: true` is the resolved form itself (the worker resolves the build's output again).
  const quality = num('quality', (n) => (n >= 0 && n < 1) || (lossless && n === 1), 'a fraction from 0 to 1, below 1 (e.g. 0.8; use lossless: true for lossless)');
  if (lossless && quality !== undefined && quality !== 1) fail(`${key}.quality`, 'cannot be combined with lossless: true');
  const minSavingsRatio = num('minSavingsRatio', (n) => n >= 0 && n < 1, 'a fraction from 0 to 1, below 1 (e.g. 0.1 for 10 %)');
  const maxPixels = num('maxPixels', (n) => Number.isInteger(n) && n >= 1, 'an integer number of pixels ≥ 1');
  return {
    to: 'image/webp',
    lossless,
    quality: lossless ? 1 : (quality ?? TRANSCODE_DEFAULTS.quality),
    minSavingsRatio: minSavingsRatio ?? TRANSCODE_DEFAULTS.minSavingsRatio,
    maxPixels: maxPixels ?? TRANSCODE_DEFAULTS.maxPixels,
  };
}
