import type { ReplacementPolicy } from './ReplacementPolicy.ts';
import { SlotMap } from './SlotMap.ts';
import type { Bytes } from './types.ts';

/** Slot number meaning "no slot" in the linked list. */
const NIL = -1;
/** Slots allocated by a new policy; the arrays double when full. */
const INITIAL_CAPACITY = 64;

/**
 * Least Recently Used: the victim is the key whose last hit (or insertion) is oldest.
 *
 * Layout (lru-cache's): a key index from key to a slot number (`SlotMap`, a hash table in
 * typed arrays that a wake fills in one pass), and per-slot typed arrays holding a doubly linked
 * list in recency order (`prev`/`next`, head = least recent, tail = most recent) plus the entry's
 * size. A hit is one index lookup and a few array writes (no delete/re-insert), an insertion a
 * lookup and an index insert, an eviction an index delete. Freed slots are reused through a free
 * list; the arrays double when full (amortised O(1)). `load` fills an empty policy in bulk.
 *
 * Cost: `has`, `sizeOf`, `touch`, `hit`, `insert`, `remove`, `evict`: O(1) (amortised for
 * `insert`). `keys()`, `load`: O(n). Memory per entry: the index's 12 to 20 bytes plus 16 bytes of
 * typed arrays (8 for the size, 4 + 4 for the links) per allocated slot. `slotOf(key)` exposes the
 * slot, so the storage layer keeps its per-entry columns by slot without a second key map.
 *
 * Source: the classic policy (Mattson et al., "Evaluation techniques for storage hierarchies",
 * IBM Systems Journal 9(2), 1970, where LRU's stack property is defined).
 */
export class LruPolicy implements ReplacementPolicy {
  readonly name: string = 'lru';
  /** Key → slot, and each slot's key. */
  #index = new SlotMap();
  #sizeList = new Float64Array(INITIAL_CAPACITY);
  #next = new Int32Array(INITIAL_CAPACITY);
  #prev = new Int32Array(INITIAL_CAPACITY);
  #free: number[] = [];
  /** Next never-used slot. */
  #top = 0;
  /** Least recently used slot (next victim), or {@link NIL}. */
  #head = NIL;
  /** Most recently used slot, or {@link NIL}. */
  #tail = NIL;
  #bytes: Bytes = 0;

  get size(): number {
    return this.#index.size;
  }

  get bytes(): Bytes {
    return this.#bytes;
  }

  has(key: string): boolean {
    return this.#index.get(key) !== undefined;
  }

  sizeOf(key: string): Bytes | undefined {
    const slot = this.#index.get(key);
    return slot === undefined ? undefined : this.#sizeList[slot];
  }

  /** The slot of a held key (stable while held; reused once it is removed), or `undefined`. */
  slotOf(key: string): number | undefined {
    return this.#index.get(key);
  }

  touch(key: string): void {
    const slot = this.#index.get(key);
    if (slot !== undefined && slot !== this.#tail) this.#moveToTail(slot);
  }

  hit(key: string): boolean {
    const slot = this.#index.get(key);
    if (slot === undefined) return false;
    if (slot !== this.#tail) this.#moveToTail(slot);
    return true;
  }

  /** @throws Error when `key` is already held (nothing changes then). */
  insert(key: string, size: Bytes): void {
    const free = this.#free.length > 0;
    const slot = free ? this.#free[this.#free.length - 1]! : this.#top;
    // One lookup: the index refuses a held key before anything changes.
    this.#index.set(key, slot);
    if (free) this.#free.pop();
    else {
      if (this.#top === this.#sizeList.length) this.#grow();
      this.#top++;
    }
    this.#sizeList[slot] = size;
    const tail = this.#tail;
    this.#prev[slot] = tail;
    this.#next[slot] = NIL;
    if (tail === NIL) this.#head = slot;
    else this.#next[tail] = slot;
    this.#tail = slot;
    this.#bytes += size;
  }

  load(keys: readonly string[], sizes: ArrayLike<Bytes>): void {
    if (this.#index.size > 0 || this.#top > 0) throw new Error('LruPolicy.load: the policy is not empty');
    const n = keys.length;
    let capacity = this.#sizeList.length;
    while (capacity < n) capacity *= 2;
    // Fresh arrays of the final size: no doubling on the way (each would copy what is loaded).
    const sizeList = new Float64Array(capacity);
    const next = new Int32Array(capacity);
    const prev = new Int32Array(capacity);
    // Throws before anything changed when a key repeats.
    this.#index.load(keys);
    let bytes = 0;
    // Slot i follows slot i - 1 in recency order: the list is the slots' own order.
    for (let i = 0; i < n; i++) {
      const size = sizes[i]!;
      sizeList[i] = size;
      bytes += size;
      prev[i] = i - 1;
      next[i] = i + 1;
    }
    if (n > 0) next[n - 1] = NIL;
    this.#sizeList = sizeList;
    this.#next = next;
    this.#prev = prev;
    this.#top = n;
    this.#head = n > 0 ? 0 : NIL;
    this.#tail = n - 1;
    this.#bytes = bytes;
  }

  remove(key: string): boolean {
    const slot = this.#index.get(key);
    if (slot === undefined) return false;
    this.#unlink(slot);
    this.#release(slot, key);
    return true;
  }

  evict(): string | undefined {
    const slot = this.#head;
    if (slot === NIL) return undefined;
    const key = this.#index.keyAt(slot)!;
    const next = this.#next[slot];
    this.#head = next;
    if (next === NIL) this.#tail = NIL;
    else this.#prev[next] = NIL;
    this.#release(slot, key);
    return key;
  }

  /** A snapshot of the keys, least recently used first (safe to mutate the policy meanwhile). */
  keys(): IterableIterator<string> {
    const out: string[] = [];
    for (let slot = this.#head; slot !== NIL; slot = this.#next[slot]) out.push(this.#index.keyAt(slot)!);
    return out.values();
  }

  clear(): void {
    this.#index.clear();
    this.#free = [];
    this.#top = 0;
    this.#head = NIL;
    this.#tail = NIL;
    this.#bytes = 0;
  }

  /** Moves a held slot that is not the tail to the most-recent end. */
  #moveToTail(slot: number): void {
    const prev = this.#prev[slot];
    const next = this.#next[slot];
    // `slot` is not the tail, so `next` is a slot.
    if (prev === NIL) this.#head = next;
    else this.#next[prev] = next;
    this.#prev[next] = prev;
    const tail = this.#tail;
    this.#prev[slot] = tail;
    this.#next[slot] = NIL;
    this.#next[tail] = slot;
    this.#tail = slot;
  }

  /** Takes a held slot out of the list. */
  #unlink(slot: number): void {
    const prev = this.#prev[slot];
    const next = this.#next[slot];
    if (prev === NIL) this.#head = next;
    else this.#next[prev] = next;
    if (next === NIL) this.#tail = prev;
    else this.#prev[next] = prev;
  }

  /** Forgets an unlinked slot's key and puts the slot on the free list. */
  #release(slot: number, key: string): void {
    this.#bytes -= this.#sizeList[slot];
    this.#index.delete(key);
    this.#free.push(slot);
  }

  #grow(): void {
    const capacity = this.#sizeList.length * 2;
    const sizes = new Float64Array(capacity);
    sizes.set(this.#sizeList);
    this.#sizeList = sizes;
    const next = new Int32Array(capacity);
    next.set(this.#next);
    this.#next = next;
    const prev = new Int32Array(capacity);
    prev.set(this.#prev);
    this.#prev = prev;
  }
}
