/**
 * Issue 9 item 7: image routes ignore `Accept` (and `Accept-Encoding`) and honour every other
 * header named in `Vary` (RFC 9111 §4.1); `Vary: *` is never stored.
 */
import { describe, expect, it, vi } from 'vitest';
import { VARY_HEADER, varyMatches, varyNames, varyRecord } from '../../../sw/strategy/vary.ts';
import { imageResponse } from '../../helpers/fakes.ts';
import { URL_A, settled, setup, tick } from './harness.ts';

describe('vary rules (pure)', () => {
  it('ignoresAcceptAndAcceptEncodingAndStar', () => {
    expect(varyNames(new Headers({ vary: 'Accept, accept-encoding, *, Accept-Language, X-Theme, accept-language' }))).toEqual(['accept-language', 'x-theme']);
  });

  it('matchesOnlyTheSameValuesOfTheVariedHeaders', () => {
    const stored = new Headers({ vary: 'Accept-Language' });
    const record = varyRecord(new Request(URL_A, { headers: { 'accept-language': 'fr' } }), stored)!;
    const body = new Headers({ 'x-sw-image-cache-vary': record });
    expect(varyMatches(body, new Request(URL_A, { headers: { 'accept-language': 'fr', accept: 'text/html' } }))).toBe(true);
    expect(varyMatches(body, new Request(URL_A, { headers: { 'accept-language': 'de' } }))).toBe(false);
    expect(varyMatches(body, new Request(URL_A))).toBe(false);
    expect(varyMatches(new Headers(), new Request(URL_A))).toBe(true);
    expect(varyRecord(new Request(URL_A), new Headers({ vary: 'Accept' }))).toBeNull();
  });
});

describe('Vary through the strategy', () => {
  const respond = (req: Request) =>
    imageResponse(req.headers.get('accept-language') === 'de' ? 200 : 100, { headers: { vary: 'Accept, Accept-Language' } });

  it('servesAHitToAnotherAccept', async () => {
    const s = setup(respond);
    await settled(s, URL_A, { headers: { accept: 'image/avif,image/webp,*/*' } });
    const hit = await settled(s, URL_A, { headers: { accept: '*/*' } });
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect(s.calls).toHaveLength(1);
  });

  it('refetchesForAnotherValueOfAnotherVariedHeaderAndKeepsTheNewVariant', async () => {
    const s = setup(respond);
    await settled(s, URL_A, { headers: { 'accept-language': 'fr' } });
    expect((await settled(s, URL_A, { headers: { 'accept-language': 'fr' } })).headers.get('cache-status')).toBe('sw-image-cache; hit');
    const other = await settled(s, URL_A, { headers: { 'accept-language': 'de' } });
    expect(other.headers.get('cache-status')).toBe('sw-image-cache; fwd=vary-miss; stored');
    expect((await other.arrayBuffer()).byteLength).toBe(200);
    expect(s.calls).toHaveLength(2);
    const hit = await settled(s, URL_A, { headers: { 'accept-language': 'de' } });
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect((await hit.arrayBuffer()).byteLength).toBe(200);
    expect(s.cache.stats()).toMatchObject({ entries: 1, bytesUsed: 200 });
  });

  it('neverSharesOneVariantWithAConcurrentRequestForAnother', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const s = setup(async (req) => {
      await gate;
      return respond(req);
    });
    const fr = s.handle(URL_A, { headers: { 'accept-language': 'fr' } });
    const fr2 = s.handle(URL_A, { headers: { 'accept-language': 'fr' } });
    const de = s.handle(URL_A, { headers: { 'accept-language': 'de' } });
    await tick();
    release();
    const [a, b, c] = await Promise.all([fr, fr2, de]);
    expect(b.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; collapsed');
    expect((await c.response.arrayBuffer()).byteLength).toBe(200);
    expect(s.calls).toHaveLength(2);
    for (const r of [a, b, c]) await r.event.drain();
  });

  it.each([false, true])('aStreamedMissGoesToTheCacheAsFetchedWithItsVaryRecordBesideIt (blobBodies %s)', async (blobBodies) => {
    const s = setup(respond, { blobBodies });
    const put = vi.spyOn(s.cache, 'put');
    const request = { headers: { 'accept-language': 'fr' } };
    await settled(s, URL_A, request);
    const record = varyRecord(new Request(URL_A, request), new Headers({ vary: 'Accept, Accept-Language' }));
    // Not a Response rebuilt around the network body (Chromium would pump it through the worker's heap).
    const [, response, options] = put.mock.calls[0]!;
    expect([response.headers.get(VARY_HEADER), options?.headers?.get(VARY_HEADER)]).toEqual([null, record]);
    const stored = await (await caches.open('strategy-http-test')).match(URL_A);
    expect([stored!.headers.get(VARY_HEADER), (await stored!.arrayBuffer()).byteLength]).toEqual([record, 100]);
    expect((await settled(s, URL_A, request)).headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect((await settled(s, URL_A, { headers: { 'accept-language': 'de' } })).headers.get('cache-status')).toBe('sw-image-cache; fwd=vary-miss; stored');
  });

  it('neverStoresVaryStar', async () => {
    const s = setup(() => imageResponse(100, { headers: { vary: '*' } }));
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=vary-star');
    expect(s.cache.stats().entries).toBe(0);
  });
});
