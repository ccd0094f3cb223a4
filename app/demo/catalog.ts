/**
 * The demo's dataset: `/data/image_metadata.csv` parsed into map tiles, drivers, vehicles and
 * banners. The last good copy is kept in `localStorage`, so the page can still lay itself out
 * offline even when nothing caches the CSV itself.
 * @internal Demo only.
 */

/** Where the dataset lives; image `filename`s are relative to {@link IMAGES_BASE}. */
export const METADATA_URL = '/data/image_metadata.csv';
export const IMAGES_BASE = '/data/images/';
const SAVED_KEY = 'sw-image-cache-demo:image_metadata.csv';

/** One row of `image_metadata.csv`. */
export interface ImageRecord {
  id: string;
  /** Relative to {@link IMAGES_BASE}, e.g. `map_tile/5/3/7.png`. */
  filename: string;
  /** Absolute path on this origin, e.g. `/data/images/map_tile/5/3/7.png`. */
  url: string;
  format: string;
  width: number;
  height: number;
  bytes: number;
  category: string;
}

/** The map tiles of one zoom level. */
export interface TileGrid {
  z: number;
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  /** Tile edge in CSS pixels (from the CSV's width; 256). */
  tileSize: number;
  /** `"x,y"` → tile URL. */
  urls: Map<string, string>;
}

/** The dataset grouped for the demo. */
export interface Catalog {
  grid: TileGrid | undefined;
  drivers: ImageRecord[];
  vehicles: ImageRecord[];
  banners: ImageRecord[];
  total: number;
}

/** Splits CSV text into rows of fields (RFC 4180 quotes supported). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.some((f) => f !== '')) rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  row.push(field);
  if (row.some((f) => f !== '')) rows.push(row);
  return rows;
}

const TILE_PATH = /^map_tile\/(\d+)\/(\d+)\/(\d+)\.\w+$/;

/** Groups parsed metadata; images that differ only by extension are shown once. */
export function buildCatalog(text: string): Catalog {
  const [header, ...rows] = parseCsv(text);
  if (header === undefined) throw new Error('image_metadata.csv is empty');
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`image_metadata.csv has no "${name}" column`);
    return i;
  };
  const [iId, iFile, iFormat, iW, iH, iBytes, iCat] = [
    'image_id', 'filename', 'format', 'width', 'height', 'size_bytes', 'category',
  ].map(col) as [number, number, number, number, number, number, number];

  const seenStems = new Set<string>();
  const byCategory = new Map<string, ImageRecord[]>();
  const tilesByZoom = new Map<number, { x: number; y: number; url: string; size: number }[]>();
  for (const r of rows) {
    const filename = r[iFile] ?? '';
    const stem = filename.replace(/\.\w+$/, '');
    if (filename === '' || seenStems.has(stem)) continue;
    seenStems.add(stem);
    const record: ImageRecord = {
      id: r[iId] ?? stem,
      filename,
      url: IMAGES_BASE + filename.split('/').map(encodeURIComponent).join('/'),
      format: r[iFormat] ?? '',
      width: Number(r[iW]),
      height: Number(r[iH]),
      bytes: Number(r[iBytes]),
      category: r[iCat] ?? '',
    };
    const tile = TILE_PATH.exec(filename);
    if (record.category === 'map_tile' && tile) {
      const z = Number(tile[1]);
      const list = tilesByZoom.get(z) ?? [];
      list.push({ x: Number(tile[2]), y: Number(tile[3]), url: record.url, size: record.width || 256 });
      tilesByZoom.set(z, list);
    } else {
      const list = byCategory.get(record.category) ?? [];
      list.push(record);
      byCategory.set(record.category, list);
    }
  }

  // The zoom level with the most tiles is the map.
  let grid: TileGrid | undefined;
  const best = [...tilesByZoom].sort((a, b) => b[1].length - a[1].length)[0];
  if (best !== undefined) {
    const [z, tiles] = best;
    grid = {
      z,
      minX: Math.min(...tiles.map((t) => t.x)),
      maxX: Math.max(...tiles.map((t) => t.x)),
      minY: Math.min(...tiles.map((t) => t.y)),
      maxY: Math.max(...tiles.map((t) => t.y)),
      tileSize: tiles[0]!.size,
      urls: new Map(tiles.map((t) => [`${t.x},${t.y}`, t.url])),
    };
  }
  const sorted = (category: string): ImageRecord[] =>
    (byCategory.get(category) ?? []).sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }));
  return {
    grid,
    drivers: sorted('driver_photo'),
    vehicles: sorted('vehicle'),
    banners: sorted('banner'),
    total: rows.length,
  };
}

/**
 * Fetches and parses the metadata; falls back to the copy saved by the last successful load.
 * @returns the catalog and where it came from.
 * @throws Error when neither the network nor a saved copy has it.
 */
export async function loadCatalog(): Promise<{ catalog: Catalog; source: 'network' | 'saved' }> {
  let networkError: unknown;
  try {
    const res = await fetch(METADATA_URL);
    if (!res.ok) throw new Error(`${METADATA_URL}: HTTP ${res.status}`);
    const text = await res.text();
    const catalog = buildCatalog(text);
    try {
      localStorage.setItem(SAVED_KEY, text);
    } catch {
      // Storage full or disabled: the demo still works online.
    }
    return { catalog, source: 'network' };
  } catch (error) {
    networkError = error;
  }
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(SAVED_KEY);
  } catch {
    // ignore
  }
  if (saved !== null) return { catalog: buildCatalog(saved), source: 'saved' };
  throw networkError;
}
