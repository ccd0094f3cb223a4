/**
 * A small static HTTP server for the demo (`npm start`), the browser tests and the benchmarks.
 *
 * - Serves files from one or more {@link Mount}s; the longest matching prefix wins.
 * - Sends `Content-Type`, `Content-Length`, `Last-Modified`, a strong `ETag` (file size plus
 *   mtime) and `Cache-Control: no-cache`, so the browser's HTTP cache always revalidates and
 *   never hides what the service worker does. Conditional requests (`If-None-Match`, then
 *   `If-Modified-Since`) are answered with 304.
 * - Streams bodies with `fs.createReadStream`: a multi-MB banner is never buffered per request.
 * - Counts GET/HEAD requests per pathname ({@link StaticServer.requests}), which is how tests
 *   tell a service-worker hit (no request reaches the server) from a miss.
 * - Listens on 127.0.0.1 by default, on an ephemeral port unless one is given.
 *
 * It adds no `Access-Control-Allow-Origin` header unless {@link StaticServerOptions.cors} is set.
 */
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** A URL prefix served from a directory, e.g. `{ prefix: '/data/', dir: 'data' }`. */
export interface Mount {
  /** URL path prefix; should start and end with `/` (`'/'` serves the whole origin). */
  prefix: string;
  /** Directory served under the prefix; relative paths resolve against `process.cwd()`. */
  dir: string;
}

/**
 * A request hook, tried before static files (and before the method check, so a hook may answer
 * any method). Return `true` when the hook answered the request itself (it must then end `res`),
 * `false` to pass it on. A hook that throws or rejects gets a 500 answer.
 */
export type RequestHook = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => boolean | Promise<boolean>;

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** What to serve. The longest matching prefix wins. */
  mounts: Mount[];
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port to listen on; `0` picks a free ephemeral port. @default 0 */
  port?: number;
  /**
   * Artificial delay in milliseconds before every response (hooks included), to make network
   * misses measurably slower than cache hits. @default 0
   */
  latencyMs?: number;
  /** Hooks tried in order before static files. @default [] */
  hooks?: RequestHook[];
  /** Add `Access-Control-Allow-Origin: *` to every response (cross-origin image tests). @default false */
  cors?: boolean;
  /** Log one line per request to stdout. @default false */
  log?: boolean;
}

/** A running server, as resolved by {@link startStaticServer}. */
export interface StaticServer {
  /** Origin without a trailing slash, e.g. `'http://127.0.0.1:41234'`. */
  url: string;
  /** The port actually listened on. */
  port: number;
  /** Pathname → number of GET/HEAD requests received (including those answered by hooks). */
  requests: Map<string, number>;
  /** Empties {@link StaticServer.requests}. */
  resetCounts(): void;
  /** Stops listening and closes every open socket (keep-alive ones too). */
  close(): Promise<void>;
}

/** Content types by lower-case file extension. Anything else is `application/octet-stream`. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** @internal Exported for tests. */
export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[path.extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

/** A strong validator from size and mtime (microseconds), e.g. `"1f4a-5f2c3b1a9e0c0"`. */
function etagFor(st: Stats): string {
  return `"${st.size.toString(16)}-${Math.floor(st.mtimeMs * 1000).toString(16)}"`;
}

/** RFC 9110 §13.1.2: `If-None-Match` uses the weak comparison. */
function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === opaque);
}

/** RFC 9110 §13.2.2: `If-Modified-Since` is only evaluated when `If-None-Match` is absent. */
function notModified(req: http.IncomingMessage, st: Stats, etag: string): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  // HTTP dates have one-second resolution.
  return !Number.isNaN(since) && Math.floor(st.mtimeMs / 1000) * 1000 <= since;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface ResolvedMount {
  prefix: string;
  root: string;
}

/** Outcome of mapping a URL path onto the file system. */
type Resolution =
  | { kind: 'file'; file: string }
  | { kind: 'forbidden' }
  | { kind: 'bad-request' }
  | { kind: 'not-found' }
  | { kind: 'redirect'; location: string };

/**
 * Maps a request's raw path onto a file under the longest matching mount. Rejects `..` segments
 * (plain or percent-encoded, with `/` or `\` separators), NUL bytes, and anything that would
 * resolve outside the mount's directory.
 */
