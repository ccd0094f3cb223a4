/**
 * The service worker's JavaScript heap, read over CDP on the worker's own target: a browser-level
 * CDP session finds the `service_worker` target of an origin (`Target.getTargets`), attaches to it
 * (`Target.attachToTarget`, non-flat: messages go through `Target.sendMessageToTarget`), forces a
 * full garbage collection (`HeapProfiler.collectGarbage`) and reads `Runtime.getHeapUsage`
 * (`usedSize`, bytes). {@link sampleWorkerHeap} polls `usedSize` + `backingStorageSize` (ArrayBuffer
 * backing stores, where buffered bodies live) without GC (peaks during a burst).
 */
import type { Browser, CDPSession } from 'playwright-core';

interface TargetInfo {
  targetId: string;
  type: string;
  url: string;
}

/** A CDP connection to one service worker target. */
export class WorkerTarget {
  #id = 0;
  readonly #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private constructor(
    readonly cdp: CDPSession,
    readonly sessionId: string,
  ) {
    cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
      if (e.sessionId !== this.sessionId) return;
      const msg = JSON.parse(e.message) as { id?: number; result?: unknown; error?: { message: string } };
      if (msg.id === undefined) return;
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    });
  }

  /** Attaches to the running service worker of `origin`; `undefined` when none is running. */
  static async attach(browser: Browser, origin: string): Promise<WorkerTarget | undefined> {
    const cdp = await browser.newBrowserCDPSession();
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
    const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(origin + '/'));
    if (!target) {
      await cdp.detach().catch(() => {});
      return undefined;
    }
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string };
    return new WorkerTarget(cdp, sessionId);
  }

  /** Sends one CDP command to the worker. */
  send<T = any>(method: string, params: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    const id = ++this.#id;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`${method}: no answer from the worker in ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.cdp
        .send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) } as never)
        .catch((e: Error) => {
          clearTimeout(timer);
          this.#pending.delete(id);
          reject(e);
        });
    });
  }

  /** Add `backingStorageSize` (ArrayBuffer backing stores, outside the V8 heap; newer Chromium) to `usedSize`. */
  withBackingStores = false;

  /** `usedSize` of the worker's JS heap (plus backing stores when {@link withBackingStores}), bytes (after a full GC when `gc`). */
  async heapUsed(gc: boolean): Promise<number> {
    if (gc) {
      await this.send('HeapProfiler.enable');
      await this.send('HeapProfiler.collectGarbage');
      await this.send('HeapProfiler.collectGarbage');
    }
    const r = await this.send<{ usedSize: number; totalSize: number; backingStorageSize?: number }>('Runtime.getHeapUsage');
    return r.usedSize + (this.withBackingStores ? (r.backingStorageSize ?? 0) : 0);
  }

  async detach(): Promise<void> {
    await this.cdp.send('Target.detachFromTarget', { sessionId: this.sessionId } as never).catch(() => {});
    await this.cdp.detach().catch(() => {});
  }
}

/** The worker heap of `origin` after a full GC, bytes; `NaN` when no worker runs there. */
export async function workerHeapAfterGc(browser: Browser, origin: string): Promise<number> {
  const t = await WorkerTarget.attach(browser, origin);
  if (!t) return NaN;
  try {
    return await t.heapUsed(true);
  } finally {
    await t.detach();
  }
}

/**
 * Samples the worker heap of `origin` every `everyMs` while `run()` runs; returns its value and the
 * highest `usedSize` seen (bytes, `NaN` when the worker could not be attached).
 */
export async function sampleWorkerHeap<T>(browser: Browser, origin: string, run: () => Promise<T>, everyMs = 25): Promise<{ value: T; peakBytes: number; baseBytes: number; samples: number }> {
  const t = await WorkerTarget.attach(browser, origin);
  if (!t) return { value: await run(), peakBytes: NaN, baseBytes: NaN, samples: 0 };
  t.withBackingStores = true;
  try {
    const baseBytes = await t.heapUsed(true);
    let peak = baseBytes;
    let samples = 0;
    let done = false;
    const poller = (async () => {
      while (!done) {
        try {
          peak = Math.max(peak, await t.heapUsed(false));
          samples++;
        } catch {
          // the worker may be busy; try again
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    let value: T;
    try {
      value = await run();
    } finally {
      done = true;
      await poller;
    }
    return { value, peakBytes: peak, baseBytes, samples };
  } finally {
    await t.detach();
  }
}
