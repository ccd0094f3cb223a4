/**
 * Stock Firefox ESR through puppeteer-core 24 over WebDriver BiDi (`/usr/bin/firefox-esr`, or
 * `FIREFOX_PATH`). puppeteer makes a fresh temporary profile per launch and deletes it on close.
 * Headless: no display needed. BiDi in Firefox 153 cannot stop a service worker: the driver sets a
 * short idle timeout instead ({@link FIREFOX_WORKER_IDLE_TIMEOUT_MS}).
 */
import puppeteer, { type Browser } from 'puppeteer-core';
import { ScriptedPage, type BrowserDriver, type DriverCapabilities, type DriverPage } from './types.ts';

/** Firefox's path: `FIREFOX_PATH`, else Debian's `/usr/bin/firefox-esr`. */
export function firefoxPath(): string {
  return process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
}

/**
 * How long an idle service worker lives in the driven Firefox, in ms (pref
 * `dom.serviceWorkers.idle_timeout`; Firefox's default is 30 000). Short, so that a test can make
 * the worker stop by waiting: BiDi has no command for it. Every test in Firefox therefore also
 * runs with workers stopped and woken between its steps, as on a phone.
 */
export const FIREFOX_WORKER_IDLE_TIMEOUT_MS = 1500;

export const FIREFOX_CAPABILITIES: DriverCapabilities = { workerStop: 'idle-timeout', quotaOverride: false };

export class FirefoxDriver implements BrowserDriver {
  readonly engine = 'firefox' as const;
  readonly capabilities = FIREFOX_CAPABILITIES;
  private constructor(
    readonly browser: Browser,
    readonly version: string,
  ) {}

  /** Launches headless Firefox (5–15 s on 2 cores). */
  static async launch(): Promise<FirefoxDriver> {
    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: firefoxPath(),
      headless: true,
      protocolTimeout: 120_000,
      timeout: 90_000, // launch: 5–15 s on 2 idle cores, more when the machine is busy
      extraPrefsFirefox: { 'dom.serviceWorkers.idle_timeout': FIREFOX_WORKER_IDLE_TIMEOUT_MS },
    });
    const version = (await browser.version()).replace(/^firefox\//i, 'Firefox ');
    return new FirefoxDriver(browser, version);
  }

  async newPage(url: string): Promise<DriverPage> {
    const page = new ScriptedPage(await this.browser.newPage());
    await page.goto(url);
    return page;
  }

  /** Waits until idle workers have been stopped (the idle timeout plus a margin): they must be idle. */
  async stopWorkers(): Promise<void> {
    await new Promise((r) => setTimeout(r, FIREFOX_WORKER_IDLE_TIMEOUT_MS + 2000));
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => {});
  }
}
