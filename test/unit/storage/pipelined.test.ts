/**
 * Pipelined fills (issue 13, fills and memory): the reservation and the commit of a put run in the
 * mutation queue, the body write runs outside it on the URL's chain, so puts of different URLs
 * write their bodies at the same time, while the puts of one URL keep their order. Entries being
 * written are pinned (never victims), the budget holds at every step, a delete, a clear or a
 * replacement racing with a write ends with both stores consistent, and a failed write touches
 * nothing else. Bodies with a `Content-Length` are streamed into Cache Storage (never read whole
 * by the cache) and their stored length is counted.
 *
 * Properties, not timings: writes are held by gates the tests open, and concurrency is counted by
 * an instrumented body store. Real adapters: fake-indexeddb records, undici Cache Storage bodies.
 */
import { describe, expect, it, vi } from 'vitest';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache, type ImageCacheOptions } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStore } from '../../../sw/storage/ImageCacheStore.ts';
import { bodiesIn, Clock, imageResponse } from '../../helpers/fakes.ts';

const u = (name: string) => `https://app.test/img/${name}.png`;
let dbSeq = 0;

/** Cache Storage (undici) with gates, a log, injected failures, and a count of the puts in flight. */
class InstrumentedBodies extends ImageCacheStore {
  inFlight = 0;
  maxInFlight = 0;
  /** Puts in flight per URL, and the most seen for any one URL. */
  readonly #perUrl = new Map<string, number>();
  maxInFlightPerUrl = 0;
  log: string[] = [];
  /** When set, every put waits for it (after it started) before writing. */
  gate: Promise<void> | null = null;
  /** Puts of these URLs reject (after the gate). */
  failPutsOf = new Set<string>();
  /** When set, every put rejects with `QuotaExceededError` (after the gate). */
  quotaFull = false;
  /** Called at every step (start and end of each put and delete). */
  onStep: () => void = () => {};

  override async put(url: string, response: Response): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const n = (this.#perUrl.get(url) ?? 0) + 1;
    this.#perUrl.set(url, n);
    this.maxInFlightPerUrl = Math.max(this.maxInFlightPerUrl, n);
    this.log.push(`put ${url}`);
    this.onStep();
    try {
      if (this.gate) await this.gate;
      if (this.failPutsOf.has(url)) throw new DOMException(`put of ${url} failed (injected)`, 'UnknownError');
      if (this.quotaFull) throw new DOMException(`put of ${url}: quota exceeded (injected)`, 'QuotaExceededError');
      await super.put(url, response);
      this.log.push(`landed ${url}`);
    } finally {
      this.inFlight--;
      this.#perUrl.set(url, this.#perUrl.get(url)! - 1);
      this.onStep();
    }
  }

  override async delete(url: string): Promise<boolean> {
    this.log.push(`delete ${url}`);
    this.onStep();
    const r = await super.delete(url);
    this.onStep();
    return r;
  }
}

function setup(options: Partial<ImageCacheOptions> = {}) {
  const name = `pipelined-${++dbSeq}`;
  const bodies = new InstrumentedBodies(name);
  const metadata = new EntryMetadataModel(`${name}-db`);
  let open!: () => void;
  const gate = () => {
    bodies.gate = new Promise<void>((r) => (open = r));
    return () => {
      bodies.gate = null;
      open();
    };
  };
  const cache = new ImageCache({ cacheName: name, maxBytes: 100_000, maxAgeSeconds: 60, now: new Clock().now, metadata, bodies, ...options });
  return { cache, bodies, metadata, gate, name };
}

/** Lets queued work run until it waits on a gate. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setTimeout(r, 0));
}

/** Both stores one to one, bytes counted (invariant 2); returns url → bytes. */
async function expectConsistent(s: ReturnType<typeof setup>): Promise<Map<string, number>> {
  const records = await s.metadata.getAll();
  const stored = await bodiesIn(s.name);
  expect(records.filter((r) => r.state !== 'committed').map((r) => r.url)).toEqual([]);
  expect(records.map((r) => r.url).sort()).toEqual([...stored.keys()].sort());
  for (const r of records) expect(stored.get(r.url)).toBe(r.bytes);
  const sum = records.reduce((n, r) => n + r.bytes, 0);
  expect(s.cache.bytesUsed).toBe(sum);
  expect(s.cache.size).toBe(records.length);
  return stored;
}

