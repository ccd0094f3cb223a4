import { describe, expect, it } from 'vitest';
import { JobQueue, type Job, type JobOutcome, type JobQueueOptions } from '../../../sw/policy/JobQueue.ts';

/** A fake clock and one-shot timer: time moves only when the test calls `advance`. */
class FakeClock {
  nowMs = 1_700_000_000_000;
  #timers: Array<{ atMs: number; fn: () => void; id: number }> = [];
  #id = 0;
  readonly timer = {
    set: (fn: () => void, delayMs: number) => {
      const id = ++this.#id;
      this.#timers.push({ atMs: this.nowMs + delayMs, fn, id });
      return id;
    },
    clear: (h: unknown) => {
      this.#timers = this.#timers.filter((t) => t.id !== h);
    },
  };
  now = () => this.nowMs;
  /** Moves time forward, firing due timers in order (and letting promise callbacks run between them). */
  async advance(ms: number): Promise<void> {
    const end = this.nowMs + ms;
    for (;;) {
      await flush();
      this.#timers.sort((a, b) => a.atMs - b.atMs);
      const t = this.#timers[0];
      if (!t || t.atMs > end) break;
      this.#timers.shift();
      this.nowMs = Math.max(this.nowMs, t.atMs);
      t.fn();
    }
    this.nowMs = end;
    await flush();
  }
}

/** Lets resolved promise callbacks run (microtasks only, no timers). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A queue whose runs are recorded and resolve as the script says (default: stored, 10 bytes). */
function setup(options: Partial<JobQueueOptions> = {}, script: (job: Job) => JobOutcome | 'hang' = () => ({ result: 'stored', bytes: 10 })) {
  const clock = new FakeClock();
  const started: Array<{ url: string; atMs: number; attempt: number }> = [];
  const hanging: Array<() => void> = [];
  const queue = new JobQueue({
    now: clock.now,
    timer: clock.timer,
    random: () => 0.5,
    run: async (job) => {
      started.push({ url: job.url, atMs: clock.nowMs, attempt: job.attempts });
      const out = script(job);
      if (out === 'hang') {
        await new Promise<void>((r) => hanging.push(r));
        return { result: 'stored', bytes: 1 };
      }
      if (out.result === 'failed' && out.reason === 'throw') throw new Error('network down');
      return out;
    },
    ...options,
  });
  return { clock, queue, started, hanging };
}

const urls = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ url: `https://x.test/${prefix}${i}` }));

