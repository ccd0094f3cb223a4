import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../sw/config.ts';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';
import { decideTranscode, worthStoring } from '../../../sw/transcode/decideTranscode.ts';
import { sniffImage } from '../../../sw/transcode/sniffImage.ts';
import { parseTranscodeOptions } from '../../../sw/transcode/TranscodeOptions.ts';

const solid = (w: number, h: number, r: number) => sharp({ create: { width: w, height: h, channels: 4, background: { r, g: 40, b: 90, alpha: 1 } } });
const frames = () => Promise.all([solid(12, 10, 255).png().toBuffer(), solid(12, 10, 0).png().toBuffer()]);
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Inserts an APNG `acTL` chunk (2 frames, infinite loop) right after IHDR, with its CRC: what libpng-apng writes first. */
function withActl(png: Buffer): Buffer {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(2, 0);
  data.writeUInt32BE(0, 4);
  const type = Buffer.from('acTL');
  const chunk = Buffer.alloc(12 + 8);
  chunk.writeUInt32BE(8, 0);
  type.copy(chunk, 4);
  data.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(Buffer.concat([type, data])), 16);
  const ihdrEnd = 8 + 12 + 13;
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk, png.subarray(ihdrEnd)]);
}

const options = parseTranscodeOptions({ to: 'image/webp', quality: 0.8, maxPixels: 10_000 }, 't');

describe('sniffImage', () => {
  it('readsTypeAndSizeOfStaticImages', async () => {
    for (const [fmt, type] of [['png', 'image/png'], ['jpeg', 'image/jpeg'], ['gif', 'image/gif'], ['webp', 'image/webp']] as const) {
      const bytes = await solid(37, 21, 10).toFormat(fmt).toBuffer();
      expect(sniffImage(u8(bytes)), fmt).toEqual({ type, animated: false, width: 37, height: 21 });
    }
    const lossless = await solid(37, 21, 10).webp({ lossless: true }).toBuffer();
    expect(sniffImage(u8(lossless))).toEqual({ type: 'image/webp', animated: false, width: 37, height: 21 });
  });
  it('detectsAnimatedGifWebpAndApng', async () => {
    const f = await frames();
    const gif = await sharp(f, { join: { animated: true } }).gif().toBuffer();
    const webp = await sharp(f, { join: { animated: true } }).webp().toBuffer();
    expect(sniffImage(u8(gif))).toMatchObject({ type: 'image/gif', animated: true, width: 12, height: 10 });
    expect(sniffImage(u8(webp))).toMatchObject({ type: 'image/webp', animated: true, width: 12, height: 10 });
    const apng = withActl(f[0]!);
    expect(sniffImage(u8(apng))).toMatchObject({ type: 'image/png', animated: true, width: 12, height: 10 });
    // The same PNG without acTL is static; sharp still decodes the APNG (the chunk is well-formed).
    expect(sniffImage(u8(f[0]!)).animated).toBe(false);
    expect((await sharp(apng).metadata()).width).toBe(12);
  });
  it('recognisesSvgAndUnknownBytes', () => {
    const svg = new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>');
    expect(sniffImage(svg).type).toBe('image/svg+xml');
    expect(sniffImage(new TextEncoder().encode('hello')).type).toBeNull();
  });
});

describe('decideTranscode', () => {
  it('transcodesStaticPngAndJpegWithinMaxPixels', async () => {
    const png = u8(await solid(50, 40, 10).png().toBuffer());
    expect(decideTranscode(png, 'image/png', false, options)).toEqual({ transcode: true, from: 'image/png', pixels: 2000 });
    const jpg = u8(await solid(100, 100, 10).jpeg().toBuffer());
    expect(decideTranscode(jpg, 'image/jpeg', false, options)).toEqual({ transcode: true, from: 'image/jpeg', pixels: 10_000 });
  });
  it('skipsWithTheReason', async () => {
    const f = await frames();
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"></svg>');
    const reason = (bytes: Uint8Array, type: string | null, opaque = false) => {
      const d = decideTranscode(bytes, type, opaque, options);
      return d.transcode ? 'transcode' : d.reason;
    };
    expect(reason(new Uint8Array(0), null, true)).toBe('opaque');
    expect(reason(svg, 'image/svg+xml')).toBe('svg');
    expect(reason(svg, 'application/octet-stream')).toBe('svg');
    expect(reason(u8(await sharp(f, { join: { animated: true } }).gif().toBuffer()), 'image/gif')).toBe('animated');
    expect(reason(u8(await sharp(f, { join: { animated: true } }).webp().toBuffer()), 'image/webp')).toBe('animated');
    expect(reason(u8(withActl(f[0]!)), 'image/png')).toBe('animated');
    expect(reason(u8(await solid(101, 100, 0).png().toBuffer()), 'image/png')).toBe('too-many-pixels');
    expect(reason(u8(await solid(10, 10, 0).webp().toBuffer()), 'image/webp')).toBe('already-target');
    expect(reason(new TextEncoder().encode('not an image'), 'image/png')).toBe('unsupported-type');
    expect(reason(u8(await solid(10, 10, 0).gif().toBuffer()), 'image/gif')).toBe('transcode');
  });
});

describe('worthStoring', () => {
  it('needsAtLeastMinSavingsRatio', () => {
    expect(worthStoring(1000, 900, 0.1)).toBe(true);
    expect(worthStoring(1000, 901, 0.1)).toBe(false);
    expect(worthStoring(1000, 1000, 0)).toBe(false);
    expect(worthStoring(1000, 999, 0)).toBe(true);
  });
});

describe('transcode option', () => {
  it('fillsDefaults', () => {
    const config = resolveConfig({ maxBytes: 1000, routes: [{ pattern: 'x', transcode: { to: 'image/webp' } }, { pattern: 'y' }] });
    expect(config.routes[0]!.transcode).toEqual({ to: 'image/webp', lossless: false, quality: 0.8, minSavingsRatio: 0.1, maxPixels: 16_000_000 });
    expect(config.routes[1]!.transcode).toBeUndefined();
    const lossless = parseTranscodeOptions({ to: 'image/webp', lossless: true }, 'k');
    expect(lossless.quality).toBe(1);
    // The worker resolves the build's resolved config again: resolving is idempotent.
    expect(parseTranscodeOptions(lossless, 'k')).toEqual(lossless);
    expect(resolveConfig(config).routes).toEqual(config.routes);
  });
  it('namesTheBadKey', () => {
    const bad: Array<[unknown, string]> = [
      [{ to: 'image/avif' }, 'routes[0].transcode.to'],
      [{ to: 'image/webp', quality: 1 }, 'routes[0].transcode.quality'],
      [{ to: 'image/webp', lossless: true, quality: 0.5 }, 'routes[0].transcode.quality'],
      [{ to: 'image/webp', lossless: 'yes' }, 'routes[0].transcode.lossless'],
      [{ to: 'image/webp', minSavingsRatio: 2 }, 'routes[0].transcode.minSavingsRatio'],
      [{ to: 'image/webp', maxPixels: 0.5 }, 'routes[0].transcode.maxPixels'],
      [{ to: 'image/webp', speed: 1 }, 'routes[0].transcode.speed'],
      ['webp', 'routes[0].transcode'],
    ];
    for (const [transcode, key] of bad) {
      let caught: unknown;
      try {
        resolveConfig({ maxBytes: 1000, routes: [{ pattern: 'x', transcode }] });
      } catch (e) {
        caught = e;
      }
      expect(caught, key).toBeInstanceOf(ImageCacheError);
      expect((caught as ImageCacheError).details.key, JSON.stringify(transcode)).toBe(key);
    }
  });
});
