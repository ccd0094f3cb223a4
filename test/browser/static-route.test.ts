/**
 * Issue 16 in real Chromium: cold hits served by the static route while the worker is stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, loadImages, openControlled, setupEnv, sleep, stopWorkers, type Env } from './harness.ts';

const CACHE_NAME = 'static-images';

describe('Chromium: cold hits by static route (issue 16)', () => {
  let env: Env;
  const served: string[] = [];
  beforeAll(async () => {
    env = await setupEnv(
      { cacheName: CACHE_NAME, maxBytes: 20 * 1024 * 1024, writeBehindMs: 100 },
      {
        hooks: [
          (_req, _res, url) => {
            if (url.pathname.startsWith('/data/images/')) served.push(url.pathname);
            return false;
          },
        ],
      },
    );
  });
  afterAll(() => env?.close());

  it('probe', async () => {
    const photos = env.images.filter((i) => i.category === 'driver_photo').slice(0, 3).map((i) => i.url);
    const page = await openControlled(env);
    await loadImages(page, photos);
    await sleep(1500);
    console.log('stats1', JSON.stringify((await getJson<any>(page, '/__image-cache/stats')).staticRoute));
    await stopWorkers(page);
    await sleep(300);
    served.length = 0;
    const tab = await env.context.newPage();
    await tab.goto(env.origin + '/blank.html');
    await stopWorkers(tab);
    await sleep(300);
    const result = await loadImages(tab, [...photos, env.images.filter((i) => i.category === 'vehicle')[0]!.url]);
    const rt = await tab.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/data/images/')).map((e) => JSON.stringify(e.toJSON())));
    console.log('result', JSON.stringify(result), 'served', JSON.stringify(served));
    console.log(rt.join('\n'));
    expect(result.every((r) => r.ok)).toBe(true);
  });
});
