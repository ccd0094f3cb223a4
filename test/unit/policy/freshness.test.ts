import { describe, expect, it } from 'vitest';
import { ageSeconds, capFreshness, chooseStaleVictims, expiresAtMs, findExpired, isFresh, isPastStaleGrace, recencyOrder } from '../../../sw/policy/index.ts';
import { capFreshnessWithin, lifetimeFloorSeconds, ownLifetimeSanity } from '../../../sw/policy/freshness.ts';

const T = 1_700_000_000_000;

describe('freshness', () => {
  it.each([
    { storedAt: T, maxAgeSeconds: 60, expiresAt: T + 60_000 },
    { storedAt: T, maxAgeSeconds: 1, expiresAt: T + 1000 },
    { storedAt: T, maxAgeSeconds: 0.5, expiresAt: T + 500 },
    { storedAt: T, maxAgeSeconds: 0, expiresAt: Number.POSITIVE_INFINITY },
  ])('expiresAtMs($storedAt, $maxAgeSeconds s) = $expiresAt', ({ storedAt, maxAgeSeconds, expiresAt }) => {
    expect(expiresAtMs(storedAt, maxAgeSeconds)).toBe(expiresAt);
  });

  it.each([
    { now: T + 60_000 - 1, fresh: true },
    { now: T + 60_000, fresh: false },
    { now: T + 60_001, fresh: false },
    { now: T, fresh: true },
  ])('isFreshAtTheBoundary: now = $now → $fresh', ({ now, fresh }) => {
    expect(isFresh(expiresAtMs(T, 60), now)).toBe(fresh);
  });

  it('maxAgeSeconds0NeverExpires', () => {
    const expiresAt = expiresAtMs(T, 0);
    expect(isFresh(expiresAt, Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(findExpired([{ key: 'a', expiresAt }], Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it.each([
    { now: T - 5000, age: 0 },
    { now: T, age: 0 },
    { now: T + 999, age: 0 },
    { now: T + 1000, age: 1 },
    { now: T + 61_500, age: 61 },
  ])('ageSecondsFloorsAndIsNeverNegative: now = $now → $age', ({ now, age }) => {
    expect(ageSeconds(T, now)).toBe(age);
  });

  it('findExpiredListsExpiredEntriesInInputOrderWithReasonExpire', () => {
    const entries = [
      { key: 'c', expiresAt: T + 1 },
      { key: 'a', expiresAt: T },
      { key: 'b', expiresAt: T - 10 },
      { key: 'd', expiresAt: Number.POSITIVE_INFINITY },
    ];
    expect(findExpired(entries, T)).toEqual([
      { key: 'a', reason: 'expire' },
      { key: 'b', reason: 'expire' },
    ]);
  });

  it('recencyOrderSortsByLastAccessThenStoredAtThenKeyWithoutMutatingItsInput', () => {
    const entries = [
      { key: 'd', lastAccessedAt: 5, storedAt: 1 },
      { key: 'c', lastAccessedAt: 3, storedAt: 2 },
      { key: 'b', lastAccessedAt: 3, storedAt: 2 },
      { key: 'a', lastAccessedAt: 3, storedAt: 4 },
      { key: 'e', lastAccessedAt: 1, storedAt: 9 },
    ];
    const copy = structuredClone(entries);
    expect(recencyOrder(entries).map((e) => e.key)).toEqual(['e', 'b', 'c', 'a', 'd']);
    expect(entries).toEqual(copy);
  });
});

describe('clock sanity and stale grace (issue 9 items 2 and 4)', () => {
  it.each([
    { name: 'normalRecordUnchanged', storedAt: T - 10_000, expiresAt: T + 50_000, maxAge: 60, out: { storedAt: T - 10_000, expiresAt: T + 50_000 } },
    { name: 'storedInTheFutureIsCappedAtNowPlusMaxAge', storedAt: T + 365 * 86_400_000, expiresAt: T + 366 * 86_400_000, maxAge: 60, out: { storedAt: T, expiresAt: T + 60_000 } },
    { name: 'lifetimeLongerThanTheRoutesIsCapped', storedAt: T, expiresAt: T + 86_400_000, maxAge: 60, out: { storedAt: T, expiresAt: T + 60_000 } },
    { name: 'exactlyAtTheCapUnchanged', storedAt: T, expiresAt: T + 60_000, maxAge: 60, out: { storedAt: T, expiresAt: T + 60_000 } },
    { name: 'maxAgeZeroCapsOnlyStoredAt', storedAt: T + 1000, expiresAt: Number.POSITIVE_INFINITY, maxAge: 0, out: { storedAt: T, expiresAt: Number.POSITIVE_INFINITY } },
  ])('capFreshness: $name', ({ storedAt, expiresAt, maxAge, out }) => {
    const record = { storedAt, expiresAt };
    const capped = capFreshness(record, T, maxAge);
    expect(capped).toEqual(out);
    if (out.storedAt === storedAt && out.expiresAt === expiresAt) expect(capped).toBe(record);
  });

  it('capFreshnessWithin gives what capFreshness gives, asking the route only beyond the floor', () => {
    // Every combination of a record's times around the floor and the caps of the routes >= it.
    const floor = 60;
    const times = [T - 86_400_000, T - 1, T, T + 1, T + 59_999, T + 60_000, T + 60_001, T + 120_000, Number.POSITIVE_INFINITY];
    let asked = 0;
    let skipped = 0;
    for (const storedAt of times.filter(Number.isFinite)) {
      for (const expiresAt of times) {
        for (const maxAge of [0, floor, 61, 3600]) {
          const record = { storedAt, expiresAt };
          let calls = 0;
          const out = capFreshnessWithin(record, T, floor, () => (calls++, maxAge));
          expect(out).toEqual(capFreshness(record, T, maxAge));
          if (out === record || calls > 0) expect(out === record).toBe(capFreshness(record, T, maxAge) === record);
          const within = storedAt <= T && expiresAt <= T + floor * 1000;
          expect(calls).toBe(within ? 0 : 1);
          if (within) skipped++;
          else asked++;
        }
      }
    }
    expect(skipped).toBeGreaterThan(0);
    expect(asked).toBeGreaterThan(0);
    // No floor known: every record is asked; Infinity (no route expires): only a future storedAt is.
    let calls = 0;
    capFreshnessWithin({ storedAt: T - 1, expiresAt: T + 1 }, T, 0, () => (calls++, 60));
    expect(calls).toBe(1);
    calls = 0;
    capFreshnessWithin({ storedAt: T - 1, expiresAt: Number.POSITIVE_INFINITY }, T, Number.POSITIVE_INFINITY, () => (calls++, 0));
    expect(calls).toBe(0);
    expect(capFreshnessWithin({ storedAt: T + 5, expiresAt: Number.POSITIVE_INFINITY }, T, Number.POSITIVE_INFINITY, () => 0)).toEqual({ storedAt: T, expiresAt: Number.POSITIVE_INFINITY });
  });

  it('ownLifetimeSanity (no routes) caps as each record\'s own lifetime does, and trusts every record stored by now', () => {
    const sanity = ownLifetimeSanity();
    // The wake skips every record stored by now, whatever its expiry.
    expect(sanity.trustedUntil?.(T)).toBe(Number.POSITIVE_INFINITY);
    const times = [T - 86_400_000, T - 1, T, T + 1, T + 60_000, T + 86_400_000, Number.POSITIVE_INFINITY];
    let capped = 0;
    for (const storedAt of times.filter(Number.isFinite)) {
      for (const expiresAt of times.filter((t) => t >= storedAt)) {
        const record = { url: '/a.png', storedAt, expiresAt };
        const own = Number.isFinite(expiresAt) ? (expiresAt - storedAt) / 1000 : 0;
        const out = sanity(record, T);
        // Exactly what asking the record's own lifetime gives, unchanged (same object) when stored by now.
        expect(out).toEqual(capFreshness(record, T, own));
        if (storedAt <= T) expect(out).toBe(record);
        else {
          capped++;
          expect(out.storedAt).toBe(T);
        }
      }
    }
    expect(capped).toBeGreaterThan(0);
  });

  it.each([
    [[604_800, 86_400, 3600], 3600],
    [[604_800, 0, 86_400], 86_400],
    [[0, 0], Number.POSITIVE_INFINITY],
    [[604_800], 604_800],
  ])('lifetimeFloorSeconds(%j) is %d: the shortest lifetime other than 0 (never expires)', (lifetimes, floor) => {
    expect(lifetimeFloorSeconds(lifetimes)).toBe(floor);
  });

  it.each([
    { expiresAt: T, now: T + 59_999, maxStale: 60, past: false },
    { expiresAt: T, now: T + 60_000, maxStale: 60, past: true },
    { expiresAt: T, now: T + 10 * 365 * 86_400_000, maxStale: 0, past: false },
    { expiresAt: Number.POSITIVE_INFINITY, now: T, maxStale: 1, past: false },
  ])('isPastStaleGrace(expiresAt $expiresAt, now $now, $maxStale s) = $past', ({ expiresAt, now, maxStale, past }) => {
    expect(isPastStaleGrace(expiresAt, now, maxStale)).toBe(past);
  });

  it.each([
    { name: 'nothingNeededNothingChosen', needBytes: 0, needEntries: 0, out: [] },
    { name: 'staleInOrderUntilEnoughBytes', needBytes: 15, needEntries: 0, out: ['s1', 's2'] },
    { name: 'oneStaleForOneEntry', needBytes: -5, needEntries: 1, out: ['s1'] },
    { name: 'everyStaleWhenNotEnough', needBytes: 1000, needEntries: 0, out: ['s1', 's2', 's3'] },
  ])('chooseStaleVictims: $name', ({ needBytes, needEntries, out }) => {
    const entries = [
      { key: 'f1', bytes: 10, expiresAt: T + 1 },
      { key: 's1', bytes: 10, expiresAt: T },
      { key: 'f2', bytes: 10, expiresAt: Number.POSITIVE_INFINITY },
      { key: 's2', bytes: 10, expiresAt: T - 1 },
      { key: 's3', bytes: 10, expiresAt: T - 1000 },
    ];
    expect(chooseStaleVictims(entries, T, needBytes, needEntries)).toEqual(out);
  });
});