describe('JobQueue', () => {
  it('runsCaptureBeforeManifestBeforeWarmWhateverTheOrderOfEnqueue', async () => {
    const { queue, started, clock } = setup({ concurrency: 1 });
    queue.pageFetchStarted(); // hold everything until all three batches are queued
    void queue.enqueue(urls('w', 2), 'warm');
    void queue.enqueue(urls('m', 2), 'manifest');
    void queue.enqueue(urls('c', 2), 'capture');
    await clock.advance(0);
    expect(started).toEqual([]);
    queue.pageFetchEnded();
    await queue.whenIdle();
    expect(started.map((s) => s.url.slice(15))).toEqual(['c0', 'c1', 'm0', 'm1', 'w0', 'w1']);
  });

  it('startsNothingWhilePageFetchesAreInFlightAndResumesWhenTheLastEnds', async () => {
    const { queue, started, clock } = setup({ concurrency: 2 });
    queue.pageFetchStarted();
    queue.pageFetchStarted();
    void queue.enqueue(urls('w', 3), 'warm');
    await clock.advance(1000);
    expect(started).toHaveLength(0);
    queue.pageFetchEnded();
    await clock.advance(0);
    expect(started).toHaveLength(0);
    queue.pageFetchEnded();
    await queue.whenIdle();
    expect(started).toHaveLength(3);
  });

  it('neverRunsMoreThanConcurrencyJobsAtOnce', async () => {
    const { queue, started, hanging, clock } = setup({ concurrency: 3 }, () => 'hang');
    const done = queue.enqueue(urls('w', 7), 'warm');
    await clock.advance(0);
    expect(started).toHaveLength(3);
    expect(queue.counts().warm).toEqual({ pending: 4, running: 3, done: 0, dead: 0 });
    hanging.shift()!();
    await clock.advance(0);
    expect(started).toHaveLength(4);
    while (hanging.length) {
      hanging.shift()!();
      await clock.advance(0);
    }
    expect(await done).toEqual({ total: 7, stored: 7, skipped: 0, failed: 0, bytes: 7 });
  });

  it('startsAtMostRequestsPerSecondAttemptsPerSecondAfterTheBurst', async () => {
    const { queue, started, clock } = setup({ concurrency: 10, requestsPerSecond: 4 });
    const t0 = clock.nowMs;
    void queue.enqueue(urls('w', 20), 'warm');
    await clock.advance(0);
    expect(started).toHaveLength(4); // the burst (capacity = 4)
    await clock.advance(1000);
    expect(started).toHaveLength(8);
    await clock.advance(2000);
    expect(started).toHaveLength(16);
    // Never more than 4 starts in any 1 s window after the first burst.
    const times = started.map((s) => s.atMs - t0);
    for (const t of times) expect(times.filter((u) => u > t && u <= t + 1000).length).toBeLessThanOrEqual(4);
    expect(times.slice(4, 8)).toEqual([250, 500, 750, 1000]);
  });

  it('retriesWithExponentialBackoffAndFullJitterThenDeadLetters', async () => {
    const delays: number[] = [];
    const { queue, started, clock } = setup(
      { retries: 3, backoffBaseMs: 1000, backoffMaxMs: 3000, random: () => 0.5, onEvent: (e) => e.type === 'retry' && delays.push(e.delayMs) },
      (job) => (job.url.endsWith('bad') ? { result: 'failed', reason: 'throw', retryable: true } : { result: 'stored', bytes: 5 }),
    );
    const t0 = clock.nowMs;
    const done = queue.enqueue([{ url: 'https://x.test/bad' }, { url: 'https://x.test/ok' }], 'manifest');
    await clock.advance(10_000);
    // Ceilings 1000, 2000, 4000→capped 3000; jitter 0.5.
    expect(delays).toEqual([500, 1000, 1500]);
    expect(started.filter((s) => s.url.endsWith('bad')).map((s) => s.atMs - t0)).toEqual([0, 500, 1500, 3000]);
    expect(await done).toEqual({ total: 2, stored: 1, skipped: 0, failed: 1, bytes: 5 });
    expect(queue.dead).toEqual([{ url: 'https://x.test/bad', priority: 'manifest', attempts: 4, reason: 'network down', atMs: t0 + 3000 }]);
    expect(queue.counts().manifest).toEqual({ pending: 0, running: 0, done: 1, dead: 1 });
  });

  it('jitterSpansZeroToTheCeiling', async () => {
    for (const [r, expected] of [[0, 0], [0.999, 999]] as const) {
      const delays: number[] = [];
      const { queue, clock } = setup(
        { retries: 1, backoffBaseMs: 1000, random: () => r, onEvent: (e) => e.type === 'retry' && delays.push(e.delayMs) },
        () => ({ result: 'failed', reason: 'HTTP 503', retryable: true }),
      );
      void queue.enqueue([{ url: 'https://x.test/a' }], 'warm');
      await clock.advance(2000);
      expect(delays).toEqual([expected]);
    }
  });

  it('deadLettersANotRetryableFailureAtOnce', async () => {
    const { queue, started, clock } = setup({ retries: 5 }, () => ({ result: 'failed', reason: 'not stored: too-large', retryable: false }));
    const done = queue.enqueue([{ url: 'https://x.test/big' }], 'warm');
    await clock.advance(0);
    expect(await done).toMatchObject({ failed: 1 });
    expect(started).toHaveLength(1);
    expect(queue.dead.map((d) => d.reason)).toEqual(['not stored: too-large']);
  });

  it('aRetryInBackoffLetsLowerPriorityJobsRun', async () => {
    const { queue, started, clock } = setup({ concurrency: 1, retries: 1, backoffBaseMs: 1000 }, (job) =>
      job.url.endsWith('c0') && job.attempts === 1 ? { result: 'failed', reason: 'HTTP 500', retryable: true } : { result: 'skipped' },
    );
    void queue.enqueue(urls('c', 1), 'capture');
    void queue.enqueue(urls('w', 1), 'warm');
    await clock.advance(1000);
    expect(started.map((s) => `${s.url.slice(15)}#${s.attempt}`)).toEqual(['c0#1', 'w0#1', 'c0#2']);
  });

  it('queuesAUrlOnceRaisingItsPriorityAndTellsBothBatches', async () => {
    const { queue, started, clock } = setup({ concurrency: 1 });
    queue.pageFetchStarted();
    const warm = queue.enqueue([{ url: 'https://x.test/m0' }, { url: 'https://x.test/a' }], 'warm');
    const manifest = queue.enqueue(urls('m', 2), 'manifest');
    expect(queue.snapshot()).toEqual([
      { url: 'https://x.test/m0', revision: null, priority: 'manifest' },
      { url: 'https://x.test/m1', revision: null, priority: 'manifest' },
      { url: 'https://x.test/a', revision: null, priority: 'warm' },
    ]);
    queue.pageFetchEnded();
    await clock.advance(0);
    expect(started.map((s) => s.url.slice(15))).toEqual(['m0', 'm1', 'a']);
    expect(await warm).toEqual({ total: 2, stored: 2, skipped: 0, failed: 0, bytes: 20 });
    expect(await manifest).toEqual({ total: 2, stored: 2, skipped: 0, failed: 0, bytes: 20 });
  });

  it('reportsProgressAfterEachUrl', async () => {
    const { queue } = setup({ concurrency: 1 }, (job) => (job.url.endsWith('1') ? { result: 'skipped' } : { result: 'stored', bytes: 3 }));
    const seen: string[] = [];
    const result = await queue.enqueue(urls('w', 3), 'warm', (p, url) => seen.push(`${url.slice(15)} ${p.stored}/${p.skipped}/${p.failed}`));
    expect(seen).toEqual(['w0 1/0/0', 'w1 1/1/0', 'w2 2/1/0']);
    expect(result).toEqual({ total: 3, stored: 2, skipped: 1, failed: 0, bytes: 6 });
  });

  it('resolvesAnEmptyBatchAtOnce', async () => {
    const { queue } = setup();
    expect(await queue.enqueue([], 'warm')).toEqual({ total: 0, stored: 0, skipped: 0, failed: 0, bytes: 0 });
  });

  it('keepsTheNewestMaxDeadLetters', async () => {
    const { queue, clock } = setup({ retries: 0, maxDeadLetters: 2 }, () => ({ result: 'failed', reason: 'HTTP 404', retryable: true }));
    void queue.enqueue(urls('x', 3), 'warm');
    await clock.advance(0);
    expect(queue.dead.map((d) => d.url.slice(15))).toEqual(['x1', 'x2']);
    expect(queue.counts().warm.dead).toBe(3);
  });

  it('rejectsInvalidOptions', () => {
    expect(() => setup({ concurrency: 0 })).toThrow(RangeError);
    expect(() => setup({ requestsPerSecond: -1 })).toThrow(RangeError);
  });
});
