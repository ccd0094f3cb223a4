import type { ImageCache } from '../storage/ImageCache.ts';

/** The path segment of the worker's virtual endpoints, below its scope. */
export const API_PREFIX = '__image-cache/';

/** Extra fields merged into the stats JSON (warm-up report, build info, …). */
export type StatsExtras = () => Record<string, unknown>;

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' },
  });
}

/**
 * Answers the virtual endpoints (DESIGN.md §5), below the worker's scope:
 * - `GET __image-cache/stats` → `{ hits, misses, hitRate, bytesUsed, maxBytes, entries, maxEntries,
 *   evictions, expirations, peakBytes, … }`;
 * - `GET __image-cache/entries` → `[{ url, bytes, storedAt, lastAccessedAt, expiresAt, … }]`
 *   (ms since epoch; `expiresAt: null` = never), least recently used first;
 * - `DELETE __image-cache/entries?url=…` → `{ deleted: boolean }`;
 * - `POST __image-cache/clear` → `{ cleared: true }`.
 * Other paths: 404; other methods: 405 (JSON `{ error }`).
 * @param name The path after `<scope>__image-cache/`.
 */
export async function handleApiRequest(
  cache: ImageCache,
  request: Request,
  name: string,
  extras: StatsExtras = () => ({}),
): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method;
  try {
    if (name === 'stats') {
      if (method !== 'GET') return json({ error: 'method not allowed' }, 405);
      await cache.ready();
      return json({ ...cache.stats(), ...extras() });
    }
    if (name === 'entries') {
      if (method === 'GET') return json(await cache.entries());
      if (method === 'DELETE') {
        const target = url.searchParams.get('url');
        if (!target) return json({ error: 'the url query parameter is required' }, 400);
        return json({ deleted: await cache.delete(new URL(target, url).href) });
      }
      return json({ error: 'method not allowed' }, 405);
    }
    if (name === 'clear') {
      if (method !== 'POST') return json({ error: 'method not allowed' }, 405);
      await cache.clear();
      return json({ cleared: true });
    }
    return json({ error: `no endpoint ${API_PREFIX}${name}` }, 404);
  } catch (e) {
    return json({ error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, 503);
  }
}
