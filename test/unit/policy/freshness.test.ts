import { describe, expect, it } from 'vitest';
import { ageSeconds, expiresAtMs, findExpired, isFresh, recencyOrder } from '../../../sw/policy/index.ts';

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
