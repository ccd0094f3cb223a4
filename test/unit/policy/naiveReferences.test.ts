import { describe, expect, it } from 'vitest';
import { CacheIndex, createPolicy } from '../../../sw/policy/index.ts';

/**
 * Cross-checks the fast policies against deliberately naive array implementations (linear scans,
 * written straight from each policy's definition) on random variable-size traces.
 */
interface Naive {
  /** Returns whether it was a hit; appends victims to `victims`. */
  request(key: string, size: number, victims: string[]): boolean;
}

interface Item {
  key: string;
  size: number;
  freq: number;
  last: number;
  visited: boolean;
  h: number;
  seq: number;
}

/** Shared skeleton: evict with `pickVictim` (an index into `items`) until the object fits. */
abstract class NaiveCache implements Naive {
  items: Item[] = [];
  used = 0;
  clock = 0;
  constructor(readonly maxBytes: number) {}
  abstract onHit(item: Item): void;
  abstract pickVictim(): number;
  onInsert(_item: Item): void {}
  request(key: string, size: number, victims: string[]): boolean {
    const t = this.clock++;
    const item = this.items.find((i) => i.key === key);
    if (item) {
      item.last = t;
      this.onHit(item);
      return true;
    }
    if (size > this.maxBytes) return false;
    while (this.used + size > this.maxBytes) {
      const at = this.pickVictim();
      const [victim] = this.items.splice(at, 1);
      this.used -= victim!.size;
      victims.push(victim!.key);
      this.afterEvict(at, victim!);
    }
    const fresh: Item = { key, size, freq: 1, last: t, visited: false, h: 0, seq: t };
    this.onInsert(fresh);
    this.items.push(fresh);
    this.used += size;
    return false;
  }
  afterEvict(_at: number, _victim: Item): void {}
}

class NaiveFifo extends NaiveCache {
  onHit(): void {}
  pickVictim(): number {
    return 0;
  }
}

class NaiveLru extends NaiveCache {
  onHit(): void {}
  pickVictim(): number {
    let best = 0;
    for (let i = 1; i < this.items.length; i++) if (this.items[i]!.last < this.items[best]!.last) best = i;
    return best;
  }
}

class NaiveLfu extends NaiveCache {
  onHit(item: Item): void {
    item.freq++;
  }
  pickVictim(): number {
    let best = 0;
    for (let i = 1; i < this.items.length; i++) {
      const a = this.items[i]!;
      const b = this.items[best]!;
      if (a.freq < b.freq || (a.freq === b.freq && a.last < b.last)) best = i;
    }
    return best;
  }
}

/** SIEVE from the paper: items oldest first; the hand is an index (null: start at the oldest). */
class NaiveSieve extends NaiveCache {
  hand: Item | null = null;
  onHit(item: Item): void {
    item.visited = true;
  }
  pickVictim(): number {
    let i = this.hand === null ? 0 : this.items.indexOf(this.hand);
    while (this.items[i]!.visited) {
      this.items[i]!.visited = false;
      i = (i + 1) % this.items.length;
    }
    return i;
  }
  override afterEvict(at: number): void {
    this.hand = at < this.items.length ? this.items[at]! : null;
  }
}

/** GreedyDual-Size-Frequency: H = L + freq / size; evict the smallest H (oldest access on ties). */
class NaiveGdsf extends NaiveCache {
  inflation = 0;
  onHit(item: Item): void {
    item.freq++;
    item.h = this.inflation + item.freq / item.size;
    item.seq = item.last;
  }
  override onInsert(item: Item): void {
    item.h = this.inflation + 1 / item.size;
  }
  pickVictim(): number {
    let best = 0;
    for (let i = 1; i < this.items.length; i++) {
      const a = this.items[i]!;
      const b = this.items[best]!;
      if (a.h < b.h || (a.h === b.h && a.seq < b.seq)) best = i;
    }
    return best;
  }
  override afterEvict(_at: number, victim: Item): void {
    this.inflation = victim.h;
  }
}

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf-ish keys with a size fixed per key (1 to 20 bytes), and some size changes. */
function trace(seed: number, n: number): [string, number][] {
  const rand = random(seed);
  const sizeOf = new Map<string, number>();
  return Array.from({ length: n }, () => {
    const key = `k${Math.floor(rand() ** 3 * 200)}`;
    if (!sizeOf.has(key)) sizeOf.set(key, 1 + Math.floor(rand() * 20));
    const size = rand() < 0.1 ? 1 + Math.floor(rand() * 25) : sizeOf.get(key)!;
    return [key, size];
  });
}

const NAIVE: Record<string, (maxBytes: number) => Naive> = {
  lru: (m) => new NaiveLru(m),
  fifo: (m) => new NaiveFifo(m),
  lfu: (m) => new NaiveLfu(m),
  sieve: (m) => new NaiveSieve(m),
  gdsf: (m) => new NaiveGdsf(m),
};

describe.each(Object.keys(NAIVE))('%s against its naive reference', (name) => {
  it.each([
    { seed: 1, maxBytes: 15 },
    { seed: 2, maxBytes: 40 },
    { seed: 3, maxBytes: 100 },
    { seed: 4, maxBytes: 300 },
    { seed: 5, maxBytes: 1000 },
  ])('makesTheSameDecisionsOnEveryRequest (seed $seed, maxBytes $maxBytes)', ({ seed, maxBytes }) => {
    const naive = NAIVE[name]!(maxBytes);
    const index = new CacheIndex({ maxBytes }, createPolicy(name));
    for (const [i, [key, size]] of trace(seed, 4000).entries()) {
      const expectedVictims: string[] = [];
      const actualVictims: string[] = [];
      const expected = naive.request(key, size, expectedVictims);
      const actual = index.request(key, size, actualVictims);
      if (actual !== expected || actualVictims.join() !== expectedVictims.join()) {
        expect({ i, key, size, hit: actual, victims: actualVictims }).toEqual({
          i,
          key,
          size,
          hit: expected,
          victims: expectedVictims,
        });
      }
    }
  });
});
