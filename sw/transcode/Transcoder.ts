import { decideTranscode, MIN_LOSSY_SSIM, worthStoring, type TranscodeSkipReason } from './decideTranscode.ts';
import { ssim } from './ssim.ts';
import type { ResolvedTranscodeOptions } from './TranscodeOptions.ts';

/**
 * Header on a transcoded entry (stored with it, so every hit carries it): the original type and
 * the bytes saved, e.g. `from=image/png; saved=1234`. DevTools shows it in the Network panel.
 */
export const TRANSCODED_HEADER = 'X-SW-Image-Cache-Transcoded';

/** Transcoding statistics since the worker started (the `transcode` field of the stats endpoint). */
export interface TranscodeStats {
  /** Images stored re-encoded. */
  transcoded: number;
  /** Bytes of originals minus bytes stored, summed over `transcoded`, in bytes. */
  bytesSaved: number;
  /** Images stored as they came, by reason. */
  skipped: Partial<Record<TranscodeSkipReason, number>>;
  /** Encode cost: decode + draw + `convertToBlob` (+ the lossless check), in ms per megapixel; `null` before the first encode. */
  encodeMsPerMegapixel: number | null;
  /** Megapixels encoded (the denominator of `encodeMsPerMegapixel`). */
  megapixelsEncoded: number;
}

/** Whether the engine can encode each target type, as found by the first attempt (the `transcode` field of health). */
export interface TranscodeHealth {
  /** `unsupported`: `convertToBlob` returned another type (WebKit cannot encode WebP); originals are stored. */
  encoders: Record<string, 'supported' | 'unsupported'>;
}

/** What `Transcoder.transform` reads and returns: a read body and its headers. */
export interface TranscodeInput {
  /** `Response.type`; an opaque response is never touched. */
  type: ResponseType;
  body: ArrayBuffer;
  headers: Headers;
}

/** The platform the transcoder encodes with (injected in tests; the defaults are the worker's). */
export interface TranscodePlatform {
  /** Decodes to RGBA at the image's oriented size. @default createImageBitmap with `imageOrientation: 'from-image'` */
  decode(blob: Blob): Promise<ImageBitmap>;
  /** A 2D canvas of this size. @default new OffscreenCanvas(width, height) */
  canvas(width: number, height: number): OffscreenCanvas;
  /** A monotonic clock, in ms. @default performance.now */
  now(): number;
}

const workerPlatform: TranscodePlatform = {
  decode: (blob) => createImageBitmap(blob, { imageOrientation: 'from-image' }),
  canvas: (width, height) => new OffscreenCanvas(width, height),
  now: () => performance.now(),
};

/** Draws `bitmap` on a fresh canvas; returns the canvas and its context. */
function draw(platform: TranscodePlatform, bitmap: ImageBitmap): { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D } {
  const canvas = platform.canvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('OffscreenCanvas 2d context unavailable');
  ctx.drawImage(bitmap, 0, 0);
  return { canvas, ctx };
}

/** Whether two RGBA buffers are equal byte for byte. */
function samePixels(a: Uint8ClampedArray, b: Uint8ClampedArray): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Re-encodes images before they are stored, per the route's `transcode` option (issue 14). Runs in
 * the worker, after the page got the original (the strategy calls it from `event.waitUntil`):
 * decode with `createImageBitmap` (`imageOrientation: 'from-image'`: the EXIF orientation is
 * applied to the pixels, since WebP output carries no EXIF), draw on an `OffscreenCanvas`, encode with
 * `convertToBlob({ type, quality })`. The result replaces the original only when it is at least
 * `minSavingsRatio` smaller; its headers then say the real `Content-Type`, carry no
 * `Content-Length` (the store counts the bytes it writes) and add {@link TRANSCODED_HEADER}.
 *
 * Lossless: Chromium's `convertToBlob` encodes WebP losslessly when `quality` is exactly 1 (Blink
 * `ImageEncoder::ComputeWebpOptions`); there is no flag for it, so every lossless result is decoded
 * again and its RGBA compared with the original's drawn on the same kind of canvas; any difference
 * (another engine, colour management, premultiplied alpha of semi-transparent pixels) stores the
 * original (`not-identical`). A lossy result is decoded back too and must score a mean SSIM of at
 * least {@link MIN_LOSSY_SSIM} against the original's pixels, else the original is stored
 * (`low-fidelity`): `quality` alone does not bound the loss (a busy 1600×600 JPEG measured 0.926
 * at 0.8).
 *
 * Feature detection: when `convertToBlob` returns another type than asked (engines fall back to
 * PNG for types they cannot encode), the type is marked unsupported, `onUnsupported` is called once,
 * and from then on originals are stored without decoding (`no-encoder`).
 *
 * Never throws: any failure stores the original and is counted by reason.
 */
export class Transcoder {
  readonly #platform: TranscodePlatform;
  readonly #onUnsupported: (type: string) => void;
  readonly #encoders = new Map<string, 'supported' | 'unsupported'>();
  #transcoded = 0;
  #bytesSaved = 0;
  #skipped: Partial<Record<TranscodeSkipReason, number>> = {};
  #encodeMs = 0;
  #megapixels = 0;
  #tail: Promise<void> = Promise.resolve();