describe('pipelined fills', () => {
  it('fillsOfDistinctUrlsWriteTheirBodiesConcurrently', async () => {
    const s = setup();
    await s.cache.ready();
    const open = s.gate();
    const puts = Array.from({ length: 8 }, (_, i) => s.cache.put(u(`p${i}`), imageResponse(100 + i)));
    await settle();
    // Every reservation was made and every body write started before any of them landed.
    expect(s.bodies.inFlight).toBe(8);
    expect(s.cache.bytesUsed).toBe(8 * 100 + 28); // reserved from the start (invariant 1)
    open();
    expect((await Promise.all(puts)).every((p) => p.stored)).toBe(true);
    expect(s.bodies.maxInFlight).toBe(8);
    expect((await expectConsistent(s)).size).toBe(8);
  });

  it('putsOfOneUrlKeepTheirOrder', async () => {
    const s = setup();
    await s.cache.ready();
    const open = s.gate();
    const first = s.cache.put(u('a'), imageResponse(100, { fill: 1 }));
    const second = s.cache.put(u('a'), imageResponse(200, { fill: 2 }));
    const other = s.cache.put(u('b'), imageResponse(50));
    await settle();
    expect(s.bodies.inFlight).toBe(2); // a (first) and b; a's second write waits for the first
    open();
    await Promise.all([first, second, other]);
    // The first write was replaced while written: not stored, and it says why (the URL is stored).
    expect(await first).toMatchObject({ stored: false, reason: 'superseded' });
    expect(await second).toMatchObject({ stored: true });
    expect(s.bodies.maxInFlightPerUrl).toBe(1);
    const stored = await expectConsistent(s);
    expect(stored.get(u('a'))).toBe(200); // the later put wins
    const body = new Uint8Array(await (await s.cache.get(u('a')))!.arrayBuffer());
    expect(body[0]).toBe(2);
  });

  it('aVictimsBodyDeleteAndALaterFillOfItsUrlKeepTheirOrder', async () => {
    const s = setup({ maxBytes: 200 });
    await s.cache.put(u('a'), imageResponse(100));
    await s.cache.put(u('b'), imageResponse(100));
    // c evicts a; a comes straight back (evicting b): a's body delete must run before a's new write.
    const c = s.cache.put(u('c'), imageResponse(100));
    const a = s.cache.put(u('a'), imageResponse(100, { fill: 9 }));
    expect((await Promise.all([c, a])).map((p) => p.stored)).toEqual([true, true]);
    const log = s.bodies.log;
    expect(log.indexOf(`delete ${u('a')}`)).toBeLessThan(log.lastIndexOf(`put ${u('a')}`));
    const stored = await expectConsistent(s);
    expect([...stored.keys()].sort()).toEqual([u('a'), u('c')]);
  });

  it('entriesBeingWrittenAreNeverEvicted', async () => {
    const s = setup({ maxBytes: 300 });
    await s.cache.put(u('old'), imageResponse(100));
    const open = s.gate();
    const p1 = s.cache.put(u('p1'), imageResponse(100));
    const p2 = s.cache.put(u('p2'), imageResponse(100));
    await settle();
    // Room for one more only by evicting: the committed entry goes, never a pending one.
    const p3 = s.cache.put(u('p3'), imageResponse(100));
    await settle();
    expect(s.cache.bytesUsed).toBe(300);
    // Nothing left to evict but entries being written: p4 waits for their writes, evicting nothing now.
    const p4 = s.cache.put(u('p4'), imageResponse(100));
    await settle();
    expect(s.cache.bytesUsed).toBe(300);
    expect(s.bodies.inFlight).toBe(3);
    open();
    const results = await Promise.all([p1, p2, p3, p4]);
    expect(results.map((r) => r.stored)).toEqual([true, true, true, true]);
    expect(results[2]!.evicted).toEqual([u('old')]);
    // Once written, p1 is an ordinary victim: the least recently used.
    expect(results[3]!.evicted).toEqual([u('p1')]);
    expect([...(await expectConsistent(s)).keys()].sort()).toEqual([u('p2'), u('p3'), u('p4')]);
  });

  it('aPutWaitingOnAStuckWriteGivesUpBusyAfterTheMutationTimeLimit', async () => {
    const s = setup({ maxBytes: 200, mutationTimeLimitMs: 50 });
    await s.cache.ready();
    const open = s.gate(); // never opened before the waiting put gives up
    const stuck = [s.cache.put(u('s1'), imageResponse(100)), s.cache.put(u('s2'), imageResponse(100))];
    expect(await s.cache.put(u('late'), imageResponse(100))).toMatchObject({ stored: false, reason: 'busy', evicted: [] });
    expect(s.cache.bytesUsed).toBe(200);
    open();
    expect((await Promise.all(stuck)).map((r) => r.stored)).toEqual([true, true]);
    await expectConsistent(s);
  });

  it('aBurstLargerThanTheBudgetEndsWithTheMostRecentStoredAndTheOthersEvicted', async () => {
    // N concurrent puts into a budget of N/2 entries: the first N/2 are reserved (pinned while
    // written); the others find room only in entries being written, wait for those writes, then
    // evict them as ordinary LRU victims. None is `busy`; the budget holds at every step.
    const n = 12;
    const maxBytes = (n / 2) * 100;
    const s = setup({ maxBytes });
    const violations: string[] = [];
    s.bodies.onStep = () => {
      if (s.cache.bytesUsed > maxBytes) violations.push(`bytes ${s.cache.bytesUsed}`);
    };
    await s.cache.ready();
    const open = s.gate();
    const puts = Array.from({ length: n }, (_, i) => s.cache.put(u(`b${i}`), imageResponse(100)));
    await settle();
    s.bodies.onStep();
    expect(s.bodies.inFlight).toBe(n / 2);
    open();
    const results = await Promise.all(puts);
    expect(violations).toEqual([]);
    expect(results.filter((r) => !r.stored)).toEqual([]);
    expect(results.flatMap((r) => r.evicted).sort()).toEqual(Array.from({ length: n / 2 }, (_, i) => u(`b${i}`)).sort());
    const kept = Array.from({ length: n / 2 }, (_, i) => u(`b${n / 2 + i}`));
    expect([...(await expectConsistent(s)).keys()].sort()).toEqual(kept.sort());
    expect(s.cache.stats()).toMatchObject({ stored: n, evictions: n / 2, busyBypasses: 0, bypassed: 0, entries: n / 2 });
  });

  it('theBudgetHoldsAtEveryStepUnderConcurrentFills', async () => {
    const maxBytes = 2000;
    const maxEntries = 12;
    const s = setup({ maxBytes, maxEntries });
    const violations: string[] = [];
    s.bodies.onStep = () => {
      if (s.cache.bytesUsed > maxBytes) violations.push(`bytes ${s.cache.bytesUsed}`);
      if (s.cache.size > maxEntries) violations.push(`entries ${s.cache.size}`);
    };
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    await s.cache.ready();
    for (let round = 0; round < 4; round++) {
      const open = s.gate();
      const puts = Array.from({ length: 16 }, (_, i) => s.cache.put(u(`r${round}-${i % 11}`), imageResponse(50 + Math.floor(random() * 400))));
      await settle();
      s.bodies.onStep();
      open();
      await Promise.all(puts);
    }
    expect(violations).toEqual([]);
    expect(s.bodies.maxInFlight).toBeGreaterThan(1);
    await expectConsistent(s);
  });

  it('aDeleteOrAClearRacingWithAWriteEndsConsistent', async () => {
    const s = setup();
    await s.cache.put(u('kept'), imageResponse(10));
    let open = s.gate();
    const deleted = s.cache.put(u('d'), imageResponse(100));
    await settle();
    expect(await s.cache.delete(u('d'))).toBe(true); // its body is still being written
    open();
    expect(await deleted).toMatchObject({ stored: false, reason: 'write-failed' }); // deleted, not replaced
    expect([...(await expectConsistent(s)).keys()]).toEqual([u('kept')]);

    open = s.gate();
    const cleared = [s.cache.put(u('c1'), imageResponse(100)), s.cache.put(u('c2'), imageResponse(100))];
    await settle();
    await s.cache.clear();
    open();
    expect((await Promise.all(cleared)).map((p) => p.stored)).toEqual([false, false]);
    expect((await expectConsistent(s)).size).toBe(0);
    expect(await s.cache.put(u('after'), imageResponse(100))).toMatchObject({ stored: true });
    expect((await expectConsistent(s)).size).toBe(1);
  });

  it('aFailedWriteLeavesTheOthersStoredAndTheStoresConsistent', async () => {
    const s = setup();
    await s.cache.ready();
    const open = s.gate();
    s.bodies.failPutsOf.add(u('bad'));
    const puts = ['a', 'bad', 'b', 'c'].map((n) => s.cache.put(u(n), imageResponse(100)));
    await settle();
    expect(s.bodies.inFlight).toBe(4);
    open();
    expect((await Promise.all(puts)).map((p) => p.stored)).toEqual([true, false, true, true]);
    expect([...(await expectConsistent(s)).keys()].sort()).toEqual([u('a'), u('b'), u('c')]);
    expect(s.cache.stats()).toMatchObject({ stored: 3, errors: 1, entries: 3 });
  });
});

