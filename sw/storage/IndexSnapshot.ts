/**
 * The index snapshot: the whole in-memory index in ONE IndexedDB value (store `state`, key
 * `snapshot`), so a waking worker loads it with one `get` instead of reading n records. Written
 * behind (after mutations settle, never on a hit's path); the per-entry records stay the truth.
 *
 * Provably current or ignored: every write to the `entries` store also writes a new generation
 * token (store `state`, key `generation`) in the same transaction, and a snapshot carries the token
 * that was current when it was written (read in the transaction that writes it). On wake, a
 * snapshot whose token differs from the stored one is ignored and recovery reads the records. Only
 * the recency write-behind (access times) does not change the token: a snapshot may hold older
 * access times than the records, which only costs LRU accuracy (DESIGN.md §4, invariant 4).
 * The token proves the snapshot's contents only if its writer's index saw every change: a
 * connection that finds the token changed by another one (two workers of one origin during an
 * update) writes no snapshot until it has read the records again (`EntryMetadataModel`).
 *
 * Layout (parallel columns, in eviction order, least recently used first): `urls` as one array of
 * strings (structured clone gives each back as its own flat string), numbers as `Float64Array`s,
 * flags as a `Uint8Array`, content types interned (`types` + `typeIds`), the rare strings sparse.
 * Size: about the URLs' length plus 27 bytes per entry.
 *
 * Why not `urls` as ONE string joined by `\n` (tried 2026-12-03, Chromium 156, 100,000 entries of
 * ~38-character URLs): `structuredClone` alone is about 3x faster that way (median 24 ms against
 * 80 ms), but the IndexedDB `get` of the snapshot did not get faster (80 interleaved pairs in a
 * page: median 104 ms joined against 101 ms as an array), nor did building a `Map` of the keys
 * (23 ms either way), and `split` adds 2 to 4 ms. What a large IndexedDB value costs to read is
 * its size (about 15 ms per MB: the numeric columns alone, 2.7 MB, 42 ms; the joined URLs as bytes,
 * 3.8 MB, 59 ms), not its number of strings. The joined form would also cost memory: `split`
 * returns V8 sliced strings that keep the whole joined string alive (12 B more per entry in
 * `test/helpers/indexMemory.ts`, 148 against 136 B, and the snapshot's URLs held until its last
 * key leaves the index). In the worker it was slower: `test/bench/wake.ts` at 100,200 entries,
 * builds interleaved on a quiet machine, median snapshot wake 274 ms joined against 226 ms as an
 * array (12 wakes each). Fewer bytes are what would make the read faster.
 *
 * Why not the keys' shared origin stored once (tried 2026-12-03, same tool and entries: ~2.2 MB
 * fewer bytes, the keys rebuilt as `prefix + rest` on wake): slower, median snapshot wake about
 * 300 ms against 223 ms (10 and 11 snapshot wakes, two runs per build alternated on one
 * profile); the rebuilt keys are V8 cons strings, flattened again when the index hashes them.
 * @internal
 */
import type { Bytes, Milliseconds } from '../policy/types.ts';

/** Current {@link IndexSnapshot.format}; a snapshot of another format is ignored. */
export const SNAPSHOT_FORMAT = 1;

/** Flag bits of {@link IndexSnapshot.flags}. */
export const FLAG_PRECACHE = 1;
/** The entry's body is opaque (`EntryRecord.opaque`). */
export const FLAG_OPAQUE = 2;

