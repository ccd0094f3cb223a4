import type { ShellEntry } from '../config.ts';

/** What a warm-up run did (reported in stats as `warmup`). */
export interface WarmupReport {
  /** Manifest entries. */
  total: number;
  /** Fetched and stored now. */
  stored: number;
  /** Already cached with the same revision and still fresh. */
  skipped: number;
  /** Failed after every retry, or fetched but not storable. */
  failed: number;
  /** The failed URLs with the reason (at most 20 listed). */
  failures: Array<{ url: string; reason: string }>;
  /** When the run finished, ms since epoch. */
  finishedAt: number;
}

/** Header carrying a shell file's revision in the shell cache. */
export const REVISION_HEADER = 'X-SW-Image-Cache-Revision';

/**
 * Precaches the app shell (HTML, scripts, styles, the dataset's CSV: small non-image files needed
 * offline) into its own cache, outside the image budget. Files whose revision is unchanged are
 * kept; files no longer listed are deleted. Rejects when a shell file cannot be fetched (the
 * shell is what makes the app start offline, so install fails and the browser retries later).
 */
export async function precacheShell(cacheName: string, entries: readonly ShellEntry[]): Promise<void> {
  const cache = await caches.open(cacheName);
  const wanted = new Set<string>();
  await Promise.all(
    entries.map(async (entry) => {
      const url = new URL(entry.url, globalThis.location?.href).href;
      wanted.add(url);
      const existing = await cache.match(url);
      if (existing?.headers.get(REVISION_HEADER) === entry.revision) return;
      const response = await fetch(new Request(url, { cache: 'no-cache' }));
      if (!response.ok) throw new Error(`app shell: ${url} answered HTTP ${response.status}`);
      const headers = new Headers(response.headers);
      headers.set(REVISION_HEADER, entry.revision);
      await cache.put(url, new Response(await response.arrayBuffer(), { status: 200, headers }));
    }),
  );
  for (const request of await cache.keys()) if (!wanted.has(request.url)) await cache.delete(request);
}