describe('quota pressure under pipelined fills', () => {
  it('aBurstOfWritesRefusedForQuotaLowersTheBudgetOnceToWhatStorageHeld', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.cache.put(u(`kept${i}`), imageResponse(1000));
    const open = s.gate();
    s.bodies.quotaFull = true;
    const puts = Array.from({ length: 8 }, (_, i) => s.cache.put(u(`q${i}`), imageResponse(1000)));
    await settle();
    open();
    expect((await Promise.all(puts)).map((r) => r.reason)).toEqual(Array(8).fill('quota'));
    // Storage refused at 5 committed + 8 reserved entries: the budget is what it held beside the
    // first refused write (12 000 bytes), lowered once, not once per refused write of the burst
    // (each after the previous purges), which ratcheted it down to one entry and purged everything.
    const stats = s.cache.stats();
    expect(stats.effectiveMaxBytes).toBe(12_000);
    expect(stats.entries).toBe(4); // one purged to make room for the retry
    await expectConsistent(s);
  });

  it('aPendingRecordRefusedForQuotaLowersTheBudgetToo', async () => {
    const s = setup();
    for (let i = 0; i < 5; i++) await s.cache.put(u(`kept${i}`), imageResponse(1000));
    s.metadata.putMany = async () => {
      throw new DOMException('IndexedDB quota exceeded (injected)', 'QuotaExceededError');
    };
    expect(await s.cache.put(u('refused'), imageResponse(1000))).toMatchObject({ stored: false, reason: 'quota' });
    expect(s.cache.stats()).toMatchObject({ effectiveMaxBytes: 5000, entries: 5 });
  });
});

