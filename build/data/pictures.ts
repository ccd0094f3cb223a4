/**
 * Photo-like pictures for the dataset: driver portraits, vehicle shots and
 * promotional banners. Each is drawn as SVG, rasterised by sharp, given
 * seeded film grain (so encoded sizes are realistic, not those of flat
 * vector art) and encoded with explicit, deterministic encoder options.
 */
import sharp from 'sharp';
import { pick, randInt, uniform, type Rng } from './prng.ts';

/** Output encodings used by the dataset. */
export type PictureFormat = 'jpeg' | 'webp' | 'png';

/** How to encode one picture. */
export interface EncodeOptions {
  format: PictureFormat;
  /** encoder quality 1-100 (ignored for PNG) */
  quality: number;
}

const f1 = (v: number): string => (Math.round(v * 10) / 10).toString();

const hsl = (h: number, s: number, l: number): string => `hsl(${f1(((h % 360) + 360) % 360)},${f1(s)}%,${f1(l)}%)`;

/**
 * Adds seeded grain to an RGB buffer in place.
 * @param data raw interleaved RGB bytes (3 channels).
 * @param amplitude peak luminance noise in 8-bit levels (e.g. 6 for light grain).
 * @param chroma fraction of `amplitude` applied as independent per-channel noise.
 */
export function addGrain(data: Buffer, rng: Rng, amplitude: number, chroma = 0.35): void {
  const lum = amplitude * 2;
  const chr = amplitude * chroma * 2;
  for (let i = 0; i < data.length; i += 3) {
    const n = (rng() + rng() - 1) * lum; // triangular: softer than uniform noise
    const c = (rng() - 0.5) * chr;
    for (let k = 0; k < 3; k++) {
      const v = (data[i + k] as number) + n + (k === 1 ? -c : k === 0 ? c : c * 0.5);
      data[i + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
}

/** Rasterisation options of {@link renderPicture}. */
export interface RenderOptions {
  /** output width in pixels (must match the SVG's width attribute) */
  width: number;
  /** output height in pixels (must match the SVG's height attribute) */
  height: number;
  /** grain amplitude in 8-bit levels (0 for none) */
  grain: number;
  /** Gaussian blur sigma in pixels applied before the grain; default 0 (none) */
  blur?: number;
  /**
   * Rasterise the SVG at this fraction of the output size and upscale
   * (much faster for very large banners; the grain is still full resolution).
   * Default 1.
   */
  renderScale?: number;
}

/**
 * Rasterises an SVG, adds grain and encodes it.
 * @param svg SVG source whose width/height attributes equal `opts.width` x `opts.height` pixels.
 * @param rng PRNG stream for the grain.
 * @returns the encoded file bytes.
 */
export async function renderPicture(svg: string, rng: Rng, opts: RenderOptions, enc: EncodeOptions): Promise<Buffer> {
  const scale = opts.renderScale ?? 1;
  let pipeline = sharp(Buffer.from(svg), { density: 72 * scale }).removeAlpha();
  if (scale !== 1) pipeline = pipeline.resize(opts.width, opts.height, { fit: 'fill', kernel: 'cubic' });
  if (opts.blur && opts.blur > 0) pipeline = pipeline.blur(opts.blur);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.width !== opts.width || info.height !== opts.height || info.channels !== 3) {
    throw new Error(`rasterised ${info.width}x${info.height}x${info.channels}, expected ${opts.width}x${opts.height}x3`);
  }
  if (opts.grain > 0) addGrain(data, rng, opts.grain);
  const img = sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } });
  switch (enc.format) {
    case 'jpeg':
      return img
        .jpeg({
          quality: enc.quality,
          chromaSubsampling: enc.quality >= 90 ? '4:4:4' : '4:2:0',
          progressive: false,
          optimiseCoding: true,
          mozjpeg: false,
          trellisQuantisation: false,
          overshootDeringing: false,
          optimiseScans: false,
        })
        .toBuffer();
    case 'webp':
      return img
        .webp({
          quality: enc.quality,
          alphaQuality: 100,
          lossless: false,
          nearLossless: false,
          smartSubsample: false,
          effort: 3,
          preset: 'photo',
        })
        .toBuffer();
    case 'png':
      return img.png({ compressionLevel: 9, adaptiveFiltering: true, palette: false }).toBuffer();
  }
}

