/**
 * Issue 11 item 3 in real Chromium: stale-while-revalidate (the stale body comes at once while the
 * server is slow, then the background revalidation renews the entry) and staggered TTL
 * (`maxAgeJitter`: lifetimes of images stored together are spread). The exact math is unit-tested
 * (test/unit/policy/freshnessPatterns.test.ts, test/unit/strategy/freshnessPatterns.test.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, loadImages, openControlled, recordCacheStatus, setupEnv, sleep, type Env } from './harness.ts';

interface Entry {
  url: string;
  storedAt: number;
  expiresAt: number | null;
}

describe('Chromium: freshness patterns (issue 11 item 3)', () => {
  let env: Env;
  /** Requests for these pathnames wait this long at the server. */
  const slow = { paths: new Set<string>(), delayMs: 3000, requests: 0 };
  beforeAll(async () => {
    env = await setupEnv(
      {
        cacheName: 'freshness-images',
        maxBytes: 20 * 1024 * 1024,
        writeBehindMs: 100,
        routes: [
          { pattern: '/data/images/driver_photo/', maxAgeSeconds: 1, staleWhileRevalidateSeconds: 600 },
          { pattern: '/data/images/map_tile/', maxAgeSeconds: 3600, maxAgeJitter: 0.5 },
        ],
      },
      {
        hooks: [
          async (_req, _res, url) => {
            if (slow.paths.has(url.pathname)) {
              slow.requests++;
              await sleep(slow.delayMs);
            }
            return false;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  const entries = async (page: Awaited<ReturnType<typeof openControlled>>) => getJson<Entry[]>(page, '/__image-cache/entries');

  it('servesAnExpiredImageAtOnceAndRevalidatesItInTheBackground', async () => {
    const photo = env.images.find((i) => i.category === 'driver_photo')!.url;
    const href = env.origin + photo;
    const first = await openControlled(env);
    expect((await loadImages(first, [photo]))[0]!.ok).toBe(true);
    let stored: Entry | undefined;
    for (let i = 0; i < 50 && !stored; i++) {
      stored = (await entries(first)).find((e) => e.url === href);
      if (!stored) await sleep(100);
    }
    expect(stored).toBeDefined();
    await first.close();
    await sleep(Math.max(0, stored!.expiresAt! - Date.now()) + 100); // expired (maxAgeSeconds: 1)

    slow.paths.add(photo);
    const second = await openControlled(env);
    const status = recordCacheStatus(second);
    const t0 = Date.now();
    expect((await loadImages(second, [photo]))[0]!.ok).toBe(true);
    const elapsedMs = Date.now() - t0;
    expect(status.get(photo)).toBe('sw-image-cache; fwd=stale; detail=stale-while-revalidate');
    expect(elapsedMs).toBeLessThan(slow.delayMs); // not held by the slow server
    // The background revalidation reaches the server and renews the entry (304: new storedAt).
    let renewed: Entry | undefined;
    for (let i = 0; i < 80 && !renewed; i++) {
      await sleep(100);
      renewed = (await entries(second)).find((e) => e.url === href && e.storedAt > stored!.storedAt);
    }
    expect(slow.requests).toBe(1);
    expect(renewed).toBeDefined();
    await second.close();
    slow.paths.clear();
  });

  it('spreadsTheLifetimesOfImagesStoredTogether', async () => {
    const tiles = env.images.filter((i) => i.category === 'map_tile').slice(0, 10).map((i) => i.url);
    const page = await openControlled(env);
    expect((await loadImages(page, tiles)).every((r) => r.ok)).toBe(true);
    const hrefs = new Set(tiles.map((t) => env.origin + t));
    let mine: Entry[] = [];
    for (let i = 0; i < 50 && mine.length < tiles.length; i++) {
      await sleep(100);
      mine = (await entries(page)).filter((e) => hrefs.has(e.url));
    }
    expect(mine.length).toBe(tiles.length);
    const lifetimesMs = mine.map((e) => e.expiresAt! - e.storedAt);
    for (const ms of lifetimesMs) {
      expect(ms).toBeGreaterThan(1_800_000);
      expect(ms).toBeLessThanOrEqual(3_600_000);
    }
    expect(new Set(lifetimesMs).size).toBeGreaterThanOrEqual(tiles.length - 1);
    await page.close();
  });
});
