/**
 * Chromium through playwright-core over CDP (Debian's `/usr/bin/chromium`, or `CHROMIUM_PATH`),
 * with a fresh profile folder per browser. The only driver that can stop a service worker and
 * override the quota (CDP `ServiceWorker.stopAllWorkers`, `Storage.overrideQuotaForOrigin`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ScriptedPage, type BrowserDriver, type DriverCapabilities, type DriverPage } from './types.ts';

/** Chromium's path: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

/** Flags for a quiet headless Chromium on a CI machine (BROWSER-TESTING.md §1). */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const CHROMIUM_CAPABILITIES: DriverCapabilities = { workerStop: 'cdp', quotaOverride: true };

/** A launched Chromium; `context` is there for Chromium-only tests that need more of Playwright. */
export class ChromiumDriver implements BrowserDriver {
  readonly engine = 'chromium' as const;
  readonly capabilities = CHROMIUM_CAPABILITIES;
  private constructor(
    readonly context: BrowserContext,
    readonly version: string,
    readonly profile: string,
  ) {}

  /** Launches Chromium with a fresh profile folder. */
  static async launch(): Promise<ChromiumDriver> {
    const profile = await mkdtemp(path.join(os.tmpdir(), 'sw-image-cache-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath(), args: CHROMIUM_ARGS });
    return new ChromiumDriver(context, `Chromium ${context.browser()?.version() ?? '?'}`, profile);
  }

  async newPage(url: string): Promise<DriverPage> {
    const page = new ScriptedPage(await this.context.newPage());
    await page.goto(url);
    return page;
  }

  async stopWorkers(): Promise<void> {
    const page = this.context.pages()[0] ?? (await this.context.newPage());
    const cdp = await this.context.newCDPSession(page);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await cdp.detach();
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => {});
    await rm(this.profile, { recursive: true, force: true });
  }
}
