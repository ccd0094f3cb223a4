/**
 * What each dataset image would weigh in the cache with the demo's `transcode` routes (issue 14),
 * computed in Node with sharp: the input of `npm run replay -- --sizes FILE`.
 *
 *   tsx build/data/transcodedSizes.ts [--data DIR]     (also run by `npm run data`)
 *
 * Writes `DIR/transcoded_sizes.csv` (default `data`). Per image it follows the worker's
 * `Transcoder` (sw/transcode/Transcoder.ts) with sharp's libwebp standing in for the engine's
 * `OffscreenCanvas.convertToBlob`: the same pre-decode skips (`decideTranscode`), the same
 * fidelity checks (lossless: identical RGBA; lossy: mean SSIM ≥ `MIN_LOSSY_SSIM` with the worker's
 * `ssim`), the same saving rule (`worthStoring`). The sizes approximate Chromium's: both encode
 * with libwebp, with the settings of {@link CHROMIUM_LIKE_LOSSLESS}, but not the same version.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { decideTranscode, MIN_LOSSY_SSIM, worthStoring, type TranscodeSkipReason } from '../../sw/transcode/decideTranscode.ts';
import { ssim } from '../../sw/transcode/ssim.ts';
import { parseTranscodeOptions, type ResolvedTranscodeOptions, type TranscodeOptions } from '../../sw/transcode/TranscodeOptions.ts';
import { mapPool } from './mapPool.ts';

/** A route of the demo's transcode config: URL prefix (as in `routes[].pattern`) and its `transcode`. */
export interface TranscodeRoute {
  pattern: string;
  transcode: TranscodeOptions;
}

/**
 * The demo's transcode routes (issue 14's examples): map tiles lossless, every other image lossy
 * at quality 0.8 kept when it saves at least 10 %. The first matching prefix wins. The bench
 * (`test/bench/transcode.ts`) builds the worker with the same routes.
 */
export const DEMO_TRANSCODE_ROUTES: readonly TranscodeRoute[] = [
  { pattern: '/data/images/map_tile/', transcode: { to: 'image/webp', lossless: true } },
  { pattern: '/data/images/', transcode: { to: 'image/webp', quality: 0.8, minSavingsRatio: 0.1 } },
];

/** One row of `transcoded_sizes.csv`. */
export interface TranscodedSize {
  imageId: string;
  /** URL path, as in `access_log.csv`'s `key` */
  key: string;
  category: string;
  /** bytes of the file */
  originalBytes: number;
  /** bytes the cache would store: the WebP when `outcome` is `transcoded`, else `originalBytes` */
  storedBytes: number;
  /** `transcoded`, the skip reason the worker would count, or `no-route` (no transcode route matches) */
  outcome: 'transcoded' | 'no-route' | TranscodeSkipReason;
  /** bytes of the WebP sharp produced, whether kept or not; `null` when not encoded */
  encodedBytes: number | null;
  /** mean SSIM of the WebP against the original (lossy only), else `null` */
  ssim: number | null;
}

const CONTENT_TYPES: Record<string, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif', svg: 'image/svg+xml' };

/**
 * sharp's settings closest to Chromium's lossless `convertToBlob({ type: 'image/webp', quality: 1 })`:
 * libwebp's fastest lossless method (`effort` 0) at quality 75. On 12 demo tiles (2026-12-02)
 * Chromium's WebP was 0–6 % larger than this and 40–90 % larger than sharp's default (`effort` 4),
 * which would overstate the savings on tiles about sevenfold. Lossy quality 0.8 is sharp's
 * `quality: 80` at its default effort, within 1–3 % of Chromium's size on 3 demo photos.
 */
const CHROMIUM_LIKE_LOSSLESS = { lossless: true, quality: 75, effort: 0 } as const;

/** RGBA of an image, EXIF orientation applied (as `imageOrientation: 'from-image'`). */
async function rgba(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes).rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/**
 * What the worker's transcoder would store for one image, with sharp as the encoder.
 * @param bytes The original file.
 * @param contentType Its `Content-Type`.
 * @param options The route's resolved `transcode` option, or `undefined` (no transcode: unchanged).
 * @returns stored bytes, outcome, encoded bytes and SSIM (see {@link TranscodedSize}).
 */
export async function transcodedSizeOf(
  bytes: Buffer,
  contentType: string,
  options: ResolvedTranscodeOptions | undefined,
): Promise<Pick<TranscodedSize, 'storedBytes' | 'outcome' | 'encodedBytes' | 'ssim'>> {
  const original = { storedBytes: bytes.length, encodedBytes: null, ssim: null };
  if (!options) return { ...original, outcome: 'no-route' };
  const decision = decideTranscode(bytes, contentType, false, options);
  if (!decision.transcode) return { ...original, outcome: decision.reason };
  const source = await rgba(bytes);
  const webp = await sharp(source.data, { raw: { width: source.width, height: source.height, channels: 4 } })
    .webp(options.lossless ? CHROMIUM_LIKE_LOSSLESS : { quality: Math.round(options.quality * 100) })
    .toBuffer();
  const again = await rgba(webp);
  let score: number | null = null;
  if (again.width !== source.width || again.height !== source.height) {
    return { ...original, encodedBytes: webp.length, outcome: options.lossless ? 'not-identical' : 'low-fidelity' };
  }
  if (options.lossless) {
    if (Buffer.compare(source.data, again.data) !== 0) return { ...original, encodedBytes: webp.length, outcome: 'not-identical' };
  } else {
    score = ssim(source.data, again.data, source.width, source.height);
    if (score < MIN_LOSSY_SSIM) return { ...original, encodedBytes: webp.length, ssim: score, outcome: 'low-fidelity' };
  }
  if (!worthStoring(bytes.length, webp.length, options.minSavingsRatio)) {
    return { ...original, encodedBytes: webp.length, ssim: score, outcome: 'no-savings' };
  }
  return { storedBytes: webp.length, encodedBytes: webp.length, ssim: score, outcome: 'transcoded' };
}

