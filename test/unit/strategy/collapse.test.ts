/**
 * Issue 9 item 5: concurrent requests for one URL share one network request in every case, and
 * followers get their response as soon as the leader has headers, streaming the body.
 */
import { describe, expect, it } from 'vitest';
import { imageResponse } from '../../helpers/fakes.ts';
import { ControlledBody, settled, setup, tick } from './harness.ts';

/** A network whose responses wait for `release()`. */
function gated() {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  return { gate, release };
}

async function byteLength(r: Response): Promise<number> {
  return (await r.arrayBuffer()).byteLength;
}

describe('followers stream the leader’s response', () => {
  it('getHeadersBeforeTheBodyHasArrivedAndTheWholeBodyAfter', async () => {
    const body = new ControlledBody();
    const s = setup(() => new Response(body.stream, { headers: { 'content-type': 'image/png', 'content-length': '3000' } }));
    const all = Array.from({ length: 6 }, () => s.handle());
    body.push(1000);
    // Every response resolves while 2000 of the 3000 bytes have not been sent.
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(1);
    const statuses = results.map((r) => r.response.headers.get('cache-status'));
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=miss; collapsed')).toHaveLength(5);
    // A follower reads the first chunk before the rest exists: streamed, not buffered.
    const reader = results[3]!.response.body!.getReader();
    let early = (await reader.read()).value!.byteLength;
    expect(early).toBe(1000);
    body.push(1000);
    body.push(1000);
    body.close();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) early += chunk.value.byteLength;
    const lengths = await Promise.all(results.map((r, i) => (i === 3 ? early : byteLength(r.response))));
    expect(lengths).toEqual([3000, 3000, 3000, 3000, 3000, 3000]);
    for (const r of results) await r.event.drain();
    expect(s.cache.stats()).toMatchObject({ collapsed: 5, entries: 1, bytesUsed: 3000 });
  });

  it('aFollowerArrivingWhileTheBodyStreamsGetsItFromTheStart', async () => {
    const body = new ControlledBody();
    const s = setup(() => new Response(body.stream, { status: 404, headers: { 'content-type': 'text/plain' } }));
    const leader = await s.handle();
    body.push(10, 1);
    const leaderBytes = leader.response.arrayBuffer();
    await tick();
    const late = await s.handle(); // the leader's page has read the first chunk already
    body.push(10, 2);
    body.close();
    expect(s.calls).toHaveLength(1);
    expect(late.response.status).toBe(404);
    expect(late.response.headers.get('cache-status')).toBe('sw-image-cache; fwd=miss; collapsed; detail=status');
    expect([...new Uint8Array(await late.response.arrayBuffer())]).toEqual([...Array(10).fill(1), ...Array(10).fill(2)]);
    expect((await leaderBytes).byteLength).toBe(20);
    await leader.event.drain();
    await late.event.drain();
  });
});

