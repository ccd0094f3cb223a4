/**
 * The strategy under real HTTP in Chromium (issue 9 items 1, 3, 5, 7): every status reaches the
 * page as sent on every path, headers tell the truth, every duplicate shares one network request
 * with followers streaming, and `Vary` is honoured except for `Accept`.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStaticServer, type RequestHook, type StaticServer } from '../../build/server.ts';
import { getJson, openControlled, setupEnv, sleep, type Env } from './harness.ts';

const CDN = 'ExampleCDN; hit; ttl=300';
const NULL_BODY = new Set([204, 205, 304]);
/** One status of each class a page can see: 2xx (with the null-body ones), 3xx, 4xx, 5xx. */
const STATUSES = [200, 204, 205, 300, 301, 304, 404, 500, 503];

/** What the page saw for one fetch. */
interface Seen {
  status?: number;
  cs?: string | null;
  text?: string;
  headers?: Record<string, string>;
  headersAtMs?: number;
  bodyAtMs?: number;
  error?: string;
}

type Page = Awaited<ReturnType<typeof openControlled>>;

/** Fetches every URL from the page at once; records status, Cache-Status, body and timings. */
function fetchAll(page: Page, list: Array<{ url: string; init?: RequestInit }>): Promise<Seen[]> {
  return page.evaluate(
    (items) =>
      Promise.all(
        items.map(async ({ url, init }) => {
          const t0 = performance.now();
          try {
            const r = await fetch(url, init);
            const headersAtMs = performance.now() - t0;
            const text = new TextDecoder().decode(await r.arrayBuffer());
            const headers: Record<string, string> = {};
            r.headers.forEach((v, k) => (headers[k] = v));
            return { status: r.status, cs: r.headers.get('cache-status'), text: text.length > 100 ? `${text.length} bytes` : text, headers, headersAtMs, bodyAtMs: performance.now() - t0 };
          } catch (e) {
            return { error: String(e) };
          }
        }),
      ),
    list,
  );
}