/**
 * Computes {@link TranscodedSize} for every image of a generated dataset.
 * @param dataDir The dataset folder (with `image_metadata.csv` and `images/`).
 * @param routes Transcode routes by URL prefix; default {@link DEMO_TRANSCODE_ROUTES}.
 * @returns one row per image, in `image_metadata.csv` order.
 * @throws Error when the metadata is missing or malformed, or a route's option is invalid.
 */
export async function computeTranscodedSizes(dataDir: string, routes: readonly TranscodeRoute[] = DEMO_TRANSCODE_ROUTES): Promise<TranscodedSize[]> {
  const resolved = routes.map((r, i) => ({ pattern: r.pattern, options: parseTranscodeOptions(r.transcode, `routes[${i}].transcode`) }));
  const csv = await readFile(path.join(dataDir, 'image_metadata.csv'), 'utf8');
  const [header, ...lines] = csv.trimEnd().split('\n');
  const cols = (header ?? '').split(',');
  const col = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${dataDir}/image_metadata.csv: no ${name} column`);
    return i;
  };
  const [id, file, format, size, category] = ['image_id', 'filename', 'format', 'size_bytes', 'category'].map(col) as [number, number, number, number, number];
  const images = lines.map((line) => line.split(','));
  return mapPool(images, Math.max(1, Math.min(4, availableParallelism())), async (parts) => {
    const key = `/data/images/${parts[file]}`;
    const bytes = await readFile(path.join(dataDir, 'images', parts[file]!));
    if (bytes.length !== Number(parts[size])) throw new Error(`${key}: ${bytes.length} bytes on disk, ${parts[size]} in image_metadata.csv`);
    const options = resolved.find((r) => key.startsWith(r.pattern))?.options;
    const result = await transcodedSizeOf(bytes, CONTENT_TYPES[parts[format]!] ?? 'application/octet-stream', options);
    return { imageId: parts[id]!, key, category: parts[category]!, originalBytes: bytes.length, ...result };
  });
}

/** The CSV text of `transcoded_sizes.csv` (header `image_id,key,category,size,stored_size,outcome,encoded_size,ssim`). */
export function transcodedSizesCsv(rows: readonly TranscodedSize[]): string {
  const lines = ['image_id,key,category,size,stored_size,outcome,encoded_size,ssim'];
  for (const r of rows) {
    lines.push(`${r.imageId},${r.key},${r.category},${r.originalBytes},${r.storedBytes},${r.outcome},${r.encodedBytes ?? ''},${r.ssim === null ? '' : r.ssim.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Computes and writes `dataDir/transcoded_sizes.csv`.
 * @returns the file's path and its rows.
 */
export async function writeTranscodedSizes(dataDir: string, routes?: readonly TranscodeRoute[]): Promise<{ file: string; rows: TranscodedSize[] }> {
  const rows = await computeTranscodedSizes(dataDir, routes);
  const file = path.join(dataDir, 'transcoded_sizes.csv');
  await writeFile(file, transcodedSizesCsv(rows));
  return { file, rows };
}

/** Per-category totals of {@link TranscodedSize} rows. */
export function summarizeTranscodedSizes(rows: readonly TranscodedSize[]): Array<{ category: string; images: number; originalBytes: number; storedBytes: number; transcoded: number; outcomes: Record<string, number> }> {
  const by = new Map<string, { category: string; images: number; originalBytes: number; storedBytes: number; transcoded: number; outcomes: Record<string, number> }>();
  for (const r of rows) {
    const c = by.get(r.category) ?? { category: r.category, images: 0, originalBytes: 0, storedBytes: 0, transcoded: 0, outcomes: {} };
    c.images++;
    c.originalBytes += r.originalBytes;
    c.storedBytes += r.storedBytes;
    if (r.outcome === 'transcoded') c.transcoded++;
    c.outcomes[r.outcome] = (c.outcomes[r.outcome] ?? 0) + 1;
    by.set(r.category, c);
  }
  return [...by.values()];
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--data');
  const dataDir = path.resolve(i >= 0 ? (argv[i + 1] ?? 'data') : 'data');
  const t0 = performance.now();
  writeTranscodedSizes(dataDir).then(
    ({ file, rows }) => {
      for (const s of summarizeTranscodedSizes(rows)) console.log(JSON.stringify(s));
      console.log(`wrote ${file} (${rows.length} images) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