describe('one network request however many ask', () => {
  it.each([
    ['a 404', () => new Response('not found', { status: 404 }), 404, 'sw-image-cache; fwd=miss; collapsed; detail=status'],
    ['a declared too-large body', () => imageResponse(5000), 200, 'sw-image-cache; fwd=miss; collapsed; detail=too-large'],
    ['a body of unknown length', () => new Response(new Uint8Array(5000), { headers: { 'content-type': 'image/png' } }), 200, 'sw-image-cache; fwd=miss; collapsed'],
    ['a 204', () => new Response(null, { status: 204 }), 204, 'sw-image-cache; fwd=miss; collapsed; detail=status'],
    ['a not-image', () => new Response('<html>', { headers: { 'content-type': 'text/html' } }), 200, 'sw-image-cache; fwd=miss; collapsed; detail=not-image'],
  ])('for %s', async (_name, make, status, followerStatus) => {
    const { gate, release } = gated();
    const s = setup(async () => {
      await gate;
      return make();
    }, { maxEntryBytes: 4000 });
    const all = Array.from({ length: 20 }, () => s.handle());
    await tick();
    release();
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(1);
    for (const r of results) expect(r.response.status).toBe(status);
    expect(results.filter((r) => r.response.headers.get('cache-status') === followerStatus)).toHaveLength(19);
    const lengths = new Set(await Promise.all(results.map((r) => byteLength(r.response))));
    expect(lengths.size).toBe(1);
    for (const r of results) await r.event.drain();
    expect(s.cache.stats().entries).toBe(0);
    // Once the body has arrived the request is over: the next one asks the network again.
    await settled(s);
    expect(s.calls).toHaveLength(2);
  });

  it('forAnExpiredEntrysRevalidationAnswered304', async () => {
    let stale = false;
    const { gate, release } = gated();
    const s = setup(async (req) => {
      if (!stale) return imageResponse(100, { headers: { etag: '"v1"' } });
      await gate;
      return req.headers.get('if-none-match') === '"v1"' ? new Response(null, { status: 304 }) : imageResponse(100);
    });
    await settled(s);
    s.clock.advance(61_000);
    stale = true;
    const all = Array.from({ length: 50 }, () => s.handle());
    await tick();
    release();
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(2); // the first store, then one conditional request for all 50
    expect(s.calls[1]!.headers.get('if-none-match')).toBe('"v1"');
    const statuses = results.map((r) => r.response.headers.get('cache-status'));
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=stale; fwd-status=304')).toHaveLength(1);
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=stale; fwd-status=304; collapsed')).toHaveLength(49);
    for (const r of results) expect(await byteLength(r.response)).toBe(100);
    for (const r of results) await r.event.drain();
    expect((await settled(s)).headers.get('cache-status')).toBe('sw-image-cache; hit');
  });

  it('forAnExpiredEntrysRevalidationAnsweredWithANewBody', async () => {
    let version = 1;
    const { gate, release } = gated();
    const s = setup(async () => {
      if (version === 2) await gate;
      return imageResponse(100 * version);
    });
    await settled(s);
    s.clock.advance(61_000);
    version = 2;
    const all = Array.from({ length: 10 }, () => s.handle());
    await tick();
    release();
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(2);
    const statuses = results.map((r) => r.response.headers.get('cache-status'));
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=stale; fwd-status=200; stored')).toHaveLength(1);
    expect(statuses.filter((x) => x === 'sw-image-cache; fwd=stale; fwd-status=200; collapsed')).toHaveLength(9);
    for (const r of results) expect(await byteLength(r.response)).toBe(200);
    for (const r of results) await r.event.drain();
    expect(s.cache.stats()).toMatchObject({ entries: 1, bytesUsed: 200 });
  });

  it('forAnExpiredEntryWhileOffline: followers serve their stale body without asking again', async () => {
    let offline = false;
    const { gate, release } = gated();
    const s = setup(async () => {
      if (!offline) return imageResponse(100);
      await gate;
      throw new TypeError('Failed to fetch');
    });
    await settled(s);
    s.clock.advance(61_000);
    offline = true;
    const all = Array.from({ length: 5 }, () => s.handle());
    await tick();
    release();
    const results = await Promise.all(all);
    expect(s.calls).toHaveLength(2);
    for (const r of results) {
      expect(r.response.headers.get('cache-status')).toMatch(/^sw-image-cache; fwd=stale; (collapsed; )?detail=stale-offline$/);
      expect(await byteLength(r.response)).toBe(100);
    }
  });
});

describe('a leader that fails after the network answered', () => {
  it('releasesItsFollowersInsteadOfLeavingThemWaiting', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let throws = 1;
    const s = setup(
      async () => {
        await gate;
        return imageResponse(100);
      },
      {
        plugins: [
          {
            cacheWillUpdate: async ({ response }) => {
              if (throws-- > 0) throw new Error('plugin bug');
              return response;
            },
          },
        ],
      },
    );
    const leader = s.handle();
    const followers = [s.handle(), s.handle()];
    await tick();
    release();
    await expect(leader).rejects.toThrow('plugin bug');
    const results = await Promise.all(followers);
    for (const r of results) expect(r.response.status).toBe(200);
    for (const r of results) await r.event.drain();
  });
});
