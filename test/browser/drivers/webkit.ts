/**
 * WebKitGTK's MiniBrowser through selenium-webdriver 4.46 and `WebKitWebDriver` (classic
 * WebDriver; package `webkit2gtk-driver`). MiniBrowser needs an X display: the driver starts its
 * own `Xvfb` (when installed; else it uses `DISPLAY`) and lets it pick a free display number
 * (`-displayfd`), so `npm test` needs no `xvfb-run` wrapper. Each session is an ephemeral automation session (no
 * registration, Cache Storage or IndexedDB left from before).
 *
 * Classic WebDriver drives one window at a time: every command of a {@link DriverPage} switches
 * to its window first, and commands are serialised. It has no network emulation, no console and
 * no way to stop a service worker (see BROWSER-TESTING.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { Builder, type WebDriver } from 'selenium-webdriver';
import { pollUntil, type BrowserDriver, type DriverCapabilities, type DriverPage, type PageFunction } from './types.ts';

/** MiniBrowser's path: `MINIBROWSER_PATH`, else Debian's (from `libwebkit2gtk-4.1-0`). */
export function miniBrowserPath(): string {
  return process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
}

/** WebKitWebDriver's path: `WEBKIT_WEBDRIVER_PATH`, else Debian's `/usr/bin/WebKitWebDriver`. */
export function webkitDriverPath(): string {
  return process.env.WEBKIT_WEBDRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
}

export const WEBKIT_CAPABILITIES: DriverCapabilities = { workerStop: null, quotaOverride: false };

/** A free TCP port on 127.0.0.1 (bound then released). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts `Xvfb` on a display number it picks itself; resolves `:N` once it accepts clients. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  xvfb.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not report a display in 10 s: ${stderr}`)), 10_000);
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(`:${out.trim()}`);
      }
    });
    xvfb.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start Xvfb (apt-get install xvfb): ${e.message}`));
    });
    xvfb.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code}: ${stderr}`));
    });
  });
  return { display, process: xvfb };
}

/** Whether `Xvfb` is on the PATH. */
function hasXvfb(): boolean {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(`${dir}/Xvfb`));
}

/** Resolves once `WebKitWebDriver` answers `/status`. */
async function waitForDriver(port: number, child: ChildProcess): Promise<void> {
  let exited: string | null = null;
  child.once('exit', (code) => (exited = `WebKitWebDriver exited with ${code}`));
  await pollUntil(
    async () => {
      if (exited) throw new Error(exited);
      try {
        return (await fetch(`http://127.0.0.1:${port}/status`)).ok;
      } catch {
        return false;
      }
    },
    10_000,
    'WebKitWebDriver /status',
  );
}

/** The script that runs a page function (or expression) and reports its outcome to WebDriver. */
function asyncScript(fn: string, isExpression: boolean): string {
  const call = isExpression ? `(${fn})` : `(${fn})(arguments[0])`;
  return `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => ${call}).then(
  (value) => done({ ok: true, value: value === undefined ? null : value }),
  (error) => done({ ok: false, error: String(error && error.stack ? error.message + '\\n' + error.stack : error) }),
);`;
}

class WebDriverPage implements DriverPage {
  constructor(
    private readonly owner: WebKitDriver,
    readonly handle: string,
  ) {}
  goto(url: string): Promise<void> {
    return this.owner.run(this.handle, (d) => d.get(url));
  }
  reload(): Promise<void> {
    return this.owner.run(this.handle, (d) => d.navigate().refresh());
  }
  async evaluate<R, A = undefined>(fn: PageFunction<A, R> | string, arg?: A): Promise<R> {
    const script = asyncScript(typeof fn === 'string' ? fn : fn.toString(), typeof fn === 'string');
    const outcome = (await this.owner.run(this.handle, (d) => d.executeAsyncScript(script, arg ?? null))) as
      | { ok: true; value: R }
      | { ok: false; error: string };
    if (!outcome.ok) throw new Error(`in WebKit page: ${outcome.error}`);
    return outcome.value;
  }
  waitFor<R, A = undefined>(fn: PageFunction<A, R>, arg?: A, options: { timeoutMs?: number; what?: string } = {}): Promise<NonNullable<R>> {
    return pollUntil(async () => (await this.evaluate(fn, arg)) as NonNullable<R>, options.timeoutMs ?? 20_000, options.what ?? 'condition in page');
  }
  close(): Promise<void> {
    return this.owner.closeWindow(this.handle);
  }
}

export class WebKitDriver implements BrowserDriver {
  readonly engine = 'webkit' as const;
  readonly capabilities = WEBKIT_CAPABILITIES;
  #queue: Promise<unknown> = Promise.resolve();
  #current: string;

  private constructor(
    readonly driver: WebDriver,
    readonly version: string,
    private readonly home: string,
    private readonly processes: ChildProcess[],
  ) {
    this.#current = home;
  }

  /** Starts Xvfb (unless `DISPLAY` is set), WebKitWebDriver, and a MiniBrowser session. */
  static async launch(): Promise<WebKitDriver> {
    const processes: ChildProcess[] = [];
    const kill = () => processes.forEach((p) => p.exitCode === null && p.kill());
    process.once('exit', kill);
    try {
      // Our own Xvfb when there is one (robust, and no window on a developer's desktop); else the
      // session's DISPLAY.
      let display = process.env.DISPLAY;
      if (hasXvfb() || !display) {
        const xvfb = await startXvfb();
        processes.push(xvfb.process);
        display = xvfb.display;
      }
      const port = await freePort();
      const child = spawn(webkitDriverPath(), [`--port=${port}`, '--host=127.0.0.1'], {
        stdio: 'ignore',
        env: { ...process.env, DISPLAY: display },
      });
      processes.push(child);
      await waitForDriver(port, child);
      const driver = await new Builder()
        .usingServer(`http://127.0.0.1:${port}`)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: miniBrowserPath(), args: ['--automation'] },
        })
        .build();
      await driver.manage().setTimeouts({ script: 120_000, pageLoad: 60_000 });
      const caps = await driver.getCapabilities();
      const home = await driver.getWindowHandle();
      return new WebKitDriver(driver, `WebKitGTK ${caps.get('browserVersion') ?? '?'}`, home, processes);
    } catch (e) {
      kill();
      throw e;
    }
  }

  /** Runs `command` with `handle`'s window current, after every earlier command. @internal */
  run<T>(handle: string, command: (d: WebDriver) => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => {
      if (this.#current !== handle) {
        await this.driver.switchTo().window(handle);
        this.#current = handle;
      }
      return command(this.driver);
    });
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Closes `handle`'s window and goes back to the first one (which stays open). @internal */
  closeWindow(handle: string): Promise<void> {
    return this.run(handle, async (d) => {
      await d.close();
      await d.switchTo().window(this.home);
      this.#current = this.home;
    });
  }

  async newPage(url: string): Promise<DriverPage> {
    const handle = await this.run(this.#current, async (d) => {
      await d.switchTo().newWindow('tab');
      this.#current = await d.getWindowHandle();
      return this.#current;
    });
    const page = new WebDriverPage(this, handle);
    await page.goto(url);
    return page;
  }

  async stopWorkers(): Promise<void> {
    throw new Error('WebKitWebDriver cannot stop a service worker (capability workerStop is null)');
  }

  async close(): Promise<void> {
    await this.driver.quit().catch(() => {});
    for (const p of this.processes.reverse()) {
      if (p.exitCode !== null) continue;
      p.kill();
      await new Promise((r) => p.once('exit', r));
    }
  }
}
