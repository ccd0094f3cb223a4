import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/**
 * First In, First Out: the victim is the key inserted longest ago; hits change nothing.
 *
 * One `Map` whose insertion order is the queue (a hit does not re-insert, so order is insertion
 * order). Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`, `evict`: O(1) (amortised,
 * `Map` operations); `keys()`: O(n). Memory: one `Map` slot (key + size) per entry.
 *
 * Source: the textbook baseline (Belady, "A study of replacement algorithms for a virtual-storage
 * computer", IBM Systems Journal 5(2), 1966, which compares FIFO with random and MIN); the
 * baseline of SIEVE and S3-FIFO below.
 */
export class FifoPolicy implements ReplacementPolicy {
  readonly name: string = 'fifo';
  #sizes = new Map<string, Bytes>();
  #bytes: Bytes = 0;

  get size(): number {
    return this.#sizes.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#sizes.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#sizes.get(key);
  }

  touch(_key: string): void {
    // FIFO ignores hits.
  }

  hit(key: string): boolean {
    return this.#sizes.has(key);
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#sizes.has(key)) throw new Error(`FifoPolicy.insert: key already held: ${key}`);
    this.#sizes.set(key, size);
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const size = this.#sizes.get(key);
    if (size === undefined) return false;
    this.#sizes.delete(key);
    this.#bytes -= size;
    return true;
  }

  evict(): string | undefined {
    for (const [key, size] of this.#sizes) {
      this.#sizes.delete(key);
      this.#bytes -= size;
      return key;
    }
    return undefined;
  }

  /** A snapshot of the keys, oldest insertion first (the exact eviction order). */
  keys(): IterableIterator<string> {
    return [...this.#sizes.keys()].values();
  }

  clear(): void {
    this.#sizes.clear();
    this.#bytes = 0;
  }
}
