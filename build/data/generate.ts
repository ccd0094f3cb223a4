/**
 * Deterministic dataset generator for the sw-image-cache demo (`npm run data`).
 *
 *   tsx build/data/generate.ts [--out DIR] [--seed N] [--small] [--force]
 *
 * Writes, under DIR (default `data`, relative to the current directory):
 *   images/map_tile/{z}/{x}/{y}.png        256x256 tiles of one synthetic city
 *   images/driver_photo/driver_NNN.jpg      driver portraits
 *   images/vehicle/vehicle_NNN.{jpg,webp}   vehicle photos
 *   images/banner/banner_NNN.{webp,jpg}     large promotional banners
 *   image_metadata.csv, access_log.csv, README.txt
 *   transcoded_sizes.csv (CLI only: each image's size with the demo's transcode routes, computed
 *     with sharp; see transcodedSizes.ts and `npm run replay -- --sizes`)
 *
 * The same seed gives byte-identical files: every image draws from its own
 * seeded PRNG stream and all encoder options are explicit.
 */
import { mkdir, rm, stat, writeFile, access } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { generateAccessLog, type AccessRow, type Category, type TraceImage } from './accessLog.ts';
import { buildCity, tileSvg } from './map.ts';
import { mapPool } from './mapPool.ts';
import { bannerSvg, driverSvg, renderPicture, vehicleSvg, type PictureFormat } from './pictures.ts';
import { pick, randInt, rngFor, shuffled, uniform } from './prng.ts';
import { writeTranscodedSizes } from './transcodedSizes.ts';

/** Zoom level of the generated map tiles. */
export const TILE_ZOOM = 5;

/** The four image categories, in CSV sort order. */
export const CATEGORIES: readonly Category[] = ['banner', 'driver_photo', 'map_tile', 'vehicle'];

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  /** output directory; default `data` (resolved against `process.cwd()`) */
  outDir?: string;
  /** PRNG seed; default 42 */
  seed?: number;
  /** small dataset (~48 images, ~1-2 MB) for tests; default false (~730 images, ~40-60 MB) */
  small?: boolean;
}

/** One row of `image_metadata.csv`. */
export interface ImageRow {
  imageId: string;
  /** path relative to `images/`, forward slashes */
  filename: string;
  format: 'png' | 'jpeg' | 'webp';
  /** pixels */
  width: number;
  /** pixels */
  height: number;
  /** bytes */
  sizeBytes: number;
  category: Category;
}

/** What {@link generateDataset} produced. */
export interface DatasetSummary {
  /** number of image files */
  images: number;
  /** total size of the image files in bytes */
  totalBytes: number;
  /** image count and bytes per category */
  byCategory: Record<Category, { count: number; bytes: number }>;
  /** number of rows in access_log.csv */
  requests: number;
}

interface Job {
  imageId: string;
  filename: string;
  category: Category;
  tile?: { x: number; y: number };
  render: () => Promise<Buffer>;
}

interface Plan {
  tiles: number;
  drivers: number;
  vehicles: number;
  banners: BannerSpec[];
  requests: number;
}

interface BannerSpec {
  width: number;
  height: number;
  format: 'jpeg' | 'webp';
  quality: number;
  /** grain amplitude, 8-bit levels */
  grain: number;
}

/** Banner sizes: from ~200 KB up to ~5 MB, several over 1 MB. */
const FULL_BANNERS: BannerSpec[] = [
  { width: 1440, height: 480, format: 'jpeg', quality: 90, grain: 8 },
  { width: 1600, height: 600, format: 'jpeg', quality: 92, grain: 10 },
  { width: 1920, height: 720, format: 'webp', quality: 92, grain: 13 },
  { width: 2000, height: 800, format: 'jpeg', quality: 93, grain: 14 },
  { width: 2400, height: 1100, format: 'webp', quality: 94, grain: 16 },
  { width: 2560, height: 1200, format: 'jpeg', quality: 94, grain: 15 },
  { width: 3200, height: 1500, format: 'jpeg', quality: 94, grain: 15 },
  { width: 3200, height: 1350, format: 'webp', quality: 94, grain: 16 },
  { width: 3400, height: 1500, format: 'jpeg', quality: 94, grain: 15 },
  { width: 3840, height: 1600, format: 'webp', quality: 94, grain: 16 },
  { width: 3840, height: 1800, format: 'jpeg', quality: 94, grain: 15 },
  { width: 4000, height: 2000, format: 'jpeg', quality: 94, grain: 15 },
];

