/**
 * The recovery planner as a table: stores' contents and `nowMs` in, the exact plan out.
 */
import { describe, expect, it } from 'vitest';
import type { EntryRecord } from '../../../sw/storage/EntryMetadataModel.ts';
import { planRecovery, type RecoveryPlan } from '../../../sw/storage/planRecovery.ts';
import { capFreshness } from '../../../sw/policy/freshness.ts';

const NOW = 1_000_000_000;
const DAY = 86_400_000;

function r(url: string, over: Partial<EntryRecord> = {}): EntryRecord {
  return {
    url,
    bytes: 10,
    state: 'committed',
    storedAt: NOW - DAY,
    lastAccessedAt: NOW - DAY,
    accessSeq: 1,
    expiresAt: NOW + DAY,
    kind: 'runtime',
    revision: null,
    contentType: 'image/png',
    etag: null,
    lastModified: null,
    ...over,
  };
}

interface Row {
  name: string;
  records: EntryRecord[];
  bodies: string[];
  pending?: Record<string, number>;
  /** Bodies found in both caches of the fresh/stale split (staleStore.ts). */
  staleCopies?: string[];
  maxStaleSeconds?: number;
  maxAgeSeconds?: number;
  expect: Partial<Omit<RecoveryPlan, 'keep' | 'rewrite'>> & { keep?: string[]; rewrite?: Array<Partial<EntryRecord>> };
}

