import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** One held key in SIEVE's queue. */
interface SieveNode {
  key: string;
  size: Bytes;
  /** Set by a hit, cleared when the hand passes over the node. */
  visited: boolean;
  /** Toward the head (newer insertions), or `null` at the head. */
  newer: SieveNode | null;
  /** Toward the tail (older insertions), or `null` at the tail. */
  older: SieveNode | null;
}

/**
 * SIEVE: a FIFO queue with one "visited" bit per entry and a moving hand.
 *
 * - insertion: at the head (newest end), unvisited; entries never move after insertion;
 * - hit: sets the entry's visited bit (no reordering, so a hit is a flag write);
 * - eviction: the hand starts where it last stopped (at the tail, the oldest entry, the first
 *   time) and walks toward the head, clearing visited bits, until it finds an unvisited entry,
 *   which is the victim; past the head it wraps to the tail. The hand then rests on the victim's
 *   newer neighbour.
 *
 * For variable sizes nothing changes: {@link CacheIndex} calls `evict()` one victim at a time
 * until the new object fits, and the hand keeps its position between calls (as in the paper's
 * and libCacheSim's implementation, which also evict one object per call).
 *
 * Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`: O(1); `evict`: O(1) amortised (each
 * step of the hand clears a bit set by an earlier hit); `keys()`: O(n). Memory: one `Map` slot and
 * one node object per entry.
 *
 * Source: Zhang, Yang, Yue, Vigfusson and Rashmi, "SIEVE is Simpler than LRU: an Efficient
 * Turn-Key Eviction Algorithm for Web Caches", NSDI '24 (Algorithm 1).
 */
export class SievePolicy implements ReplacementPolicy {
  readonly name: string = 'sieve';
  #nodes = new Map<string, SieveNode>();
  /** Newest entry. */
  #head: SieveNode | null = null;
  /** Oldest entry. */
  #tail: SieveNode | null = null;
  /** Where the next eviction scan starts; `null` means the tail. */
  #hand: SieveNode | null = null;
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

  /** Whether a held key's visited bit is set (`undefined` when not held). For tests and tools. */
  visited(key: string): boolean | undefined {
    return this.#nodes.get(key)?.visited;
  }

  touch(key: string): void {
    const node = this.#nodes.get(key);
    if (node !== undefined) node.visited = true;
  }

  hit(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    node.visited = true;
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#nodes.has(key)) throw new Error(`SievePolicy.insert: key already held: ${key}`);
    const node: SieveNode = { key, size, visited: false, newer: null, older: this.#head };
    if (this.#head !== null) this.#head.newer = node;
    else this.#tail = node;
    this.#head = node;
    this.#nodes.set(key, node);
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    if (this.#hand === node) this.#hand = node.newer;
    this.#unlink(node);
    return true;
  }

  evict(): string | undefined {
    let node = this.#hand ?? this.#tail;
    if (node === null) return undefined;
    while (node.visited) {
      node.visited = false;
      node = node.newer ?? this.#tail!;
    }
    this.#hand = node.newer;
    this.#unlink(node);
    return node.key;
  }

  /**
   * A snapshot of the keys in the exact order successive `evict()` calls would return them (with
   * no request in between): first the unvisited entries from the hand toward the head and round
   * from the tail, then the visited ones in the same scan order.
   */
  keys(): IterableIterator<string> {
    const unvisited: string[] = [];
    const visited: string[] = [];
    const start = this.#hand ?? this.#tail;
    if (start !== null) {
      let node: SieveNode = start;
      do {
        (node.visited ? visited : unvisited).push(node.key);
        node = node.newer ?? this.#tail!;
      } while (node !== start);
    }
    return [...unvisited, ...visited].values();
  }

  clear(): void {
    this.#nodes.clear();
    this.#head = null;
    this.#tail = null;
    this.#hand = null;
    this.#bytes = 0;
  }

  #unlink(node: SieveNode): void {
    if (node.newer !== null) node.newer.older = node.older;
    else this.#head = node.older;
    if (node.older !== null) node.older.newer = node.newer;
    else this.#tail = node.newer;
    this.#nodes.delete(node.key);
    this.#bytes -= node.size;
  }
}