const SMALL_BANNERS: BannerSpec[] = [
  { width: 1200, height: 400, format: 'webp', quality: 88, grain: 8 },
  { width: 1600, height: 600, format: 'jpeg', quality: 90, grain: 8 },
];

const FULL_PLAN: Plan = { tiles: 24, drivers: 80, vehicles: 60, banners: FULL_BANNERS, requests: 20000 };
const SMALL_PLAN: Plan = { tiles: 6, drivers: 6, vehicles: 4, banners: SMALL_BANNERS, requests: 2000 };

const EXT: Record<PictureFormat, string> = { jpeg: 'jpg', webp: 'webp', png: 'png' };
const pad3 = (n: number): string => String(n).padStart(3, '0');
/** Plain code-unit order (locale independent, so the CSV order is stable everywhere). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function planJobs(seed: number, plan: Plan): { jobs: Job[]; city: ReturnType<typeof buildCity> } {
  const jobs: Job[] = [];

  // Banners first: they take longest, so a bounded pool finishes sooner.
  const bannerSpecs = shuffled(rngFor(seed, 'banner-order'), plan.banners);
  bannerSpecs.forEach((spec, i) => {
    const n = i + 1;
    const filename = `banner/banner_${pad3(n)}.${EXT[spec.format]}`;
    jobs.push({
      imageId: `banner_${pad3(n)}`,
      filename,
      category: 'banner',
      render: () => {
        const rng = rngFor(seed, `banner:${n}`);
        const { width, height, grain, format, quality } = spec;
        return renderPicture(
          bannerSvg(rng, width, height, n - 1),
          rng,
          { width, height, grain, renderScale: width * height > 2e6 ? 0.5 : 1 },
          { format, quality },
        );
      },
    });
  });

  for (let n = 1; n <= plan.vehicles; n++) {
    const choice = rngFor(seed, `vehicle-spec:${n}`);
    // ensure both formats occur even in the small dataset
    const format: 'jpeg' | 'webp' = n === 1 ? 'jpeg' : n === 2 ? 'webp' : choice() < 0.6 ? 'jpeg' : 'webp';
    const [width, height] = pick(choice, [
      [640, 400],
      [800, 500],
      [1024, 640],
      [1024, 640],
      [1280, 800],
    ] as const);
    // less grain on the largest size keeps every vehicle photo under ~300 KB
    const grain = width >= 1280 ? uniform(choice, 4, 9) : uniform(choice, 5, 12);
    const quality = randInt(choice, 80, 89);
    jobs.push({
      imageId: `vehicle_${pad3(n)}`,
      filename: `vehicle/vehicle_${pad3(n)}.${EXT[format]}`,
      category: 'vehicle',
      render: () => {
        const rng = rngFor(seed, `vehicle:${n}`);
        return renderPicture(vehicleSvg(rng, width, height), rng, { width, height, grain, blur: 0.5 }, { format, quality });
      },
    });
  }

  for (let n = 1; n <= plan.drivers; n++) {
    const choice = rngFor(seed, `driver-spec:${n}`);
    const size = choice() < 0.7 ? 400 : 256;
    const grain = size === 256 ? uniform(choice, 7, 12) : uniform(choice, 4, 10);
    const quality = randInt(choice, 78, 88);
    jobs.push({
      imageId: `driver_photo_${pad3(n)}`,
      filename: `driver_photo/driver_${pad3(n)}.jpg`,
      category: 'driver_photo',
      render: () => {
        const rng = rngFor(seed, `driver:${n}`);
        return renderPicture(driverSvg(rng, size), rng, { width: size, height: size, grain, blur: 0.6 }, { format: 'jpeg', quality });
      },
    });
  }

  const city = buildCity(seed, plan.tiles);
  for (let x = 0; x < plan.tiles; x++) {
    for (let y = 0; y < plan.tiles; y++) {
      jobs.push({
        imageId: `map_tile_${TILE_ZOOM}_${x}_${y}`,
        filename: `map_tile/${TILE_ZOOM}/${x}/${y}.png`,
        category: 'map_tile',
        tile: { x, y },
        render: () =>
          sharp(Buffer.from(tileSvg(city, x, y)))
            .removeAlpha()
            .png({ compressionLevel: 9, adaptiveFiltering: true, palette: false })
            .toBuffer(),
      });
    }
  }
  return { jobs, city };
}

function metadataCsv(rows: readonly ImageRow[]): string {
  const lines = ['image_id,filename,format,width,height,size_bytes,category'];
  for (const r of rows) lines.push(`${r.imageId},${r.filename},${r.format},${r.width},${r.height},${r.sizeBytes},${r.category}`);
  return `${lines.join('\n')}\n`;
}

function accessCsv(rows: readonly AccessRow[]): string {
  const lines = ['time,key,size,image_id,category'];
  for (const r of rows) lines.push(`${r.time},${r.key},${r.size},${r.imageId},${r.category}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Generates the whole dataset into `outDir` (overwriting a previous one there).
 * Deterministic: the same seed and mode give byte-identical files.
 * @param options.outDir output directory, default `data` (relative to `process.cwd()`).
 * @param options.seed PRNG seed, default 42.
 * @param options.small small test dataset (6x6 tiles, ~48 images, ~2,000 requests), default false
 *   (24x24 tiles, ~730 images, ~20,000 requests).
 * @returns the number of images and their total size in bytes (plus per-category counts).
 */
