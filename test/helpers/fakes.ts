/**
 * Test doubles for Node tests: an injectable clock, an ExtendableEvent that records `waitUntil`
 * (Workbox `extendable-event-utils` style), image responses, a thin fault-injecting wrapper
 * over the real (undici) Cache Storage adapter, and in-memory fakes of the two store interfaces
 * (checked against the real adapters by `test/unit/storage/contract.test.ts`).
 */
import { applyPatch, type EntryRecord, type PersistedMeta, type PersistedStats } from '../../sw/storage/EntryMetadataModel.ts';
import { ImageCacheStore } from '../../sw/storage/ImageCacheStore.ts';
import type { BodyStore, MetadataStore, RecordPatch } from '../../sw/storage/stores.ts';

/** A clock tests move by hand. */
export class Clock {
  constructor(public nowMs = 1_700_000_000_000) {}
  now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/** An ExtendableEvent stand-in whose `waitUntil` promises can be drained. */
export class FakeEvent {
  promises: Promise<unknown>[] = [];
  waitUntil(p: Promise<unknown>): void {
    this.promises.push(p);
  }
  /** Awaits every promise passed to waitUntil, including ones added while draining. */
  async drain(): Promise<void> {
    for (let i = 0; i < this.promises.length; i++) await this.promises[i]!.catch(() => {});
  }
  asEvent(): ExtendableEvent {
    return this as unknown as ExtendableEvent;
  }
}

/** An image response of `bytes` bytes (content `fill`). */
export function imageResponse(bytes: number, init: { type?: string; headers?: Record<string, string>; status?: number; fill?: number } = {}): Response {
  const body = new Uint8Array(bytes).fill(init.fill ?? 7);
  return new Response(body, {
    status: init.status ?? 200,
    headers: { 'content-type': init.type ?? 'image/png', 'content-length': String(bytes), ...init.headers },
  });
}

/** The body-store adapter over the real Cache API, with faults to inject. */
export class FaultyCacheStore extends ImageCacheStore {
  /** When set, the next `put` calls throw this (once each, counting down). */
  failPuts = 0;
  failWith: () => Error = () => new DOMException('quota exceeded (injected)', 'QuotaExceededError');
  override async put(url: string, response: Response): Promise<void> {
    if (this.failPuts > 0) {
      this.failPuts--;
      throw this.failWith();
    }
    return super.put(url, response);
  }
}

/** Every body in a Cache Storage cache: url → byte length. */
export async function bodiesIn(cacheName: string): Promise<Map<string, number>> {
  const cache = await caches.open(cacheName);
  const out = new Map<string, number>();
  for (const req of await cache.keys()) {
    const res = await cache.match(req);
    out.set(req.url, (await res!.arrayBuffer()).byteLength);
  }
  return out;
}

/**
 * An in-memory {@link BodyStore} (okhttp's FakeFileSystem): what the contract suite
 * (`test/unit/storage/contract.test.ts`) checks against the real adapter, plus faults to inject.
 * Bodies are kept as bytes and returned as new Responses, as Cache Storage does.
 */
export class FakeBodyStore implements BodyStore {
  readonly cacheName: string;
  #bodies: Map<string, { body: ArrayBuffer; status: number; statusText: string; headers: Array<[string, string]> }> | null = null;
  /** The next `delete` calls for these URLs reject (once each). */
  failDeletesOf = new Set<string>();
  /** When set, every `put` waits for it before landing. */
  putGate: Promise<void> | null = null;
  /** Calls seen, in order (`put url`, `delete url`). */
  log: string[] = [];

  constructor(cacheName = 'fake-images') {
    this.cacheName = cacheName;
  }

  async match(url: string): Promise<Response | undefined> {
    const b = this.#bodies?.get(url);
    return b ? new Response(b.body.slice(0), { status: b.status, statusText: b.statusText, headers: b.headers }) : undefined;
  }

  async put(url: string, response: Response): Promise<void> {
    this.log.push(`put ${url}`);
    const body = await response.arrayBuffer();
    if (this.putGate) await this.putGate;
    this.#bodies ??= new Map();
    this.#bodies.set(url, { body, status: response.status, statusText: response.statusText, headers: [...response.headers] });
    this.log.push(`landed ${url}`);
  }

  async delete(url: string): Promise<boolean> {
    this.log.push(`delete ${url}`);
    if (this.failDeletesOf.delete(url)) throw new DOMException(`delete of ${url} failed (injected)`, 'UnknownError');
    return this.#bodies?.delete(url) ?? false;
  }

  async urls(): Promise<string[]> {
    return [...(this.#bodies?.keys() ?? [])];
  }

  async clear(): Promise<void> {
    this.#bodies = null;
  }

  async exists(): Promise<boolean> {
    return this.#bodies !== null;
  }
}

/** An in-memory {@link MetadataStore}: records kept as structured clones, as IndexedDB does. */
export class FakeMetadataStore implements MetadataStore {
  #records = new Map<string, EntryRecord>();
  #stats: PersistedStats | undefined;
  #meta: PersistedMeta | undefined;
  /** When true, `writeBehind` never settles (a stuck IndexedDB transaction). */
  stuckWriteBehind = false;
  closed = 0;

  async getAll(): Promise<EntryRecord[]> {
    return [...this.#records.keys()].sort().map((k) => structuredClone(this.#records.get(k)!));
  }
  async get(url: string): Promise<EntryRecord | undefined> {
    const r = this.#records.get(url);
    return r ? structuredClone(r) : undefined;
  }
  async expiredUrls(atOrBeforeMs: number): Promise<string[]> {
    return [...this.#records.values()]
      .filter((r) => r.expiresAt <= atOrBeforeMs)
      .sort((a, b) => a.expiresAt - b.expiresAt || (a.url < b.url ? -1 : 1))
      .map((r) => r.url);
  }
  async putMany(records: readonly EntryRecord[]): Promise<void> {
    for (const r of records) this.#records.set(r.url, structuredClone(r));
  }
  put(record: EntryRecord): Promise<void> {
    return this.putMany([record]);
  }
  async replace(deleted: readonly string[], record: EntryRecord): Promise<void> {
    for (const u of deleted) this.#records.delete(u);
    this.#records.set(record.url, structuredClone(record));
  }
  async deleteMany(urls: readonly string[]): Promise<void> {
    for (const u of urls) this.#records.delete(u);
  }
  async writeBehind(patches: readonly RecordPatch[], stats: PersistedStats | null): Promise<void> {
    if (this.stuckWriteBehind) return new Promise<void>(() => {});
    for (const p of patches) {
      const r = this.#records.get(p.url);
      if (r && r.state === 'committed') this.#records.set(p.url, structuredClone(applyPatch(r, p)));
    }
    if (stats) this.#stats = structuredClone(stats);
  }
  async clear(): Promise<void> {
    this.#records.clear();
  }
  async getStats(): Promise<PersistedStats | undefined> {
    return this.#stats && structuredClone(this.#stats);
  }
  async putStats(stats: PersistedStats): Promise<void> {
    this.#stats = structuredClone(stats);
  }
  async getMeta(): Promise<PersistedMeta | undefined> {
    return this.#meta && structuredClone(this.#meta);
  }
  async putMeta(meta: PersistedMeta): Promise<void> {
    this.#meta = structuredClone(meta);
  }
  async close(): Promise<void> {
    this.closed++;
  }
}