/** One stored snapshot (IndexedDB value, structured-cloned). */
export interface IndexSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  /** The generation token current when it was written (see the module doc). */
  generation: string;
  /** The Cache Storage cache the bodies were in. */
  cacheName: string;
  /** The recency counter of the table that wrote it. */
  accessSeq: number;
  /** Entry keys, least recently used first. */
  urls: string[];
  /** Per entry, bytes. */
  bytes: Float64Array;
  /** Per entry, ms since epoch. */
  storedAt: Float64Array;
  /** Per entry, ms since epoch (`Infinity`: never expires). */
  expiresAt: Float64Array;
  /** Per entry: {@link FLAG_PRECACHE}, {@link FLAG_OPAQUE}. */
  flags: Uint8Array;
  /** Per entry, an index into {@link IndexSnapshot.types}. */
  typeIds: Uint16Array;
  /** The distinct content types. */
  types: string[];
  /** Sparse: `[entry index, revision]` of entries that have one (precached). */
  revisions: Array<[number, string]>;
}

/** The columns of one entry as the snapshot codec reads and writes them. */
export interface SnapshotEntry {
  url: string;
  bytes: Bytes;
  storedAt: Milliseconds;
  expiresAt: Milliseconds;
  flags: number;
  contentType: string;
  revision: string | null;
}

/** Builds a snapshot of `count` entries given in eviction order (least recently used first). */
export function encodeSnapshot(
  entries: Iterable<SnapshotEntry>,
  count: number,
  head: { generation: string; cacheName: string; accessSeq: number },
): IndexSnapshot {
  const urls = new Array<string>(count);
  const bytes = new Float64Array(count);
  const storedAt = new Float64Array(count);
  const expiresAt = new Float64Array(count);
  const flags = new Uint8Array(count);
  const typeIds = new Uint16Array(count);
  const types: string[] = [];
  const typeIndex = new Map<string, number>();
  const revisions: Array<[number, string]> = [];
  let i = 0;
  for (const e of entries) {
    if (i === count) throw new RangeError(`encodeSnapshot: more than ${count} entries`);
    urls[i] = e.url;
    bytes[i] = e.bytes;
    storedAt[i] = e.storedAt;
    expiresAt[i] = e.expiresAt;
    flags[i] = e.flags;
    let t = typeIndex.get(e.contentType);
    if (t === undefined) {
      t = types.length;
      if (t > 0xffff) throw new RangeError('encodeSnapshot: more than 65536 content types');
      types.push(e.contentType);
      typeIndex.set(e.contentType, t);
    }
    typeIds[i] = t;
    if (e.revision !== null) revisions.push([i, e.revision]);
    i++;
  }
  if (i !== count) throw new RangeError(`encodeSnapshot: ${i} entries, expected ${count}`);
  return { format: SNAPSHOT_FORMAT, ...head, urls, bytes, storedAt, expiresAt, flags, typeIds, types, revisions };
}

/** Whether `value` is a well-formed snapshot of the current format (a damaged or older one is ignored). */
export function isSnapshot(value: unknown): value is IndexSnapshot {
  const s = value as IndexSnapshot | undefined;
  if (!s || s.format !== SNAPSHOT_FORMAT || !Array.isArray(s.urls) || typeof s.generation !== 'string') return false;
  const n = s.urls.length;
  return (
    s.bytes instanceof Float64Array &&
    s.bytes.length === n &&
    s.storedAt instanceof Float64Array &&
    s.storedAt.length === n &&
    s.expiresAt instanceof Float64Array &&
    s.expiresAt.length === n &&
    s.flags instanceof Uint8Array &&
    s.flags.length === n &&
    s.typeIds instanceof Uint16Array &&
    s.typeIds.length === n &&
    Array.isArray(s.types) &&
    Array.isArray(s.revisions)
  );
}

/** Approximate size of a snapshot in bytes (UTF-16 length of the strings counted as 1 byte per char). */
export function snapshotBytes(s: IndexSnapshot): Bytes {
  let chars = 0;
  for (const u of s.urls) chars += u.length;
  for (const t of s.types) chars += t.length;
  for (const [, r] of s.revisions) chars += r.length + 8;
  return chars + s.bytes.byteLength + s.storedAt.byteLength + s.expiresAt.byteLength + s.flags.byteLength + s.typeIds.byteLength;
}