export async function generateDataset(options: GenerateOptions = {}): Promise<DatasetSummary> {
  const outDir = path.resolve(options.outDir ?? 'data');
  const seed = options.seed ?? 42;
  const plan = options.small ? SMALL_PLAN : FULL_PLAN;
  const imagesDir = path.join(outDir, 'images');

  // Remove what a previous run wrote; the metadata CSV goes first so that an
  // interrupted run never looks complete.
  await mkdir(outDir, { recursive: true });
  await rm(path.join(outDir, 'image_metadata.csv'), { force: true });
  for (const c of CATEGORIES) await rm(path.join(imagesDir, c), { recursive: true, force: true });

  const { jobs, city } = planJobs(seed, plan);
  const dirs = new Set(jobs.map((j) => path.dirname(path.join(imagesDir, j.filename))));
  for (const d of [...dirs].sort(cmp)) await mkdir(d, { recursive: true });

  const concurrency = Math.max(2, Math.min(4, availableParallelism()));
  const rows = await mapPool(jobs, concurrency, async (job): Promise<ImageRow & { tile?: { x: number; y: number } }> => {
    const file = path.join(imagesDir, job.filename);
    await writeFile(file, await job.render());
    const meta = await sharp(file).metadata();
    const { size } = await stat(file);
    if (meta.format !== 'png' && meta.format !== 'jpeg' && meta.format !== 'webp') {
      throw new Error(`${job.filename}: unexpected format ${meta.format}`);
    }
    return {
      imageId: job.imageId,
      filename: job.filename,
      format: meta.format,
      width: meta.width,
      height: meta.height,
      sizeBytes: size,
      category: job.category,
      ...(job.tile ? { tile: job.tile } : {}),
    };
  });
  rows.sort((a, b) => cmp(a.category, b.category) || cmp(a.filename, b.filename));

  const traceImages: TraceImage[] = rows.map((r) => ({
    imageId: r.imageId,
    key: `/data/images/${r.filename}`,
    size: r.sizeBytes,
    category: r.category,
    ...(r.tile ? { tile: r.tile } : {}),
  }));
  const log = generateAccessLog({
    seed,
    images: traceImages,
    tiles: plan.tiles,
    centre: city.centre,
    hotspots: city.hotspots,
    requests: plan.requests,
  });

  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, { count: 0, bytes: 0 }])) as Record<
    Category,
    { count: number; bytes: number }
  >;
  for (const r of rows) {
    byCategory[r.category].count++;
    byCategory[r.category].bytes += r.sizeBytes;
  }
  const totalBytes = rows.reduce((s, r) => s + r.sizeBytes, 0);
  const readme =
    `Synthetic image dataset for the sw-image-cache demo (a ride-sharing/mapping web app), generated by ` +
    `build/data/generate.ts with seed ${seed} in ${options.small ? 'small' : 'full'} mode. ` +
    `It holds ${rows.length} images (${totalBytes} bytes in total): ` +
    `${byCategory.map_tile.count} map tiles (256x256 PNG, zoom ${TILE_ZOOM}, a ${plan.tiles}x${plan.tiles} grid of one continuous city map, ` +
    `images/map_tile/{z}/{x}/{y}.png, ${byCategory.map_tile.bytes} bytes), ` +
    `${byCategory.driver_photo.count} driver portraits (JPEG, ${byCategory.driver_photo.bytes} bytes), ` +
    `${byCategory.vehicle.count} vehicle photos (JPEG and WebP, ${byCategory.vehicle.bytes} bytes) and ` +
    `${byCategory.banner.count} promotional banners (JPEG and WebP, ${byCategory.banner.bytes} bytes). ` +
    `image_metadata.csv lists every image (id, path under images/, format, width and height in pixels, size in bytes, category); ` +
    `access_log.csv is a ${log.length}-request trace (time in whole seconds, URL key, size in bytes, image id, category) of map sessions ` +
    `that start near the city centre and pan a 4x3-tile viewport, with Zipf-skewed driver, vehicle and banner popularity. ` +
    `The same seed always regenerates byte-identical files.\n`;

  await writeFile(path.join(outDir, 'access_log.csv'), accessCsv(log));
  await writeFile(path.join(outDir, 'README.txt'), readme);
  await writeFile(
    path.join(outDir, 'image_metadata.csv'),
    metadataCsv(rows.map(({ tile: _tile, ...r }) => r)),
  );
  return { images: rows.length, totalBytes, byCategory, requests: log.length };
}

