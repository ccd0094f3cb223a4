/**
 * The write-behind batch (`sw/storage/WriteBehind.ts`) waits for a pause in the hits: written
 * `delayMs` after it was scheduled when no access is marked in its last `QUIET_MS`, later while
 * accesses keep coming (once a whole quiet window passes without one), and never more than
 * `MAX_DEFER_DELAYS` × `delayMs` after it was scheduled. Fake timers: the windows are timers, so
 * the test moves them without waiting.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_DEFER_DELAYS, QUIET_MS, WriteBehind } from '../../../sw/storage/WriteBehind.ts';

const DELAY_MS = 1000;

/** A write-behind whose batches are recorded with the (fake) time they were written at. */
function recorder(delayMs = DELAY_MS) {
  const writtenAt: number[] = [];
  const batches: string[][] = [];
  const t0 = Date.now();
  const wb: WriteBehind = new WriteBehind(delayMs, async () => {
    writtenAt.push(Date.now() - t0);
    batches.push([...wb.takeDirty().accesses.keys()]);
  });
  return { wb, writtenAt, batches };
}

/** Marks an access every `everyMs` from now until `untilMs` (fake ms after the start), scheduling a batch each time as the worker does. */
async function hitsEvery(wb: WriteBehind, everyMs: number, untilMs: number, t0: number): Promise<void> {
  for (let k = 0; Date.now() - t0 < untilMs; k++) {
    wb.markAccess(`/img/${k}.png`, Date.now());
    void wb.soon();
    await vi.advanceTimersByTimeAsync(everyMs);
  }
}

describe('the write-behind batch waits for a pause in the hits', () => {
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_000_000 }));
  afterEach(() => void vi.useRealTimers());

  it('isWrittenAfterItsDelayWhenNoHitComesInItsLastQuietWindow', async () => {
    const { wb, writtenAt, batches } = recorder();
    wb.markAccess('/img/a.png', Date.now());
    const done = wb.soon();
    await vi.advanceTimersByTimeAsync(DELAY_MS - 1);
    expect(writtenAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await done;
    expect(writtenAt).toEqual([DELAY_MS]);
    expect(batches).toEqual([['/img/a.png']]);
  });

  it('waitsWhileHitsKeepComingAndIsWrittenOnceAQuietWindowPassesWithoutOne', async () => {
    const t0 = Date.now();
    const { wb, writtenAt, batches } = recorder();
    // A hit every 20 ms for 1.5 s: past the delay, inside the deferral cap.
    await hitsEvery(wb, 20, 1500, t0);
    expect(writtenAt).toEqual([]); // not at DELAY_MS, in the middle of the burst
    await vi.advanceTimersByTimeAsync(2 * QUIET_MS);
    expect(writtenAt).toHaveLength(1);
    // After the last hit (at ~1,500 ms), within two quiet windows (the pause is seen at a window's end).
    expect(writtenAt[0]).toBeGreaterThanOrEqual(1500);
    expect(writtenAt[0]).toBeLessThanOrEqual(1500 + 2 * QUIET_MS);
    expect(batches[0]).toHaveLength(75);
  });

  it('isWrittenAtMostMaxDeferDelaysAfterItWasScheduledUnderASteadyStreamOfHits', async () => {
    const t0 = Date.now();
    const { wb, writtenAt } = recorder();
    await hitsEvery(wb, 20, 3 * MAX_DEFER_DELAYS * DELAY_MS, t0);
    // Batches keep being written during the stream, each at most MAX_DEFER_DELAYS delays after the previous.
    expect(writtenAt.length).toBeGreaterThanOrEqual(2);
    expect(writtenAt[0]).toBeLessThanOrEqual(MAX_DEFER_DELAYS * DELAY_MS);
    for (let i = 1; i < writtenAt.length; i++) expect(writtenAt[i]! - writtenAt[i - 1]!).toBeLessThanOrEqual(MAX_DEFER_DELAYS * DELAY_MS + 20);
  });

  it('usesTheDelayAsItsQuietWindowWhenTheDelayIsShorter', async () => {
    const { wb, writtenAt } = recorder(50);
    wb.markAccess('/img/a.png', Date.now());
    const done = wb.soon();
    await vi.advanceTimersByTimeAsync(50);
    await done;
    expect(writtenAt).toEqual([50]);
  });
});
