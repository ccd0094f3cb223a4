import type { ManifestEntry, ShellEntry } from '../config.ts';
import type { Seconds } from '../policy/types.ts';
import type { ImageCache, PutResult } from '../storage/ImageCache.ts';

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

/** Options of {@link precacheImages}. */
export interface PrecacheOptions {
  /** Fetches at once. @default 4 */
  concurrency?: number;
  /** Retries per URL after the first failure, with exponential backoff from `backoffMs`. @default 2 */
  retries?: number;
  /** First backoff delay in ms (doubled per retry). @default 250 */
  backoffMs?: number;
  /** Freshness lifetime per URL, in seconds. @default the cache's maxAgeSeconds */
  maxAgeSecondsFor?: (url: string) => Seconds;
  /** The network. @default globalThis.fetch */
  fetch?: (request: Request) => Promise<Response>;
  /** Stored as `precache` (with the entry's revision) or `runtime`. @default "precache" */
  kind?: 'precache' | 'runtime';
  /** Called with each URL's outcome. */
  onResult?: (url: string, outcome: 'stored' | 'skipped' | 'failed', reason?: string) => void;
}

/**
 * Precaches a warm-up manifest into the byte-bounded index (precached entries count against
 * `maxBytes` like any other). Bounded concurrency, retries with exponential backoff. An entry
 * already stored with the same revision and still fresh is skipped; a new revision replaces it.
 * Never rejects: a URL that fails is reported, and install goes on.
 */
export async function precacheImages(
  cache: ImageCache,
  entries: ReadonlyArray<Pick<ManifestEntry, 'url'> & { revision: string | null }>,
  options: PrecacheOptions = {},
): Promise<WarmupReport> {
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const retries = Math.max(0, options.retries ?? 2);
  const backoffMs = options.backoffMs ?? 250;
  const doFetch = options.fetch ?? ((r: Request) => fetch(r));
  const report: WarmupReport = { total: entries.length, stored: 0, skipped: 0, failed: 0, failures: [], finishedAt: 0 };
  const fail = (url: string, reason: string) => {
    report.failed++;
    if (report.failures.length < 20) report.failures.push({ url, reason });
    options.onResult?.(url, 'failed', reason);
  };
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const entry = entries[next++]!;
      const url = new URL(entry.url, globalThis.location?.href).href;
      try {
        const existing = await cache.peek(url);
        if (existing && (entry.revision === null || existing.revision === entry.revision) && (await cache.has(url))) {
          report.skipped++;
          options.onResult?.(url, 'skipped');
          continue;
        }
        let result: PutResult | null = null;
        let lastError = '';
        for (let attempt = 0; attempt <= retries && !result; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)));
          try {
            const response = await doFetch(new Request(url, { cache: 'no-cache' }));
            if (!response.ok) {
              lastError = `HTTP ${response.status}`;
              void response.body?.cancel().catch(() => {});
              continue;
            }
            result = await cache.put(url, response, {
              kind: options.kind ?? 'precache',
              revision: entry.revision,
              maxAgeSeconds: options.maxAgeSecondsFor?.(url),
            });
          } catch (e) {
            lastError = e instanceof Error ? e.message : String(e);
          }
        }
        if (result?.stored) {
          report.stored++;
          options.onResult?.(url, 'stored');
        } else fail(url, result ? `not stored: ${result.reason}` : lastError || 'failed');
      } catch (e) {
        fail(url, e instanceof Error ? e.message : String(e));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, entries.length) }, worker));
  report.finishedAt = Date.now();
  return report;
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
