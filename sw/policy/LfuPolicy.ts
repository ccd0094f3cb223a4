import { LinkedQueue, type QueueLinks } from './LinkedQueue.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** All held keys with one access count, least recently accessed first. */
interface FrequencyBucket {
  /** The access count shared by the bucket's keys (≥ 1). */
  frequency: number;
  /** The entries, in the order they entered the bucket (= order of their last access). */
  entries: LinkedQueue<LfuEntry>;
  /** The bucket with the next lower frequency, or `null`. */
  lower: FrequencyBucket | null;
  /** The bucket with the next higher frequency, or `null`. */
  higher: FrequencyBucket | null;
}

/** One held key. */
interface LfuEntry extends QueueLinks<LfuEntry> {
  key: string;
  size: Bytes;
  bucket: FrequencyBucket;
}

/**
 * Least Frequently Used: the victim is the key with the fewest accesses while cached; ties are
 * broken by recency (the least recently accessed of them goes first).
 *
 * The frequency is counted *in cache*: an insertion counts 1, every hit adds 1, and an evicted
 * or removed key forgets its count (a re-inserted key starts again at 1). Counts are not aged.
 *
 * Structure: the O(1) LFU of Shah, Mitra and Matani ("An O(1) algorithm for implementing the LFU
 * cache eviction scheme", 2010): a doubly linked list of frequency buckets in increasing
 * frequency, each holding its entries in an intrusive linked queue (`LinkedQueue`). A key
 * enters a bucket (at the newest end) when it is accessed, so each bucket's oldest entry is its
 * least recently accessed one, and the victim is the oldest entry of the lowest bucket.
 *
 * Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`, `evict`: O(1) (amortised `Map`
 * operations; no heap); `keys()`: O(n). Memory: one `Map` slot and one entry object per key, plus
 * one bucket per distinct count.
 *
 * Source: LFU as a replacement policy is classic (see e.g. Aho, Denning and Ullman, "Principles of
 * optimal page replacement", JACM 18(1), 1971, for the independent-reference model under which it
 * is optimal); the data structure is the 2010 paper above.
 */
export class LfuPolicy implements ReplacementPolicy {
  readonly name: string = 'lfu';
  #entries = new Map<string, LfuEntry>();
  /** The lowest-frequency bucket, or `null` when nothing is held. */
  #lowest: FrequencyBucket | null = null;
  #bytes: Bytes = 0;

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#entries.get(key)?.size;
  }

  /** The access count of a held key (1 after insertion), or `undefined`. */
  frequencyOf(key: string): number | undefined {
    return this.#entries.get(key)?.bucket.frequency;
  }

  touch(key: string): void {
    const entry = this.#entries.get(key);
    if (entry !== undefined) this.#promote(entry);
  }

  hit(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#promote(entry);
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#entries.has(key)) throw new Error(`LfuPolicy.insert: key already held: ${key}`);
    let bucket = this.#lowest;
    if (bucket === null || bucket.frequency !== 1) {
      bucket = { frequency: 1, entries: new LinkedQueue(), lower: null, higher: bucket };
      if (this.#lowest !== null) this.#lowest.lower = bucket;
      this.#lowest = bucket;
    }
    const entry: LfuEntry = { key, size, bucket, older: null, newer: null };
    bucket.entries.push(entry);
    this.#entries.set(key, entry);
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#forget(entry);
    return true;
  }

  evict(): string | undefined {
    const bucket = this.#lowest;
    if (bucket === null) return undefined;
    const entry = bucket.entries.oldest!;
    this.#forget(entry);
    return entry.key;
  }

  /** A snapshot of the keys in eviction order: lowest count first, then least recent first. */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (let bucket = this.#lowest; bucket !== null; bucket = bucket.higher) {
      for (const entry of bucket.entries.values()) out.push(entry.key);
    }
    return out.values();
  }

  clear(): void {
    this.#entries.clear();
    this.#lowest = null;
    this.#bytes = 0;
  }

  /** Moves an entry from its bucket to the newest end of the bucket of the next count. */
  #promote(entry: LfuEntry): void {
    const from = entry.bucket;
    let to = from.higher;
    if (to === null || to.frequency !== from.frequency + 1) {
      to = { frequency: from.frequency + 1, entries: new LinkedQueue(), lower: from, higher: from.higher };
      if (from.higher !== null) from.higher.lower = to;
      from.higher = to;
    }
    from.entries.unlink(entry);
    to.entries.push(entry);
    entry.bucket = to;
    if (from.entries.size === 0) this.#unlinkBucket(from);
  }

  #forget(entry: LfuEntry): void {
    const bucket = entry.bucket;
    bucket.entries.unlink(entry);
    if (bucket.entries.size === 0) this.#unlinkBucket(bucket);
    this.#entries.delete(entry.key);
    this.#bytes -= entry.size;
  }

  #unlinkBucket(bucket: FrequencyBucket): void {
    if (bucket.lower !== null) bucket.lower.higher = bucket.higher;
    else this.#lowest = bucket.higher;
    if (bucket.higher !== null) bucket.higher.lower = bucket.lower;
  }
}
