/**
 * The benchmarked variants, each on its own origin: its own `startStaticServer` on an ephemeral
 * 127.0.0.1 port, so each has its own Cache Storage, IndexedDB, HTTP cache and registration.
 *
 * Every server answers, through hooks (so every variant runs exactly the same server code):
 * - every request but `/tiny/…`: an artificial network latency of `latencyMs` first;
 * - `/bench.html`: the variant's page, which registers `/sw.js` (worker variants) and exposes
 *   `window.benchReady`, resolved once a worker controls the page;
 * - `/img/<file>`: a bench image from memory, with a strong `ETag` (304 on `If-None-Match`) and
 *   `Cache-Control: no-cache`, or `max-age=31536000` for the `http-cache` variant;
 * - `/gallery.html?img=a,b,…`: a page showing those bench images (the cold page load);
 * - `/tiny/<n>.png`: a distinct ~200-byte PNG generated for `n` (cache fills of 10,000 entries),
 *   without the artificial latency (only hits and cold starts are timed on them).
 * `/sw.js` (and ours' other build outputs) are static files from the worker's bundle folder.
 * The server counts GET requests per pathname: a hit pass must leave `/img/` counts at zero.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { startStaticServer, type RequestHook, type StaticServer } from '../../build/server.ts';
import type { WorkerBundle } from './bundles.ts';
import { BENCH_IMAGE_DIR, tinyPng, type BenchImage } from './images.ts';

/** The five variants of the comparison, in table order. */
export const VARIANT_NAMES = ['network', 'http-cache', 'bare', 'workbox', 'ours', 'ours-mem'] as const;
export type VariantName = (typeof VARIANT_NAMES)[number] | 'bare-static';
/** Every column of the reports, in order (`bare-static` is only on the entry-count origins). */
export const COLUMN_NAMES = ['network', 'http-cache', 'bare', 'bare-static', 'workbox', 'ours', 'ours-mem'] as const;

/** One running variant. */
export interface Variant {
  /** e.g. `ours`, or `ours@scale` for the origin used by the entry-count figures. */
  id: string;
  name: VariantName | 'ours-profile';
  /** Whether a service worker is registered on this origin. */
  worker: boolean;
  /** The Cache Storage cache the worker stores bodies in (worker variants). */
  cacheName?: string;
  server: StaticServer;
  origin: string;
}

/** Cache Storage cache names of the worker variants (`ours` from its bench config). */
export const CACHE_NAMES: Record<string, string> = {
  bare: 'bench-bare',
  'bare-static': 'bench-bare-static',
  workbox: 'bench-workbox-images',
  ours: 'sw-image-cache-images',
  'ours-mem': 'sw-image-cache-images',
  'ours-profile': 'sw-image-cache-images',
};

const CONTENT_TYPES: Record<BenchImage['format'], string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** The images, loaded once into memory with their ETags. */
export interface ImageStore {
  get(file: string): { body: Buffer; etag: string; type: string } | undefined;
}

/** Reads every bench image into memory. */
export async function loadImageStore(images: BenchImage[]): Promise<ImageStore> {
  const map = new Map<string, { body: Buffer; etag: string; type: string }>();
  for (const img of images) {
    const body = await readFile(path.join(BENCH_IMAGE_DIR, img.file));
    const etag = `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"`;
    map.set(img.file, { body, etag, type: CONTENT_TYPES[img.format] });
  }
  return { get: (file) => map.get(file) };
}

function page(name: string, worker: boolean): string {
  return `<!doctype html><meta charset="utf-8"><title>bench: ${name}</title>
<script>
window.benchReady = (async () => {
  if (!${worker}) return 'no-worker';
  if (navigator.serviceWorker.controller) return 'controlled';
  await new Promise((resolve, reject) => {
    navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true });
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(reject);
  });
  return 'controlled';
})();
</script><body>${name}</body>`;
}

