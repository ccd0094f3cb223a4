/**
 * Issue 10 item 1: ImageCacheStrategy honours the Workbox plugin callbacks, each as documented on
 * the class, with plain `WorkboxPlugin` objects (workbox-core's type) as a Workbox app writes them.
 */
import { describe, expect, it, vi } from 'vitest';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { imageResponse } from '../../helpers/fakes.ts';
import { ORIGIN, URL_A, settled, setup } from './harness.ts';

describe('Workbox plugin callbacks', () => {
  it('requestWillFetchChangesTheRequestSentThreadedThroughThePlugins', async () => {
    const tag = (value: string): WorkboxPlugin => ({
      requestWillFetch: async ({ request }) => {
        const headers = new Headers(request.headers);
        headers.append('x-trace', value);
        return new Request(request, { headers });
      },
    });
    const s = setup(() => imageResponse(10), { plugins: [tag('a'), tag('b')] });
    await settled(s);
    expect(s.calls[0]!.headers.get('x-trace')).toBe('a, b');
  });

  it('fetchDidFailSeesTheErrorAndHandlerDidErrorAnswers', async () => {
    const seen: string[] = [];
    const plugin: WorkboxPlugin = {
      fetchDidFail: async ({ error, originalRequest, request }) => {
        seen.push(`${error.message} ${originalRequest.url} ${request.url}`);
      },
      handlerDidError: async ({ error }) => {
        seen.push(`handlerDidError ${error.message}`);
        return new Response('offline placeholder', { headers: { 'content-type': 'image/svg+xml' } });
      },
    };
    const s = setup(() => Promise.reject(new TypeError('Failed to fetch')), { plugins: [plugin] });
    const response = await settled(s);
    expect(seen).toEqual([`Failed to fetch ${URL_A} ${URL_A}`, 'handlerDidError Failed to fetch']);
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=plugin-fallback');
    expect(await response.text()).toBe('offline placeholder');
  });

  it('withoutAHandlerDidErrorAnswerTheErrorPropagates', async () => {
    const s = setup(() => Promise.reject(new TypeError('Failed to fetch')), { plugins: [{ handlerDidError: async () => undefined }] });
    await expect(s.handle()).rejects.toThrow('Failed to fetch');
  });

  it('theConfiguredFallbackComesBeforeHandlerDidError', async () => {
    let called = false;
    const s = setup(() => Promise.reject(new TypeError('Failed to fetch')), {
      plugins: [{ handlerDidError: async () => ((called = true), new Response('plugin')) }],
      fallback: async () => new Response('configured', { headers: { 'content-type': 'image/png' } }),
    });
    const response = await settled(s);
    expect(await response.text()).toBe('configured');
    expect(response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=offline-fallback');
    expect(called).toBe(false);
  });

  it('fetchDidSucceedReplacesTheResponseForThePageAndTheStore', async () => {
    const s = setup(() => imageResponse(10), {
      plugins: [{ fetchDidSucceed: async ({ response }) => imageResponse(20, { headers: { 'x-from': 'plugin', etag: response.headers.get('etag') ?? '"p"' } }) }],
    });
    const miss = await settled(s);
    expect(miss.headers.get('x-from')).toBe('plugin');
    expect((await miss.arrayBuffer()).byteLength).toBe(20);
    expect(s.cache.stats().bytesUsed).toBe(20);
  });

  it('cacheWillUpdateReturningNullMeansNotStored', async () => {
    const s = setup(() => imageResponse(10), { plugins: [{ cacheWillUpdate: async () => null }] });
    const miss = await settled(s);
    expect(miss.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=plugin');
    expect((await miss.arrayBuffer()).byteLength).toBe(10);
    expect(s.cache.stats().entries).toBe(0);
  });

  it('cacheWillUpdateReturningTheResponseStoresIt', async () => {
    const seen: number[] = [];
    const s = setup(() => imageResponse(10), { plugins: [{ cacheWillUpdate: async ({ response }) => (seen.push(response.status), response) }] });
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    expect(seen).toEqual([200]);
    expect(s.cache.stats().entries).toBe(1);
  });

  it('cacheWillUpdateReturningAnotherResponseStoresThatOneWhileThePageGetsTheNetworks', async () => {
    const s = setup(() => imageResponse(10), { plugins: [{ cacheWillUpdate: async () => imageResponse(30) }] });
    const miss = await settled(s);
    expect((await miss.arrayBuffer()).byteLength).toBe(10);
    expect(s.cache.stats().bytesUsed).toBe(30);
    expect((await (await settled(s)).arrayBuffer()).byteLength).toBe(30);
  });

  it('cacheWillUpdateIsNotAskedAboutAResponseThatIsNotStorable', async () => {
    let asked = false;
    const s = setup(() => new Response('nope', { status: 404 }), { plugins: [{ cacheWillUpdate: async ({ response }) => ((asked = true), response) }] });
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; detail=status');
    expect(asked).toBe(false);
  });

  it('cachedResponseWillBeUsedCanReplaceAHitOrTurnItIntoAMiss', async () => {
    let mode: 'replace' | 'drop' | 'keep' = 'keep';
    const plugin: WorkboxPlugin = {
      cachedResponseWillBeUsed: async ({ cachedResponse, cacheName }) => {
        expect(cacheName).toBe('strategy-http-test');
        if (mode === 'drop') return null;
        if (mode === 'replace') return new Response('replaced', { headers: { 'content-type': 'image/png' } });
        return cachedResponse;
      },
    };
    const s = setup(() => imageResponse(10), { plugins: [plugin] });
    await settled(s);
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; hit');
    mode = 'replace';
    const replaced = await settled(s);
    expect(await replaced.text()).toBe('replaced');
    expect(replaced.headers.get('cache-status')).toBe('sw-image-cache; hit');
    expect(s.calls).toHaveLength(1);
    mode = 'drop';
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    expect(s.calls).toHaveLength(2);
  });

  it('handlerCallbacksRunInOrderWithOneStatePerPluginPerRequest', async () => {
    const log: string[] = [];
    const plugin: WorkboxPlugin = {
      handlerWillStart: async ({ state }) => {
        state!.n = ((state!.n as number | undefined) ?? 0) + 1;
        log.push(`start n=${state!.n}`);
      },
      requestWillFetch: async ({ request, state }) => (log.push(`requestWillFetch n=${state!.n}`), request),
      fetchDidSucceed: async ({ response }) => (log.push('fetchDidSucceed'), response),
      cacheWillUpdate: async ({ response }) => (log.push('cacheWillUpdate'), response),
      handlerWillRespond: async ({ response }) => {
        log.push('handlerWillRespond');
        const headers = new Headers(response.headers);
        headers.set('x-responded', '1');
        return new Response(response.body, { status: response.status, headers });
      },
      handlerDidRespond: async ({ response }) => void log.push(`handlerDidRespond ${response?.headers.get('x-responded')}`),
      handlerDidComplete: async ({ error }) => void log.push(`handlerDidComplete ${error ?? 'ok'}`),
    };
    const s = setup(() => imageResponse(10), { plugins: [plugin] });
    const first = await settled(s);
    expect(first.headers.get('x-responded')).toBe('1');
    expect(log).toEqual([
      'start n=1',
      'requestWillFetch n=1',
      'fetchDidSucceed',
      'cacheWillUpdate',
      'handlerWillRespond',
      'handlerDidRespond 1',
      'handlerDidComplete ok',
    ]);
    expect(s.cache.stats().entries).toBe(1); // handlerDidComplete ran after the store
    log.length = 0;
    await settled(s);
    expect(log).toEqual(['start n=1', 'handlerWillRespond', 'handlerDidRespond 1', 'handlerDidComplete ok']);
  });
});

describe('as a Workbox route handler', () => {
  it('isUsableWithRegisterRouteOnAWorkboxRouter', async () => {
    // workbox-routing reads the worker's `self.location` (Node has neither).
    vi.stubGlobal('location', new URL(`${ORIGIN}/sw.js`));
    vi.stubGlobal('self', globalThis);
    vi.stubGlobal('navigator', { userAgent: 'node' }); // workbox-core's dev logger
    const { Router } = await import('workbox-routing/Router.js');
    const { Route } = await import('workbox-routing/Route.js');
    const s = setup(() => imageResponse(10));
    const router = new Router();
    router.registerRoute(new Route(({ url }) => url.pathname.endsWith('.png'), s.strategy));
    const { FakeEvent } = await import('../../helpers/fakes.ts');
    const run = async () => {
      const event = new FakeEvent();
      const response = await router.handleRequest({ request: new Request(URL_A), event: event.asEvent() as FetchEvent });
      await event.drain();
      return response!;
    };
    expect((await run()).headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    expect((await run()).headers.get('cache-status')).toBe('sw-image-cache; hit');
    vi.unstubAllGlobals();
  });
});

describe('called by hand, as a Workbox strategy is', () => {
  it('handlesAnEventAndARequestOrAUrlString', async () => {
    const s = setup(() => imageResponse(10));
    const { FakeEvent } = await import('../../helpers/fakes.ts');
    const event = new FakeEvent();
    const miss = await s.strategy.handle({ event: event.asEvent(), request: new Request(URL_A) });
    expect(miss.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; stored');
    await event.drain();
    const hit = await s.strategy.handle({ event: new FakeEvent().asEvent(), request: URL_A });
    expect(hit.headers.get('cache-status')).toBe('sw-image-cache; hit');
  });
});
