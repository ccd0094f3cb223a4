/**
 * Browser-test global setup: checks that every selected engine is installed (Chromium always:
 * the Chromium-only files need it; Firefox ESR and WebKitGTK's MiniBrowser + WebKitWebDriver +
 * Xvfb when `BROWSER` selects them or is unset) and generates the small deterministic test
 * dataset once (reused across runs; git-ignored). Browser tests are never skipped for a missing
 * browser: `.ci/run` installs them.
 */
import { existsSync } from 'node:fs';
import { generateDataset } from '../../build/data/generate.ts';
import { chromiumPath } from './drivers/chromium.ts';
import { firefoxPath } from './drivers/firefox.ts';
import { selectedEngines } from './drivers/index.ts';
import { miniBrowserPath, webkitDriverPath } from './drivers/webkit.ts';
import { TEST_DATA_DIR } from './harness.ts';

/** What must exist per engine, with the apt package that brings it. */
function requirements(): Array<{ path: string; what: string; apt: string; env: string }> {
  const engines = selectedEngines();
  const out = [];
  if (engines.includes('chromium')) out.push({ path: chromiumPath(), what: 'Chromium', apt: 'chromium', env: 'CHROMIUM_PATH' });
  if (engines.includes('firefox')) out.push({ path: firefoxPath(), what: 'Firefox ESR', apt: 'firefox-esr', env: 'FIREFOX_PATH' });
  if (engines.includes('webkit')) {
    out.push({ path: webkitDriverPath(), what: 'WebKitWebDriver', apt: 'webkit2gtk-driver', env: 'WEBKIT_WEBDRIVER_PATH' });
    out.push({ path: miniBrowserPath(), what: 'MiniBrowser', apt: 'webkit2gtk-driver', env: 'MINIBROWSER_PATH' });
    if (!process.env.DISPLAY) out.push({ path: '/usr/bin/Xvfb', what: 'Xvfb (or set DISPLAY)', apt: 'xvfb xauth', env: 'DISPLAY' });
  }
  return out;
}

export default async function setup(): Promise<void> {
  const missing = requirements().filter((r) => !existsSync(r.path));
  if (missing.length > 0) {
    throw new Error(
      missing.map((m) => `${m.what} not found at ${m.path}: apt-get install -y ${m.apt}, or set ${m.env}.`).join('\n') +
        '\nBrowser tests are never skipped (BROWSER=chromium|firefox|webkit selects one engine).',
    );
  }
  if (!existsSync(`${TEST_DATA_DIR}/image_metadata.csv`)) {
    await generateDataset({ outDir: TEST_DATA_DIR, seed: 7, small: true });
  }
}