  /**
   * @param onUnsupported Called once per target type the engine cannot encode (to log it).
   * @param platform Decoder, canvas and clock. @default the worker's
   */
  constructor(options: { onUnsupported?: (type: string) => void; platform?: TranscodePlatform } = {}) {
    this.#platform = options.platform ?? workerPlatform;
    this.#onUnsupported = options.onUnsupported ?? (() => undefined);
  }

  /** A copy of the statistics. */
  get stats(): TranscodeStats {
    return {
      transcoded: this.#transcoded,
      bytesSaved: this.#bytesSaved,
      skipped: { ...this.#skipped },
      encodeMsPerMegapixel: this.#megapixels > 0 ? this.#encodeMs / this.#megapixels : null,
      megapixelsEncoded: this.#megapixels,
    };
  }

  /** What the engine was found able to encode. */
  get health(): TranscodeHealth {
    return { encoders: Object.fromEntries(this.#encoders) };
  }

  #skip(reason: TranscodeSkipReason, input: TranscodeInput): TranscodeInput {
    this.#skipped[reason] = (this.#skipped[reason] ?? 0) + 1;
    return input;
  }

  /**
   * The body to store: re-encoded when `options` says so and it pays, else `input` unchanged.
   * @param input The read response body and headers.
   * @param options The route's resolved `transcode` option; `undefined`: returned unchanged, not counted.
   * @returns `input` itself, or a new body with new headers. Never rejects. Images are re-encoded
   *   one at a time, in call order.
   */
  transform(input: TranscodeInput, options: ResolvedTranscodeOptions | undefined): Promise<TranscodeInput> {
    if (!options) return Promise.resolve(input);
    // One image at a time: bounds memory (up to three RGBA canvases of maxPixels each) and keeps
    // the encode-time figure a per-image cost rather than a sum of waits.
    const run = this.#tail.then(() => this.#transform(input, options));
    this.#tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #transform(input: TranscodeInput, options: ResolvedTranscodeOptions): Promise<TranscodeInput> {
    const bytes = new Uint8Array(input.body);
    const decision = decideTranscode(bytes, input.headers.get('content-type'), input.type === 'opaque', options);
    if (!decision.transcode) return this.#skip(decision.reason, input);
    if (this.#encoders.get(options.to) === 'unsupported') return this.#skip('no-encoder', input);
    const p = this.#platform;
    const start = p.now();
    let original: { canvas: OffscreenCanvas; ctx: OffscreenCanvasRenderingContext2D };
    try {
      const bitmap = await p.decode(new Blob([input.body], { type: decision.from }));
      original = draw(p, bitmap);
      bitmap.close();
    } catch {
      return this.#skip('decode-failed', input);
    }
    let blob: Blob;
    try {
      blob = await original.canvas.convertToBlob({ type: options.to, quality: options.quality });
    } catch {
      return this.#skip('encode-failed', input);
    }
    if (blob.type !== options.to) {
      if (this.#encoders.get(options.to) !== 'unsupported') {
        this.#encoders.set(options.to, 'unsupported');
        this.#onUnsupported(options.to);
      }
      return this.#skip('no-encoder', input);
    }
    this.#encoders.set(options.to, 'supported');
    // Checked on the pixels the engine decodes back: lossless must be identical, lossy ≥ MIN_LOSSY_SSIM.
    try {
      const again = await p.decode(blob);
      const decoded = draw(p, again);
      again.close();
      const { width, height } = original.canvas;
      if (decoded.canvas.width !== width || decoded.canvas.height !== height) {
        this.#account(start, decision.pixels);
        return this.#skip(options.lossless ? 'not-identical' : 'low-fidelity', input);
      }
      const a = original.ctx.getImageData(0, 0, width, height).data;
      const b = decoded.ctx.getImageData(0, 0, width, height).data;
      const faithful = options.lossless ? samePixels(a, b) : ssim(a, b, width, height) >= MIN_LOSSY_SSIM;
      if (!faithful) {
        this.#account(start, decision.pixels);
        return this.#skip(options.lossless ? 'not-identical' : 'low-fidelity', input);
      }
    } catch {
      return this.#skip('decode-failed', input);
    }
    this.#account(start, decision.pixels);
    if (!worthStoring(input.body.byteLength, blob.size, options.minSavingsRatio)) return this.#skip('no-savings', input);
    const body = await blob.arrayBuffer();
    const saved = input.body.byteLength - body.byteLength;
    const headers = new Headers(input.headers);
    headers.set('content-type', options.to);
    headers.delete('content-length');
    headers.set(TRANSCODED_HEADER, `from=${decision.from}; saved=${saved}`);
    this.#transcoded += 1;
    this.#bytesSaved += saved;
    return { type: input.type, body, headers };
  }

  #account(start: number, pixels: number): void {
    this.#encodeMs += this.#platform.now() - start;
    this.#megapixels += pixels / 1e6;
  }
}
