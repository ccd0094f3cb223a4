/**
 * A synthetic city map drawn as one continuous world-coordinate scene and cut
 * into 256x256 PNG tiles. Each tile is an SVG whose viewBox is a 256x256
 * window on the same world geometry, translated by a whole number of pixels,
 * so neighbouring tiles line up exactly.
 */
import { gaussian, pick, randInt, rngFor, uniform, type Rng } from './prng.ts';

/** Tile edge length in pixels. */
export const TILE_SIZE = 256;

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A small feature (block fill, building, tree...) with its world bounding box. */
interface Feature {
  bbox: Rect;
  svg: string;
}

interface Street {
  /** world coordinate (px) of the street's centre line */
  pos: number;
  /** 0 = minor, 1 = secondary, 2 = primary */
  rank: 0 | 1 | 2;
}

/** The generated world: geometry shared by every tile. */
export interface CityWorld {
  /** tiles per side */
  tiles: number;
  /** world edge length in pixels (tiles * 256) */
  size: number;
  /** small features bucketed per tile: index = ty * tiles + tx */
  buckets: Feature[][];
  /** street labels bucketed per tile (drawn on top of everything) */
  labels: Feature[][];
  vertical: Street[];
  horizontal: Street[];
  /** large features drawn in every tile (SVG path strings in world coordinates) */
  water: string;
  rail: string;
  bigRoads: string;
  /** a tile near the busy city centre (tile coordinates) */
  centre: { x: number; y: number };
  /** other popular places (tile coordinates), e.g. station and airport */
  hotspots: { x: number; y: number }[];
}

const C = {
  land: '#f2efe9',
  residential: '#e0dfdf',
  commercial: '#f2dad9',
  industrial: '#ebdbe8',
  building: '#d9d0c9',
  buildingLine: '#c4b6ab',
  park: '#c8facc',
  forest: '#add19e',
  tree: '#8dc56c',
  pitch: '#aae0cb',
  parking: '#eeeeee',
  water: '#aad3df',
  waterLine: '#8fbfd0',
  minor: '#ffffff',
  minorCase: '#c7c2bb',
  secondary: '#f7fabf',
  secondaryCase: '#a9ab78',
  primary: '#fcd6a4',
  primaryCase: '#b98a45',
  motorway: '#e892a2',
  motorwayCase: '#c24e6b',
  rail: '#707070',
  path: '#fa8072',
};

const STREET_NAMES = [
  'Oak', 'Maple', 'Cedar', 'Pine', 'Elm', 'Birch', 'Willow', 'Harbor', 'Market', 'Station', 'Mill', 'River',
  'Church', 'King', 'Queen', 'Union', 'Franklin', 'Lincoln', 'Bridge', 'Canal', 'Garden', 'Hill', 'Lake',
  'Spring', 'Highland', 'Grove', 'Forest', 'Meadow', 'Chestnut', 'Walnut', 'Poplar', 'Ash', 'Beacon',
  'Liberty', 'Harrison', 'Jefferson', 'Madison', 'Monroe', 'Adams', 'Jackson', 'Orchard', 'Vine', 'Water',
];

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

function streetPositions(rng: Rng, size: number): Street[] {
  const out: Street[] = [];
  let pos = -uniform(rng, 10, 110); // the first street may lie just off the map: no empty edge
  let i = randInt(rng, 0, 4);
  while (pos < size + 200) {
    const rank: 0 | 1 | 2 = i % 10 === 0 ? 2 : i % 5 === 0 ? 1 : 0;
    out.push({ pos, rank });
    pos += uniform(rng, 92, 168);
    i++;
  }
  return out;
}

function streetWidth(rank: 0 | 1 | 2): number {
  return rank === 2 ? 15 : rank === 1 ? 12 : 8;
}

/** Smooth SVG path through points (Catmull-Rom converted to cubic Béziers). */
function smoothPath(pts: [number, number][], closed = false): string {
  if (pts.length < 2) return '';
  const n = pts.length;
  const p = (i: number): [number, number] =>
    pts[closed ? ((i % n) + n) % n : Math.max(0, Math.min(n - 1, i))] as [number, number];
  let d = `M${f1(p(0)[0])} ${f1(p(0)[1])}`;
  for (let i = 0; i < (closed ? n : n - 1); i++) {
    const [x0, y0] = p(i - 1);
    const [x1, y1] = p(i);
    const [x2, y2] = p(i + 1);
    const [x3, y3] = p(i + 2);
    d += `C${f1(x1 + (x2 - x0) / 6)} ${f1(y1 + (y2 - y0) / 6)} ${f1(x2 - (x3 - x1) / 6)} ${f1(y2 - (y3 - y1) / 6)} ${f1(x2)} ${f1(y2)}`;
  }
  return d;
}