const SKIN = ['#f6d7c3', '#eac0a2', '#d9a27e', '#c68863', '#a86b47', '#8d5524', '#6b3e26', '#4a2c1d'];
const HAIR = ['#1b1b1b', '#2e1d14', '#4b2e1e', '#6b4226', '#a0703c', '#d1a461', '#8c8c8c', '#b5b5b5', '#5a1d10'];
const SHIRT = ['#24405f', '#3b6ea5', '#1e7b55', '#a23b3b', '#333333', '#f0f0f0', '#6c4f9c', '#d98c1f', '#2a8a8a'];

/**
 * SVG for a head-and-shoulders driver portrait, drawn on a 400-unit canvas.
 * @param size edge length in pixels (square).
 */
export function driverSvg(rng: Rng, size: number): string {
  const bgHue = uniform(rng, 0, 360);
  const skin = pick(rng, SKIN);
  const hair = pick(rng, HAIR);
  const shirt = pick(rng, SHIRT);
  const headW = uniform(rng, 74, 88);
  const headH = headW * uniform(rng, 1.18, 1.32);
  const hx = 200 + uniform(rng, -12, 12);
  const hy = 170 + uniform(rng, -8, 10);
  const style = randInt(rng, 0, 4);
  let bokeh = '';
  for (let i = 0; i < 7; i++) {
    bokeh += `<circle cx="${f1(uniform(rng, 0, 400))}" cy="${f1(uniform(rng, 0, 260))}" r="${f1(uniform(rng, 20, 70))}" fill="${hsl(bgHue + uniform(rng, -40, 40), 40, uniform(rng, 55, 85))}" opacity="${f1(uniform(rng, 0.2, 0.5))}"/>`;
  }
  let hairBack = '';
  let hairFront = '';
  if (style === 0) {
    hairFront = `<path d="M${f1(hx - headW)} ${f1(hy - 10)}Q${f1(hx - headW)} ${f1(hy - headH - 8)} ${f1(hx)} ${f1(hy - headH - 6)}Q${f1(hx + headW)} ${f1(hy - headH - 8)} ${f1(hx + headW)} ${f1(hy - 10)}Q${f1(hx + headW * 0.6)} ${f1(hy - headH * 0.7)} ${f1(hx)} ${f1(hy - headH * 0.72)}Q${f1(hx - headW * 0.7)} ${f1(hy - headH * 0.6)} ${f1(hx - headW)} ${f1(hy - 10)}Z" fill="${hair}"/>`;
  } else if (style === 1) {
    hairBack = `<path d="M${f1(hx - headW - 14)} ${f1(hy + headH * 1.1)}Q${f1(hx - headW - 30)} ${f1(hy - headH - 20)} ${f1(hx)} ${f1(hy - headH - 12)}Q${f1(hx + headW + 30)} ${f1(hy - headH - 20)} ${f1(hx + headW + 14)} ${f1(hy + headH * 1.1)}Z" fill="${hair}"/>`;
    hairFront = `<path d="M${f1(hx - headW - 2)} ${f1(hy)}Q${f1(hx - headW * 0.4)} ${f1(hy - headH * 1.2)} ${f1(hx + headW + 2)} ${f1(hy - 6)}Q${f1(hx + headW * 0.3)} ${f1(hy - headH * 0.6)} ${f1(hx - headW - 2)} ${f1(hy)}Z" fill="${hair}"/>`;
  } else if (style === 2) {
    for (let i = 0; i < 26; i++) {
      const a = Math.PI * (1.05 + (i / 25) * 0.9);
      hairFront += `<circle cx="${f1(hx + Math.cos(a) * headW * 0.95)}" cy="${f1(hy - 12 + Math.sin(a) * headH * 0.95)}" r="${f1(uniform(rng, 16, 24))}" fill="${hair}"/>`;
    }
  } else if (style === 3) {
    // cap
    const cap = hsl(uniform(rng, 0, 360), 55, 40);
    hairFront = `<path d="M${f1(hx - headW - 4)} ${f1(hy - headH * 0.35)}Q${f1(hx)} ${f1(hy - headH * 1.45)} ${f1(hx + headW + 4)} ${f1(hy - headH * 0.35)}Z" fill="${cap}"/><path d="M${f1(hx - headW * 0.2)} ${f1(hy - headH * 0.4)}L${f1(hx + headW * 1.7)} ${f1(hy - headH * 0.32)}L${f1(hx + headW * 0.9)} ${f1(hy - headH * 0.5)}Z" fill="${cap}" opacity="0.85"/>`;
  }
  // style 4: bald / very short, nothing drawn
  const eyeY = hy - headH * 0.08;
  const eyeDx = headW * 0.38;
  const iris = pick(rng, ['#3b2a1a', '#1d3b5a', '#2f5130', '#5a4632']);
  const eye = (ex: number): string =>
    `<ellipse cx="${f1(ex)}" cy="${f1(eyeY)}" rx="11" ry="6.5" fill="#fbfbfb"/><circle cx="${f1(ex + uniform(rng, -1.5, 1.5))}" cy="${f1(eyeY)}" r="5" fill="${iris}"/><circle cx="${f1(ex + 1.5)}" cy="${f1(eyeY - 1.5)}" r="1.4" fill="#fff"/>` +
    `<path d="M${f1(ex - 13)} ${f1(eyeY - 12)}Q${f1(ex)} ${f1(eyeY - 19)} ${f1(ex + 13)} ${f1(eyeY - 12)}" stroke="${hair === '#b5b5b5' ? '#777' : hair}" stroke-width="4" fill="none" stroke-linecap="round"/>`;
  const smile = uniform(rng, 2, 12);
  const beard =
    rng() < 0.25
      ? `<path d="M${f1(hx - headW * 0.9)} ${f1(hy + headH * 0.1)}Q${f1(hx - headW * 0.8)} ${f1(hy + headH * 1.05)} ${f1(hx)} ${f1(hy + headH * 1.02)}Q${f1(hx + headW * 0.8)} ${f1(hy + headH * 1.05)} ${f1(hx + headW * 0.9)} ${f1(hy + headH * 0.1)}Q${f1(hx)} ${f1(hy + headH * 0.75)} ${f1(hx - headW * 0.9)} ${f1(hy + headH * 0.1)}Z" fill="${hair}" opacity="0.9"/>`
      : '';
  const glasses =
    rng() < 0.3
      ? `<g fill="none" stroke="#222" stroke-width="3"><rect x="${f1(hx - eyeDx - 17)}" y="${f1(eyeY - 12)}" width="34" height="24" rx="8"/><rect x="${f1(hx + eyeDx - 17)}" y="${f1(eyeY - 12)}" width="34" height="24" rx="8"/><path d="M${f1(hx - eyeDx + 17)} ${f1(eyeY - 2)}H${f1(hx + eyeDx - 17)}"/></g>`
      : '';
  const inner =
    `<defs><linearGradient id="bg" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${hsl(bgHue, 35, 78)}"/><stop offset="1" stop-color="${hsl(bgHue + 40, 30, 48)}"/></linearGradient>` +
    `<radialGradient id="face" cx="0.42" cy="0.38" r="0.75"><stop offset="0" stop-color="#ffffff" stop-opacity="0.22"/><stop offset="0.6" stop-color="#ffffff" stop-opacity="0"/><stop offset="1" stop-color="#000000" stop-opacity="0.22"/></radialGradient>` +
    `<linearGradient id="shirt" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${shirt}"/><stop offset="1" stop-color="#000" stop-opacity="0.55"/></linearGradient></defs>` +
    `<rect width="400" height="400" fill="url(#bg)"/>${bokeh}${hairBack}` +
    `<path d="M${f1(hx - 150)} 400Q${f1(hx - 140)} 300 ${f1(hx - 40)} ${f1(hy + headH + 40)}H${f1(hx + 40)}Q${f1(hx + 140)} 300 ${f1(hx + 150)} 400Z" fill="${shirt}"/>` +
    `<path d="M${f1(hx - 150)} 400Q${f1(hx - 140)} 300 ${f1(hx - 40)} ${f1(hy + headH + 40)}H${f1(hx + 40)}Q${f1(hx + 140)} 300 ${f1(hx + 150)} 400Z" fill="url(#shirt)" opacity="0.5"/>` +
    `<rect x="${f1(hx - headW * 0.38)}" y="${f1(hy + headH * 0.6)}" width="${f1(headW * 0.76)}" height="${f1(headH * 0.75)}" rx="18" fill="${skin}"/>` +
    `<path d="M${f1(hx - 40)} ${f1(hy + headH + 40)}L${f1(hx)} ${f1(hy + headH + 80)}L${f1(hx + 40)} ${f1(hy + headH + 40)}Z" fill="${skin}"/>` +
    `<ellipse cx="${f1(hx - headW)}" cy="${f1(hy + 4)}" rx="11" ry="19" fill="${skin}"/><ellipse cx="${f1(hx + headW)}" cy="${f1(hy + 4)}" rx="11" ry="19" fill="${skin}"/>` +
    `<ellipse cx="${f1(hx)}" cy="${f1(hy)}" rx="${f1(headW)}" ry="${f1(headH)}" fill="${skin}"/>` +
    `<ellipse cx="${f1(hx)}" cy="${f1(hy)}" rx="${f1(headW)}" ry="${f1(headH)}" fill="url(#face)"/>` +
    eye(hx - eyeDx) +
    eye(hx + eyeDx) +
    `<path d="M${f1(hx - 3)} ${f1(eyeY + 8)}Q${f1(hx - 9)} ${f1(hy + headH * 0.3)} ${f1(hx)} ${f1(hy + headH * 0.33)}Q${f1(hx + 6)} ${f1(hy + headH * 0.33)} ${f1(hx + 8)} ${f1(hy + headH * 0.3)}" stroke="#000" stroke-opacity="0.25" stroke-width="2.5" fill="none"/>` +
    `<path d="M${f1(hx - 24)} ${f1(hy + headH * 0.52)}Q${f1(hx)} ${f1(hy + headH * 0.52 + smile)} ${f1(hx + 24)} ${f1(hy + headH * 0.52)}" stroke="#7a3030" stroke-width="4" fill="none" stroke-linecap="round"/>` +
    beard +
    hairFront +
    glasses;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 400 400">${inner}</svg>`;
}