/**
 * The cold page load's page: `files` as `<img>` elements (bench images under `/img/`); each
 * `onload`/`onerror` records `performance.now()` (ms since the navigation started), and
 * `window.galleryDone` resolves with the time the last one finished and the number that failed.
 */
function galleryPage(files: string[]): string {
  const imgs = files.map((f) => `<img src="/img/${encodeURIComponent(f)}" width="64" height="64" onload="galleryImg(true)" onerror="galleryImg(false)">`).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>gallery</title>
<script>
let galleryLeft = ${files.length}, galleryLast = 0, galleryFailed = 0, galleryResolve;
window.galleryDone = new Promise((r) => { galleryResolve = r; });
function galleryImg(ok) {
  galleryLast = Math.max(galleryLast, performance.now());
  if (!ok) galleryFailed++;
  if (--galleryLeft === 0) galleryResolve({ lastMs: galleryLast, failed: galleryFailed });
}
</script><body>
${imgs}
</body>`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function send(req: http.IncomingMessage, res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, body?: Buffer | string): void {
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Options of {@link startVariant}. */
export interface StartVariantOptions {
  id: string;
  name: Variant['name'];
  /** The worker to serve as `/sw.js`; none for `network` and `http-cache`. */
  bundle?: WorkerBundle;
  /** A folder to serve at `/` when there is no bundle (an empty temp folder). */
  emptyDir: string;
  images: ImageStore;
  latencyMs: number;
  /** Port to listen on (a fixed one keeps the origin, hence its storage, across runs). @default 0 (ephemeral) */
  port?: number;
}

/** Starts one variant's server. */
export async function startVariant(options: StartVariantOptions): Promise<Variant> {
  const { name, images, latencyMs } = options;
  const worker = options.bundle !== undefined;
  const html = page(options.id, worker);
  const cacheControl = name === 'http-cache' ? 'max-age=31536000' : 'no-cache';
  const hooks: RequestHook[] = [
    async (_req, _res, url) => {
      if (latencyMs > 0 && !url.pathname.startsWith('/tiny/')) await sleep(latencyMs);
      return false;
    },
    (req, res, url) => {
      if (url.pathname === '/bench.html') {
        send(req, res, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, html);
        return true;
      }
      if (url.pathname === '/gallery.html') {
        send(req, res, 200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-cache' }, galleryPage((url.searchParams.get('img') ?? '').split(',').filter(Boolean)));
        return true;
      }
      if (url.pathname.startsWith('/img/')) {
        const img = images.get(decodeURIComponent(url.pathname.slice(5)));
        if (!img) {
          send(req, res, 404, { 'Content-Type': 'text/plain' }, 'not found');
          return true;
        }
        const headers = { ETag: img.etag, 'Cache-Control': cacheControl };
        if (req.headers['if-none-match'] === img.etag) {
          send(req, res, 304, headers);
          return true;
        }
        send(req, res, 200, { ...headers, 'Content-Type': img.type, 'Content-Length': img.body.byteLength }, img.body);
        return true;
      }
      const tiny = /^\/tiny\/(\d+)\.png$/.exec(url.pathname);
      if (tiny) {
        const body = tinyPng(Number(tiny[1]));
        send(req, res, 200, { 'Content-Type': 'image/png', 'Content-Length': body.byteLength, 'Cache-Control': cacheControl }, body);
        return true;
      }
      return false;
    },
  ];
  const server = await startStaticServer({
    mounts: [{ prefix: '/', dir: options.bundle?.dir ?? options.emptyDir }],
    host: '127.0.0.1',
    port: options.port ?? 0,
    hooks,
  });
  return { id: options.id, name, worker, cacheName: worker ? CACHE_NAMES[name] : undefined, server, origin: server.url };
}

/** Image requests (`/img/` and `/tiny/` paths) the server received since its last reset. */
export function imageRequests(v: Variant): number {
  let n = 0;
  for (const [p, count] of v.server.requests) if (p.startsWith('/img/') || p.startsWith('/tiny/')) n += count;
  return n;
}
