/**
 * Picks and launches the engines of the cross-engine suite. `BROWSER=chromium|firefox|webkit`
 * runs one; without it, all three.
 */
import { CHROMIUM_CAPABILITIES, ChromiumDriver } from './chromium.ts';
import { FIREFOX_CAPABILITIES, FirefoxDriver } from './firefox.ts';
import { ENGINES, type BrowserDriver, type DriverCapabilities, type EngineName } from './types.ts';
import { WEBKIT_CAPABILITIES, WebKitDriver } from './webkit.ts';

export * from './types.ts';

/** Capabilities by engine, known before launch (for `it.skipIf`). */
export const CAPABILITIES: Readonly<Record<EngineName, DriverCapabilities>> = {
  chromium: CHROMIUM_CAPABILITIES,
  firefox: FIREFOX_CAPABILITIES,
  webkit: WEBKIT_CAPABILITIES,
};

/**
 * The engines selected by `BROWSER` (one name), else all three.
 * @throws Error for a value that is not one of {@link ENGINES}.
 */
export function selectedEngines(value = process.env.BROWSER): EngineName[] {
  if (!value) return [...ENGINES];
  if (!(ENGINES as readonly string[]).includes(value)) throw new Error(`BROWSER=${value}: expected one of ${ENGINES.join(', ')}`);
  return [value as EngineName];
}

/** Launches `engine` with a fresh profile. */
export function launchDriver(engine: EngineName): Promise<BrowserDriver> {
  switch (engine) {
    case 'chromium':
      return ChromiumDriver.launch();
    case 'firefox':
      return FirefoxDriver.launch();
    case 'webkit':
      return WebKitDriver.launch();
  }
}