const CAR_COLOURS = ['#f4f4f4', '#1c1c1c', '#8a8f96', '#c2c5c9', '#1f3f73', '#8e1b1b', '#2e5b3a', '#d8c8a0', '#2a2a40', '#b34d12'];

/**
 * SVG for a vehicle photo: a car in a street or studio setting.
 * @param width image width in pixels; height is derived from `height`.
 */
export function vehicleSvg(rng: Rng, width: number, height: number): string {
  const W = 800;
  const H = Math.round((800 * height) / width);
  const paint = pick(rng, CAR_COLOURS);
  const kind = randInt(rng, 0, 2); // 0 sedan, 1 SUV, 2 hatchback
  const outdoor = rng() < 0.6;
  const ground = H * uniform(rng, 0.72, 0.8);
  const carW = W * uniform(rng, 0.68, 0.8);
  const x0 = (W - carW) / 2 + uniform(rng, -30, 30);
  const wheelR = carW * (kind === 1 ? 0.085 : 0.072);
  const bodyTop = ground - wheelR - carW * (kind === 1 ? 0.2 : 0.15);
  const roof = bodyTop - carW * (kind === 1 ? 0.16 : 0.13);
  const sill = ground - wheelR * 0.6;
  const wx1 = x0 + carW * 0.2;
  const wx2 = x0 + carW * 0.8;
  let bg = '';
  if (outdoor) {
    const skyHue = uniform(rng, 190, 225);
    bg += `<rect width="${W}" height="${f1(ground)}" fill="url(#sky)"/>`;
    // distant buildings
    let bx = -20;
    while (bx < W) {
      const bw = uniform(rng, 40, 110);
      const bh = uniform(rng, H * 0.15, H * 0.5);
      bg += `<rect x="${f1(bx)}" y="${f1(ground - bh - 30)}" width="${f1(bw)}" height="${f1(bh + 30)}" fill="${hsl(skyHue + uniform(rng, -30, 30), 12, uniform(rng, 45, 75))}"/>`;
      for (let wy = ground - bh - 20; wy < ground - 40; wy += 18) {
        for (let wx = bx + 6; wx < bx + bw - 10; wx += 14) {
          if (rng() < 0.7) bg += `<rect x="${f1(wx)}" y="${f1(wy)}" width="7" height="10" fill="#ffffff" opacity="${f1(uniform(rng, 0.15, 0.5))}"/>`;
        }
      }
      bx += bw + uniform(rng, 0, 16);
    }
    bg += `<rect y="${f1(ground - 30)}" width="${W}" height="${f1(H - ground + 30)}" fill="#5d6066"/><rect y="${f1(ground - 34)}" width="${W}" height="8" fill="#a6a6a0"/>`;
    for (let lx = uniform(rng, 0, 120); lx < W; lx += 160) {
      bg += `<rect x="${f1(lx)}" y="${f1(H - (H - ground) * 0.35)}" width="70" height="6" fill="#e8e8d8" opacity="0.8"/>`;
    }
    bg = `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(skyHue, 60, 62)}"/><stop offset="1" stop-color="${hsl(skyHue + 10, 45, 88)}"/></linearGradient></defs>${bg}`;
  } else {
    const studio = uniform(rng, 0, 360);
    bg = `<defs><radialGradient id="studio" cx="0.5" cy="0.4" r="0.8"><stop offset="0" stop-color="${hsl(studio, 8, 92)}"/><stop offset="1" stop-color="${hsl(studio, 10, 45)}"/></radialGradient></defs><rect width="${W}" height="${H}" fill="url(#studio)"/>`;
  }
  const cabinFront = kind === 2 ? x0 + carW * 0.78 : x0 + carW * 0.7;
  const cabinBack = kind === 2 ? x0 + carW * 0.08 : x0 + carW * 0.24;
  const body =
    `<path d="M${f1(x0)} ${f1(sill)}L${f1(x0 + 6)} ${f1(bodyTop + 10)}Q${f1(x0 + 10)} ${f1(bodyTop)} ${f1(x0 + 40)} ${f1(bodyTop)}` +
    `L${f1(cabinBack)} ${f1(bodyTop)}L${f1(cabinBack + carW * 0.1)} ${f1(roof)}L${f1(cabinFront - carW * 0.14)} ${f1(roof)}L${f1(cabinFront)} ${f1(bodyTop)}` +
    `L${f1(x0 + carW - 30)} ${f1(bodyTop + 8)}Q${f1(x0 + carW)} ${f1(bodyTop + 14)} ${f1(x0 + carW)} ${f1(bodyTop + 40)}L${f1(x0 + carW)} ${f1(sill)}Z" fill="${paint}"/>` +
    `<path d="M${f1(x0)} ${f1(sill)}L${f1(x0 + 6)} ${f1(bodyTop + 10)}Q${f1(x0 + 10)} ${f1(bodyTop)} ${f1(x0 + 40)} ${f1(bodyTop)}L${f1(x0 + carW - 30)} ${f1(bodyTop + 8)}Q${f1(x0 + carW)} ${f1(bodyTop + 14)} ${f1(x0 + carW)} ${f1(bodyTop + 40)}L${f1(x0 + carW)} ${f1(sill)}Z" fill="url(#shade)"/>`;
  const glass =
    `<path d="M${f1(cabinBack + 8)} ${f1(bodyTop - 3)}L${f1(cabinBack + carW * 0.1 + 4)} ${f1(roof + 6)}L${f1(cabinFront - carW * 0.14 - 2)} ${f1(roof + 6)}L${f1(cabinFront - 10)} ${f1(bodyTop - 3)}Z" fill="url(#glass)"/>` +
    `<rect x="${f1((cabinBack + cabinFront) / 2 - 3)}" y="${f1(roof + 4)}" width="6" height="${f1(bodyTop - roof)}" fill="${paint}"/>`;
  const wheel = (cx: number): string =>
    `<circle cx="${f1(cx)}" cy="${f1(ground - wheelR)}" r="${f1(wheelR)}" fill="#151515"/><circle cx="${f1(cx)}" cy="${f1(ground - wheelR)}" r="${f1(wheelR * 0.62)}" fill="url(#rim)"/>` +
    Array.from({ length: 5 }, (_, k) => {
      const a = (k / 5) * Math.PI * 2;
      return `<path d="M${f1(cx)} ${f1(ground - wheelR)}L${f1(cx + Math.cos(a) * wheelR * 0.58)} ${f1(ground - wheelR + Math.sin(a) * wheelR * 0.58)}" stroke="#555" stroke-width="5"/>`;
    }).join('') +
    `<circle cx="${f1(cx)}" cy="${f1(ground - wheelR)}" r="${f1(wheelR * 0.15)}" fill="#333"/>`;
  const details =
    `<rect x="${f1(x0 + carW - 26)}" y="${f1(bodyTop + 22)}" width="22" height="12" rx="4" fill="#fff7d0"/>` +
    `<rect x="${f1(x0 + 2)}" y="${f1(bodyTop + 20)}" width="14" height="12" rx="3" fill="#b01010"/>` +
    `<path d="M${f1(x0 + 20)} ${f1(bodyTop + (sill - bodyTop) * 0.45)}H${f1(x0 + carW - 20)}" stroke="#000" stroke-opacity="0.25" stroke-width="2"/>` +
    `<path d="M${f1((cabinBack + cabinFront) / 2)} ${f1(bodyTop + 4)}V${f1(sill - 8)}" stroke="#000" stroke-opacity="0.3" stroke-width="2"/>` +
    `<rect x="${f1((cabinBack + cabinFront) / 2 + 14)}" y="${f1(bodyTop + 18)}" width="20" height="5" rx="2" fill="#000" opacity="0.35"/>` +
    `<rect x="${f1((cabinBack + cabinFront) / 2 - 60)}" y="${f1(bodyTop + 18)}" width="20" height="5" rx="2" fill="#000" opacity="0.35"/>`;
  const defs =
    `<defs><linearGradient id="shade" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#fff" stop-opacity="0.35"/><stop offset="0.45" stop-color="#fff" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.35"/></linearGradient>` +
    `<linearGradient id="glass" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#9fb4c8"/><stop offset="0.5" stop-color="#2d3a48"/><stop offset="1" stop-color="#5f7387"/></linearGradient>` +
    `<radialGradient id="rim"><stop offset="0" stop-color="#e0e0e0"/><stop offset="1" stop-color="#808080"/></radialGradient></defs>`;
  const shadow = `<ellipse cx="${f1(x0 + carW / 2)}" cy="${f1(ground)}" rx="${f1(carW * 0.55)}" ry="${f1(wheelR * 0.35)}" fill="#000" opacity="0.45"/>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none">` +
    bg +
    defs +
    shadow +
    body +
    glass +
    details +
    wheel(wx1) +
    wheel(wx2) +
    `</svg>`
  );
}