describe('HTTP in Chromium: statuses, headers, collapsing, Vary', () => {
  let env: Env;
  let other: StaticServer;
  /** GET requests per pathname, and conditional ones (with If-None-Match) per pathname. */
  const gets = new Map<string, number>();
  const conditionals = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

  const answer = (res: http.ServerResponse, status: number, extra: Record<string, string | number> = {}) => {
    const headers: Record<string, string | number> = {
      'Content-Type': 'image/png',
      'Cache-Status': CDN,
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Cache-Status, ETag',
      'Keep-Alive': 'timeout=5',
      ETag: '"v1"',
      ...(status === 301 ? { Location: '/st/200/redirect-target.png' } : {}),
      ...extra,
    };
    if (NULL_BODY.has(status)) {
      res.writeHead(status, headers);
      res.end();
    } else {
      const body = Buffer.from(`body of ${status}`);
      res.writeHead(status, { ...headers, 'Content-Length': body.length });
      res.end(body);
    }
  };

  const hook: RequestHook = async (req, res, url) => {
    const p = url.pathname;
    if (req.method !== 'GET') return false;
    let m: RegExpExecArray | null;
    if ((m = /^\/(st|slow)\/(\d+)\/[\w-]+\.png$/.exec(p))) {
      bump(gets, p);
      if (m[1] === 'slow') await sleep(400);
      answer(res, Number(m[2]));
      return true;
    }
    if ((m = /^\/stv\/(\d+)\/[\w-]+\.png$/.exec(p))) {
      // First a storable 200; once expired, the status under test.
      bump(gets, p);
      answer(res, gets.get(p) === 1 ? 200 : Number(m[1]));
      return true;
    }
    if (/^\/(exp|etag)\/[\w-]+\.png$/.test(p)) {
      bump(gets, p);
      if (req.headers['if-none-match'] === '"v1"') {
        bump(conditionals, p);
        await sleep(300);
        answer(res, 304);
      } else answer(res, 200);
      return true;
    }
    if (p === '/stream/big.png') {
      // Headers and 64 KiB at once, the other 2 MiB after 1.5 s.
      bump(gets, p);
      const total = 2 * 1024 * 1024 + 64 * 1024;
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': total });
      res.write(Buffer.alloc(64 * 1024, 1));
      await sleep(1500);
      res.end(Buffer.alloc(total - 64 * 1024, 2));
      return true;
    }
    if (p === '/vary/v.png') {
      bump(gets, p);
      const lang = String(req.headers['accept-language'] ?? 'none');
      answer(res, 200, { Vary: 'Accept, Accept-Language', 'Content-Language': lang });
      return true;
    }
    return false;
  };

  beforeAll(async () => {
    other = await startStaticServer({ mounts: [], hooks: [hook] });
    env = await setupEnv(
      {
        cacheName: 'http-images',
        maxBytes: 50 * 1024 * 1024,
        writeBehindMs: 100,
        routes: [{ pattern: '/(stv|exp)/', maxAgeSeconds: 1 }, { pattern: '/(st|slow|etag|stream|vary)/' }],
      },
      { hooks: [hook] },
    );
  });
  afterAll(async () => {
    await env?.close();
    await other?.close();
  });

  /** The text a page sees for a status: the body as sent, empty for a null body status, the target's for a followed redirect. */
  const expectedText = (status: number) => (NULL_BODY.has(status) ? '' : status === 301 ? 'body of 200' : `body of ${status}`);
  const expectedStatus = (status: number) => (status === 301 ? 200 : status);

  it('everyStatusReachesThePageAsSentOnTheMissPassThroughAndCollapsedPaths', async () => {
    const page = await openControlled(env);
    const miss = await fetchAll(page, STATUSES.map((s) => ({ url: `/st/${s}/miss.png` })));
    const auth = await fetchAll(page, STATUSES.map((s) => ({ url: `/st/${s}/auth.png`, init: { headers: { Authorization: 'Bearer t' } } })));
    const cross = await fetchAll(page, STATUSES.map((s) => ({ url: `${other.url}/st/${s}/xo.png` })));
    const collapsed = await fetchAll(page, STATUSES.flatMap((s) => Array.from({ length: 4 }, () => ({ url: `/slow/${s}/c.png` }))));
    STATUSES.forEach((s, i) => {
      const want = { status: expectedStatus(s), text: expectedText(s) };
      expect(miss[i], `miss ${s}`).toMatchObject(want);
      expect(miss[i]!.cs, `miss ${s}`).toMatch(new RegExp(`^${CDN}, sw-image-cache; fwd=miss`));
      expect(auth[i], `authorization ${s}`).toMatchObject({ ...want, cs: `${CDN}, sw-image-cache; fwd=bypass; detail=authorization` });
      expect(cross[i], `cross-origin ${s}`).toMatchObject(want);
      expect(cross[i]!.cs, `cross-origin ${s}`).toBe(`${CDN}, sw-image-cache; fwd=bypass; detail=cross-origin`);
      const group = collapsed.slice(i * 4, i * 4 + 4);
      for (const seen of group) expect(seen, `collapsed ${s}`).toMatchObject(want);
      expect(group.filter((g) => /; collapsed/.test(g.cs ?? '')), `collapsed ${s}`).toHaveLength(3);
      expect(gets.get(`/slow/${s}/c.png`), `one request for /slow/${s}`).toBe(1);
    });
    await page.close();
  });

  it('aHitAndAStaleRevalidationOfEveryStatusReachThePageAsSent', async () => {
    const page = await openControlled(env);
    await fetchAll(page, STATUSES.map((s) => ({ url: `/stv/${s}/x.png` })));
    await sleep(1500); // stored, then expired (maxAgeSeconds 1)
    const stale = await fetchAll(page, STATUSES.map((s) => ({ url: `/stv/${s}/x.png` })));
    STATUSES.forEach((s, i) => {
      if (s === 304) {
        expect(stale[i], 'stale 304').toMatchObject({ status: 200, text: 'body of 200', cs: `${CDN}, sw-image-cache; fwd=stale; fwd-status=304` });
      } else {
        expect(stale[i], `stale ${s}`).toMatchObject({ status: expectedStatus(s), text: expectedText(s) });
        expect(stale[i]!.cs, `stale ${s}`).toMatch(new RegExp(`^${CDN}, sw-image-cache; fwd=stale; fwd-status=${expectedStatus(s)}`));
      }
    });
    await fetchAll(page, [{ url: '/st/200/hit.png' }]);
    await sleep(300); // stored in waitUntil
    const [hit] = await fetchAll(page, [{ url: '/st/200/hit.png' }]);
    expect(hit).toMatchObject({ status: 200, text: 'body of 200', cs: `${CDN}, sw-image-cache; hit` });
    // Served exactly as stored (no Response rebuilt: the stored Server-Timing has no duration).
    expect(hit!.headers!['server-timing']).toBe('sw-image-cache;desc="hit"');
    // Hop-by-hop headers of the original response are not replayed.
    expect(hit!.headers).not.toHaveProperty('keep-alive');
    expect(hit!.headers).not.toHaveProperty('connection');
    await page.close();
  });

  it('aPagesOwnConditionalRequestGetsThe304', async () => {
    const page = await openControlled(env);
    const [first] = await fetchAll(page, [{ url: '/etag/c.png' }]);
    expect(first).toMatchObject({ status: 200, cs: `${CDN}, sw-image-cache; fwd=miss; stored` });
    const [conditional] = await fetchAll(page, [{ url: '/etag/c.png', init: { headers: { 'If-None-Match': '"v1"' } } }]);
    expect(conditional).toMatchObject({ status: 304, text: '', cs: `${CDN}, sw-image-cache; fwd=bypass; detail=conditional` });
    expect(conditionals.get('/etag/c.png')).toBe(1);
    await page.close();
  });

  it('fiftyConcurrentRequestsForAnExpiredEntryMakeOneConditionalRequestAndTheNextHitCarriesTheRenewedExpiry', async () => {
    const page = await openControlled(env);
    const [first] = await fetchAll(page, [{ url: '/exp/e.png' }]);
    expect(first!.cs).toBe(`${CDN}, sw-image-cache; fwd=miss; stored`);
    await sleep(300);
    const [hit1] = await fetchAll(page, [{ url: '/exp/e.png' }]);
    expect(hit1!.cs).toBe(`${CDN}, sw-image-cache; hit`);
    const expiresBefore = Number(hit1!.headers!['x-sw-image-cache-expires']);
    await sleep(1200);
    const all = await fetchAll(page, Array.from({ length: 50 }, () => ({ url: '/exp/e.png' })));
    expect(conditionals.get('/exp/e.png')).toBe(1);
    expect(gets.get('/exp/e.png')).toBe(2);
    expect(all.every((s) => s.status === 200 && s.text === 'body of 200')).toBe(true);
    expect(all.filter((s) => s.cs === `${CDN}, sw-image-cache; fwd=stale; fwd-status=304`)).toHaveLength(1);
    expect(all.filter((s) => s.cs === `${CDN}, sw-image-cache; fwd=stale; fwd-status=304; collapsed`)).toHaveLength(49);
    await sleep(200); // the renewal is written in waitUntil
    const [hit2] = await fetchAll(page, [{ url: '/exp/e.png' }]);
    expect(hit2!.cs).toBe(`${CDN}, sw-image-cache; hit`);
    expect(Number(hit2!.headers!['x-sw-image-cache-expires'])).toBeGreaterThanOrEqual(expiresBefore + 1200);
    // The first hit was served as stored; this one is rebuilt, since the stored expiry is the old one.
    expect(hit1!.headers!['server-timing']).toBe('sw-image-cache;desc="hit"');
    expect(hit2!.headers!['server-timing']).toMatch(/^sw-image-cache;dur=[\d.]+;desc="hit"$/);
    await page.close();
  });

  it('twentyConcurrentRequestsForA404MakeOneRequest', async () => {
    const page = await openControlled(env);
    const all = await fetchAll(page, Array.from({ length: 20 }, () => ({ url: '/slow/404/twenty.png' })));
    expect(gets.get('/slow/404/twenty.png')).toBe(1);
    expect(all.every((s) => s.status === 404 && s.text === 'body of 404')).toBe(true);
    expect(all.filter((s) => s.cs === `${CDN}, sw-image-cache; fwd=miss; collapsed; detail=status`)).toHaveLength(19);
    await page.close();
  });

  it('followersGetHeadersAsSoonAsTheLeaderAndStreamTheBody', async () => {
    const page = await openControlled(env);
    const all = await fetchAll(page, Array.from({ length: 6 }, () => ({ url: '/stream/big.png' })));
    expect(gets.get('/stream/big.png')).toBe(1);
    const total = 2 * 1024 * 1024 + 64 * 1024;
    for (const s of all) expect(s.text).toBe(`${total} bytes`);
    expect(all.filter((s) => /collapsed/.test(s.cs ?? ''))).toHaveLength(5);
    // Headers within the first second for all six, although the body takes 1.5 s to arrive.
    const headers = all.map((s) => Math.round(s.headersAtMs!));
    const bodies = all.map((s) => Math.round(s.bodyAtMs!));
    console.log(`stream: headers after ${headers.join(', ')} ms; bodies after ${bodies.join(', ')} ms`);
    for (const s of all) {
      expect(s.headersAtMs).toBeLessThan(1000);
      expect(s.bodyAtMs).toBeGreaterThan(1400);
    }
    await page.close();
  });

  it('honoursVaryExceptAccept', async () => {
    const page = await openControlled(env);
    const fr = { headers: { 'Accept-Language': 'fr' } };
    const [a] = await fetchAll(page, [{ url: '/vary/v.png', init: fr }]);
    expect(a!.cs).toBe(`${CDN}, sw-image-cache; fwd=miss; stored`);
    await sleep(300);
    const [b] = await fetchAll(page, [{ url: '/vary/v.png', init: { headers: { 'Accept-Language': 'fr', Accept: 'image/webp' } } }]);
    expect(b).toMatchObject({ cs: `${CDN}, sw-image-cache; hit` });
    expect(b!.headers!['content-language']).toBe('fr');
    const [c] = await fetchAll(page, [{ url: '/vary/v.png', init: { headers: { 'Accept-Language': 'de' } } }]);
    expect(c!.cs).toBe(`${CDN}, sw-image-cache; fwd=vary-miss; stored`);
    expect(c!.headers!['content-language']).toBe('de');
    expect(gets.get('/vary/v.png')).toBe(2);
    const stats = await getJson<{ entries: number }>(page, '/__image-cache/stats');
    expect(stats.entries).toBeGreaterThan(0);
    await page.close();
  });
});
