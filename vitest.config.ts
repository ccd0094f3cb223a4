import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (Node, fake-indexeddb + undici's spec Cache API, see test/setup/node.ts)
 * and `browser` (real browsers driven from Node; one test file at a time because each launches its
 * own browser). In `browser`, `engines.test.ts` runs in Chromium, Firefox ESR and WebKitGTK (see
 * test/browser/drivers/); the other files are Chromium-only (playwright-core, CDP).
 * `BROWSER=chromium|firefox|webkit` runs one engine: `firefox` and `webkit` then run only the
 * cross-engine suite.
 */
const browser = process.env.BROWSER;
if (browser && !['chromium', 'firefox', 'webkit'].includes(browser)) {
  throw new Error(`BROWSER=${browser}: expected chromium, firefox or webkit (or unset for all three)`);
}
const browserFiles =
  browser === 'firefox' || browser === 'webkit' ? ['test/browser/engines.test.ts'] : ['test/browser/**/*.test.ts'];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/node.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'browser',
          environment: 'node',
          include: browserFiles,
          globalSetup: ['test/browser/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