const HEADLINES = [
  'Ride anywhere, anytime',
  '50% off your first ride',
  'Airport rides from $19',
  'Ride together, save more',
  'Go electric: zero-emission rides',
  'Late night? We have you covered',
  'Refer a friend, ride free',
  'New: scheduled pickups',
  'Commute smarter this week',
  'Your city, one tap away',
  'Weekend deals on every trip',
  'Safety first: verified drivers',
];

/**
 * SVG for a wide promotional banner: gradient, skyline, a car, a map pin,
 * a headline and a call-to-action button.
 * @param width banner width in pixels.
 * @param height banner height in pixels.
 * @param index banner number (picks the headline).
 */
export function bannerSvg(rng: Rng, width: number, height: number, index: number): string {
  const hue = uniform(rng, 0, 360);
  const u = height / 100; // one "unit" = 1% of height
  let shapes = '';
  for (let i = 0; i < 18; i++) {
    shapes += `<circle cx="${f1(uniform(rng, 0, width))}" cy="${f1(uniform(rng, 0, height))}" r="${f1(uniform(rng, 4, 38) * u)}" fill="${hsl(hue + uniform(rng, -60, 60), 70, uniform(rng, 40, 80))}" opacity="${f1(uniform(rng, 0.08, 0.3))}"/>`;
  }
  // skyline
  let sky = '';
  let bx = width * 0.45;
  while (bx < width) {
    const bw = uniform(rng, 3, 9) * u;
    const bh = uniform(rng, 18, 62) * u;
    sky += `<rect x="${f1(bx)}" y="${f1(height - bh)}" width="${f1(bw)}" height="${f1(bh)}" fill="${hsl(hue + 180, 25, uniform(rng, 12, 28))}" opacity="0.85"/>`;
    for (let wy = height - bh + 2 * u; wy < height - 2 * u; wy += 3.2 * u) {
      for (let wx = bx + u; wx < bx + bw - 1.5 * u; wx += 2.2 * u) {
        if (rng() < 0.45) sky += `<rect x="${f1(wx)}" y="${f1(wy)}" width="${f1(u)}" height="${f1(1.6 * u)}" fill="#ffe9a8" opacity="${f1(uniform(rng, 0.3, 0.9))}"/>`;
      }
    }
    bx += bw + uniform(rng, 0, 2) * u;
  }
  // road with a car silhouette
  const roadY = height * 0.86;
  const carX = width * uniform(rng, 0.55, 0.7);
  const carW = 34 * u;
  const car =
    `<rect y="${f1(roadY)}" width="${width}" height="${f1(height - roadY)}" fill="#222"/>` +
    `<path d="M0 ${f1(roadY + 7 * u)}H${width}" stroke="#f5d442" stroke-width="${f1(0.8 * u)}" stroke-dasharray="${f1(6 * u)} ${f1(5 * u)}"/>` +
    `<path d="M${f1(carX)} ${f1(roadY)}v${f1(-7 * u)}q0 -3 ${f1(4 * u)} ${f1(-3.5 * u)}l${f1(7 * u)} ${f1(-0.5 * u)}l${f1(5 * u)} ${f1(-6 * u)}h${f1(10 * u)}l${f1(5 * u)} ${f1(6 * u)}l${f1(4 * u)} ${f1(0.8 * u)}q${f1(2 * u)} ${f1(0.6 * u)} ${f1(2 * u)} ${f1(3 * u)}v${f1(7 * u)}Z" fill="${hsl(hue + 20, 80, 55)}"/>` +
    `<circle cx="${f1(carX + 7 * u)}" cy="${f1(roadY)}" r="${f1(3.6 * u)}" fill="#111"/><circle cx="${f1(carX + carW - 8 * u)}" cy="${f1(roadY)}" r="${f1(3.6 * u)}" fill="#111"/>`;
  const pinX = width * uniform(rng, 0.86, 0.92);
  const pinY = height * 0.22;
  const pin = `<path d="M${f1(pinX)} ${f1(pinY + 24 * u)}C${f1(pinX - 4 * u)} ${f1(pinY + 14 * u)} ${f1(pinX - 12 * u)} ${f1(pinY + 8 * u)} ${f1(pinX - 12 * u)} ${f1(pinY)}A${f1(12 * u)} ${f1(12 * u)} 0 1 1 ${f1(pinX + 12 * u)} ${f1(pinY)}C${f1(pinX + 12 * u)} ${f1(pinY + 8 * u)} ${f1(pinX + 4 * u)} ${f1(pinY + 14 * u)} ${f1(pinX)} ${f1(pinY + 24 * u)}Z" fill="#ff4b5c"/><circle cx="${f1(pinX)}" cy="${f1(pinY)}" r="${f1(4.5 * u)}" fill="#fff"/>`;
  const headline = HEADLINES[index % HEADLINES.length] as string;
  // keep the headline inside ~70% of the width (bold DejaVu: ~0.66 em per char)
  const headSize = Math.min(11 * u, (width * 0.7) / (headline.length * 0.66));
  const text =
    `<text x="${f1(width * 0.05)}" y="${f1(height * 0.36)}" font-family="DejaVu Sans, Arial, sans-serif" font-weight="bold" font-size="${f1(headSize)}" fill="#ffffff">${headline}</text>` +
    `<text x="${f1(width * 0.05)}" y="${f1(height * 0.52)}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${f1(5.5 * u)}" fill="#ffffff" opacity="0.85">Book in seconds. Track your driver live on the map.</text>` +
    `<rect x="${f1(width * 0.05)}" y="${f1(height * 0.6)}" width="${f1(36 * u)}" height="${f1(12 * u)}" rx="${f1(6 * u)}" fill="#ffffff"/>` +
    `<text x="${f1(width * 0.05 + 18 * u)}" y="${f1(height * 0.6 + 8 * u)}" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-weight="bold" font-size="${f1(5 * u)}" fill="${hsl(hue, 70, 35)}">Get the app</text>`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${hsl(hue, 70, 45)}"/><stop offset="0.6" stop-color="${hsl(hue + 35, 65, 35)}"/><stop offset="1" stop-color="${hsl(hue + 70, 60, 22)}"/></linearGradient></defs>` +
    `<rect width="${width}" height="${height}" fill="url(#g)"/>${shapes}${sky}${car}${pin}${text}</svg>`
  );
}
