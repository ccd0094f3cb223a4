/**
 * Events and counters of one cache: the listeners, the event bus, and the statistics counters
 * that are written behind with access times. Private to `sw/storage`.
 * @internal
 */
import { errorCodeOf } from '../errors/ImageCacheError.ts';
import type { CacheEvent, CacheEventType } from '../protocol.ts';
import type { Milliseconds } from '../policy/types.ts';
import type { PersistedStats } from './EntryMetadataModel.ts';

/** An event as emitted by the cache (the `at` time is added when it is emitted). */
export type EventInput = CacheEvent extends infer E ? (E extends CacheEvent ? Omit<E, 'at'> : never) : never;

/** A listener for cache events; a listener that throws is reported once and never breaks a response. */
export type CacheEventListener = (event: CacheEvent) => void;

/**
 * Event hooks by event type, run in the worker (`ImageCacheOptions.eventHooks`). Each hook
 * receives the event; a hook that throws is reported as an `error` event (`listener-failed`) and
 * ignored. Not Workbox plugins: those go on `ImageCacheStrategy`.
 */
export type ImageCacheEventHooks = { [T in CacheEventType]?: (event: Extract<CacheEvent, { type: T }>) => void };

/** Counters all zero. */
export const ZERO_STATS: PersistedStats = {
  hits: 0,
  misses: 0,
  evictions: 0,
  expirations: 0,
  peakBytes: 0,
  stored: 0,
  bypassed: 0,
  collapsed: 0,
  stale: 0,
  errors: 0,
  busyBypasses: 0,
  staticRouteHits: 0,
  staticRouteMisses: 0,
  staticRouteReports: 0,
};

/** The event bus and counters. @internal */
export class CacheEvents {
  readonly #listeners = new Set<CacheEventListener>();
  readonly #now: () => Milliseconds;
  /** The counters (persisted by the write-behind batch when {@link CacheEvents.dirty}). */
  stats: PersistedStats = { ...ZERO_STATS };
  /** Whether the counters changed since the last write-behind batch. */
  dirty = false;

  constructor(now: () => Milliseconds) {
    this.#now = now;
  }

  /** Adds one to a counter. */
  count(counter: Exclude<keyof PersistedStats, 'peakBytes'>): void {
    this.stats[counter]++;
    this.dirty = true;
  }

  /** Raises `peakBytes` to `bytes` when higher. */
  peak(bytes: number): void {
    if (bytes > this.stats.peakBytes) {
      this.stats.peakBytes = bytes;
      this.dirty = true;
    }
  }

  /** Counts an error and emits it as an `error` event with its code. Never throws. */
  error(url: string | undefined, operation: string, e: unknown): void {
    this.count('errors');
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.emit({ type: 'error', url, operation, code: errorCodeOf(e), message });
  }

  /**
   * Whether anyone listens. Hot paths test it before building an event, so that no event object
   * is allocated when nobody listens (a hit then costs no allocation for its event).
   */
  get listening(): boolean {
    return this.#listeners.size > 0;
  }

  /** Emits an event to every listener, synchronously. Callers on hot paths check {@link CacheEvents.listening} first. */
  emit(input: EventInput): void {
    if (this.#listeners.size === 0) return;
    const event = { ...input, at: this.#now() } as CacheEvent;
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (e) {
        // A throwing listener never breaks a response; it is reported (once per throw) to the others.
        if (event.type !== 'error') {
          this.count('errors');
          const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
          this.emit({ type: 'error', url: event.url, operation: `listener for ${event.type}`, code: 'listener-failed', message });
        }
      }
    }
  }

  /** Adds a listener; returns a function that removes it. */
  on(listener: CacheEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Adds event hooks (see {@link ImageCacheEventHooks}); returns a function that removes them. */
  addHooks(hooks: ImageCacheEventHooks): () => void {
    return this.on((event) => {
      const hook = hooks[event.type] as ((e: CacheEvent) => void) | undefined;
      hook?.call(hooks, event);
    });
  }
}
