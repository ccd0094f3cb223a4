import { PriorityHeap, type HeapNode } from './PriorityHeap.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** One held key; `priority` is its H value, `tie` the sequence number of its last access. */
interface GdsfNode extends HeapNode {
  key: string;
  size: Bytes;
  /** Accesses while cached (1 on insertion). */
  frequency: number;
}

/**
 * GreedyDual-Size-Frequency: every entry has a priority
 * `H = L + frequency × cost / size` with `cost = 1` (so small, often-used entries are worth the
 * most per byte), and the victim is the entry with the smallest H (ties: least recently
 * accessed first). `L` is the inflation value: it starts at 0 and is set to the H of each victim,
 * so entries that stop being used age out as new ones come in with higher H.
 *
 * - insertion: frequency 1, `H = L + 1 / size`;
 * - hit: frequency + 1, `H = L + frequency / size` with the current `L`;
 * - eviction: pop the smallest H, then `L = H(victim)`.
 *
 * The frequency is counted while cached (an evicted key starts again at 1), as in Cherkasova's
 * paper; `remove(key)` (delete, expire) does not change `L`. A size of 0 is treated as 1 byte.
 *
 * Cost: `has`, `sizeOf`: O(1); `touch`, `hit`, `insert`, `remove`, `evict`: O(log n) (an indexed
 * binary min-heap, `PriorityHeap`); `keys()`: O(n log n) (sorts a copy). Memory: one `Map`
 * slot and one node object per entry.
 *
 * Source: Cherkasova, "Improving WWW proxies performance with Greedy-Dual-Size-Frequency caching
 * policy", HP Laboratories report HPL-98-69R1, 1998 (GreedyDual-Size: Cao and Irani, USITS '97).
 */
export class GdsfPolicy implements ReplacementPolicy {
  readonly name: string = 'gdsf';
  #nodes = new Map<string, GdsfNode>();
  #heap = new PriorityHeap<GdsfNode>();
  #inflation = 0;
  #clock = 0;
  #bytes: Bytes = 0;

  get size(): number {
    return this.#nodes.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  /** The inflation value L: the priority of the last victim (0 before the first eviction). */
  get inflation(): number {
    return this.#inflation;
  }

  has(key: string): boolean {
    return this.#nodes.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#nodes.get(key)?.size;
  }

  /** The priority H of a held key, or `undefined`. */
  priorityOf(key: string): number | undefined {
    return this.#nodes.get(key)?.priority;
  }

  touch(key: string): void {
    this.hit(key);
  }

  hit(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    node.frequency++;
    node.priority = this.#inflation + node.frequency / Math.max(node.size, 1);
    node.tie = this.#clock++;
    this.#heap.update(node);
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#nodes.has(key)) throw new Error(`GdsfPolicy.insert: key already held: ${key}`);
    const node: GdsfNode = {
      key,
      size,
      frequency: 1,
      priority: this.#inflation + 1 / Math.max(size, 1),
      tie: this.#clock++,
      heapIndex: -1,
    };
    this.#heap.push(node);
    this.#nodes.set(key, node);
    this.#bytes += size;
  }

  remove(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    this.#heap.delete(node);
    this.#forget(node);
    return true;
  }

  evict(): string | undefined {
    const node = this.#heap.pop();
    if (node === undefined) return undefined;
    this.#inflation = node.priority;
    this.#forget(node);
    return node.key;
  }

  /** A snapshot of the keys in eviction order (smallest H first, then least recent). */
  keys(): IterableIterator<string> {
    return [...this.#heap.values()]
      .sort(PriorityHeap.compare)
      .map((node) => node.key)
      .values();
  }

  clear(): void {
    this.#nodes.clear();
    this.#heap.clear();
    this.#inflation = 0;
    this.#bytes = 0;
  }

  #forget(node: GdsfNode): void {
    this.#nodes.delete(node.key);
    this.#bytes -= node.size;
  }
}
