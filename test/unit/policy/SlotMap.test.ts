import { describe, expect, it } from 'vitest';
import { LruPolicy } from '../../../sw/policy/LruPolicy.ts';
import { SlotMap } from '../../../sw/policy/SlotMap.ts';
import { mulberry32 } from '../../../build/data/prng.ts';

/** Checks `map` against the reference `ref` for every key of the key space. */
function expectSame(map: SlotMap, ref: Map<string, number>, keySpace: readonly string[]): void {
  expect(map.size).toBe(ref.size);
  for (const key of keySpace) expect(map.get(key)).toBe(ref.get(key));
  for (const [key, slot] of ref) expect(map.keyAt(slot)).toBe(key);
}

describe('SlotMap (the LRU key index)', () => {
  it.each([1, 2, 3])('agreesWithAMapOverRandomSetsDeletesAndClears (seed %i)', (seed) => {
    const rand = mulberry32(seed);
    // 3,000 keys and ~1,500 held: runs long enough for deletions to shift entries back often.
    const keySpace = Array.from({ length: 3000 }, (_, i) => `https://tiles.example/${i % 7}/${i}.png`);
    const map = new SlotMap();
    const ref = new Map<string, number>();
    const free: number[] = [];
    let top = 0;
    for (let step = 0; step < 40_000; step++) {
      const key = keySpace[Math.floor(rand() * keySpace.length)]!;
      const held = ref.get(key);
      if (rand() < 0.0005) {
        map.clear();
        ref.clear();
        free.length = 0;
        top = 0;
      } else if (held === undefined) {
        const slot = free.pop() ?? top++;
        map.set(key, slot);
        ref.set(key, slot);
      } else {
        expect(map.delete(key)).toBe(held);
        ref.delete(key);
        free.push(held);
      }
      if (step % 5000 === 0) expectSame(map, ref, keySpace);
    }
    expectSame(map, ref, keySpace);
  });

  it('findsKeysWhoseHashesShareTheirLowBits after neighbours in their run are deleted', () => {
    // Many keys in a small table: long probe runs; delete every other key, then every key left must be found.
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const map = new SlotMap();
    keys.forEach((k, i) => map.set(k, i));
    for (let i = 0; i < keys.length; i += 2) expect(map.delete(keys[i]!)).toBe(i);
    for (let i = 0; i < keys.length; i++) expect(map.get(keys[i]!)).toBe(i % 2 === 0 ? undefined : i);
    expect(map.size).toBe(2500);
  });

  it('loadsKeysIntoSlotsByTheirPosition and then behaves as if they had been set one by one', () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `/img/${i}.webp`);
    const map = new SlotMap();
    map.load(keys);
    expect(map.size).toBe(1000);
    keys.forEach((k, i) => {
      expect(map.get(k)).toBe(i);
      expect(map.keyAt(i)).toBe(k);
    });
    expect(map.delete(keys[10]!)).toBe(10);
    map.set('/img/new.webp', 10);
    expect(map.get('/img/new.webp')).toBe(10);
    expect(map.get(keys[10]!)).toBeUndefined();
    map.set('/img/more.webp', 1000);
    expect(map.size).toBe(1001);
  });

  it('refusesARepeatedKey: set throws and changes nothing; load throws and leaves the map empty', () => {
    const map = new SlotMap();
    map.set('a', 0);
    expect(() => map.set('a', 1)).toThrow(/already held/);
    expect(map.size).toBe(1);
    expect(map.get('a')).toBe(0);
    expect(() => map.load(['x'])).toThrow(/not empty/);
    const empty = new SlotMap();
    expect(() => empty.load(['x', 'y', 'x'])).toThrow(/repeated/);
    expect(empty.size).toBe(0);
    expect(empty.get('x')).toBeUndefined();
  });
});

describe('LruPolicy.load (the wake from the index snapshot)', () => {
  it('equalsInsertingTheKeysOneByOne: order, sizes, bytes and slots, and keeps working after', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `/t/${i}.png`);
    const sizes = Float64Array.from(keys, (_, i) => 10 + (i % 13));
    const loaded = new LruPolicy();
    loaded.load(keys, sizes);
    const inserted = new LruPolicy();
    keys.forEach((k, i) => inserted.insert(k, sizes[i]!));
    expect([...loaded.keys()]).toEqual([...inserted.keys()]);
    expect(loaded.size).toBe(inserted.size);
    expect(loaded.bytes).toBe(inserted.bytes);
    keys.forEach((k, i) => {
      expect(loaded.slotOf(k)).toBe(i);
      expect(loaded.sizeOf(k)).toBe(sizes[i]);
    });
    // The same operations give the same results afterwards.
    for (const p of [loaded, inserted]) {
      p.touch('/t/0.png');
      p.remove('/t/5.png');
      p.insert('/t/new.png', 7);
    }
    expect([...loaded.keys()]).toEqual([...inserted.keys()]);
    expect(loaded.evict()).toBe(inserted.evict());
    expect(loaded.bytes).toBe(inserted.bytes);
  });

  it('refusesToLoadIntoANonEmptyPolicy or repeated keys, changing nothing', () => {
    const p = new LruPolicy();
    p.insert('a', 1);
    expect(() => p.load(['b'], [1])).toThrow(/not empty/);
    expect([...p.keys()]).toEqual(['a']);
    const q = new LruPolicy();
    expect(() => q.load(['b', 'b'], [1, 1])).toThrow(/repeated/);
    expect(q.size).toBe(0);
    expect(q.bytes).toBe(0);
    q.load([], []);
    expect(q.evict()).toBeUndefined();
  });
});
