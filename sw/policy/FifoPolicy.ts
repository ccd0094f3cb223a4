import { LinkedQueue, type QueueLinks } from './LinkedQueue.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** One held key. */
interface FifoNode extends QueueLinks<FifoNode> {
  key: string;
  size: Bytes;
}

/**
 * First In, First Out: the victim is the key inserted longest ago; hits change nothing.
 *
 * A `Map` from key to node plus an intrusive linked queue in insertion order (not the `Map`'s own
 * order: see `LinkedQueue` for why). Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`,
 * `remove`, `evict`: O(1); `keys()`: O(n). Memory: one `Map` slot and one node object per entry.
 *
 * Source: the textbook baseline (Belady, "A study of replacement algorithms for a virtual-storage
 * computer", IBM Systems Journal 5(2), 1966, which compares FIFO with random and MIN); the
 * baseline that SIEVE and S3-FIFO improve on.
 */
export class FifoPolicy implements ReplacementPolicy {
  readonly name: string = 'fifo';
  #nodes = new Map<string, FifoNode>();
  #queue = new LinkedQueue<FifoNode>();
  #bytes: Bytes = 0;

  get size(): number {
    return this.#nodes.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#nodes.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#nodes.get(key)?.size;
  }

  touch(_key: string): void {
    // FIFO ignores hits.
  }

  hit(key: string): boolean {
    return this.#nodes.has(key);
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#nodes.has(key)) throw new Error(`FifoPolicy.insert: key already held: ${key}`);
    const node: FifoNode = { key, size, older: null, newer: null };
    this.#queue.push(node);
    this.#nodes.set(key, node);
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#queue.unlink(node);
    this.#forget(node);
    return true;
  }

  evict(): string | undefined {
    const node = this.#queue.shift();
    if (node === null) return undefined;
    this.#forget(node);
    return node.key;
  }

  /** A snapshot of the keys, oldest insertion first (the exact eviction order). */
  keys(): IterableIterator<string> {
    return Array.from(this.#queue.values(), (node) => node.key).values();
  }

  clear(): void {
    this.#nodes.clear();
    this.#queue.clear();
    this.#bytes = 0;
  }

  #forget(node: FifoNode): void {
    this.#nodes.delete(node.key);
    this.#bytes -= node.size;
  }
}
