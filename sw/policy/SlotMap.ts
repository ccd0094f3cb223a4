/**
 * A map from string keys to slots (small integers ≥ 0 chosen by the caller), the key index of
 * {@link LruPolicy}. Same job as a `Map<string, number>`, built for the wake: loading 108,206 keys
 * fresh from a structured clone (as the index snapshot's read gives them) took ~12 ms against
 * ~40–60 ms for as many `Map.set` calls (Node 20, warm; the first, cold load ~40 ms), because it
 * is typed arrays filled in one loop, with no hash table of objects to grow and rehash on the way.
 *
 * Layout: open addressing with linear probing over a power-of-two `Int32Array` of buckets, each
 * holding a slot or `EMPTY`, kept at most half full; deletion shifts the following run back (no
 * tombstones, so lookups never slow down with churn). Per slot, the key and its 32-bit hash (FNV-1a
 * over UTF-16 code units, then MurmurHash3's finalizer to mix the low bits the mask keeps), so a
 * probe compares hashes before strings and growing never hashes a key again.
 *
 * Cost: `get`, `set`, `delete` O(1) expected; `load` O(n); memory per key 4 B of hash per slot and
 * 8 to 16 B of buckets (2 to 4 buckets of 4 B), plus the keys array.
 * @internal
 */
export class SlotMap {
  #buckets = new Int32Array(MIN_BUCKETS).fill(EMPTY);
  #mask = MIN_BUCKETS - 1;
  #hashes = new Uint32Array(MIN_BUCKETS);
  #keys: (string | undefined)[] = [];
  #size = 0;

  /** Keys held. */
  get size(): number {
    return this.#size;
  }

  /** The key in `slot`, or `undefined` when the slot holds none. */
  keyAt(slot: number): string | undefined {
    return this.#keys[slot];
  }

  /** The slot of `key`, or `undefined`. */
  get(key: string): number | undefined {
    const h = hashOf(key);
    const buckets = this.#buckets;
    const mask = this.#mask;
    for (let b = h & mask; ; b = (b + 1) & mask) {
      const slot = buckets[b]!;
      if (slot === EMPTY) return undefined;
      if (this.#hashes[slot] === h && this.#keys[slot] === key) return slot;
    }
  }

  /**
   * Maps `key`, which is not held, to `slot`, which holds no key.
   * @throws Error when `key` is already held (nothing changes then).
   */
  set(key: string, slot: number): void {
    if ((this.#size + 1) * 2 > this.#buckets.length) this.#resize(this.#buckets.length * 2);
    if (slot >= this.#hashes.length) this.#growSlots(slot + 1);
    const h = hashOf(key);
    const buckets = this.#buckets;
    const mask = this.#mask;
    let b = h & mask;
    for (; buckets[b] !== EMPTY; b = (b + 1) & mask) {
      const other = buckets[b]!;
      if (this.#hashes[other] === h && this.#keys[other] === key) throw new Error(`SlotMap.set: key already held: ${key}`);
    }
    buckets[b] = slot;
    this.#hashes[slot] = h;
    this.#keys[slot] = key;
    this.#size++;
  }

  /** Forgets `key`; returns its slot, or `undefined` when it was not held. */
  delete(key: string): number | undefined {
    const h = hashOf(key);
    const buckets = this.#buckets;
    const mask = this.#mask;
    let b = h & mask;
    for (; ; b = (b + 1) & mask) {
      const slot = buckets[b]!;
      if (slot === EMPTY) return undefined;
      if (this.#hashes[slot] === h && this.#keys[slot] === key) break;
    }
    const slot = buckets[b]!;
    this.#keys[slot] = undefined;
    this.#size--;
    // Backward shift: move each following entry of the run into the hole when its home bucket
    // does not lie (cyclically) between the hole and its own bucket.
    let hole = b;
    for (let j = (b + 1) & mask; buckets[j] !== EMPTY; j = (j + 1) & mask) {
      const home = this.#hashes[buckets[j]!]! & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        buckets[hole] = buckets[j]!;
        hole = j;
      }
    }
    buckets[hole] = EMPTY;
    return slot;
  }

  /** Forgets every key. */
  clear(): void {
    this.#buckets = new Int32Array(MIN_BUCKETS).fill(EMPTY);
    this.#mask = MIN_BUCKETS - 1;
    this.#hashes = new Uint32Array(MIN_BUCKETS);
    this.#keys = [];
    this.#size = 0;
  }

  /**
   * Into an empty map, maps `keys[i]` to slot `i` for every `i` (the wake's bulk load).
   * @throws Error when the map is not empty, or when a key repeats (the map is left empty then).
   */
  load(keys: readonly string[]): void {
    if (this.#size > 0) throw new Error('SlotMap.load: the map is not empty');
    const n = keys.length;
    let capacity = MIN_BUCKETS;
    while (capacity < n * 2) capacity *= 2;
    const buckets = new Int32Array(capacity).fill(EMPTY);
    const hashes = new Uint32Array(Math.max(n, MIN_BUCKETS));
    const mask = capacity - 1;
    for (let i = 0; i < n; i++) {
      const key = keys[i]!;
      const h = hashOf(key);
      let b = h & mask;
      for (; buckets[b] !== EMPTY; b = (b + 1) & mask) {
        const other = buckets[b]!;
        if (hashes[other] === h && keys[other] === key) throw new Error(`SlotMap.load: key repeated: ${key}`);
      }
      buckets[b] = i;
      hashes[i] = h;
    }
    this.#buckets = buckets;
    this.#mask = mask;
    this.#hashes = hashes;
    this.#keys = keys.slice();
    this.#size = n;
  }

  #resize(capacity: number): void {
    const buckets = new Int32Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (const slot of this.#buckets) {
      if (slot === EMPTY) continue;
      let b = this.#hashes[slot]! & mask;
      while (buckets[b] !== EMPTY) b = (b + 1) & mask;
      buckets[b] = slot;
    }
    this.#buckets = buckets;
    this.#mask = mask;
  }

  #growSlots(min: number): void {
    let length = this.#hashes.length;
    while (length < min) length *= 2;
    const hashes = new Uint32Array(length);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
  }
}

/** A bucket holding no slot. */
const EMPTY = -1;
/** Buckets of a new or cleared map (a power of two). */
const MIN_BUCKETS = 64;

/** FNV-1a over the key's UTF-16 code units, then MurmurHash3's 32-bit finalizer (fmix32). */
function hashOf(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