/** A response body the test feeds chunk by chunk, recording whether it was closed. */
function controlledResponse(declared: number | null) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const headers: Record<string, string> = { 'content-type': 'image/png' };
  if (declared !== null) headers['content-length'] = String(declared);
  return {
    response: new Response(stream, { status: 200, headers }),
    push: (n: number) => controller.enqueue(new Uint8Array(n).fill(3)),
    close: () => controller.close(),
    /** The connection is cut: the body errors (as Chromium's does before `Content-Length` bytes). */
    fail: () => controller.error(new TypeError('network error (injected)')),
  };
}

describe('streamed stores (Content-Length known)', () => {
  it('aBodyLargerThanMaxPendingBytesIsStreamedIntoCacheStorageAndStored', async () => {
    const s = setup({ maxPendingBytes: 1000 });
    await s.cache.ready();
    const source = controlledResponse(5000);
    const pending: number[] = [];
    const putting = s.cache.put(u('big'), source.response);
    await settle();
    // The write to Cache Storage started before the body finished arriving: nothing buffered it whole.
    expect(s.bodies.log).toEqual([`put ${u('big')}`]);
    for (let i = 0; i < 5; i++) {
      source.push(1000);
      await settle();
      pending.push(s.cache.pendingBytes);
    }
    source.close();
    expect(await putting).toMatchObject({ stored: true, bytes: 5000 });
    expect(pending).toEqual([0, 0, 0, 0, 0]);
    expect(s.cache.stats()).toMatchObject({ streamedStores: 1, peakPendingBytes: 0, pendingBytes: 0, busyBypasses: 0 });
    expect((await expectConsistent(s)).get(u('big'))).toBe(5000);
  });

  it.each([false, true])('aStreamedBodyShorterOrLongerThanItsContentLengthIsDeletedAndItsReservationReleased (blobBodies %s)', async (blobBodies) => {
    const s = setup({ blobBodies });
    await s.cache.ready();
    for (const actual of [60, 140]) {
      const source = controlledResponse(100);
      const putting = s.cache.put(u(`liar-${actual}`), source.response);
      source.push(actual);
      source.close();
      expect(await putting).toMatchObject({ stored: false, reason: 'length-mismatch' });
    }
    expect(s.cache.stats()).toMatchObject({ streamedStores: 0, bytesUsed: 0, entries: 0, bypassed: 2 });
    expect((await expectConsistent(s)).size).toBe(0);
  });

  it.each([false, true])('aStreamedBodyCutShortByTheNetworkRollsTheEntryBack (blobBodies %s)', async (blobBodies) => {
    const s = setup({ blobBodies });
    await s.cache.ready();
    await s.cache.put(u('kept'), imageResponse(100));
    const source = controlledResponse(1000);
    const putting = s.cache.put(u('cut'), source.response);
    source.push(400);
    await settle();
    source.fail();
    expect(await putting).toMatchObject({ stored: false, reason: 'write-failed' });
    expect(s.cache.stats()).toMatchObject({ streamedStores: 1, bytesUsed: 100, entries: 1, pendingBytes: 0 });
    expect([...(await expectConsistent(s)).keys()]).toEqual([u('kept')]);
  });

  it('withBlobBodiesTheResponseGathersItsBodyAsABlobThatIsStoredWithTheStoredHeaders, its bytes held against maxPendingBytes while it waits whole', async () => {
    const s = setup({ blobBodies: true, maxPendingBytes: 8000, storedHeaders: (h, r) => new Headers([...h, ['x-bytes', String(r.bytes)]]) });
    await s.cache.ready();
    const source = controlledResponse(5000);
    const blob = vi.spyOn(source.response, 'blob');
    const pending: number[] = [];
    const putting = s.cache.put(u('big'), source.response);
    for (let i = 0; i < 5; i++) {
      source.push(1000);
      await settle();
      pending.push(s.cache.pendingBytes);
    }
    // Gathered by the response itself (no chunk read by the cache), written once it has all arrived.
    expect(blob).toHaveBeenCalledTimes(1);
    expect(s.bodies.log).toEqual([]);
    source.close();
    expect(await putting).toMatchObject({ stored: true, bytes: 5000 });
    expect(s.bodies.log).toEqual([`put ${u('big')}`, `landed ${u('big')}`]);
    expect(pending).toEqual([5000, 5000, 5000, 5000, 5000]);
    expect(s.cache.stats()).toMatchObject({ streamedStores: 1, peakPendingBytes: 5000, pendingBytes: 0 });
    expect((await expectConsistent(s)).get(u('big'))).toBe(5000);
    const stored = await (await caches.open(s.name)).match(u('big'));
    expect([stored!.headers.get('content-type'), stored!.headers.get('x-bytes')]).toEqual(['image/png', '5000']);
  });

  it('withBlobBodiesABodyThatDoesNotFitMaxPendingBytesBesideTheOthersWaitingIsPipedInstead (stored, never busy)', async () => {
    const s = setup({ blobBodies: true, maxPendingBytes: 8000 });
    await s.cache.ready();
    const first = controlledResponse(5000);
    const second = controlledResponse(5000);
    const blobs = [vi.spyOn(first.response, 'blob'), vi.spyOn(second.response, 'blob')];
    const puts = [s.cache.put(u('a'), first.response), s.cache.put(u('b'), second.response)];
    const pending: number[] = [];
    for (let i = 0; i < 5; i++) {
      first.push(1000);
      second.push(1000);
      await settle();
      pending.push(s.cache.pendingBytes);
    }
    // The first waits whole as a blob (5000 held); the second would pass 8000: piped as it arrives.
    expect(blobs.map((b) => b.mock.calls.length)).toEqual([1, 0]);
    expect(pending).toEqual([5000, 5000, 5000, 5000, 5000]);
    first.close();
    second.close();
    expect(await Promise.all(puts)).toMatchObject([{ stored: true, bytes: 5000 }, { stored: true, bytes: 5000 }]);
    expect(s.cache.stats()).toMatchObject({ streamedStores: 2, peakPendingBytes: 5000, pendingBytes: 0, busyBypasses: 0 });
    expect((await expectConsistent(s)).size).toBe(2);
  });

  it.each([
    [{ userAgentData: { brands: [{ brand: 'Chromium', version: '156' }], mobile: false } }, 1],
    [{ userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0' }, 0],
  ])('blobBodiesIsTheDefaultOnlyWhereTheWorkerHasUserAgentClientHints (navigator %j)', async (navigator, blobCalls) => {
    vi.stubGlobal('navigator', navigator);
    try {
      const s = setup();
      await s.cache.ready();
      const response = imageResponse(100);
      const blob = vi.spyOn(response, 'blob');
      expect(await s.cache.put(u('detected'), response)).toMatchObject({ stored: true, bytes: 100 });
      expect(blob).toHaveBeenCalledTimes(blobCalls);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it.each([false, true])('aStreamedBodyRefusedForQuotaIsNotWrittenAgainAfterThePurge (blobBodies %s)', async (blobBodies) => {
    const s = setup({ blobBodies });
    await s.cache.ready();
    for (let i = 0; i < 3; i++) await s.cache.put(u(`kept${i}`), imageResponse(1000));
    s.bodies.quotaFull = true;
    s.bodies.onStep = () => {
      if (s.bodies.log.filter((l) => l.startsWith('put ')).length > 4) s.bodies.quotaFull = false; // a second write would land
    };
    // A blob could be written again, but beside other streamed writes refused in the same burst
    // (pinned: never purged) that would commit past the lowered budget.
    expect(await s.cache.put(u('refused-once'), imageResponse(1000))).toMatchObject({ stored: false, reason: 'quota' });
    expect(s.bodies.log.filter((l) => l === `put ${u('refused-once')}`)).toHaveLength(1);
    expect(s.cache.stats()).toMatchObject({ effectiveMaxBytes: 3000, bytesUsed: 2000 });
    await expectConsistent(s);
  });

  it('aBodyOfUnknownLengthIsStillReadWholeAndCountedAsPending', async () => {
    const s = setup();
    await s.cache.ready();
    const source = controlledResponse(null);
    const putting = s.cache.put(u('chunked'), source.response);
    source.push(300);
    await settle();
    expect(s.bodies.log).toEqual([]); // read first: its length comes from the body
    source.close();
    expect(await putting).toMatchObject({ stored: true, bytes: 300 });
    expect(s.cache.stats()).toMatchObject({ streamedStores: 0, peakPendingBytes: 300 });
  });
});
