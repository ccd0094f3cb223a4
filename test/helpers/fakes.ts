/**
 * Test doubles for Node tests: an injectable clock, an ExtendableEvent that records `waitUntil`
 * (Workbox `extendable-event-utils` style), image responses, and a thin fault-injecting wrapper
 * over the real (undici) Cache Storage adapter.
 */
import { ImageCacheStore } from '../../sw/storage/ImageCacheStore.ts';

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