/** Distance from point to a polyline (px). */
function distToPolyline(x: number, y: number, pts: [number, number][]): number {
  let best = Infinity;
  for (let i = 0; i < pts.length - 1; i++) {
    const [ax, ay] = pts[i] as [number, number];
    const [bx, by] = pts[i + 1] as [number, number];
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy || 1;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len2));
    const d = Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
    if (d < best) best = d;
  }
  return best;
}

/**
 * Builds the city for a grid of `tiles` x `tiles` map tiles.
 * @param seed dataset seed.
 * @param tiles tiles per side (e.g. 24 in full mode, 6 in small mode).
 */
export function buildCity(seed: number, tiles: number): CityWorld {
  const rng = rngFor(seed, 'city');
  const size = tiles * TILE_SIZE;
  const vertical = streetPositions(rng, size);
  const horizontal = streetPositions(rng, size);

  const centre = {
    x: Math.floor(tiles / 2 + uniform(rng, -0.15, 0.15) * tiles * 0.3),
    y: Math.floor(tiles / 2 + uniform(rng, -0.15, 0.15) * tiles * 0.3),
  };
  const cx = (centre.x + 0.5) * TILE_SIZE;
  const cy = (centre.y + 0.5) * TILE_SIZE;

  // River: meanders west to east, passing a little south of the centre.
  const river: [number, number][] = [];
  const riverY = cy + size * uniform(rng, 0.08, 0.14);
  const steps = Math.max(6, tiles);
  for (let i = 0; i <= steps; i++) {
    const x = -300 + ((size + 600) * i) / steps;
    const y = riverY + Math.sin(i * 0.9 + rng() * 0.6) * size * 0.05 + gaussian(rng) * size * 0.01;
    river.push([x, y]);
  }
  const riverWidth = Math.max(60, size * 0.018);

  // Lakes: a few rounded blobs away from the centre.
  const lakes: { pts: [number, number][]; cx: number; cy: number; r: number }[] = [];
  const lakeCount = Math.max(1, Math.round(tiles / 8));
  for (let i = 0; i < lakeCount; i++) {
    const r = uniform(rng, 0.6, 1.4) * TILE_SIZE * Math.max(0.6, tiles / 16);
    let lx = 0;
    let ly = 0;
    for (let tries = 0; tries < 20; tries++) {
      lx = uniform(rng, r, size - r);
      ly = uniform(rng, r, size - r);
      if (Math.hypot(lx - cx, ly - cy) > size * 0.25 && distToPolyline(lx, ly, river) > r + riverWidth * 2) break;
    }
    const pts: [number, number][] = [];
    const n = 14;
    for (let k = 0; k < n; k++) {
      const a = (k / n) * Math.PI * 2;
      const rr = r * (0.8 + 0.18 * Math.sin(a * 3 + i) + 0.08 * rng());
      pts.push([lx + Math.cos(a) * rr * 1.3, ly + Math.sin(a) * rr]);
    }
    lakes.push({ pts, cx: lx, cy: ly, r: r * 1.4 });
  }

  const inWater = (x: number, y: number, margin: number): boolean => {
    if (distToPolyline(x, y, river) < riverWidth / 2 + margin) return true;
    return lakes.some((l) => Math.hypot((x - l.cx) / 1.3, y - l.cy) < l.r * 0.75 + margin);
  };

  // Hotspots: station and airport-ish places.
  const hotspots: { x: number; y: number }[] = [];
  for (let i = 0; i < 3; i++) {
    hotspots.push({ x: randInt(rng, 1, tiles - 2), y: randInt(rng, 1, tiles - 2) });
  }

  // A large park a couple of tiles from the centre.
  const centralPark = {
    x: cx + uniform(rng, 0.6, 1.4) * TILE_SIZE * Math.sign(rng() - 0.5) - TILE_SIZE * 0.8,
    y: cy - uniform(rng, 1.2, 2.2) * TILE_SIZE,
    w: TILE_SIZE * Math.min(2.2, tiles / 6),
    h: TILE_SIZE * Math.min(1.4, tiles / 8),
  };

  const buckets: Feature[][] = Array.from({ length: tiles * tiles }, () => []);
  const labels: Feature[][] = Array.from({ length: tiles * tiles }, () => []);
  const add = (bbox: Rect, svg: string, into: Feature[][] = buckets): void => {
    const pad = 2;
    const tx0 = Math.max(0, Math.floor((bbox.x - pad) / TILE_SIZE));
    const ty0 = Math.max(0, Math.floor((bbox.y - pad) / TILE_SIZE));
    const tx1 = Math.min(tiles - 1, Math.floor((bbox.x + bbox.w + pad) / TILE_SIZE));
    const ty1 = Math.min(tiles - 1, Math.floor((bbox.y + bbox.h + pad) / TILE_SIZE));
    for (let ty = ty0; ty <= ty1; ty++) {
      for (let tx = tx0; tx <= tx1; tx++) (into[ty * tiles + tx] as Feature[]).push({ bbox, svg });
    }
  };

  // Blocks between streets.
  for (let j = 0; j < horizontal.length - 1; j++) {
    const top = horizontal[j] as Street;
    const bottom = horizontal[j + 1] as Street;
    for (let i = 0; i < vertical.length - 1; i++) {
      const left = vertical[i] as Street;
      const right = vertical[i + 1] as Street;
      const x = left.pos + streetWidth(left.rank) / 2 + 1;
      const y = top.pos + streetWidth(top.rank) / 2 + 1;
      const w = right.pos - streetWidth(right.rank) / 2 - 1 - x;
      const h = bottom.pos - streetWidth(bottom.rank) / 2 - 1 - y;
      if (w < 20 || h < 20 || x > size || y > size || x + w < 0 || y + h < 0) continue;
      const bx = x + w / 2;
      const by = y + h / 2;
      if (inWater(bx, by, -Math.min(w, h) * 0.2)) continue;
      const dc = Math.hypot(bx - cx, by - cy) / size; // 0 at centre .. ~0.7 at corners
      const u = rng();
      const rect = { x, y, w, h };
      const inCentralPark =
        bx > centralPark.x && bx < centralPark.x + centralPark.w && by > centralPark.y && by < centralPark.y + centralPark.h;
      if (inCentralPark || u < 0.07 + dc * 0.12) {
        // park with trees and a footpath
        const forest = rng() < 0.3;
        let svg = `<rect x="${f1(x)}" y="${f1(y)}" width="${f1(w)}" height="${f1(h)}" fill="${forest ? C.forest : C.park}"/>`;
        if (!forest && rng() < 0.35) {
          const pw = Math.min(w, h) * 0.5;
          svg += `<rect x="${f1(bx - pw / 2)}" y="${f1(by - pw / 3)}" width="${f1(pw)}" height="${f1((pw * 2) / 3)}" fill="${C.pitch}" stroke="#88c0a8" stroke-width="1"/>`;
        }
        const trees = Math.round((w * h) / (forest ? 90 : 260));
        for (let t = 0; t < trees; t++) {
          const r = uniform(rng, 2, forest ? 5 : 6.5);
          svg += `<circle cx="${f1(uniform(rng, x + r, x + w - r))}" cy="${f1(uniform(rng, y + r, y + h - r))}" r="${f1(r)}" fill="${C.tree}" fill-opacity="0.8"/>`;
        }
        svg += `<path d="M${f1(x)} ${f1(y + uniform(rng, 0.2, 0.8) * h)}Q${f1(bx)} ${f1(by + uniform(rng, -0.5, 0.5) * h)} ${f1(x + w)} ${f1(y + uniform(rng, 0.2, 0.8) * h)}" fill="none" stroke="${C.path}" stroke-width="1.2" stroke-dasharray="3 2"/>`;
        add(rect, svg);
        continue;
      }
      if (u < 0.11 + dc * 0.12) {
        add(rect, `<rect x="${f1(x)}" y="${f1(y)}" width="${f1(w)}" height="${f1(h)}" fill="${C.parking}" stroke="#d0d0d0" stroke-width="1"/>`);
        continue;
      }
      const landuse = dc < 0.12 ? C.commercial : rng() < 0.12 ? C.industrial : C.residential;
      let svg = `<rect x="${f1(x)}" y="${f1(y)}" width="${f1(w)}" height="${f1(h)}" fill="${landuse}"/>`;
      // Buildings: lots along the block edges (small houses) or a few big ones downtown.
      const big = dc < 0.15 || landuse === C.industrial;
      const lot = big ? uniform(rng, 28, 48) : uniform(rng, 11, 19);
      const depth = big ? Math.min(h, w) * uniform(rng, 0.3, 0.45) : uniform(rng, 10, 18);
      const edges: Rect[] = [];
      for (let px = x + 2; px + lot * 0.6 < x + w - 2; px += lot) {
        const lw = Math.min(lot - 2, x + w - 2 - px);
        edges.push({ x: px, y: y + 2, w: lw, h: depth });
        edges.push({ x: px, y: y + h - 2 - depth, w: lw, h: depth });
      }
      for (let py = y + 2 + depth + 2; py + lot * 0.6 < y + h - depth - 4; py += lot) {
        const lh = Math.min(lot - 2, y + h - depth - 4 - py);
        edges.push({ x: x + 2, y: py, w: depth, h: lh });
        edges.push({ x: x + w - 2 - depth, y: py, w: depth, h: lh });
      }
      for (const e of edges) {
        if (rng() < (big ? 0.1 : 0.18)) continue;
        const sw = e.w * uniform(rng, 0.7, 1);
        const sh = e.h * uniform(rng, 0.65, 1);
        // keep each building flush with the street it faces
        const same = (a: number, b: number): boolean => Math.abs(a - b) < 0.01;
        const ox = same(e.x, x + 2) ? e.x : same(e.x + e.w, x + w - 2) ? e.x + e.w - sw : e.x + (e.w - sw) * rng();
        const oy = same(e.y, y + 2) ? e.y : same(e.y + e.h, y + h - 2) ? e.y + e.h - sh : e.y + (e.h - sh) * rng();
        svg += `<rect x="${f1(ox)}" y="${f1(oy)}" width="${f1(sw)}" height="${f1(sh)}" fill="${C.building}" stroke="${C.buildingLine}" stroke-width="0.8"/>`;
      }
      if (!big && h > 2 * depth + 18) {
        // back-yard trees
        const n = randInt(rng, 0, 4);
        for (let t = 0; t < n; t++) {
          svg += `<circle cx="${f1(uniform(rng, x + 6, x + w - 6))}" cy="${f1(uniform(rng, y + depth + 6, y + h - depth - 6))}" r="${f1(uniform(rng, 2.5, 5))}" fill="${C.tree}" fill-opacity="0.7"/>`;
        }
      }
      add(rect, svg);
    }
  }

  // Street names, repeated along each street (every ~1,100 px for minor streets, ~750 px otherwise).
  const nameFor = (i: number, rank: 0 | 1 | 2): string =>
    `${STREET_NAMES[i % STREET_NAMES.length]} ${rank === 2 ? 'Boulevard' : rank === 1 ? 'Avenue' : pick(rng, ['Street', 'Street', 'Lane', 'Road', 'Place'])}`;
  const labelStreets = (streets: Street[], vertical: boolean, offset: number): void => {
    streets.forEach((st, i) => {
      const name = nameFor(i + offset, st.rank);
      const fontSize = st.rank === 0 ? 8.5 : 10;
      const len = name.length * fontSize * 0.56;
      const step = st.rank === 0 ? 1100 : 750;
      for (let along = uniform(rng, 60, step); along < size - len; along += step * uniform(rng, 0.8, 1.2)) {
        const mid = along + len / 2;
        const px = vertical ? st.pos : mid;
        const py = vertical ? mid : st.pos;
        if (inWater(px, py, len / 2 + 10)) continue;
        const attrs = `font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" fill="#4a4a4a" stroke="#ffffff" stroke-width="2.6" stroke-linejoin="round" paint-order="stroke" text-anchor="middle" dominant-baseline="central"`;
        const svg = vertical
          ? `<text x="${f1(px)}" y="${f1(py)}" transform="rotate(-90 ${f1(px)} ${f1(py)})" ${attrs}>${name}</text>`
          : `<text x="${f1(px)}" y="${f1(py)}" ${attrs}>${name}</text>`;
        const half = len / 2 + 6;
        add(vertical ? { x: px - 10, y: py - half, w: 20, h: 2 * half } : { x: px - half, y: py - 10, w: 2 * half, h: 20 }, svg, labels);
      }
    });
  };
  labelStreets(vertical, true, 0);
  labelStreets(horizontal, false, 17);

  // Water: river and lakes, one path.
  let water = `<path d="${smoothPath(river)}" fill="none" stroke="${C.waterLine}" stroke-width="${f1(riverWidth + 3)}" stroke-linecap="round"/>`;
  water += `<path d="${smoothPath(river)}" fill="none" stroke="${C.water}" stroke-width="${f1(riverWidth)}" stroke-linecap="round"/>`;
  for (const l of lakes) {
    water += `<path d="${smoothPath(l.pts, true)}Z" fill="${C.water}" stroke="${C.waterLine}" stroke-width="1.5"/>`;
  }

  // Rail line: gentle curve from the north-west through the station hotspot.
  const station = hotspots[0] as { x: number; y: number };
  const railPts: [number, number][] = [
    [-200, size * uniform(rng, 0.1, 0.3)],
    [(station.x + 0.5) * TILE_SIZE, (station.y + 0.5) * TILE_SIZE],
    [size + 200, size * uniform(rng, 0.6, 0.9)],
  ];
  const railD = smoothPath(railPts);
  const rail =
    `<path d="${railD}" fill="none" stroke="${C.rail}" stroke-width="4"/>` +
    `<path d="${railD}" fill="none" stroke="#ffffff" stroke-width="2" stroke-dasharray="12 12"/>`;

  // Motorway ring around the centre and a diagonal avenue.
  const ringR = size * 0.3;
  const ringPts: [number, number][] = [];
  for (let k = 0; k < 16; k++) {
    const a = (k / 16) * Math.PI * 2;
    ringPts.push([cx + Math.cos(a) * ringR * (1 + 0.08 * Math.sin(a * 2)), cy + Math.sin(a) * ringR * 0.85]);
  }
  const ringD = `${smoothPath(ringPts, true)}Z`;
  const diagD = `M${f1(-100)} ${f1(size + 100)}L${f1(cx)} ${f1(cy)}L${f1(size + 100)} ${f1(cy - size * 0.55)}`;
  const bigRoads =
    `<path d="${diagD}" fill="none" stroke="${C.primaryCase}" stroke-width="17" stroke-linejoin="round"/>` +
    `<path d="${diagD}" fill="none" stroke="${C.primary}" stroke-width="14" stroke-linejoin="round"/>` +
    `<path d="${ringD}" fill="none" stroke="${C.motorwayCase}" stroke-width="21"/>` +
    `<path d="${ringD}" fill="none" stroke="${C.motorway}" stroke-width="17"/>` +
    `<path d="${ringD}" fill="none" stroke="#f3b7c3" stroke-width="1" stroke-dasharray="10 14"/>`;

  return { tiles, size, buckets, labels, vertical, horizontal, water, rail, bigRoads, centre, hotspots };
}

