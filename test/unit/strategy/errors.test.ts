/** Issue 9 item 8 (strategy part): failures in the strategy's background work are reported, never swallowed. */
import { describe, expect, it } from 'vitest';
import type { CacheEvent } from '../../../sw/protocol.ts';
import { ControlledBody, settled, setup } from './harness.ts';

function errorsOf(s: ReturnType<typeof setup>): string[] {
  const seen: string[] = [];
  s.cache.on((e: CacheEvent) => {
    if (e.type === 'error') seen.push(`${e.operation}: ${e.message}`);
  });
  return seen;
}

describe('the strategy reports what fails in the background', () => {
  it('aBodyThatFailsWhileBeingStoredIsAStoreError', async () => {
    const body = new ControlledBody();
    const s = setup(() => new Response(body.stream, { headers: { 'content-type': 'image/png', 'content-length': '2000' } }));
    const errors = errorsOf(s);
    const { response, event } = await s.handle();
    body.push(1000);
    body.fail();
    await expect(response.arrayBuffer()).rejects.toThrow();
    await event.drain();
    // Streamed into the cache (Content-Length known): the cache's put reports the failed write and rolls back.
    expect(errors).toEqual(['put: TypeError: network error (injected)']);
    expect(s.cache.stats()).toMatchObject({ entries: 0, errors: 1 });
  });

  it('aNotStoredBodyThatFailsIsAReadBodyError', async () => {
    const body = new ControlledBody();
    const s = setup(() => new Response(body.stream, { status: 404 }));
    const errors = errorsOf(s);
    const { response, event } = await s.handle();
    body.fail();
    await expect(response.arrayBuffer()).rejects.toThrow();
    await event.drain();
    expect(errors).toEqual(['read-body: TypeError: network error (injected)']);
  });

  it('aThrowingFallbackIsReportedAndTheNetworkErrorStands', async () => {
    const s = setup(() => Promise.reject(new TypeError('Failed to fetch')), { fallback: () => Promise.reject(new Error('fallback cache gone')) });
    const errors = errorsOf(s);
    await expect(s.handle()).rejects.toThrow('Failed to fetch');
    expect(errors).toEqual(['fallback: Error: fallback cache gone']);
  });

  it('aThrowingHandlerDidRespondPluginIsReportedAndTheResponseStands', async () => {
    const s = setup(() => new Response('x', { headers: { 'content-type': 'image/png' } }), {
      plugins: [{ handlerDidRespond: () => Promise.reject(new Error('plugin bug')) }],
    });
    const errors = errorsOf(s);
    const response = await settled(s);
    expect(response.status).toBe(200);
    expect(errors).toEqual(['plugin handlerDidRespond: Error: plugin bug']);
  });
});
