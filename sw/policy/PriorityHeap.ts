/**
 * One element of a {@link PriorityHeap}: the heap reads `priority` and `tie` and owns `heapIndex`.
 * @internal
 */
export interface HeapNode {
  /** Ordering key: the smallest priority is at the top. */
  priority: number;
  /** Second ordering key among equal priorities: the smallest is at the top. */
  tie: number;
  /** Position in the heap array, maintained by the heap (-1 when not in a heap). */
  heapIndex: number;
  /** Push order, set by the heap: the last ordering key, so the order is total (FIFO on full ties). */
  heapSeq?: number;
}

/**
 * An indexed binary min-heap over {@link HeapNode}s ordered by `(priority, tie, push order)` (a
 * total order, so pops are deterministic): each node knows its position, so a node whose priority
 * changed is repaired in place.
 *
 * Cost: `push`, `pop`, `delete`, `update`: O(log n); `peek`, `size`: O(1).
 * Used by {@link GdsfPolicy} (smallest H first) and {@link BeladyPolicy} (negated next access).
 * @internal Not exported from `sw/policy/index.ts`.
 */
export class PriorityHeap<T extends HeapNode> {
  #nodes: T[] = [];
  #pushes = 0;

  /** The heap's order, as a comparator (negative when `a` pops first); for sorting snapshots. */
  static compare(a: HeapNode, b: HeapNode): number {
    return a.priority - b.priority || a.tie - b.tie || (a.heapSeq ?? 0) - (b.heapSeq ?? 0) || 0;
  }

  /** Number of nodes. */
  get size(): number {
    return this.#nodes.length;
  }

  /** The smallest node, or `undefined` when empty. */
  peek(): T | undefined {
    return this.#nodes[0];
  }

  /** Adds a node that is not in the heap. */
  push(node: T): void {
    node.heapSeq = this.#pushes++;
    node.heapIndex = this.#nodes.length;
    this.#nodes.push(node);
    this.#up(node.heapIndex);
  }

  /** Removes and returns the smallest node, or `undefined` when empty. */
  pop(): T | undefined {
    const nodes = this.#nodes;
    if (nodes.length === 0) return undefined;
    const top = nodes[0]!;
    this.#removeAt(0);
    return top;
  }

  /** Removes a node that is in the heap. */
  delete(node: T): void {
    this.#removeAt(node.heapIndex);
  }

  /** Restores the heap order after `node.priority` or `node.tie` changed. */
  update(node: T): void {
    if (!this.#up(node.heapIndex)) this.#down(node.heapIndex);
  }

  /** The nodes in heap-array order (not sorted). */
  values(): readonly T[] {
    return this.#nodes;
  }

  /** Removes every node. */
  clear(): void {
    for (const node of this.#nodes) node.heapIndex = -1;
    this.#nodes = [];
  }

  #removeAt(index: number): void {
    const nodes = this.#nodes;
    const removed = nodes[index]!;
    const last = nodes.pop()!;
    removed.heapIndex = -1;
    if (index < nodes.length) {
      nodes[index] = last;
      last.heapIndex = index;
      if (!this.#up(index)) this.#down(index);
    }
  }

  #less(a: T, b: T): boolean {
    if (a.priority !== b.priority) return a.priority < b.priority;
    if (a.tie !== b.tie) return a.tie < b.tie;
    return a.heapSeq! < b.heapSeq!;
  }

  /** Sifts up; returns whether the node moved. */
  #up(index: number): boolean {
    const nodes = this.#nodes;
    const node = nodes[index]!;
    const start = index;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = nodes[parentIndex]!;
      if (!this.#less(node, parent)) break;
      nodes[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    nodes[index] = node;
    node.heapIndex = index;
    return index !== start;
  }

  #down(index: number): void {
    const nodes = this.#nodes;
    const n = nodes.length;
    const node = nodes[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && this.#less(nodes[right]!, nodes[left]!)) child = right;
      const childNode = nodes[child]!;
      if (!this.#less(childNode, node)) break;
      nodes[index] = childNode;
      childNode.heapIndex = index;
      index = child;
    }
    nodes[index] = node;
    node.heapIndex = index;
  }
}
