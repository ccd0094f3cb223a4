/**
 * The links an element of a {@link LinkedQueue} carries (an intrusive list: no wrapper objects).
 * @internal
 */
export interface QueueLinks<T> {
  /** The neighbour inserted earlier (toward the oldest end), or `null`. */
  older: T | null;
  /** The neighbour inserted later (toward the newest end), or `null`. */
  newer: T | null;
}

/**
 * An intrusive doubly linked FIFO queue: push at the newest end, take from the oldest end, unlink
 * any element in O(1).
 *
 * Why not a `Map`'s insertion order: V8 leaves a hole for every deleted `Map` entry until the next
 * rehash, and `map.keys().next()` skips the holes one by one, so a `Map` used as a queue (delete
 * the first key, append a new one) costs O(deleted) per dequeue: quadratic over a trace.
 *
 * Cost: every operation O(1) except `values()` (O(n)). Elements must be in at most one queue.
 * @internal Not exported from `sw/policy/index.ts`.
 */
export class LinkedQueue<T extends QueueLinks<T>> {
  #oldest: T | null = null;
  #newest: T | null = null;
  #size = 0;

  /** Number of elements. */
  get size(): number {
    return this.#size;
  }

  /** The oldest element (next to dequeue), or `null`. */
  get oldest(): T | null {
    return this.#oldest;
  }

  /** The newest element, or `null`. */
  get newest(): T | null {
    return this.#newest;
  }

  /** Appends an element that is in no queue at the newest end. */
  push(node: T): void {
    node.newer = null;
    node.older = this.#newest;
    if (this.#newest !== null) this.#newest.newer = node;
    else this.#oldest = node;
    this.#newest = node;
    this.#size++;
  }

  /** Removes and returns the oldest element, or `null` when empty. */
  shift(): T | null {
    const node = this.#oldest;
    if (node !== null) this.unlink(node);
    return node;
  }

  /** Removes an element that is in this queue. */
  unlink(node: T): void {
    if (node.newer !== null) node.newer.older = node.older;
    else this.#newest = node.older;
    if (node.older !== null) node.older.newer = node.newer;
    else this.#oldest = node.newer;
    node.newer = null;
    node.older = null;
    this.#size--;
  }

  /** Moves an element of this queue to the newest end. */
  moveToNewest(node: T): void {
    if (node === this.#newest) return;
    this.unlink(node);
    this.push(node);
  }

  /** The elements, oldest first. Do not mutate the queue while iterating. */
  *values(): IterableIterator<T> {
    for (let node = this.#oldest; node !== null; node = node.newer) yield node;
  }

  /** Forgets every element (their links are left as they are). */
  clear(): void {
    this.#oldest = null;
    this.#newest = null;
    this.#size = 0;
  }
}
