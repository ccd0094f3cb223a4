/**
 * Tests of the static server used by `npm start`, the browser tests and the benchmarks.
 * Each test starts its own server on an ephemeral port over a temporary directory:
 *
 *   root/
 *     secret.txt            outside every mount: must never be served
 *     site/  (mounted at /) index.html, app.js, style.css, a.json, t.csv, i.svg, i.png, p.jpg,
 *                           p.webp, blob.bin, sub/index.html, data/shadowed.txt
 *     data/  (mounted at /data/) shadowed.txt, big.png (3 MB)
 */
import { mkdtemp, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer, type StaticServerOptions } from '../../build/server.ts';

let root: string;
let site: string;
let data: string;
const BIG_BYTES = 3 * 1024 * 1024;
const servers: StaticServer[] = [];

async function start(extra: Partial<StaticServerOptions> = {}): Promise<StaticServer> {
  const server = await startStaticServer({
    mounts: [
      { prefix: '/', dir: site },
      { prefix: '/data/', dir: data },
    ],
    ...extra,
  });
  servers.push(server);
  return server;
}

/** A request with the path sent byte for byte (fetch would normalise `..` away). */
function rawGet(server: StaticServer, rawPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'server-test-'));
  site = path.join(root, 'site');
  data = path.join(root, 'data');
  await mkdir(path.join(site, 'sub'), { recursive: true });
  await mkdir(path.join(site, 'data'), { recursive: true });
  await mkdir(data, { recursive: true });
  const files: Record<string, string | Buffer> = {
    'secret.txt': 'top secret',
    'site/index.html': '<!doctype html><title>home</title>',
    'site/app.js': 'console.log(1);',
    'site/app.mjs': 'export {};',
    'site/style.css': 'body{}',
    'site/a.json': '{"a":1}',
    'site/t.csv': 'a,b\n1,2\n',
    'site/i.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
    'site/i.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    'site/p.jpg': Buffer.from([0xff, 0xd8, 0xff]),
    'site/p.webp': Buffer.from('RIFF0000WEBP'),
    'site/blob.bin': Buffer.from([1, 2, 3]),
    'site/sub/index.html': '<!doctype html><title>sub</title>',
    'site/data/shadowed.txt': 'from site',
    'data/shadowed.txt': 'from data',
    'data/big.png': Buffer.alloc(BIG_BYTES, 7),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(root, name), content);
  // A fixed mtime, so Last-Modified / If-Modified-Since are predictable.
  const mtime = new Date('2024-01-02T03:04:05Z');
  await utimes(path.join(site, 'i.png'), mtime, mtime);
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('startStaticServer', () => {
  it('listensOnLoopbackWithAnEphemeralPort', async () => {
    const server = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it.each([
    ['/index.html', 'text/html; charset=utf-8'],
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/app.mjs', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/a.json', 'application/json; charset=utf-8'],
    ['/t.csv', 'text/csv; charset=utf-8'],
    ['/i.svg', 'image/svg+xml'],
    ['/i.png', 'image/png'],
    ['/p.jpg', 'image/jpeg'],
    ['/p.webp', 'image/webp'],
    ['/blob.bin', 'application/octet-stream'],
  ])('serves %s as %s', async (pathname, type) => {
    const server = await start();
    const res = await fetch(server.url + pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    const body = new Uint8Array(await res.arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(body.byteLength));
  });

  it('sendsValidatorsAndNoCache', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/i.png`);
    await res.arrayBuffer();
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('last-modified')).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[^"]+"$/); // strong: no W/ prefix
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answersIfNoneMatchWith304', async () => {
    const server = await start();
    const first = await fetch(`${server.url}/i.png`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag')!;

    for (const header of [etag, `W/${etag}`, `"nope", ${etag}`, '*']) {
      const res = await fetch(`${server.url}/i.png`, { headers: { 'If-None-Match': header } });
      expect(res.status, header).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    const changed = await fetch(`${server.url}/i.png`, { headers: { 'If-None-Match': '"other"' } });
    expect(changed.status).toBe(200);
    await changed.arrayBuffer();
  });

  it('answersIfModifiedSinceWith304UnlessIfNoneMatchDisagrees', async () => {
    const server = await start();
    const url = `${server.url}/i.png`;
    const same = await fetch(url, { headers: { 'If-Modified-Since': 'Tue, 02 Jan 2024 03:04:05 GMT' } });
    expect(same.status).toBe(304);
    const older = await fetch(url, { headers: { 'If-Modified-Since': 'Mon, 01 Jan 2024 00:00:00 GMT' } });
    expect(older.status).toBe(200);
    await older.arrayBuffer();
    const both = await fetch(url, {
      headers: { 'If-Modified-Since': 'Tue, 02 Jan 2030 00:00:00 GMT', 'If-None-Match': '"other"' },
    });
    expect(both.status).toBe(200);
    await both.arrayBuffer();
  });

  it('answersHeadWithHeadersOnly', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/style.css`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('6');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(server.requests.get('/style.css')).toBe(1);
  });

  it('answersMissingFilesWithPlainText404', async () => {
    const server = await start();
    for (const pathname of ['/missing.png', '/data/missing.png', '/sub/missing/deeper.js']) {
      const res = await fetch(server.url + pathname);
      expect(res.status, pathname).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      await res.arrayBuffer();
    }
  });

  it('answersOtherMethodsWith405', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/index.html`, { method: 'POST', body: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    await res.arrayBuffer();
    expect(server.requests.has('/index.html')).toBe(false);
  });

  it('servesIndexHtmlForDirectories', async () => {
    const server = await start();
    const home = await fetch(`${server.url}/`);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await home.text()).toContain('<title>home</title>');
    const sub = await fetch(`${server.url}/sub/`);
    expect(await sub.text()).toContain('<title>sub</title>');
    const noSlash = await fetch(`${server.url}/sub`, { redirect: 'manual' });
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get('location')).toBe('/sub/');
    await noSlash.arrayBuffer();
    const mountNoSlash = await fetch(`${server.url}/data`, { redirect: 'manual' });
    expect(mountNoSlash.status).toBe(301);
    expect(mountNoSlash.headers.get('location')).toBe('/data/');
    await mountNoSlash.arrayBuffer();
  });

  it('letsTheLongestMountPrefixWin', async () => {
    const server = await start();
    expect(await (await fetch(`${server.url}/data/shadowed.txt`)).text()).toBe('from data');
    // Mount order must not matter.
    const reversed = await startStaticServer({
      mounts: [
        { prefix: '/data/', dir: data },
        { prefix: '/', dir: site },
      ],
    });
    servers.push(reversed);
    expect(await (await fetch(`${reversed.url}/data/shadowed.txt`)).text()).toBe('from data');
  });

  it.each([
    '/../secret.txt',
    '/data/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/data/%2E%2E/%2e%2e/secret.txt',
    '/data/..%2f..%2fsecret.txt',
    '/data/..%5c..%5csecret.txt',
    '/..\\secret.txt',
    '/%00secret.txt',
  ])('blocks path traversal: %s', async (rawPath) => {
    const server = await start();
    const res = await rawGet(server, rawPath);
    expect([400, 403, 404]).toContain(res.status);
    expect(res.body).not.toContain('top secret');
  });

  it('appliesLatencyBeforeEveryResponse', async () => {
    const latencyMs = 120;
    const server = await start({ latencyMs });
    for (const pathname of ['/i.png', '/missing.png']) {
      const t0 = performance.now();
      const res = await fetch(server.url + pathname);
      await res.arrayBuffer();
      // Timers may fire up to ~1 ms early relative to performance.now(); no upper bound asserted.
      expect(performance.now() - t0, pathname).toBeGreaterThanOrEqual(latencyMs - 1);
    }
  });

  it('triesHooksInOrderBeforeStaticFiles', async () => {
    const calls: string[] = [];
    const server = await start({
      hooks: [
        (_req, _res, url) => {
          calls.push(`first ${url.pathname}`);
          return false;
        },
        async (req, res, url) => {
          calls.push(`second ${url.pathname}`);
          if (url.pathname !== '/index.html' && url.pathname !== '/api') return false;
          await new Promise((r) => setTimeout(r, 5));
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ hooked: true, method: req.method, q: url.searchParams.get('q') }));
          return true;
        },
      ],
    });
    // A hook answers even where a file exists, and for methods the static server refuses.
    expect(await (await fetch(`${server.url}/index.html?q=1`)).json()).toEqual({
      hooked: true,
      method: 'GET',
      q: '1',
    });
    expect(await (await fetch(`${server.url}/api`, { method: 'POST', body: '' })).json()).toMatchObject({
      method: 'POST',
    });
    // Not answered by any hook: falls through to the file.
    expect(await (await fetch(`${server.url}/style.css`)).text()).toBe('body{}');
    expect(calls).toEqual([
      'first /index.html',
      'second /index.html',
      'first /api',
      'second /api',
      'first /style.css',
      'second /style.css',
    ]);
    expect(server.requests.get('/index.html')).toBe(1);
  });

  it('answers500WhenAHookThrows', async () => {
    const server = await start({
      hooks: [
        () => {
          throw new Error('boom');
        },
      ],
    });
    const res = await fetch(`${server.url}/index.html`);
    expect(res.status).toBe(500);
    await res.arrayBuffer();
  });

  it('countsGetAndHeadRequestsPerPath', async () => {
    const server = await start();
    await (await fetch(`${server.url}/i.png`)).arrayBuffer();
    await (await fetch(`${server.url}/i.png?v=2`)).arrayBuffer();
    await (await fetch(`${server.url}/i.png`, { method: 'HEAD' })).arrayBuffer();
    await (await fetch(`${server.url}/missing.png`)).arrayBuffer();
    await (await fetch(`${server.url}/data/shadowed.txt`)).arrayBuffer();
    expect(Object.fromEntries(server.requests)).toEqual({
      '/i.png': 3,
      '/missing.png': 1,
      '/data/shadowed.txt': 1,
    });
    server.resetCounts();
    expect(server.requests.size).toBe(0);
    await (await fetch(`${server.url}/i.png`)).arrayBuffer();
    expect(server.requests.get('/i.png')).toBe(1);
  });

  it('streamsLargeFilesWithTheRightLength', async () => {
    const server = await start();
    const res = await fetch(`${server.url}/data/big.png`);
    expect(res.headers.get('content-length')).toBe(String(BIG_BYTES));
    const body = new Uint8Array(await res.arrayBuffer());
    expect(body.byteLength).toBe(BIG_BYTES);
    expect(body.every((b) => b === 7)).toBe(true);
  });

  it('addsCorsHeaderOnlyWhenAsked', async () => {
    const server = await start({ cors: true });
    const res = await fetch(`${server.url}/i.png`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    await res.arrayBuffer();
    const missing = await fetch(`${server.url}/missing.png`);
    expect(missing.headers.get('access-control-allow-origin')).toBe('*');
    await missing.arrayBuffer();
  });

  it('closesListenerAndOpenConnections', async () => {
    const server = await startStaticServer({ mounts: [{ prefix: '/', dir: site }] });
    // Leave a keep-alive connection open: close() must not wait for it to time out.
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/index.html', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
        .on('error', reject);
    });
    const t0 = performance.now();
    await server.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
    await expect(fetch(`${server.url}/index.html`)).rejects.toThrow();
    agent.destroy();
  });
});
