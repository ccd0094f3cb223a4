/**
 * Browser-test global setup: checks that Chromium is there (CHROMIUM_PATH or /usr/bin/chromium)
 * and generates the small deterministic test dataset once (reused across runs; git-ignored).
 */
import { existsSync } from 'node:fs';
import { generateDataset } from '../../build/data/generate.ts';
import { chromiumPath, TEST_DATA_DIR } from './harness.ts';

export default async function setup(): Promise<void> {
  const exe = chromiumPath();
  if (!existsSync(exe)) {
    throw new Error(
      `Chromium not found at ${exe}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH. ` +
        'Browser tests are never skipped.',
    );
  }
  if (!existsSync(`${TEST_DATA_DIR}/image_metadata.csv`)) {
    await generateDataset({ outDir: TEST_DATA_DIR, seed: 7, small: true });
  }
}