function resolvePath(rawPath: string, mounts: readonly ResolvedMount[]): Resolution {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad-request' };
  }
  if (decoded.includes('\0')) return { kind: 'bad-request' };
  if (!decoded.startsWith('/')) return { kind: 'bad-request' };
  if (decoded.split(/[\\/]/).some((segment) => segment === '..')) return { kind: 'forbidden' };

  // `/data` when `/data/` is mounted: send the browser to the directory form.
  if (mounts.some((m) => m.prefix === `${decoded}/`)) return { kind: 'redirect', location: `${decoded}/` };
  const mount = mounts.find((m) => decoded.startsWith(m.prefix));
  if (mount === undefined) return { kind: 'not-found' };
  const relative = decoded.slice(mount.prefix.length);
  const file = path.resolve(mount.root, `.${path.sep}${relative}`);
  if (file !== mount.root && !file.startsWith(mount.root + path.sep)) return { kind: 'forbidden' };
  return { kind: 'file', file };
}

/**
 * Starts a static file server.
 *
 * @param options what to serve and how; see {@link StaticServerOptions}.
 * @returns resolves once listening, with the origin, per-path request counts and `close()`.
 *   Rejects with the `listen` error (e.g. `EADDRINUSE`).
 */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const hooks = options.hooks ?? [];
  const cors = options.cors ?? false;
  const log = options.log ?? false;
  const mounts: ResolvedMount[] = options.mounts
    .map((m) => ({
      prefix: m.prefix.startsWith('/') ? m.prefix : `/${m.prefix}`,
      root: path.resolve(m.dir),
    }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const requests = new Map<string, number>();

  const plain = (
    res: http.ServerResponse,
    status: number,
    text: string,
    headers: http.OutgoingHttpHeaders = {},
  ): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = `${text}\n`;
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache',
      ...headers,
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  async function serveFile(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    // The raw (still percent-encoded, not dot-normalized) path: traversal checks need it.
    const target = req.url ?? '/';
    const rawPath = target.startsWith('/') ? (target.split(/[?#]/, 1)[0] ?? '/') : url.pathname;
    let resolution = resolvePath(rawPath, mounts);
    let st: Stats | undefined;
    if (resolution.kind === 'file') {
      st = await stat(resolution.file).catch(() => undefined);
      if (st?.isDirectory()) {
        if (!url.pathname.endsWith('/')) {
          // Collapse leading slashes so `//host/dir` can never become a protocol-relative redirect.
          const location = `/${url.pathname.replace(/^\/+/, '')}/${url.search}`;
          resolution = { kind: 'redirect', location };
        } else {
          resolution = { kind: 'file', file: path.join(resolution.file, 'index.html') };
          st = await stat(resolution.file).catch(() => undefined);
        }
      }
      if (resolution.kind === 'file' && !st?.isFile()) resolution = { kind: 'not-found' };
    }

    switch (resolution.kind) {
      case 'bad-request':
        return plain(res, 400, 'Bad Request');
      case 'forbidden':
        return plain(res, 403, 'Forbidden');
      case 'not-found':
        return plain(res, 404, `Not Found: ${url.pathname}`);
      case 'redirect':
        return plain(res, 301, 'Moved Permanently', { Location: resolution.location });
      case 'file':
        break;
    }
    if (st === undefined) return plain(res, 404, `Not Found: ${url.pathname}`); // unreachable

    const etag = etagFor(st);
    const headers: http.OutgoingHttpHeaders = {
      ETag: etag,
      'Last-Modified': st.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    };
    if (notModified(req, st, etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': contentTypeFor(resolution.file),
      'Content-Length': st.size,
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(resolution.file), res);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = performance.now();
    if (log) {
      res.on('finish', () => {
        const ms = (performance.now() - started).toFixed(1);
        console.log(`${req.method} ${req.url} ${res.statusCode} ${ms} ms`);
      });
    }
    let url: URL;
    try {
      const target = req.url ?? '/';
      // Origin-form (`/path`) is prefixed rather than resolved, so `//x/y` stays a path.
      url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target);
    } catch {
      return plain(res, 400, 'Bad Request');
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    }
    if (cors) res.setHeader('Access-Control-Allow-Origin', '*');
    if (latencyMs > 0) await delay(latencyMs);
    if (res.destroyed) return;

    for (const hook of hooks) {
      if (await hook(req, res, url)) return;
    }

    if (req.method === 'OPTIONS' && cors) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, HEAD',
        'Access-Control-Allow-Headers': '*',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return plain(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
    }
    await serveFile(req, res, url);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // A client that goes away mid-stream is normal (a tab closed, an image cancelled).
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code === 'ERR_STREAM_PREMATURE_CLOSE' || res.destroyed) return;
      if (log) console.error(`${req.method} ${req.url}:`, error);
      plain(res, 500, 'Internal Server Error');
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    requests,
    resetCounts: () => requests.clear(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
