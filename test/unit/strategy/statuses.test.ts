/**
 * Issue 9 item 1: every status the server sends reaches the page as sent, on every path, with our
 * Cache-Status member; a null body status (204, 205, 304) is never rebuilt with a body.
 */
import { describe, expect, it } from 'vitest';
import { ORIGIN, URL_A, settled, setup, tick } from './harness.ts';

const NULL_BODY = new Set([204, 205, 304]);
/** One status of each class the page can see (1xx never reaches fetch()). */
const STATUSES = [200, 203, 204, 205, 206, 301, 304, 404, 410, 500, 503];

function reply(status: number, extra: Record<string, string> = {}): Response {
  const headers = { 'content-type': 'image/png', ...extra };
  if (NULL_BODY.has(status)) return new Response(null, { status, headers });
  return new Response(`body of ${status}`, { status, headers: { ...headers, ...(status === 301 ? { location: '/elsewhere.png' } : {}) } });
}

async function expectAsSent(response: Response, status: number, member: RegExp): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-status')).toMatch(member);
  if (NULL_BODY.has(status)) expect(response.body).toBeNull();
  else expect(await response.text()).toBe(`body of ${status}`);
}

describe.each(STATUSES)('status %i', (status) => {
  it('reachesThePageAsSentOnAMiss', async () => {
    const s = setup(() => reply(status));
    await expectAsSent(await settled(s), status, /^sw-image-cache; fwd=miss/);
  });

  it('reachesThePageAsSentWhenAnExpiredEntryIsRevalidated', async () => {
    let next = 200;
    const s = setup(() => reply(next, { etag: '"v1"' }));
    await settled(s); // stored (200)
    s.clock.advance(61_000);
    next = status;
    const response = await settled(s);
    if (status === 304) {
      // The page did not ask conditionally: it gets the renewed stored body, marked 304.
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=304');
      expect(await response.text()).toBe('body of 200');
    } else {
      await expectAsSent(response, status, new RegExp(`^sw-image-cache; fwd=stale; fwd-status=${status}`));
    }
  });

  it.each([
    ['authorization', { headers: { Authorization: 'Bearer x' } }, URL_A],
    ['cross-origin', {}, 'https://cdn.test/a.png'],
  ] as const)('reachesThePageAsSentWhenPassedThrough (%s)', async (detail, init, href) => {
    const s = setup(() => reply(status));
    await expectAsSent(await settled(s, href, init), status, new RegExp(`^sw-image-cache; fwd=bypass; detail=${detail}$`));
  });

  it('reachesThePageAsSentWhenTheIndexIsUnavailable', async () => {
    const s = setup(() => reply(status));
    s.cache.lookup = () => Promise.reject(new DOMException('blocked', 'UnknownError'));
    await expectAsSent(await settled(s), status, /^sw-image-cache; fwd=bypass; detail=index-unavailable$/);
  });

  it('reachesEveryCollapsedFollowerAsSent', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = setup(async () => {
      await gate;
      return reply(status);
    });
    const all = [s.handle(), s.handle(), s.handle()];
    await tick();
    release();
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(1);
    await expectAsSent(results[0]!.response, status, /^sw-image-cache; fwd=miss/);
    for (const r of results.slice(1)) await expectAsSent(r.response, status, /^sw-image-cache; fwd=miss; collapsed/);
    for (const r of results) await r.event.drain();
  });
});

describe('the page’s own conditional requests', () => {
  it('passesA304ThroughToThePageThatAsked', async () => {
    const s = setup((req) => (req.headers.get('if-none-match') === '"v1"' ? reply(304, { etag: '"v1"' }) : reply(200, { etag: '"v1"' })));
    const response = await settled(s, URL_A, { headers: { 'If-None-Match': '"v1"' } });
    expect(response.status).toBe(304);
    expect(response.body).toBeNull();
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=bypass; detail=conditional');
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(s.calls[0]!.headers.get('if-none-match')).toBe('"v1"');
    expect(s.cache.stats().entries).toBe(0);
  });

  it('neverSharesAConditionalRequestsAnswerWithAPlainOne', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = setup(async (req) => {
      await gate;
      return req.headers.has('if-none-match') ? reply(304) : reply(200);
    });
    const conditional = s.handle(URL_A, { headers: { 'If-None-Match': '"v1"' } });
    const plain = s.handle(URL_A);
    await tick();
    release();
    expect((await conditional).response.status).toBe(304);
    expect((await plain).response.status).toBe(200);
    expect(s.calls).toHaveLength(2);
  });

  it('passesARangeRequestThroughUnstored', async () => {
    const s = setup(() => new Response('body of 206', { status: 206, headers: { 'content-type': 'image/png', 'content-range': 'bytes 0-10/100' } }));
    const response = await settled(s, `${ORIGIN}/img/r.png`, { headers: { Range: 'bytes=0-10' } });
    await expectAsSent(response, 206, /^sw-image-cache; fwd=bypass; detail=range$/);
    expect(s.cache.stats().entries).toBe(0);
  });
});
