/**
 * The seeds' freshness patterns as pure functions (issue 11 item 3): staggered TTL, response
 * freshness (RFC 9111 §4.2.1), the stale-while-revalidate window (RFC 5861). Tables of inputs and
 * exact outputs; the clock and the random number are arguments.
 */
import { describe, expect, it } from 'vitest';
import {
  expiresAtMs,
  isFresh,
  isWithinStaleWhileRevalidate,
  lifetimeSeconds,
  STALE_AT_ONCE_SECONDS,
} from '../../../sw/policy/freshness.ts';
import { parseCacheControl, responseLifetimeSeconds } from '../../../sw/policy/responseLifetimeSeconds.ts';

const NOW = 1_700_000_000_000;
const h = (fields: Record<string, string>) => new Headers(fields);

describe('maxAgeJitter (staggered TTL)', () => {
  it.each([
    // maxAgeSeconds, jitter, r, expected lifetime (s)
    [1000, 0, 0.9, 1000],
    [1000, 0.1, 0, 1000],
    [1000, 0.1, 0.5, 950],
    [1000, 0.1, 0.999, 900.1],
    [1000, 1, 0.25, 750],
    [3600, 0.2, 0.123456, 3511.112], // 3 511 111.68 ms, rounded to whole ms,
    [0, 0.5, 0.5, 0], // never expires stays never
  ])('maxAge %d s, jitter %d, r %d → %d s', (maxAgeSeconds, maxAgeJitter, random, expected) => {
    expect(lifetimeSeconds({ maxAgeSeconds, maxAgeJitter, random, nowMs: NOW })).toBe(expected);
  });

  it('spreadsTheExpiriesOfEntriesStoredTogether', () => {
    const randoms = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    const expiries = randoms.map((random) => expiresAtMs(NOW, lifetimeSeconds({ maxAgeSeconds: 600, maxAgeJitter: 0.5, random, nowMs: NOW })));
    expect(new Set(expiries).size).toBe(10);
    expect(Math.max(...expiries)).toBe(NOW + 600_000);
    expect(Math.min(...expiries)).toBe(NOW + 330_000); // 600 × (1 − 0.5 × 0.9)
  });

  it('neverLetsATinyLifetimeRoundToNeverExpires', () => {
    expect(lifetimeSeconds({ maxAgeSeconds: 1, maxAgeJitter: 1, random: 0.99999999, nowMs: NOW })).toBe(0.001);
  });
});

describe('responseLifetimeSeconds (RFC 9111 §4.2.1)', () => {
  it.each<[Record<string, string>, number | null]>([
    [{}, null],
    [{ 'cache-control': 'public' }, null],
    [{ 'cache-control': 'max-age=300' }, 300],
    [{ 'cache-control': 'public, MAX-AGE=300, s-maxage=9000' }, 300],
    [{ 'cache-control': 's-maxage=9000' }, null],
    [{ 'cache-control': 'max-age=300, max-age=5' }, 300], // first occurrence
    [{ 'cache-control': 'max-age=abc' }, 0],
    [{ 'cache-control': 'max-age=0' }, 0],
    [{ 'cache-control': 'no-cache' }, 0],
    [{ 'cache-control': 'no-cache="set-cookie, x-a", max-age=600' }, 0],
    [{ 'cache-control': 'max-age=300', age: '100' }, 200],
    [{ 'cache-control': 'max-age=300', age: '400' }, 0],
    [{ 'cache-control': 'max-age=300', expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }, 300], // max-age wins
    [{ expires: new Date(NOW + 120_000).toUTCString() }, 120], // Date absent: the time of receipt
    [{ expires: 'Tue, 14 Nov 2023 22:15:20 GMT', date: 'Tue, 14 Nov 2023 22:13:20 GMT' }, 120],
    [{ expires: 'Tue, 14 Nov 2023 22:13:20 GMT', date: 'Tue, 14 Nov 2023 22:15:20 GMT' }, 0],
    [{ expires: '0' }, 0], // invalid: in the past (§5.3)
  ])('%j → %s', (fields, expected) => {
    expect(responseLifetimeSeconds(h(fields), NOW)).toBe(expected);
  });

  it('parsesQuotedValuesWithCommas', () => {
    expect([...parseCacheControl('private="a, b", max-age=5, no-transform')]).toEqual([
      ['private', 'a, b'],
      ['max-age', '5'],
      ['no-transform', null],
    ]);
  });
});

describe('freshness: "response"', () => {
  const life = (fields: Record<string, string>, maxAgeSeconds = 3600, maxAgeJitter = 0) =>
    lifetimeSeconds({ maxAgeSeconds, freshness: 'response', headers: h(fields), nowMs: NOW, maxAgeJitter, random: 0.5 });

  it.each<[Record<string, string>, number, number]>([
    [{ 'cache-control': 'max-age=60' }, 3600, 60],
    [{ 'cache-control': 'max-age=86400' }, 3600, 3600], // capped by the route
    [{ 'cache-control': 'max-age=86400' }, 0, 86400], // route never expires: no cap
    [{}, 3600, 3600], // declares nothing: the route's
  ])('%j with maxAgeSeconds %d → %d s', (fields, maxAgeSeconds, expected) => {
    expect(life(fields, maxAgeSeconds)).toBe(expected);
  });

  it('isStaleAtOnceForNoCacheAndMaxAgeZero', () => {
    for (const cc of ['no-cache', 'max-age=0']) {
      const lifetime = life({ 'cache-control': cc });
      expect(lifetime).toBe(STALE_AT_ONCE_SECONDS);
      expect(lifetime).toBeGreaterThan(0); // not "never expires"
      expect(isFresh(expiresAtMs(NOW, lifetime), NOW)).toBe(false);
    }
  });

  it('isJitteredAfterTheCap', () => {
    expect(life({ 'cache-control': 'max-age=86400' }, 3600, 0.5)).toBe(2700);
    expect(life({ 'cache-control': 'no-cache' }, 3600, 0.5)).toBe(STALE_AT_ONCE_SECONDS);
  });

  it('isIgnoredWithFreshnessConfig', () => {
    expect(lifetimeSeconds({ maxAgeSeconds: 3600, freshness: 'config', headers: h({ 'cache-control': 'no-cache' }), nowMs: NOW })).toBe(3600);
  });
});

describe('isWithinStaleWhileRevalidate (RFC 5861 §3)', () => {
  const expiresAt = NOW;
  it.each([
    [NOW - 1, 60, false], // still fresh
    [NOW, 60, true], // expired at exactly expiresAt
    [NOW + 59_999, 60, true],
    [NOW + 60_000, 60, false], // window over
    [NOW + 1, 0, false], // off
  ])('at %d with a %d s window → %s', (nowMs, seconds, expected) => {
    expect(isWithinStaleWhileRevalidate(expiresAt, nowMs, seconds)).toBe(expected);
  });
  it('neverAppliesToAnEntryThatNeverExpires', () => {
    expect(isWithinStaleWhileRevalidate(Number.POSITIVE_INFINITY, NOW, 60)).toBe(false);
  });
});
