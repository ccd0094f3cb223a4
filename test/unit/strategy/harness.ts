/**
 * Strategy test harness: an ImageCache over undici's Cache API and fake-indexeddb (with the
 * strategy's stored headers), a network whose answers tests script and count, and a handle()
 * that runs one request through the strategy as workbox-routing would.
 */
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { EntryMetadataModel } from '../../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../../sw/storage/ImageCache.ts';
import { ImageCacheStrategy, type RouteRules } from '../../../sw/strategy/ImageCacheStrategy.ts';
import { storedResponseHeaders } from '../../../sw/strategy/storedHeaders.ts';
import { Clock, FakeEvent } from '../../helpers/fakes.ts';

export const ORIGIN = 'https://app.test';
export const URL_A = `${ORIGIN}/img/a.png`;

/** A body the test writes chunk by chunk: `push(bytes)`, then `close()`. */
export class ControlledBody {
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly stream = new ReadableStream<Uint8Array>({
    start: (c) => {
      this.#controller = c;
    },
  });
  push(bytes: number, fill = 7): void {
    this.#controller.enqueue(new Uint8Array(bytes).fill(fill));
  }
  close(): void {
    this.#controller.close();
  }
  /** Fails the body mid-way (a connection reset). */
  fail(): void {
    this.#controller.error(new TypeError('network error (injected)'));
  }
}

export interface Setup {
  cache: ImageCache;
  strategy: ImageCacheStrategy;
  clock: Clock;
  /** Every request the network received. */
  calls: Request[];
  handle(href?: string, init?: RequestInit): Promise<{ response: Response; event: FakeEvent }>;
}

export function setup(
  respond: (req: Request) => Response | Promise<Response>,
  options: { rules?: Partial<RouteRules>; plugins?: WorkboxPlugin[]; maxBytes?: number; maxEntryBytes?: number; fallback?: () => Promise<Response | undefined>; blobBodies?: boolean } = {},
): Setup {
  const clock = new Clock();
  const cache = new ImageCache({
    cacheName: 'strategy-http-test',
    maxBytes: options.maxBytes ?? 100_000,
    maxEntryBytes: options.maxEntryBytes,
    maxAgeSeconds: 60,
    now: clock.now,
    metadata: new EntryMetadataModel('strategy-http-db'),
    storedHeaders: storedResponseHeaders,
    blobBodies: options.blobBodies,
  });
  const calls: Request[] = [];
  const strategy = new ImageCacheStrategy({
    cache,
    origin: ORIGIN,
    rulesFor: () => ({ maxAgeSeconds: 60, ...options.rules }),
    fetch: async (req) => {
      calls.push(req);
      return respond(req);
    },
    plugins: options.plugins,
    fallback: options.fallback,
  });
  const handle = async (href = URL_A, init?: RequestInit) => {
    const event = new FakeEvent();
    const request = new Request(href, init);
    const response = await strategy.handle({ event: event.asEvent(), request, url: new URL(href) });
    return { response, event };
  };
  return { cache, strategy, clock, calls, handle };
}

/** Runs `handle` and drains its background work. */
export async function settled(s: Setup, href = URL_A, init?: RequestInit): Promise<Response> {
  const { response, event } = await s.handle(href, init);
  await event.drain();
  return response;
}

/** Resolves on the next macrotask (lets pending promise chains run). */
export const tick = () => new Promise<void>((r) => setTimeout(r, 0));
