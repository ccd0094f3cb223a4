/**
 * The small browser-driver interface the cross-engine suite (`test/browser/engines.test.ts`) is
 * written against, so one scenario runs in Chromium (playwright-core, CDP), Firefox ESR
 * (puppeteer-core, WebDriver BiDi) and WebKitGTK's MiniBrowser (selenium-webdriver, classic
 * WebDriver). What only one engine's protocol can do is a capability flag, never a silent no-op.
 */

/** The engines the suite runs in; `BROWSER` takes one of these names. */
export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINES)[number];

/** What a driver can do beyond the common interface (static per engine, known before launch). */
export interface DriverCapabilities {
  /**
   * How a test can make the browser stop its service workers (to test wake-up and recovery):
   * - `cdp`: at once, Chromium's `ServiceWorker.stopAllWorkers`;
   * - `idle-timeout`: the driver launches the engine with a short idle timeout (Firefox's
   *   `dom.serviceWorkers.idle_timeout` pref) and {@link BrowserDriver.stopWorkers} waits past it,
   *   so the worker must be idle then (no request in flight, no `waitUntil` pending);
   * - `null`: no way (classic WebDriver in WebKitGTK 2.50 has no command and no such setting).
   */
  workerStop: 'cdp' | 'idle-timeout' | null;
  /** Override the origin's storage quota (CDP `Storage.overrideQuotaForOrigin`): Chromium only. */
  quotaOverride: boolean;
}

/**
 * A function run in the page. It is serialised with `Function.prototype.toString()`, so it must
 * not close over Node-side variables: pass what it needs as the one JSON-serialisable `arg`.
 */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

/** One tab (top-level browsing context) of a driven browser. */
export interface DriverPage {
  /** Navigates to `url` and resolves once its `load` event fired. */
  goto(url: string): Promise<void>;
  /** Reloads the page and resolves once its `load` event fired. */
  reload(): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and resolves its (awaited, JSON-serialisable) result; or evaluates a
   * string expression (awaited when it is a promise). Rejects with the page's error message.
   * Return plain data: `undefined` comes back as `null` through classic WebDriver (WebKit).
   */
  evaluate<R, A = undefined>(fn: PageFunction<A, R> | string, arg?: A): Promise<R>;
  /**
   * Polls `fn(arg)` in the page every 100 ms until it returns a truthy value, and resolves that.
   * @throws Error naming `what` after `timeoutMs` (default 20 000 ms).
   */
  waitFor<R, A = undefined>(fn: PageFunction<A, R>, arg?: A, options?: { timeoutMs?: number; what?: string }): Promise<NonNullable<R>>;
  /** Closes the tab. */
  close(): Promise<void>;
}

/** A launched browser with a fresh profile (no registration, Cache Storage or IndexedDB). */
export interface BrowserDriver {
  readonly engine: EngineName;
  /** The browser's own version string (e.g. `Firefox 153.8.0`, `WebKitGTK 2.50.6`). */
  readonly version: string;
  readonly capabilities: DriverCapabilities;
  /** Opens a new tab at `url` (a new tab defeats per-document image caches, see BROWSER-TESTING.md). */
  newPage(url: string): Promise<DriverPage>;
  /**
   * Stops every service worker of the browser (see {@link DriverCapabilities.workerStop}).
   * @throws Error when {@link DriverCapabilities.workerStop} is `null`.
   */
  stopWorkers(): Promise<void>;
  /** Quits the browser (and any driver process, display server or profile folder it started). */
  close(): Promise<void>;
}

/** Polls `check` every `intervalMs` until it resolves truthy; the common `waitFor` of every driver. */
export async function pollUntil<R>(check: () => Promise<R>, timeoutMs: number, what: string, intervalMs = 100): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  let last: R | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() >= deadline) throw new Error(`${what}: not true after ${timeoutMs} ms (last value ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * The part of a Playwright or Puppeteer `Page` the drivers use: both libraries spell it the same, so
 * one {@link DriverPage} adapter serves Chromium (playwright-core) and Firefox (puppeteer-core).
 */
export interface ScriptablePage {
  goto(url: string, options: { waitUntil: 'load' }): Promise<unknown>;
  reload(options: { waitUntil: 'load' }): Promise<unknown>;
  evaluate(fn: any, arg?: any): Promise<unknown>;
  close(): Promise<void>;
}

/** A {@link DriverPage} over a Playwright or Puppeteer page (see {@link ScriptablePage}). */
export class ScriptedPage<P extends ScriptablePage = ScriptablePage> implements DriverPage {
  constructor(readonly page: P) {}
  async goto(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'load' });
  }
  async reload(): Promise<void> {
    await this.page.reload({ waitUntil: 'load' });
  }
  evaluate<R, A = undefined>(fn: PageFunction<A, R> | string, arg?: A): Promise<R> {
    return (typeof fn === 'string' ? this.page.evaluate(fn) : this.page.evaluate(fn, arg)) as Promise<R>;
  }
  waitFor<R, A = undefined>(fn: PageFunction<A, R>, arg?: A, options: { timeoutMs?: number; what?: string } = {}): Promise<NonNullable<R>> {
    return pollUntil(async () => (await this.evaluate(fn, arg)) as NonNullable<R>, options.timeoutMs ?? 20_000, options.what ?? 'condition in page');
  }
  async close(): Promise<void> {
    await this.page.close();
  }
}
