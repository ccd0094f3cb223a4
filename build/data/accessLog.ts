/**
 * A synthetic request trace for the demo map app, as the service worker
 * would see it: user sessions that open a map viewport near a popular place,
 * pan around it in small steps (each pan reveals one new row or column of
 * tiles), look at nearby drivers (photos and vehicles with Zipf-skewed
 * popularity) and occasionally see a promotional banner.
 */
import { gaussian, randInt, rngFor, shuffled, zipfSampler, type Rng } from './prng.ts';

/** Image categories of the dataset. */
export type Category = 'map_tile' | 'driver_photo' | 'vehicle' | 'banner';

/** What the trace generator needs to know about one image. */
export interface TraceImage {
  imageId: string;
  /** URL path requested by the app, e.g. `/data/images/map_tile/5/3/7.png` */
  key: string;
  /** file size in bytes */
  size: number;
  category: Category;
  /** tile column/row, for map tiles only */
  tile?: { x: number; y: number };
}

/** One request of the trace. */
export interface AccessRow {
  /** whole seconds since the start of the trace */
  time: number;
  key: string;
  /** bytes */
  size: number;
  imageId: string;
  category: Category;
}

/** Parameters of {@link generateAccessLog}. */
export interface AccessLogOptions {
  seed: number;
  images: readonly TraceImage[];
  /** tiles per side of the map grid */
  tiles: number;
  /** tile coordinates of the busy city centre */
  centre: { x: number; y: number };
  /** other popular places (tile coordinates) */
  hotspots: readonly { x: number; y: number }[];
  /** number of requests to produce (e.g. 20000) */
  requests: number;
}

/** Viewport size in tiles (columns x rows). */
const VIEW_W = 4;
const VIEW_H = 3;

/**
 * Generates the request trace. Times are non-decreasing whole seconds from 0.
 * @returns exactly `options.requests` rows.
 */
export function generateAccessLog(options: AccessLogOptions): AccessRow[] {
  const { seed, images, tiles, centre, hotspots, requests } = options;
  const rng = rngFor(seed, 'access-log');
  const byCat = (c: Category): TraceImage[] =>
    images.filter((i) => i.category === c).sort((a, b) => (a.imageId < b.imageId ? -1 : a.imageId > b.imageId ? 1 : 0));
  const tileAt = new Map<string, TraceImage>();
  for (const img of byCat('map_tile')) if (img.tile) tileAt.set(`${img.tile.x},${img.tile.y}`, img);
  // Popularity ranks are a seeded permutation, so popularity is not tied to file number or size.
  const drivers = shuffled(rng, byCat('driver_photo'));
  const vehicles = shuffled(rng, byCat('vehicle'));
  const banners = shuffled(rng, byCat('banner'));
  const zDriver = zipfSampler(Math.max(1, drivers.length), 1.0);
  const zVehicle = zipfSampler(Math.max(1, vehicles.length), 0.95);
  const zBanner = zipfSampler(Math.max(1, banners.length), 1.1);

  const rows: AccessRow[] = [];
  let t = 0;
  const emit = (img: TraceImage | undefined): void => {
    if (!img || rows.length >= requests) return;
    rows.push({ time: t, key: img.key, size: img.size, imageId: img.imageId, category: img.category });
  };
  const maxX = Math.max(0, tiles - VIEW_W);
  const maxY = Math.max(0, tiles - VIEW_H);
  const clamp = (v: number, hi: number): number => Math.max(0, Math.min(hi, Math.round(v)));
  const spread = Math.max(0.6, tiles / 24);

  // Where a session's viewport starts: mostly around the city centre, sometimes
  // at another popular place (station, airport...), rarely anywhere.
  const startPlace = (r: Rng): { x: number; y: number } => {
    const u = r();
    if (u < 0.02) return { x: randInt(r, 0, maxX), y: randInt(r, 0, maxY) };
    const place = u < 0.88 || hotspots.length === 0 ? centre : (hotspots[randInt(r, 0, hotspots.length - 1)] ?? centre);
    return {
      x: clamp(place.x + gaussian(r) * spread - VIEW_W / 2 + 0.5, maxX),
      y: clamp(place.y + gaussian(r) * spread - VIEW_H / 2 + 0.5, maxY),
    };
  };
  const loadView = (vx: number, vy: number): void => {
    for (let dy = 0; dy < VIEW_H; dy++) for (let dx = 0; dx < VIEW_W; dx++) emit(tileAt.get(`${vx + dx},${vy + dy}`));
  };
  const showDrivers = (n: number): void => {
    for (let i = 0; i < n; i++) {
      emit(drivers[zDriver(rng)]);
      if (rng() < 0.6) emit(vehicles[zVehicle(rng)]);
    }
  };

  let first = true;
  while (rows.length < requests) {
    if (!first) t += randInt(rng, 5, 90); // idle time between sessions
    first = false;
    let { x: vx, y: vy } = startPlace(rng);
    loadView(vx, vy);
    t += 1;
    if (rng() < 0.3) emit(banners[zBanner(rng)]);
    showDrivers(randInt(rng, 2, 5));
    const pans = Math.min(60, 1 + Math.floor(-Math.log(1 - rng()) * 16));
    let anchor = { x: vx, y: vy };
    let dir = randInt(rng, 0, 3);
    for (let p = 0; p < pans && rows.length < requests; p++) {
      t += randInt(rng, 1, 4);
      if (rng() < 0.03) {
        // search / jump to a destination: a whole new viewport
        ({ x: vx, y: vy } = startPlace(rng));
        anchor = { x: vx, y: vy };
        loadView(vx, vy);
        continue;
      }
      // Users look around where they are: keep panning the same way for a
      // while, but the farther from the anchor, the likelier they turn back.
      const ax = anchor.x - vx;
      const ay = anchor.y - vy;
      const dist = Math.abs(ax) + Math.abs(ay);
      if (rng() < Math.min(0.9, dist / 3)) {
        dir = Math.abs(ax) >= Math.abs(ay) ? (ax > 0 ? 0 : 1) : ay > 0 ? 2 : 3;
      } else if (rng() < 0.4) {
        dir = randInt(rng, 0, 3);
      }
      const nx = vx + (dir === 0 ? 1 : dir === 1 ? -1 : 0);
      const ny = vy + (dir === 2 ? 1 : dir === 3 ? -1 : 0);
      if (nx < 0 || nx > maxX || ny < 0 || ny > maxY) {
        dir = (dir + 1 + randInt(rng, 0, 2)) % 4;
        continue;
      }
      // the newly revealed column or row
      if (nx > vx) for (let dy = 0; dy < VIEW_H; dy++) emit(tileAt.get(`${nx + VIEW_W - 1},${vy + dy}`));
      if (nx < vx) for (let dy = 0; dy < VIEW_H; dy++) emit(tileAt.get(`${nx},${vy + dy}`));
      if (ny > vy) for (let dx = 0; dx < VIEW_W; dx++) emit(tileAt.get(`${vx + dx},${ny + VIEW_H - 1}`));
      if (ny < vy) for (let dx = 0; dx < VIEW_W; dx++) emit(tileAt.get(`${vx + dx},${ny}`));
      vx = nx;
      vy = ny;
      if (rng() < 0.2) showDrivers(randInt(rng, 1, 3));
      if (rng() < 0.03) emit(banners[zBanner(rng)]);
    }
  }
  return rows;
}
