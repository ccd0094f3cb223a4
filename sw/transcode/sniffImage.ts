/** What the first bytes of an image say about it. */
export interface SniffedImage {
  /** The format found in the bytes (not the `Content-Type`), or `null` when unrecognised. */
  type: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/svg+xml' | null;
  /** More than one frame: an APNG (`acTL` before `IDAT`), a GIF with several images, a WebP with the VP8X animation flag. */
  animated: boolean;
  /** Pixel dimensions when the header gives them, else `null`. */
  width: number | null;
  height: number | null;
}

const be32 = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const le24 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** PNG (ISO/IEC 15948 §5; APNG spec: `acTL` must precede the first `IDAT`). */
function png(b: Uint8Array): SniffedImage {
  const width = b.length >= 24 ? be32(b, 16) : null;
  const height = b.length >= 24 ? be32(b, 20) : null;
  let animated = false;
  for (let i = 8; i + 8 <= b.length; ) {
    const len = be32(b, i);
    const type = ascii(b, i + 4, 4);
    if (type === 'acTL') animated = true;
    if (type === 'IDAT' || type === 'IEND') break;
    i += 12 + len;
  }
  return { type: 'image/png', animated, width, height };
}

/** GIF89a: counts image descriptors (`0x2C`), walking extension and data sub-blocks. */
function gif(b: Uint8Array): SniffedImage {
  const width = b.length >= 10 ? le16(b, 6) : null;
  const height = b.length >= 10 ? le16(b, 8) : null;
  let i = 13;
  if (b.length > 10 && b[10]! & 0x80) i += 3 * 2 ** ((b[10]! & 7) + 1);
  const skipSubBlocks = () => {
    while (i < b.length && b[i] !== 0) i += b[i]! + 1;
    i += 1;
  };
  let frames = 0;
  while (i < b.length && frames < 2) {
    const tag = b[i];
    if (tag === 0x21) {
      i += 2;
      skipSubBlocks();
    } else if (tag === 0x2c) {
      frames += 1;
      const flags = b[i + 9] ?? 0;
      i += 10;
      if (flags & 0x80) i += 3 * 2 ** ((flags & 7) + 1);
      i += 1; // LZW minimum code size
      skipSubBlocks();
    } else break; // 0x3B trailer, or garbage
  }
  return { type: 'image/gif', animated: frames > 1, width, height };
}

/** WebP container (RFC 9649 §2.5–2.7): simple lossy `VP8 `, lossless `VP8L`, extended `VP8X`. */
function webp(b: Uint8Array): SniffedImage {
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X' && b.length >= 30) {
    return { type: 'image/webp', animated: (b[20]! & 0x02) !== 0, width: le24(b, 24) + 1, height: le24(b, 27) + 1 };
  }
  if (chunk === 'VP8 ' && b.length >= 30) {
    return { type: 'image/webp', animated: false, width: le16(b, 26) & 0x3fff, height: le16(b, 28) & 0x3fff };
  }
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { type: 'image/webp', animated: false, width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return { type: 'image/webp', animated: false, width: null, height: null };
}

/** JPEG: dimensions from the first SOFn segment (ITU T.81 §B.2.2). */
function jpeg(b: Uint8Array): SniffedImage {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) break;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { type: 'image/jpeg', animated: false, height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    }
    i += 2 + len;
  }
  return { type: 'image/jpeg', animated: false, width: null, height: null };
}

/**
 * Identifies an image from its bytes (PNG/APNG, JPEG, GIF, WebP, SVG), whether it is animated,
 * and its dimensions. Reads headers only; never decodes. Truncated input gives `null` dimensions
 * rather than an error.
 * @param bytes The image body (the first 64 KiB are enough for every format but a GIF's frames).
 */
export function sniffImage(bytes: Uint8Array): SniffedImage {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return png(b);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return gif(b);
  if (b.length >= 16 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return webp(b);
  const head = new TextDecoder().decode(b.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart();
  if (/^<(\?xml|svg|!--|!DOCTYPE svg)/i.test(head) && /<svg[\s>]/i.test(head)) {
    return { type: 'image/svg+xml', animated: false, width: null, height: null };
  }
  return { type: null, animated: false, width: null, height: null };
}
