import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../../build/data/generate.ts';
import { transcodedSizeOf, writeTranscodedSizes, type TranscodedSize } from '../../../build/data/transcodedSizes.ts';
import { loadStoredSizes } from '../../../build/replay/index.ts';
import { parseTranscodeOptions } from '../../../sw/transcode/TranscodeOptions.ts';

/**
 * The replay's transcoded sizes (`transcoded_sizes.csv`, written by `npm run data`): consistent with
 * the dataset and with the worker's rules, on the small dataset.
 */
describe('transcoded sizes of the dataset (sharp)', () => {
  let dir = '';
  let rows: TranscodedSize[];
  let csv: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sw-image-sizes-'));
    await generateDataset({ outDir: dir, seed: 7, small: true });
    const written = await writeTranscodedSizes(dir);
    rows = written.rows;
    csv = await readFile(written.file, 'utf8');
  }, 180_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('listsEveryImageOfTheMetadataWithItsOriginalSize', async () => {
    const meta = (await readFile(path.join(dir, 'image_metadata.csv'), 'utf8')).trimEnd().split('\n').slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r.key)).toEqual(meta.map((m) => `/data/images/${m[1]}`));
    expect(rows.map((r) => r.originalBytes)).toEqual(meta.map((m) => Number(m[5])));
    // Every key of the access log has a stored size.
    const log = (await readFile(path.join(dir, 'access_log.csv'), 'utf8')).trimEnd().split('\n').slice(1);
    const sizes = await loadStoredSizes(path.join(dir, 'transcoded_sizes.csv'));
    for (const line of log) expect(sizes.has(line.split(',')[1]!)).toBe(true);
    expect(csv.split('\n')[0]).toBe('image_id,key,category,size,stored_size,outcome,encoded_size,ssim');
  });

  it('neverStoresMoreThanTheOriginalAndLeavesSkippedImagesUnchanged', () => {
    for (const r of rows) {
      expect(r.storedBytes, r.key).toBeLessThanOrEqual(r.originalBytes);
      if (r.outcome === 'transcoded') {
        // kept only when it saves ≥ minSavingsRatio (0.1 on both demo routes)
        expect(r.storedBytes, r.key).toBeLessThanOrEqual(r.originalBytes * 0.9);
        expect(r.storedBytes).toBe(r.encodedBytes);
      } else {
        expect(r.storedBytes, r.key).toBe(r.originalBytes);
      }
    }
    // The worker's skips: WebP images are already the target; lossy results keep SSIM ≥ 0.98.
    for (const r of rows.filter((x) => x.key.endsWith('.webp'))) expect(r.outcome).toBe('already-target');
    for (const r of rows.filter((x) => x.outcome === 'transcoded' && x.category !== 'map_tile')) expect(r.ssim!).toBeGreaterThanOrEqual(0.98);
    for (const r of rows.filter((x) => x.outcome === 'low-fidelity')) expect(r.ssim!).toBeLessThan(0.98);
    expect(rows.filter((r) => r.category === 'map_tile' && r.outcome === 'transcoded').length).toBeGreaterThan(0);
  });

  it('skipsAnimatedAndSvgAsTheWorkerDoes', async () => {
    const lossy = parseTranscodeOptions({ to: 'image/webp', quality: 0.8 }, 't');
    const frame = (r: number) => sharp({ create: { width: 32, height: 24, channels: 4, background: { r, g: 9, b: 9, alpha: 1 } } }).png().toBuffer();
    const gif = await sharp(await Promise.all([frame(250), frame(10)]), { join: { animated: true } }).gif().toBuffer();
    expect(await transcodedSizeOf(gif, 'image/gif', lossy)).toEqual({ storedBytes: gif.length, outcome: 'animated', encodedBytes: null, ssim: null });
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    expect(await transcodedSizeOf(svg, 'image/svg+xml', lossy)).toMatchObject({ storedBytes: svg.length, outcome: 'svg' });
    const big = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#888' } }).png().toBuffer();
    expect(await transcodedSizeOf(big, 'image/png', parseTranscodeOptions({ to: 'image/webp', maxPixels: 1000 }, 't'))).toMatchObject({ storedBytes: big.length, outcome: 'too-many-pixels' });
  });
});
