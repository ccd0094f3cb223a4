/**
 * The optional memory tier (`memoryTierBytes`): copies of the hottest bodies in worker memory, in
 * an LRU of their own, bodies up to 1/8 of its budget. A copy is not storage: it is never counted
 * in `maxBytes`, it is dropped on delete, eviction, expiry and clear, and it is lost when the
 * worker stops. The caller decides when a copy may be served (fresh entry, cache still present).
 * @internal
 */
import { CacheIndex } from '../policy/CacheIndex.ts';
import type { Bytes } from '../policy/types.ts';

/** One body copy with the headers it is served with. */
export interface MemoryCopy {
  body: ArrayBuffer;
  headers: Array<[string, string]>;
}

/** The memory tier. @internal */
export class MemoryTier {
  readonly #index: CacheIndex;
  readonly #bodies = new Map<string, MemoryCopy>();
  /** Largest body kept, in bytes: 1/8 of the tier's budget. */
  readonly maxEntryBytes: Bytes;
  /** Hits served from memory. */
  hits = 0;

  /** @param maxBytes The tier's budget in bytes (> 0). */
  constructor(maxBytes: Bytes) {
    this.#index = new CacheIndex({ maxBytes });
    this.maxEntryBytes = Math.max(1, Math.floor(maxBytes / 8));
  }

  /** The copy of `key`, counted as a memory hit, or `undefined`. */
  take(key: string): MemoryCopy | undefined {
    const copy = this.#bodies.get(key);
    if (!copy) return undefined;
    this.#index.access(key);
    this.hits++;
    return copy;
  }

  /** Whether `key` has a copy. */
  has(key: string): boolean {
    return this.#bodies.has(key);
  }

  /** Keeps a copy (evicting the tier's own LRU copies); ignored when larger than {@link MemoryTier.maxEntryBytes} or already held. */
  remember(key: string, body: ArrayBuffer, headers: Headers): void {
    if (body.byteLength > this.maxEntryBytes || this.#index.has(key)) return;
    const { victims } = this.#index.admit(key, body.byteLength);
    for (const victim of victims) this.#bodies.delete(victim);
    this.#bodies.set(key, { body, headers: [...headers] });
  }

  /** Drops the copy of `key`. */
  forget(key: string): void {
    this.#index.remove(key);
    this.#bodies.delete(key);
  }

  /** Drops every copy. */
  clear(): void {
    this.#index.clear();
    this.#bodies.clear();
  }

  /** For stats: budget, bytes and copies held, hits served. */
  stats(): { maxBytes: Bytes; bytes: Bytes; entries: number; hits: number } {
    return { maxBytes: this.#index.maxBytes, bytes: this.#index.bytes, entries: this.#index.size, hits: this.hits };
  }
}
