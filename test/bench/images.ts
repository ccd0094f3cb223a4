/**
 * The benchmark's image set, generated once with sharp into `.cache/bench-images/` (git-ignored)
 * and reused while its `manifest.json` says the same {@link IMAGE_SET_VERSION}.
 *
 * Deterministic: a seeded PRNG draws each image's target size (log-uniform, 2 KB–300 KB), format
 * (PNG, JPEG, WebP in turn) and pixels (a smooth gradient plus noise, whose amplitude sets how well
 * it compresses). A few ~3 MB images (noisy PNGs) stand for the multi-MB banners of real apps.
 *
 * Also: {@link tinyPng}, a distinct small PNG per integer, generated in memory (no sharp, no files)
 * so a server hook can answer `/tiny/<n>.png` for the 10,000-entry cache fills.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';

/** Bumped whenever the generator changes, so an old cache is regenerated. */
export const IMAGE_SET_VERSION = 2;

/** Where the set lives (relative to the repository root). */
export const BENCH_IMAGE_DIR = path.resolve('.cache/bench-images');

/** One generated image. */
export interface BenchImage {
  /** File name inside {@link BENCH_IMAGE_DIR}, e.g. `i042.webp`. */
  file: string;
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
  bytes: number;
  /** `large` for the ~3 MB ones. */
  kind: 'small' | 'large';
}

/** The manifest written next to the images. */
interface ImageSetManifest {
  version: number;
  seed: number;
  images: BenchImage[];
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Raw RGB pixels: a gradient plus noise of amplitude `noise` (0–255). */
function pixels(width: number, height: number, noise: number, rand: () => number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  const r0 = rand() * 255;
  const g0 = rand() * 255;
  const b0 = rand() * 255;
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx = (x / width) * 128;
      const gy = (y / height) * 128;
      buf[i++] = Math.max(0, Math.min(255, (r0 + gx + (rand() - 0.5) * noise) | 0));
      buf[i++] = Math.max(0, Math.min(255, (g0 + gy + (rand() - 0.5) * noise) | 0));
      buf[i++] = Math.max(0, Math.min(255, (b0 + gx - gy + (rand() - 0.5) * noise) | 0));
    }
  }
  return buf;
}

async function encode(raw: Buffer, width: number, height: number, format: BenchImage['format']): Promise<Buffer> {
  const img = sharp(raw, { raw: { width, height, channels: 3 } });
  if (format === 'png') return img.png({ compressionLevel: 6 }).toBuffer();
  if (format === 'jpeg') return img.jpeg({ quality: 82 }).toBuffer();
  return img.webp({ quality: 80 }).toBuffer();
}

/** Rough bytes per pixel of each format at the noise level used for small images. */
const BYTES_PER_PIXEL: Record<BenchImage['format'], number> = { png: 1.6, jpeg: 0.9, webp: 0.6 };

/** Options of {@link ensureBenchImages}. */
export interface ImageSetOptions {
  /** Number of 2 KB–300 KB images. @default 300 */
  smallCount?: number;
  /** Number of ~3 MB images. @default 4 */
  largeCount?: number;
  /** PRNG seed. @default 20251124 */
  seed?: number;
  /** Print progress. @default true */
  log?: boolean;
}

/**
 * Returns the image set, generating it into {@link BENCH_IMAGE_DIR} first when it is missing or
 * was generated with other options. Deterministic for given options.
 */
export async function ensureBenchImages(options: ImageSetOptions = {}): Promise<BenchImage[]> {
  const smallCount = options.smallCount ?? 300;
  const largeCount = options.largeCount ?? 4;
  const seed = options.seed ?? 20251124;
  const manifestPath = path.join(BENCH_IMAGE_DIR, 'manifest.json');
  if (existsSync(manifestPath)) {
    try {
      const m = JSON.parse(await readFile(manifestPath, 'utf8')) as ImageSetManifest;
      const small = m.images.filter((i) => i.kind === 'small').length;
      const large = m.images.filter((i) => i.kind === 'large').length;
      if (m.version === IMAGE_SET_VERSION && m.seed === seed && small === smallCount && large === largeCount &&
        m.images.every((i) => existsSync(path.join(BENCH_IMAGE_DIR, i.file)))) {
        return m.images;
      }
    } catch {
      // regenerate
    }
  }
  const started = performance.now();
  if (options.log !== false) console.log(`generating ${smallCount + largeCount} bench images into ${path.relative(process.cwd(), BENCH_IMAGE_DIR)}/ …`);
  await rm(BENCH_IMAGE_DIR, { recursive: true, force: true });
  await mkdir(BENCH_IMAGE_DIR, { recursive: true });
  const rand = prng(seed);
  const formats: BenchImage['format'][] = ['png', 'jpeg', 'webp'];
  const ext = { png: 'png', jpeg: 'jpg', webp: 'webp' } as const;
  const images: BenchImage[] = [];
  for (let i = 0; i < smallCount; i++) {
    const format = formats[i % 3]!;
    // Log-uniform target between 2 KB and 300 KB.
    const target = Math.exp(Math.log(2048) + rand() * (Math.log(300 * 1024) - Math.log(2048)));
    const aspect = 0.6 + rand() * 0.8;
    let scale = 1;
    let data: Buffer = Buffer.alloc(0);
    let width = 0;
    let height = 0;
    // Bounded correction loop: aim at the target, accept what comes out within the range.
    for (let attempt = 0; attempt < 4; attempt++) {
      const px = Math.max(64, (target / BYTES_PER_PIXEL[format]) * scale);
      width = Math.max(8, Math.round(Math.sqrt(px * aspect)));
      height = Math.max(8, Math.round(px / width));
      data = await encode(pixels(width, height, 90, prng(seed + i * 7919 + attempt)), width, height, format);
      if (data.byteLength >= 2048 && data.byteLength <= 300 * 1024) break;
      scale *= target / data.byteLength;
    }
    const file = `i${String(i).padStart(3, '0')}.${ext[format]}`;
    await writeFile(path.join(BENCH_IMAGE_DIR, file), data);
    images.push({ file, format, width, height, bytes: data.byteLength, kind: 'small' });
  }
  for (let i = 0; i < largeCount; i++) {
    // Noisy RGB PNG: ~3 bytes per pixel, so 1200×1000 ≈ 3 MB.
    const width = 1200 + i * 8;
    const height = 1000;
    const data = await encode(pixels(width, height, 255, prng(seed * 31 + i)), width, height, 'png');
    const file = `large${i}.png`;
    await writeFile(path.join(BENCH_IMAGE_DIR, file), data);
    images.push({ file, format: 'png', width, height, bytes: data.byteLength, kind: 'large' });
  }
  const manifest: ImageSetManifest = { version: IMAGE_SET_VERSION, seed, images };
  await writeFile(manifestPath, JSON.stringify(manifest, null, 1) + '\n');
  if (options.log !== false) {
    const mib = images.reduce((s, i) => s + i.bytes, 0) / 1048576;
    console.log(`  ${images.length} images, ${mib.toFixed(1)} MiB, in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return images;
}

// ----- tiny distinct PNGs for the cache fills ------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = CRC_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A distinct 8×8 RGB PNG for `n` (its pixels encode `n`), about 100 bytes. Pure and fast
 * (~10 µs), so a server hook can generate 10,000 of them on demand.
 */
export function tinyPng(n: number): Buffer {
  const size = 8;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const o = row + 1 + x * 3;
      raw[o] = n & 0xff;
      raw[o + 1] = (n >>> 8) & 0xff;
      raw[o + 2] = (x * 31 + y * 17 + (n >>> 16)) & 0xff;
    }
  }
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}
