/**
 * The recovery planner: pure code (no `caches`, `indexedDB`, `Date.now()`), tested as a table in
 * `test/unit/storage/planRecovery.test.ts`. The cache gathers the facts from both stores, this
 * decides, and the cache carries the plan out (deletes first, then rewrites), so a worker killed
 * half-way through recovery leaves stores the next recovery plans from again.
 *
 * The rules (the storage header in `ImageCache.ts` explains why each holds):
 * - a record without a body is dropped (killed after the pending record, before its body);
 * - a `pending` record whose body has exactly `bytes` bytes is committed (killed between the body
 *   write and the commit); with a body of another length, both are deleted;
 * - a body without a record is deleted (a victim whose body delete had not run yet);
 * - a stale (expired) entry is kept, unless it is past its grace period (`maxStaleSeconds` after
 *   `expiresAt`): then it expires (record and body deleted, reason `expire`);
 * - a record claiming freshness beyond `now + maxAgeSeconds` of its route is capped and rewritten
 *   (clock sanity, {@link RecoveryFacts.clockSanity});
 * - a body found in both caches of the fresh/stale split (`staleStore.ts`: a move cut short) keeps
 *   its routed copy; the stale copy is deleted (`deleteStaleCopies`);
 * - the survivors are loaded in recency order (least recently used first).
 * @internal
 */
import { isPastStaleGrace, recencyOrder, type ClockSanity } from '../policy/freshness.ts';
import type { Milliseconds, Seconds } from '../policy/types.ts';
import type { EntryRecord } from './EntryMetadataModel.ts';

/** What recovery read from the stores. */
export interface RecoveryFacts {
  /** Every metadata record. */
  records: readonly EntryRecord[];
  /** Every URL with a body in Cache Storage (`keys()`, confirmed by a lookup for records it missed). */
  bodies: ReadonlySet<string>;
  /** The measured body length of each `pending` record that has a body (opaque: its `bytes`). */
  pendingBodyBytes: ReadonlyMap<string, number>;
  /** URLs whose body is in both caches of the fresh/stale split (`staleStore.ts`). @default none */
  staleCopies?: ReadonlySet<string>;
  /** The time of recovery, ms since epoch. */
  nowMs: Milliseconds;
  /** Grace period of stale entries, seconds (`0`: kept until evicted). */
  maxStaleSeconds: Seconds;
  /** Clock sanity: a record as trusted at `nowMs` (capped at its route's `maxAgeSeconds` from now). */
  clockSanity: ClockSanity;
}

/** What recovery does. */
export interface RecoveryPlan {
  /** Records to delete (no body, or a rolled-back pending write). */
  dropRecords: string[];
  /** Bodies to delete (orphans, and bodies of rolled-back pending writes). */
  deleteBodies: string[];
  /** Entries past their stale grace period: record and body deleted, reason `expire`. */
  expire: string[];
  /** Surviving entries whose body is in both caches of the split: their stale copy is deleted. */
  deleteStaleCopies: string[];
  /** Records to rewrite: pending ones now committed, and capped ones. */
  rewrite: EntryRecord[];
  /** The surviving committed records, least recently used first, as they are to be loaded. */
  keep: EntryRecord[];
  committedPending: number;
  rolledBackPending: number;
  deletedOrphanBodies: number;
  /** Records whose freshness was capped (clock sanity). */
  capped: number;
}

/** Decides what recovery does with what it found (see the module doc for the rules). */
export function planRecovery(facts: RecoveryFacts): RecoveryPlan {
  const plan: RecoveryPlan = {
    dropRecords: [],
    deleteBodies: [],
    expire: [],
    deleteStaleCopies: [],
    rewrite: [],
    keep: [],
    committedPending: 0,
    rolledBackPending: 0,
    deletedOrphanBodies: 0,
    capped: 0,
  };
  const survivors: Array<EntryRecord & { key: string }> = [];
  for (const r of facts.records) {
    if (!facts.bodies.has(r.url)) {
      plan.dropRecords.push(r.url);
      if (r.state === 'pending') plan.rolledBackPending++;
      continue;
    }
    let record = r;
    let rewrite = false;
    if (r.state === 'pending') {
      if (facts.pendingBodyBytes.get(r.url) !== r.bytes) {
        plan.dropRecords.push(r.url);
        plan.deleteBodies.push(r.url);
        plan.rolledBackPending++;
        continue;
      }
      record = { ...r, state: 'committed' };
      plan.committedPending++;
      rewrite = true;
    }
    const capped = facts.clockSanity(record, facts.nowMs);
    if (capped !== record) {
      plan.capped++;
      record = capped;
      rewrite = true;
    }
    if (isPastStaleGrace(record.expiresAt, facts.nowMs, facts.maxStaleSeconds)) {
      plan.expire.push(record.url);
      continue;
    }
    if (rewrite) plan.rewrite.push(record);
    if (facts.staleCopies?.has(record.url)) plan.deleteStaleCopies.push(record.url);
    survivors.push({ ...record, key: record.url });
  }
  const known = new Set(facts.records.map((r) => r.url));
  for (const url of facts.bodies) {
    if (!known.has(url)) {
      plan.deleteBodies.push(url);
      plan.deletedOrphanBodies++;
    }
  }
  plan.keep = recencyOrder(survivors).map(({ key: _key, ...record }) => record);
  return plan;
}
