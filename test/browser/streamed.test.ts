/**
 * Streamed stores in real Chromium (bodies that declare a `Content-Length`): the worker stores each
 * as the Blob the network response gathers itself (`ImageCacheOptions.blobBodies`, on in Chromium),
 * so no chunk of a stored body goes through the worker's JS heap, and the stored length is the
 * blob's size. A body streamed through the worker instead (a `Response` rebuilt around it, a
 * counting stream) left its chunks in the heap until garbage collection: for a burst of twenty
 * 3 MB misses the heap peaked at about the burst's bytes (57–63 MiB); with blobs, at about a third
 * (17–19 MiB: the page's copy, which carries `Cache-Status`, still passes through the worker).
 * A blob waits whole (outside the worker), so its bytes are held against `maxPendingBytes` (set
 * high enough here for the whole burst). A connection cut before `Content-Length` bytes makes the
 * blob fail: nothing of it is stored.
 */
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleWorkerHeap } from '../bench/worker-heap.ts';
import { getJson, loadImages, openControlled, readStores, setupEnv, sleep, type Env } from './harness.ts';

const CACHE_NAME = 'streamed-images';
const MISSES = 20;
/** Random bytes served as `image/png`: the page cannot decode them, the worker stores them all the same. */
const BODY = randomBytes(3_000_000);

interface Stats {
  stored: number;
  errors: number;
  entries: number;
  bytesUsed: number;
  streamedStores: number;
  peakPendingBytes: number;
}

/** Polls the stats until `done` holds (stores finish in `waitUntil`). */
async function statsWhen(page: Page, done: (s: Stats) => boolean): Promise<Stats> {
  let stats = await getJson<Stats>(page, '/__image-cache/stats');
  for (let i = 0; i < 200 && !done(stats); i++) {
    await sleep(100);
    stats = await getJson<Stats>(page, '/__image-cache/stats');
  }
  return stats;
}

describe('streamed stores in Chromium', () => {
  let env: Env;
  beforeAll(async () => {
    env = await setupEnv(
      // Room for every body of the burst to wait whole as a blob (the default 32 MiB holds ten;
      // the others would be piped through the worker, as before).
      { cacheName: CACHE_NAME, maxBytes: 256 * 1024 * 1024, maxEntryBytes: 8 * 1024 * 1024, maxPendingBytes: 96 * 1024 * 1024, writeBehindMs: 100 },
      {
        hooks: [
          (req, res, url) => {
            const m = /^\/(big|cut)\/\d+\.png$/.exec(url.pathname);
            if (!m) return false;
            res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(BODY.byteLength), 'cache-control': 'no-cache' });
            if (m[1] === 'big') res.end(BODY);
            // A third of the declared body, then the connection is cut.
            else res.write(BODY.subarray(0, 1_000_000), () => setTimeout(() => req.socket.destroy(), 50));
            return true;
          },
        ],
      },
    );
  }, 120_000);
  afterAll(() => env?.close());

  it('storesABurstOfDistinct3MBMissesExactlyWhileTheWorkersHeapStaysFarBelowTheirBytes', async () => {
    const page = await openControlled(env);
    const urls = Array.from({ length: MISSES }, (_, k) => `/big/${k}.png`);
    const { value: stats, peakBytes, baseBytes } = await sampleWorkerHeap(env.context.browser()!, env.origin, async () => {
      await loadImages(page, urls);
      return statsWhen(page, (s) => s.stored + s.errors >= MISSES);
    });
    expect(stats).toMatchObject({ stored: MISSES, errors: 0, entries: MISSES, streamedStores: MISSES, bytesUsed: MISSES * BODY.byteLength });
    const { bodies, records } = await readStores(page, CACHE_NAME);
    expect(records.map((r) => [new URL(r.url).pathname, r.bytes, r.state]).sort()).toEqual(urls.map((u) => [u, BODY.byteLength, 'committed']).sort());
    for (const r of records) expect(bodies[r.url]).toBe(r.bytes);
    // Streamed through the worker, the stored copies alone peaked near MISSES × 3 MB.
    expect(peakBytes - baseBytes).toBeLessThan(0.5 * MISSES * BODY.byteLength);
    // The blobs waiting whole were held against maxPendingBytes.
    expect(stats.peakPendingBytes).toBeGreaterThanOrEqual(BODY.byteLength);
    expect(stats.peakPendingBytes).toBeLessThanOrEqual(96 * 1024 * 1024);
    await page.close();
  }, 120_000);

  it('storesNothingOfABodyCutBeforeItsContentLength', async () => {
    const page = await openControlled(env);
    const before = await getJson<Stats>(page, '/__image-cache/stats');
    const urls = Array.from({ length: 4 }, (_, k) => `/cut/${k}.png`);
    await loadImages(page, urls);
    const stats = await statsWhen(page, (s) => s.errors - before.errors >= urls.length);
    expect(stats).toMatchObject({ stored: before.stored, entries: before.entries, bytesUsed: before.bytesUsed, errors: before.errors + urls.length });
    await sleep(300); // the roll-backs' body deletes
    const { bodies, records } = await readStores(page, CACHE_NAME);
    expect([...Object.keys(bodies), ...records.map((r) => r.url)].filter((u) => u.includes('/cut/'))).toEqual([]);
    expect(new Set(records.map((r) => r.url))).toEqual(new Set(Object.keys(bodies)));
    await page.close();
  }, 120_000);
});
