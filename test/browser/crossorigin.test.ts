/**
 * Cross-origin images in Chromium: stored only when their route opts in, and then only when the
 * response is CORS-readable, or opaque with an assumed size (`opaqueBytes`).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type StaticServer } from '../../build/server.ts';
import { getJson, loadImages, openControlled, recordCacheStatus, setupEnv, sleep, type Env } from './harness.ts';

/** Loads images with `crossorigin="anonymous"` (a CORS request); resolves whether each loaded. */
function loadCors(page: Awaited<ReturnType<typeof openControlled>>, urls: string[]): Promise<boolean[]> {
  return page.evaluate(
    (list) =>
      Promise.all(
        list.map(
          (src) =>
            new Promise<boolean>((resolve) => {
              const img = new Image();
              img.crossOrigin = 'anonymous';
              img.onload = () => resolve(true);
              img.onerror = () => resolve(false);
              img.src = src;
            }),
        ),
      ),
    urls,
  );
}

interface Entry {
  url: string;
  bytes: number;
  contentType: string;
}

describe('cross-origin images in Chromium', () => {
  let env: Env;
  let other: StaticServer;
  let png: Buffer;
  beforeAll(async () => {
    png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#3a7' } }).png().toBuffer();
    // Another origin (another port). /cors/ and /plain/ answer with Access-Control-Allow-Origin, /xo/ without.
    other = await startStaticServer({
      mounts: [],
      hooks: [
        (_req, res, url) => {
          if (!/^\/(cors|xo|plain)\//.test(url.pathname)) return false;
          const headers: Record<string, string | number> = { 'Content-Type': 'image/png', 'Content-Length': png.length, 'Cache-Control': 'no-cache' };
          if (!url.pathname.startsWith('/xo/')) headers['Access-Control-Allow-Origin'] = '*';
          res.writeHead(200, headers);
          res.end(png);
          return true;
        },
      ],
    });
    env = await setupEnv({
      cacheName: 'xo-images',
      maxBytes: 1024 * 1024,
      writeBehindMs: 100,
      routes: [
        { pattern: '/cors/', crossOrigin: true },
        { pattern: '/xo/', crossOrigin: true, opaqueBytes: 50_000 },
        { pattern: '/plain/' },
      ],
    });
  });
  afterAll(async () => {
    await env?.close();
    await other?.close();
  });

  it('storesCorsReadableAndOptedInOpaqueImagesButNotOthers', async () => {
    const page = await openControlled(env);
    const status = recordCacheStatus(page);
    const cors = `${other.url}/cors/a.png`;
    const opaque = `${other.url}/xo/b.png`;
    const plain = `${other.url}/plain/c.png`;
    // `crossorigin` makes a CORS request; without it the response is opaque.
    expect(await loadCors(page, [cors, plain])).toEqual([true, true]);
    const loaded = await loadImages(page, [opaque]);
    expect(loaded.every((l) => l.ok)).toBe(true);
    await sleep(500);
    expect(status.get('/cors/a.png')).toBe('sw-image-cache; fwd=miss; stored');
    expect(status.get('/plain/c.png')).toBe('sw-image-cache; fwd=bypass; detail=cross-origin');
    const entries = await getJson<Entry[]>(page, '/__image-cache/entries');
    const byUrl = Object.fromEntries(entries.map((e) => [e.url, e]));
    expect(byUrl[cors]).toMatchObject({ bytes: png.length, contentType: 'image/png' });
    expect(byUrl[opaque]).toMatchObject({ bytes: 50_000 }); // the assumed size: an opaque body cannot be measured
    expect(byUrl[plain]).toBeUndefined();
    const stats = await getJson<{ bytesUsed: number }>(page, '/__image-cache/stats');
    expect(stats.bytesUsed).toBe(png.length + 50_000);

    // A new tab: both stored images come from the worker's cache, not from the other origin.
    const before = [other.requests.get('/cors/a.png'), other.requests.get('/xo/b.png')];
    const tab = await openControlled(env);
    expect(await loadCors(tab, [cors])).toEqual([true]);
    expect((await loadImages(tab, [opaque]))[0]!.ok).toBe(true);
    expect([other.requests.get('/cors/a.png'), other.requests.get('/xo/b.png')]).toEqual(before);
    await page.close();
    await tab.close();
  });
});
