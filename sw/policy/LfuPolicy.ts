import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** All held keys with one access count, least recently accessed first. */
interface FrequencyBucket {
  /** The access count shared by the bucket's keys (≥ 1). */
  frequency: number;
  /** The keys, in the order they entered the bucket (= order of their last access). */
  keys: Set<string>;
  /** The bucket with the next lower frequency, or `null`. */
  lower: FrequencyBucket | null;
  /** The bucket with the next higher frequency, or `null`. */
  higher: FrequencyBucket | null;
}

/** One held key. */
interface LfuEntry {
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
 * frequency, each holding its keys in an insertion-ordered `Set`. A key enters a bucket when it is
 * accessed, so each bucket's first key is its least recently accessed one, and the victim is the
 * first key of the lowest bucket.
 *
 * Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`, `evict`: O(1) (amortised `Map`/`Set`
 * operations; no heap); `keys()`: O(n). Memory: one `Map` slot, one `Set` slot and a small object
 * per entry, plus one bucket per distinct count.
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
    if (entry !== undefined) this.#promote(key, entry);
  }

  hit(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#promote(key, entry);
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#entries.has(key)) throw new Error(`LfuPolicy.insert: key already held: ${key}`);
    let bucket = this.#lowest;
    if (bucket === null || bucket.frequency !== 1) {
      bucket = { frequency: 1, keys: new Set(), lower: null, higher: bucket };
      if (this.#lowest !== null) this.#lowest.lower = bucket;
      this.#lowest = bucket;
    }
    bucket.keys.add(key);
    this.#entries.set(key, { size, bucket });
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#forget(key, entry);
    return true;
  }

  evict(): string | undefined {
    const bucket = this.#lowest;
    if (bucket === null) return undefined;
    const key: string = bucket.keys.values().next().value!;
    this.#forget(key, this.#entries.get(key)!);
    return key;
  }

  /** A snapshot of the keys in eviction order: lowest count first, then least recent first. */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (let bucket = this.#lowest; bucket !== null; bucket = bucket.higher) out.push(...bucket.keys);
    return out.values();
  }

  clear(): void {
    this.#entries.clear();
    this.#lowest = null;
    this.#bytes = 0;
  }

  /** Moves a key from its bucket to the bucket of the next count, at its most recent end. */
  #promote(key: string, entry: LfuEntry): void {
    const from = entry.bucket;
    let to = from.higher;
    if (to === null || to.frequency !== from.frequency + 1) {
      to = { frequency: from.frequency + 1, keys: new Set(), lower: from, higher: from.higher };
      if (from.higher !== null) from.higher.lower = to;
      from.higher = to;
    }
    to.keys.add(key);
    entry.bucket = to;
    from.keys.delete(key);
    if (from.keys.size === 0) this.#unlinkBucket(from);
  }

  #forget(key: string, entry: LfuEntry): void {
    const bucket = entry.bucket;
    bucket.keys.delete(key);
    if (bucket.keys.size === 0) this.#unlinkBucket(bucket);
    this.#entries.delete(key);
    this.#bytes -= entry.size;
  }

  #unlinkBucket(bucket: FrequencyBucket): void {
    if (bucket.lower !== null) bucket.lower.higher = bucket.higher;
    else this.#lowest = bucket.higher;
    if (bucket.higher !== null) bucket.higher.lower = bucket.lower;
  }
}
