import { PriorityHeap, type HeapNode } from './PriorityHeap.ts';
import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import type { Bytes } from './types.ts';

/** One held key; `priority` is minus its next access time, `tie` minus its size. */
interface BeladyNode extends HeapNode {
  key: string;
  size: Bytes;
}

/**
 * Belady's MIN, the offline optimum: the victim is the held key whose next request is furthest in
 * the future (a key never requested again first; among those, the largest first, which frees the
 * most bytes per eviction and does not change the hits; then the earliest inserted).
 *
 * It needs the future, so it cannot run in the worker and is not in `createPolicy`: the caller
 * (the replay tool) precomputes, for each request i, the index of the next request of the same key
 * (`Infinity` when there is none) and calls {@link BeladyPolicy.setNextAccess} with it *before*
 * request i; the following `touch` or `insert` stamps the key with that time.
 *
 * What it is a bound of:
 * - for unit-size objects (every size equal, or a pure count limit) it is optimal among policies
 *   that admit every miss (demand paging, as all the other policies here do), so its hit ratio is
 *   an upper bound for them (Belady 1966; Mattson et al. 1970);
 * - for variable sizes it is only a reference point, not a bound: optimal caching of variable-size
 *   objects is NP-hard, and evicting by next access alone ignores sizes (it can lose to a policy
 *   that keeps many small objects instead of one large one, in hits or in bytes).
 *
 * Cost: `has`, `sizeOf`, `setNextAccess`: O(1); `touch`, `hit`, `insert`, `remove`, `evict`:
 * O(log n) (an indexed binary heap keyed by next access, `PriorityHeap`); `keys()`:
 * O(n log n). Memory here: one `Map` slot and one node per entry; the caller's next-access array
 * costs 8 bytes per request of the whole trace (a `Float64Array`).
 *
 * Source: Belady, "A study of replacement algorithms for a virtual-storage computer", IBM Systems
 * Journal 5(2), 1966; Mattson, Gecsei, Slutz and Traiger, "Evaluation techniques for storage
 * hierarchies", IBM Systems Journal 9(2), 1970.
 */
export class BeladyPolicy implements ReplacementPolicy {
  readonly name: string = 'belady';
  #nodes = new Map<string, BeladyNode>();
  #heap = new PriorityHeap<BeladyNode>();
  #nextAccess = Number.POSITIVE_INFINITY;
  #bytes: Bytes = 0;

  get size(): number {
    return this.#nodes.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  /**
   * Sets the next access time (request index, or `Infinity` for never) that the next `touch` /
   * `hit` / `insert` gives its key. Call it before every request. Default: `Infinity`.
   */
  setNextAccess(nextAccess: number): void {
    this.#nextAccess = nextAccess;
  }

  has(key: string): boolean {
    return this.#nodes.has(key);
  }

  sizeOf(key: string): Bytes | undefined {
    return this.#nodes.get(key)?.size;
  }

  /** The next access time a held key is stamped with, or `undefined`. */
  nextAccessOf(key: string): number | undefined {
    const node = this.#nodes.get(key);
    return node === undefined ? undefined : -node.priority;
  }

  touch(key: string): void {
    this.hit(key);
  }

  hit(key: string): boolean {
    const node = this.#nodes.get(key);
    if (node === undefined) return false;
    node.priority = -this.#nextAccess;
    this.#heap.update(node);
    return true;
  }

  /** @throws Error when `key` is already held. */
  insert(key: string, size: Bytes): void {
    if (this.#nodes.has(key)) throw new Error(`BeladyPolicy.insert: key already held: ${key}`);
    const node: BeladyNode = { key, size, priority: -this.#nextAccess, tie: -size, heapIndex: -1 };
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
    this.#forget(node);
    return node.key;
  }

  /** A snapshot of the keys in eviction order (furthest next access first). */
  keys(): IterableIterator<string> {
    return [...this.#heap.values()]
      .sort(PriorityHeap.compare)
      .map((node) => node.key)
      .values();
  }

  clear(): void {
    this.#nodes.clear();
    this.#heap.clear();
    this.#bytes = 0;
  }

  #forget(node: BeladyNode): void {
    this.#nodes.delete(node.key);
    this.#bytes -= node.size;
  }
}
