/** Issue 9 item 3: the headers of every response tell the truth. */
import { describe, expect, it } from 'vitest';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { imageResponse } from '../../helpers/fakes.ts';
import { URL_A, settled, setup } from './harness.ts';

const CDN = 'ExampleCDN; hit; ttl=300';

describe('after a 304 renewal', () => {
  it('theNextHitCarriesTheRenewedExpiry', async () => {
    let notModified = false;
    const s = setup((req) =>
      notModified && req.headers.get('if-none-match') === '"v1"' ? new Response(null, { status: 304 }) : imageResponse(100, { headers: { etag: '"v1"' } }),
    );
    await settled(s);
    const storedAt = s.clock.nowMs;
    s.clock.advance(61_000);
    notModified = true;
    const renewed = await settled(s);
    const expiresAt = s.clock.nowMs + 60_000;
    expect(renewed.headers.get('cache-status')).toBe('sw-image-cache; fwd=stale; fwd-status=304');
    expect(Number(renewed.headers.get('x-sw-image-cache-expires'))).toBe(expiresAt);
    expect((await s.cache.peek(URL_A))!.expiresAt).toBe(expiresAt);
    const hit = await settled(s);
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect(Number(hit.headers.get('x-sw-image-cache-expires'))).toBe(expiresAt);
    expect(Number(hit.headers.get('x-sw-image-cache-stored'))).toBe(s.clock.nowMs);
    expect(storedAt).toBeLessThan(s.clock.nowMs);
    expect((await hit.arrayBuffer()).byteLength).toBe(100);
  });

  it('aHitWhoseStoredExpiryIsTheRecordsIsServedAsStored', async () => {
    const s = setup(() => imageResponse(100));
    await settled(s);
    const stored = await (await caches.open('strategy-http-test')).match(URL_A);
    const hit = await settled(s);
    // Nothing rebuilt: the stored headers exactly (no Server-Timing duration added).
    expect([...hit.headers]).toEqual([...stored!.headers]);
    expect(hit.headers.get('server-timing')).toBe('sw-image-cache;desc="hit"');
  });
});

describe('stored is never said of a response that is not stored', () => {
  it('aBodyOverMaxEntryBytesWithoutContentLengthIsNotAnnouncedStored', async () => {
    const s = setup(() => new Response(new Uint8Array(3000), { headers: { 'content-type': 'image/png' } }), { maxEntryBytes: 2000, maxBytes: 10_000 });
    const { response, event } = await s.handle();
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss');
    expect((await response.arrayBuffer()).byteLength).toBe(3000);
    await event.drain();
    expect(s.cache.stats()).toMatchObject({ entries: 0, stored: 0 });
  });

  it('aBodyOfUnknownLengthThatFitsIsStoredAndServedAsAHitNext', async () => {
    const s = setup(() => new Response(new Uint8Array(500), { headers: { 'content-type': 'image/png' } }));
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss');
    expect(s.cache.stats()).toMatchObject({ entries: 1, stored: 1 });
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; hit');
  });

  it('aDeclaredLengthWithinMaxEntryBytesIsAnnouncedStored', async () => {
    const s = setup(() => imageResponse(500));
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
  });
});

describe('an upstream Cache-Status is kept and ours appended (RFC 9211 §2)', () => {
  it('onAMissAndOnTheHitAfterIt', async () => {
    const s = setup(() => imageResponse(100, { headers: { 'cache-status': CDN } }));
    expect((await settled(s)).headers.get('cache-status')).toBe(`${CDN}, sw-image-cache; fwd=miss; stored`);
    expect((await settled(s)).headers.get('cache-status')).toBe(`${CDN}, sw-image-cache; hit`);
  });

  it('onAStaleRevalidationAndAPassThrough', async () => {
    const s = setup(() => imageResponse(100, { headers: { 'cache-status': `${CDN}, "Other Cache"; fwd=uri-miss; detail="a, b"` } }));
    await settled(s);
    s.clock.advance(61_000);
    expect((await settled(s)).headers.get('cache-status')).toBe(
      `${CDN}, "Other Cache"; fwd=uri-miss; detail="a, b", sw-image-cache; fwd=stale; fwd-status=200; stored`,
    );
    expect((await settled(s, URL_A, { headers: { Authorization: 'x' } })).headers.get('cache-status')).toMatch(
      /^ExampleCDN; hit; ttl=300, "Other Cache"; fwd=uri-miss; detail="a, b", sw-image-cache; fwd=bypass; detail=authorization$/,
    );
  });

  it('neverRepeatsOurOwnMember', () => {
    const h = storedResponseHeaders(new Headers({ 'cache-status': `${CDN}, sw-image-cache; fwd=miss` }), { bytes: 1, storedAt: 1, expiresAt: 2 });
    expect(h.get('cache-status')).toBe(`${CDN}, sw-image-cache; hit`);
  });
});

describe('hop-by-hop headers are never replayed', () => {
  const hop = {
    connection: 'keep-alive, X-Conn-Only',
    'keep-alive': 'timeout=5',
    'x-conn-only': '1',
    'proxy-connection': 'keep-alive',
    trailer: 'Expires',
    upgrade: 'h2c',
  };

  it('areStrippedWhenStoringAndAbsentFromTheHit', async () => {
    const s = setup(() => imageResponse(100, { headers: { ...hop, 'x-end-to-end': 'kept' } }));
    const miss = await settled(s);
    for (const name of Object.keys(hop)) expect(miss.headers.has(name)).toBe(false);
    const stored = await (await caches.open('strategy-http-test')).match(URL_A);
    for (const name of Object.keys(hop)) expect(stored!.headers.has(name)).toBe(false);
    const hit = await settled(s);
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
    for (const name of Object.keys(hop)) expect(hit.headers.has(name)).toBe(false);
    expect(hit.headers.get('x-end-to-end')).toBe('kept');
  });

  it('areStrippedWhenServingABodyStoredWithThem', async () => {
    const s = setup(() => imageResponse(100));
    await settled(s);
    // A body stored by an older version, headers and all.
    const bodies = await caches.open('strategy-http-test');
    const old = await bodies.match(URL_A);
    const headers = new Headers(old!.headers);
    for (const [k, v] of Object.entries(hop)) headers.set(k, v);
    await bodies.put(URL_A, new Response(await old!.arrayBuffer(), { headers }));
    const hit = await settled(s);
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
    for (const name of Object.keys(hop)) expect(hit.headers.has(name)).toBe(false);
    expect((await hit.arrayBuffer()).byteLength).toBe(100);
  });
});
