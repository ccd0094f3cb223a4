import type { ImageCache } from '../storage/ImageCache.ts';

/**
 * Responsive variants (issue 15 item 6): the sizes and formats of one image, told apart by a
 * route's `variants.pattern`, a regular expression with named groups tested against the URL:
 * `image` (required) is the image's identity, `width` (optional, an integer) its width,
 * `format` (optional) its format. Example: `/photos/(?<image>[^/]+)-(?<width>\d+)\.(?<format>webp|jpg)$`.
 */

/** What a variants pattern says about one URL. */
export interface VariantKey {
  /** The `image` group: URLs with the same value are variants of one image. */
  image: string;
  /** The `width` group as a number, or `null` when the pattern has none (or it is not a number). */
  width: number | null;
  /** The `format` group, or `null`. */
  format: string | null;
}

/** Reads `url` with a variants pattern; `null` when it does not match or has no `image` group. */
export function variantKey(url: string, pattern: RegExp): VariantKey | null {
  const groups = pattern.exec(url)?.groups;
  if (groups?.image === undefined) return null;
  const width = groups.width === undefined ? null : Number.parseInt(groups.width, 10);
  return { image: groups.image, width: width !== null && Number.isFinite(width) ? width : null, format: groups.format ?? null };
}

/**
 * Chooses the variant to serve for `requested` among `candidates` (variants of the same image):
 * the narrowest at least as wide as requested, else the widest narrower one (a larger image
 * scales down without loss; a smaller one is better than none); at equal width, the requested
 * format first, then the order given. Widths unknown on either side rank after known ones. Pure.
 * @returns The chosen candidate's URL, or `undefined` when there is none.
 */
export function chooseVariant(requested: VariantKey, candidates: ReadonlyArray<{ url: string; key: VariantKey }>): string | undefined {
  const rank = (k: VariantKey): [number, number] => {
    if (requested.width === null || k.width === null) return [2, 0];
    if (k.width >= requested.width) return [0, k.width - requested.width];
    return [1, requested.width - k.width];
  };
  const sorted = candidates
    .map((c, i) => ({ c, i, r: rank(c.key), f: c.key.format === requested.format ? 0 : 1 }))
    .sort((a, b) => a.r[0] - b.r[0] || a.r[1] - b.r[1] || a.f - b.f || a.i - b.i);
  return sorted[0]?.c.url;
}

/**
 * The closest cached variant of the image `url` names (fresh or stale), as the cache stores it,
 * or `undefined` (no pattern match, or no other variant of that image is cached). Reading it
 * counts as a use of that entry.
 * @param cache The image cache.
 * @param url The requested URL (a cache key: no fragment).
 * @param pattern The route's variants pattern.
 */
export async function findVariant(cache: ImageCache, url: string, pattern: RegExp): Promise<Response | undefined> {
  const requested = variantKey(url, pattern);
  if (!requested) return undefined;
  const candidates: Array<{ url: string; key: VariantKey }> = [];
  for (const entry of await cache.entries()) {
    if (entry.url === url) continue;
    const key = variantKey(entry.url, pattern);
    if (key && key.image === requested.image) candidates.push({ url: entry.url, key });
  }
  while (candidates.length > 0) {
    const chosen = chooseVariant(requested, candidates);
    if (chosen === undefined) return undefined;
    const found = await cache.lookup(chosen);
    if (found.result !== 'miss') return found.response;
    candidates.splice(candidates.findIndex((c) => c.url === chosen), 1);
  }
  return undefined;
}