/**
 * SVG source for tile (tx, ty): a 256x256 window onto the world.
 * @returns an SVG document string, 256x256 pixels.
 */
export function tileSvg(world: CityWorld, tx: number, ty: number): string {
  const x0 = tx * TILE_SIZE;
  const y0 = ty * TILE_SIZE;
  const x1 = x0 + TILE_SIZE;
  const y1 = y0 + TILE_SIZE;
  const pad = 24;
  const near = (s: Street, lo: number, hi: number): boolean => s.pos > lo - pad && s.pos < hi + pad;
  const vs = world.vertical.filter((s) => near(s, x0, x1));
  const hs = world.horizontal.filter((s) => near(s, y0, y1));
  const lines = (rank: 0 | 1 | 2, width: number, color: string): string => {
    let d = '';
    for (const s of vs) if (s.rank === rank) d += `M${f1(s.pos)} ${y0 - pad}V${y1 + pad}`;
    for (const s of hs) if (s.rank === rank) d += `M${x0 - pad} ${f1(s.pos)}H${x1 + pad}`;
    return d ? `<path d="${d}" fill="none" stroke="${color}" stroke-width="${width}"/>` : '';
  };
  const features = (world.buckets[ty * world.tiles + tx] ?? []).map((f) => f.svg).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${TILE_SIZE}" height="${TILE_SIZE}" viewBox="${x0} ${y0} ${TILE_SIZE} ${TILE_SIZE}">` +
    `<rect x="${x0}" y="${y0}" width="${TILE_SIZE}" height="${TILE_SIZE}" fill="${C.land}"/>` +
    features +
    lines(0, streetWidth(0) + 2, C.minorCase) +
    lines(0, streetWidth(0), C.minor) +
    world.water +
    world.rail +
    lines(1, streetWidth(1) + 2, C.secondaryCase) +
    lines(2, streetWidth(2) + 2, C.primaryCase) +
    lines(1, streetWidth(1), C.secondary) +
    lines(2, streetWidth(2), C.primary) +
    world.bigRoads +
    (world.labels[ty * world.tiles + tx] ?? []).map((f) => f.svg).join('') +
    `</svg>`
  );
}