const table: Row[] = [
  {
    name: 'keepsARecordWithItsBody',
    records: [r('a')],
    bodies: ['a'],
    expect: { keep: ['a'], dropRecords: [], deleteBodies: [], expire: [], rewrite: [] },
  },
  {
    name: 'dropsMetadataWithoutBody',
    records: [r('a'), r('b', { state: 'pending' })],
    bodies: [],
    expect: { keep: [], dropRecords: ['a', 'b'], rolledBackPending: 1, deleteBodies: [] },
  },
  {
    name: 'deletesABodyWithoutMetadata',
    records: [],
    bodies: ['orphan'],
    expect: { keep: [], deleteBodies: ['orphan'], deletedOrphanBodies: 1 },
  },
  {
    name: 'commitsAPendingRecordWhoseBodyHasExactlyItsBytes',
    records: [r('a', { state: 'pending' })],
    bodies: ['a'],
    pending: { a: 10 },
    expect: { keep: ['a'], committedPending: 1, rewrite: [{ url: 'a', state: 'committed' }] },
  },
  {
    name: 'rollsBackAPendingRecordWithAShortBody',
    records: [r('a', { state: 'pending' })],
    bodies: ['a'],
    pending: { a: 7 },
    expect: { keep: [], dropRecords: ['a'], deleteBodies: ['a'], rolledBackPending: 1 },
  },
  {
    // Pipelined fills: a kill leaves several pending writes at once, each at its own step (body not
    // yet landed, landed, landed short of a streamed Content-Length), beside a victim whose body
    // delete had not run and the body of a write abandoned by a delete (its record already gone).
    name: 'decidesEachOfSeveralPendingWritesOnItsOwn',
    records: [r('kept'), r('p-none', { state: 'pending' }), r('p-landed', { state: 'pending' }), r('p-short', { state: 'pending', bytes: 100 })],
    bodies: ['kept', 'p-landed', 'p-short', 'victim', 'abandoned'],
    pending: { 'p-landed': 10, 'p-short': 60 },
    expect: {
      keep: ['kept', 'p-landed'],
      dropRecords: ['p-none', 'p-short'],
      deleteBodies: ['p-short', 'victim', 'abandoned'],
      committedPending: 1,
      rolledBackPending: 2,
      deletedOrphanBodies: 2,
      rewrite: [{ url: 'p-landed', state: 'committed' }],
    },
  },
  {
    name: 'keepsAStaleEntryWithinItsGracePeriod',
    records: [r('a', { expiresAt: NOW - 1000 })],
    bodies: ['a'],
    maxStaleSeconds: 2,
    expect: { keep: ['a'], expire: [] },
  },
  {
    name: 'expiresAStaleEntryExactlyAtTheEndOfItsGracePeriod',
    records: [r('a', { expiresAt: NOW - 2000 })],
    bodies: ['a'],
    maxStaleSeconds: 2,
    expect: { keep: [], expire: ['a'] },
  },
  {
    name: 'keepsStaleEntriesForeverWhenMaxStaleSecondsIsZero',
    records: [r('a', { expiresAt: NOW - 365 * DAY })],
    bodies: ['a'],
    maxStaleSeconds: 0,
    expect: { keep: ['a'], expire: [] },
  },
  {
    name: 'capsARecordStoredInTheFuture',
    records: [r('a', { storedAt: NOW + 365 * DAY, expiresAt: NOW + 372 * DAY })],
    bodies: ['a'],
    maxAgeSeconds: 60,
    expect: { keep: ['a'], capped: 1, rewrite: [{ url: 'a', storedAt: NOW, expiresAt: NOW + 60_000 }] },
  },
  {
    name: 'loadsSurvivorsLeastRecentlyUsedFirst',
    records: [r('a', { lastAccessedAt: NOW - 1 }), r('b', { lastAccessedAt: NOW - 3 }), r('c', { lastAccessedAt: NOW - 1, accessSeq: 0 })],
    bodies: ['a', 'b', 'c'],
    expect: { keep: ['b', 'c', 'a'] },
  },
  // The fresh/stale split (issue 16): a worker killed between the two steps of a move.
  {
    name: 'keepsTheRoutedCopyOfABodyFoundInBothCaches',
    records: [r('a', { expiresAt: NOW + 1000 }), r('b')],
    bodies: ['a', 'b'],
    staleCopies: ['a'],
    expect: { keep: ['a', 'b'], deleteStaleCopies: ['a'], deleteBodies: [], dropRecords: [] },
  },
  {
    name: 'commitsAPendingPutKilledBeforeItsStaleCopyWentAndDeletesThatCopy',
    records: [r('a', { state: 'pending', bytes: 12 })],
    bodies: ['a'],
    pending: { a: 12 },
    staleCopies: ['a'],
    expect: { keep: ['a'], committedPending: 1, deleteStaleCopies: ['a'] },
  },
  {
    name: 'deletesBothCopiesOfAnOrphanBody',
    records: [],
    bodies: ['orphan'],
    staleCopies: ['orphan'],
    expect: { keep: [], deleteBodies: ['orphan'], deleteStaleCopies: [] },
  },
  {
    name: 'expiresAnEntryPastItsGraceWhateverCacheHoldsIt',
    records: [r('a', { expiresAt: NOW - 3000 })],
    bodies: ['a'],
    staleCopies: ['a'],
    maxStaleSeconds: 2,
    expect: { keep: [], expire: ['a'], deleteStaleCopies: [] },
  },
  {
    name: 'leavesABodyOnlyInTheStaleStoreWhereItIs',
    records: [r('a', { expiresAt: NOW - 1000 })],
    bodies: ['a'],
    expect: { keep: ['a'], deleteStaleCopies: [], deleteBodies: [] },
  },
];

describe('planRecovery', () => {
  it.each(table)('$name', (row) => {
    const plan = planRecovery({
      records: row.records,
      bodies: new Set(row.bodies),
      pendingBodyBytes: new Map(Object.entries(row.pending ?? {})),
      staleCopies: new Set(row.staleCopies ?? []),
      nowMs: NOW,
      maxStaleSeconds: row.maxStaleSeconds ?? 30 * 86_400,
      clockSanity: (r, now) => capFreshness(r, now, row.maxAgeSeconds ?? 7 * 86_400),
    });
    const { keep, rewrite, ...rest } = row.expect;
    if (keep) expect(plan.keep.map((x) => x.url)).toEqual(keep);
    if (rewrite) {
      expect(plan.rewrite.length).toBe(rewrite.length);
      rewrite.forEach((w, i) => expect(plan.rewrite[i]).toMatchObject(w));
    }
    expect(plan).toMatchObject(rest);
  });
});
