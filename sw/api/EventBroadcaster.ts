import { EVENTS_CHANNEL, PROTOCOL, type CacheEvent, type EventsMessage } from '../protocol.ts';

/**
 * Posts cache events to pages on a BroadcastChannel ({@link EVENTS_CHANNEL}), batched: events are
 * buffered and posted together at most every `intervalMs`, so a burst of hits costs one
 * `postMessage`, not thousands, and nothing is posted on a hit's critical path.
 */
export class EventBroadcaster {
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  #channel: BroadcastChannel | null = null;
  #buffer: CacheEvent[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #flushed: Promise<void> | null = null;
  #resolveFlushed: (() => void) | null = null;
  /** Events dropped because the buffer was full (`maxBuffered`) before a flush. */
  dropped = 0;

  /**
   * @param intervalMs Longest time an event waits before it is posted, in ms. @default 100
   * @param maxBuffered Events kept per batch; further ones are counted in `dropped`. @default 1000
   */
  constructor(intervalMs = 100, maxBuffered = 1000) {
    this.#intervalMs = intervalMs;
    this.#maxBuffered = maxBuffered;
  }

  /** Queues an event; the batch is posted within `intervalMs`. */
  push = (event: CacheEvent): void => {
    if (this.#buffer.length >= this.#maxBuffered) {
      this.dropped++;
      return;
    }
    this.#buffer.push(event);
    if (!this.#timer) this.#timer = setTimeout(this.flush, this.#intervalMs);
  };

  /**
   * Resolves once the events buffered now have been posted (immediately when none are). Pass it
   * to `event.waitUntil()` so a worker stopped right after an event still posts its last batch.
   */
  whenFlushed(): Promise<void> {
    if (this.#buffer.length === 0) return Promise.resolve();
    this.#flushed ??= new Promise<void>((resolve) => {
      this.#resolveFlushed = resolve;
    });
    return this.#flushed;
  }

  /** Posts the buffered events now. */
  flush = (): void => {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const resolve = this.#resolveFlushed;
    this.#flushed = null;
    this.#resolveFlushed = null;
    if (this.#buffer.length === 0) {
      resolve?.();
      return;
    }
    const message: EventsMessage = { protocol: PROTOCOL, type: 'events', events: this.#buffer };
    this.#buffer = [];
    try {
      this.#channel ??= new BroadcastChannel(EVENTS_CHANNEL);
      this.#channel.postMessage(message);
    } catch {
      // BroadcastChannel unavailable: pages can still poll the endpoints.
    }
    resolve?.();
  };
}
