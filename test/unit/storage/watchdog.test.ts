/**
 * The 100,000-entry wake (issue 13). Found with `test/bench/wake.ts`: Chromium refuses
 * `Cache.keys()` past 10 MB of result (`AbortError`, "Operation too large"), so the full recovery
 * failed on every try and the worker never loaded its index (nothing served from the index,
 * nothing stored). Recovery now goes on without the listing. And the mutation queue's time limit
 * is a watchdog on progress, not a cap on work: a full recovery of 100,000 records may take longer
 * than the 10 s limit without being stuck. Fake timers: no test here depends on how fast the
 * machine is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImageCacheError } from '../../../sw/errors/ImageCacheError.ts';
import { MutationQueue } from '../../../sw/storage/MutationQueue.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import type { EntryRecord } from '../../../sw/storage/EntryMetadataModel.ts';
import { FakeBodyStore, FakeMetadataStore, imageResponse } from '../../helpers/fakes.ts';

const u = (n: number) => `https://app.test/img/${n}.png`;

/** A promise the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

describe('MutationQueue: the time limit watches progress', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => void vi.useRealTimers());

  it('aTaskThatReportsProgressRunsLongerThanTheLimitInTotal', async () => {
    const timedOut: string[] = [];
    const queue = new MutationQueue({ timeLimitMs: 100, onTimeout: (label) => timedOut.push(label) });
    const steps = Array.from({ length: 5 }, gate);
    const run = queue.run('long', async (task) => {
      for (const step of steps) {
        await step.promise;
        task.progress();
      }
      return 'done';
    });
    for (const step of steps) {
      await vi.advanceTimersByTimeAsync(90); // 450 ms in all, never 100 ms without progress
      step.open();
    }
    await expect(run).resolves.toBe('done');
    expect(queue.timeouts).toBe(0);
    expect(timedOut).toEqual([]);
  });

  it('aTaskWithoutProgressStillTimesOutAndTheNextTaskRuns', async () => {
    const queue = new MutationQueue({ timeLimitMs: 100 });
    const stuck = queue.run('stuck', () => new Promise<never>(() => {}));
    const rejected = expect(stuck).rejects.toMatchObject({ code: 'mutation-timeout' });
    const next = queue.run('next', async () => 'ran');
    await vi.advanceTimersByTimeAsync(100);
    await rejected;
    await expect(next).resolves.toBe('ran');
    expect(queue.timeouts).toBe(1);
  });

  it('aLargerLimitForOneLargeStepIsHonouredAndStillEnds', async () => {
    const queue = new MutationQueue({ timeLimitMs: 100 });
    const big = gate();
    const run = queue.run('big', async (task) => {
      task.progress(1000); // one read that cannot report progress
      await big.promise;
      return 'read';
    });
    await vi.advanceTimersByTimeAsync(900);
    big.open();
    await expect(run).resolves.toBe('read');

    const stuck = queue.run('big-stuck', async (task) => {
      task.progress(1000);
      await new Promise<never>(() => {});
    });
    const rejected = expect(stuck).rejects.toBeInstanceOf(ImageCacheError);
    await vi.advanceTimersByTimeAsync(1000);
    await rejected;
    expect(queue.timeouts).toBe(1);
  });
});

describe('ImageCache: a full recovery longer than the limit completes', () => {
  afterEach(() => void vi.useRealTimers());

  it('aWakeWhoseRecordReadTakesLongerThanTheLimitLoadsTheIndexWithoutATimeout', async () => {
    const metadata = new FakeMetadataStore();
    const bodies = new FakeBodyStore('watchdog');
    const first = new ImageCache({ cacheName: 'watchdog', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0, mutationTimeLimitMs: 100 });
    const n = 300;
    for (let i = 0; i < n; i++) await first.put(u(i), imageResponse(10));
    await first.flush();

    // A wake of a new worker: its full recovery reads every record in one step that takes 200 ms,
    // longer than the 100 ms limit; the limit of that step grows with the record count.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const read = gate();
    const getAll = metadata.getAll.bind(metadata);
    let counted = 0;
    Object.assign(metadata, { count: async () => (counted++, (await getAll()).length) });
    metadata.getAll = async () => {
      await read.promise;
      return getAll();
    };
    const woken = new ImageCache({ cacheName: 'watchdog', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0, mutationTimeLimitMs: 100 });
    const ready = woken.ready();
    await vi.advanceTimersByTimeAsync(200);
    read.open();
    await expect(ready).resolves.toMatchObject({ source: 'records', entries: n });
    expect(counted).toBe(1);
    expect(woken.mutationTimeouts).toBe(0);
    expect(woken.indexLoaded).toBe(true);
    expect(await woken.put(u(n), imageResponse(10))).toMatchObject({ stored: true });
  });

  it('aRecoveryThatIsReallyStuckTimesOutAndTheNextOneGetsTwiceTheLimit', async () => {
    const metadata = new FakeMetadataStore();
    const bodies = new FakeBodyStore('watchdog-2');
    const first = new ImageCache({ cacheName: 'watchdog-2', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0, mutationTimeLimitMs: 100 });
    await first.put(u(0), imageResponse(10));
    await first.flush();

    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const getAll = metadata.getAll.bind(metadata);
    let reads = 0;
    const second = gate();
    metadata.getAll = async () => {
      reads++;
      if (reads === 1) await new Promise<never>(() => {}); // stuck for good
      await second.promise;
      return getAll();
    };
    let clock = Date.now();
    const woken = new ImageCache({ cacheName: 'watchdog-2', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0, mutationTimeLimitMs: 100, now: () => clock });
    const firstTry = woken.ready();
    const rejected = expect(firstTry).rejects.toMatchObject({ code: 'mutation-timeout' });
    await vi.advanceTimersByTimeAsync(100);
    await rejected;
    expect(woken.mutationTimeouts).toBe(1);
    // The retry (after the fail-fast window) may take up to 200 ms for its one large step.
    clock += ImageCache.RETRY_AFTER_FAILURE_MS;
    const retry = woken.ready().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(150);
    second.open();
    await expect(retry).resolves.toMatchObject({ source: 'records', entries: 1 });
    expect(woken.mutationTimeouts).toBe(1);
  });
});

describe('ImageCache: a recovery where Cache.keys() is too large (Chromium, ~100,000 entries)', () => {
  it('loadsTheCommittedRecordsSettlesThePendingOnesAndSaysTheBodiesWereNotListed', async () => {
    const metadata = new FakeMetadataStore();
    const bodies = new FakeBodyStore('too-large');
    const first = new ImageCache({ cacheName: 'too-large', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0 });
    for (let i = 0; i < 5; i++) await first.put(u(i), imageResponse(10));
    await first.flush();
    // A worker killed mid-write twice: one pending record whose body landed, one whose did not.
    const template = (await metadata.getAll())[0]!;
    const pending = (url: string): EntryRecord => ({ ...template, url, state: 'pending', bytes: 10 });
    await metadata.putMany([pending(u(100)), pending(u(101))]);
    await bodies.put(u(100), imageResponse(10));
    let listed = 0;
    bodies.urls = async () => {
      listed++;
      throw new DOMException("Failed to execute 'keys' on 'Cache': Operation too large.", 'AbortError');
    };

    const woken = new ImageCache({ cacheName: 'too-large', maxBytes: 1_000_000, metadata, bodies, writeBehindMs: 0 });
    const report = await woken.ready();
    expect(listed).toBe(1);
    expect(report).toMatchObject({ source: 'records', bodiesListed: false, entries: 6, committedPending: 1, rolledBackPending: 1 });
    expect((await woken.entries()).map((e) => e.url).sort()).toEqual([0, 1, 100, 2, 3, 4].map((n) => u(n)).sort());
    expect((await metadata.getAll()).map((r) => `${r.url} ${r.state}`).sort()).toEqual([0, 1, 100, 2, 3, 4].map((n) => `${u(n)} committed`).sort());
    expect((await woken.lookup(u(3))).result).toBe('hit');
    expect(await woken.put(u(200), imageResponse(10))).toMatchObject({ stored: true });
  });

  it('anyOtherListingErrorStillFailsTheRecovery', async () => {
    const bodies = new FakeBodyStore('listing-fails');
    bodies.urls = async () => {
      throw new DOMException('disk gone (injected)', 'UnknownError');
    };
    const cache = new ImageCache({ cacheName: 'listing-fails', maxBytes: 1000, metadata: new FakeMetadataStore(), bodies });
    await expect(cache.ready()).rejects.toMatchObject({ name: 'UnknownError' });
    expect(cache.indexLoaded).toBe(false);
  });
});
