import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../build/data/generate.ts';

const SEED = 7;

/** All files under `dir`, as forward-slash paths relative to it, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

async function sha256(file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex');
}

function parseCsv(text: string): { header: string; rows: string[][] } {
  const lines = text.trimEnd().split('\n');
  return { header: lines[0] ?? '', rows: lines.slice(1).map((l) => l.split(',')) };
}

describe('dataset generator (small mode)', () => {
  let dirA = '';
  let dirB = '';
  let summary: Awaited<ReturnType<typeof generateDataset>>;

  beforeAll(async () => {
    dirA = await mkdtemp(path.join(tmpdir(), 'sw-image-data-a-'));
    dirB = await mkdtemp(path.join(tmpdir(), 'sw-image-data-b-'));
    summary = await generateDataset({ outDir: dirA, seed: SEED, small: true });
    await generateDataset({ outDir: dirB, seed: SEED, small: true });
  }, 120_000);

  afterAll(async () => {
    for (const d of [dirA, dirB]) if (d) await rm(d, { recursive: true, force: true });
  });

  it('is byte-identical for the same seed', async () => {
    const filesA = await listFiles(dirA);
    const filesB = await listFiles(dirB);
    expect(filesB).toEqual(filesA);
    expect(filesA).toContain('image_metadata.csv');
    expect(filesA).toContain('access_log.csv');
    expect(filesA).toContain('README.txt');
    for (const f of filesA) {
      expect(await sha256(path.join(dirB, f)), f).toBe(await sha256(path.join(dirA, f)));
    }
  });

  it('lists every image with its real size, format and dimensions', async () => {
    const { header, rows } = parseCsv(await readFile(path.join(dirA, 'image_metadata.csv'), 'utf8'));
    expect(header).toBe('image_id,filename,format,width,height,size_bytes,category');
    expect(rows.length).toBe(summary.images);
    expect(rows.length).toBeGreaterThanOrEqual(30);
    expect(rows.length).toBeLessThanOrEqual(80);

    const imageFiles = (await listFiles(path.join(dirA, 'images'))).sort();
    expect(rows.map((r) => r[1]).sort()).toEqual(imageFiles);

    let total = 0;
    const ids = new Set<string>();
    for (const row of rows) {
      expect(row).toHaveLength(7);
      const [id, filename, format, width, height, size, category] = row as [string, string, string, string, string, string, string];
      ids.add(id);
      expect(filename.startsWith(`${category}/`), filename).toBe(true);
      const file = path.join(dirA, 'images', filename);
      expect((await stat(file)).size, filename).toBe(Number(size));
      const meta = await sharp(file).metadata();
      expect(meta.format, filename).toBe(format);
      expect(meta.width, filename).toBe(Number(width));
      expect(meta.height, filename).toBe(Number(height));
      total += Number(size);
    }
    expect(ids.size).toBe(rows.length);
    expect(total).toBe(summary.totalBytes);
    expect(total).toBeLessThan(3_000_000);

    expect(new Set(rows.map((r) => r[6]))).toEqual(new Set(['map_tile', 'driver_photo', 'vehicle', 'banner']));
    expect(new Set(rows.map((r) => r[2]))).toEqual(new Set(['png', 'jpeg', 'webp']));

    // sorted by category, then filename
    const keys = rows.map((r) => `${r[6]}\u0000${r[1]}`);
    expect(keys).toEqual([...keys].sort());

    // map tiles are 256x256 PNGs forming a full square grid at one zoom level
    const tiles = rows.filter((r) => r[6] === 'map_tile');
    const coords = tiles.map((r) => /^map_tile\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(r[1] as string));
    expect(coords.every((m) => m !== null)).toBe(true);
    expect(new Set(coords.map((m) => m?.[1])).size).toBe(1);
    const side = Math.round(Math.sqrt(tiles.length));
    expect(side * side).toBe(tiles.length);
    expect(side).toBeGreaterThanOrEqual(4);
    for (const r of tiles) {
      expect(r[2]).toBe('png');
      expect([r[3], r[4]]).toEqual(['256', '256']);
    }
  });

  it('writes an access log whose keys and sizes match the metadata', async () => {
    const meta = parseCsv(await readFile(path.join(dirA, 'image_metadata.csv'), 'utf8')).rows;
    const byKey = new Map(meta.map((r) => [`/data/images/${r[1]}`, r]));
    const { header, rows } = parseCsv(await readFile(path.join(dirA, 'access_log.csv'), 'utf8'));
    expect(header).toBe('time,key,size,image_id,category');
    expect(rows.length).toBeGreaterThanOrEqual(1000);

    let prev = 0;
    const categories = new Set<string>();
    for (const row of rows) {
      expect(row).toHaveLength(5);
      const [time, key, size, id, category] = row as [string, string, string, string, string];
      const m = byKey.get(key);
      expect(m, key).toBeDefined();
      expect(size, key).toBe(m?.[5]);
      expect(id, key).toBe(m?.[0]);
      expect(category, key).toBe(m?.[6]);
      const t = Number(time);
      expect(Number.isInteger(t)).toBe(true);
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
      categories.add(category);
    }
    expect(Number(rows[0]?.[0])).toBe(0);
    expect(categories.has('map_tile')).toBe(true);
    expect(categories.has('driver_photo')).toBe(true);
  });
});
