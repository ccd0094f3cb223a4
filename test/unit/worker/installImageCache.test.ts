/**
 * installImageCache in Node (fake-indexeddb and undici's Cache Storage, from the setup file): a
 * `self` that only records listeners, `scope` given and `register: false`, so it touches no
 * router and no registration; the clock is `Date` (faked).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InstallImageCacheOptions } from '../../../sw/worker/options.ts';
import { imageResponse } from '../../helpers/fakes.ts';

const ORIGIN = 'https://app.test';
const NOW = 1_700_000_000_000;

async function install(options: Pick<InstallImageCacheOptions, 'maxAgeSeconds' | 'routes'>) {
  const { installImageCache } = await import('../../../sw/worker/installImageCache.ts');
  return installImageCache({ maxBytes: 1_000_000, scope: `${ORIGIN}/`, register: false, ...options });
}

beforeEach(() => {
  vi.stubGlobal('self', { addEventListener: () => undefined, location: new URL(`${ORIGIN}/`) });
  // Cache events go to pages on a BroadcastChannel: none in this process.
  vi.stubGlobal(
    'BroadcastChannel',
    class {
      postMessage(): void {}
    },
  );
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('installImageCache: clock sanity takes every route into account', () => {
  // A new worker version shortens one lifetime to a minute (the default's or one route's, first,
  // middle or last); the others are two hours. An entry stored for an hour under the old version
  // is beyond the shortened route's cap on the wake: were that route's lifetime left out of the
  // floor (records within it are not matched against the routes), the wake would find the hour
  // within the two-hour floor and trust it.
  const short = 60;
  const long = 7200;
  const patterns = ['/tiles/', '/photos/', '/banners/'];
  it.each<[string, number, string]>([
    ['the default (no route matches)', -1, `${ORIGIN}/other/a.png`],
    ['the first route', 0, `${ORIGIN}/tiles/a.png`],
    ['the middle route', 1, `${ORIGIN}/photos/a.png`],
    ['the last route', 2, `${ORIGIN}/banners/a.png`],
  ])('anEntryStoredForLongerThanItsRouteNowLivesIsCappedToItOnTheWake, whichever is shortest: %s', async (_name, shortened, url) => {
    const before = await install({ maxAgeSeconds: 3600, routes: patterns.map((pattern) => ({ pattern, maxAgeSeconds: 3600 })) });
    await before.cache.ready();
    expect(await before.cache.put(url, imageResponse(100))).toMatchObject({ stored: true });
    await before.cache.flush();
    expect((await before.cache.entries()).map((e) => e.expiresAt)).toEqual([NOW + 3600 * 1000]);

    const after = await install({
      maxAgeSeconds: shortened === -1 ? short : long,
      routes: patterns.map((pattern, i) => ({ pattern, maxAgeSeconds: i === shortened ? short : long })),
    });
    await after.cache.ready();
    expect(after.cache.lastRecovery).toMatchObject({ entries: 1, capped: 1 });
    expect((await after.cache.entries()).map((e) => e.expiresAt)).toEqual([NOW + short * 1000]);
  });
});