interface CliArgs {
  outDir: string;
  seed: number;
  small: boolean;
  force: boolean;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const args: CliArgs = { outDir: 'data', seed: 42, small: false, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--out') args.outDir = value();
    else if (flag === '--seed') {
      const v = value();
      args.seed = Number(v);
      if (!Number.isInteger(args.seed)) throw new Error(`--seed must be an integer, got ${v}`);
    } else if (flag === '--small') args.small = true;
    else if (flag === '--force') args.force = true;
    else if (flag === '--help' || flag === '-h') {
      console.log('usage: tsx build/data/generate.ts [--out DIR] [--seed N] [--small] [--force]');
      process.exit(0);
    } else throw new Error(`unknown argument: ${a}`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const metaFile = path.resolve(args.outDir, 'image_metadata.csv');
  if (!args.force) {
    const exists = await access(metaFile).then(
      () => true,
      () => false,
    );
    if (exists) {
      console.log(`dataset already exists at ${path.dirname(metaFile)} (use --force to regenerate)`);
      await ensureTranscodedSizes(path.dirname(metaFile));
      return;
    }
  }
  const t0 = performance.now();
  const s = await generateDataset({ outDir: args.outDir, seed: args.seed, small: args.small });
  const secs = (performance.now() - t0) / 1000;
  const parts = CATEGORIES.map((c) => `${c}=${s.byCategory[c].count}`).join(' ');
  console.log(
    `generated ${s.images} images (${parts}), ${(s.totalBytes / 1e6).toFixed(1)} MB, ${s.requests} requests, ` +
      `seed ${args.seed}${args.small ? ' (small)' : ''} into ${path.resolve(args.outDir)} in ${secs.toFixed(1)} s`,
  );
  await ensureTranscodedSizes(path.resolve(args.outDir), true);
}

/** Writes `transcoded_sizes.csv` (the replay's `--sizes` input, see transcodedSizes.ts) when missing or `force`. */
async function ensureTranscodedSizes(dir: string, force = false): Promise<void> {
  const file = path.join(dir, 'transcoded_sizes.csv');
  if (!force && (await access(file).then(() => true, () => false))) return;
  const t0 = performance.now();
  const { rows } = await writeTranscodedSizes(dir);
  const stored = rows.reduce((s, r) => s + r.storedBytes, 0);
  const original = rows.reduce((s, r) => s + r.originalBytes, 0);
  console.log(
    `wrote ${file}: ${rows.filter((r) => r.outcome === 'transcoded').length} of ${rows.length} images transcoded (sharp), ` +
      `${original} → ${stored} bytes, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
