import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (Node, fake-indexeddb + undici's spec Cache API, see test/setup/node.ts)
 * and `browser` (real Chromium driven by playwright-core from Node; one test file at a time
 * because each launches its own browser).
 */
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
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/browser/globalSetup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
