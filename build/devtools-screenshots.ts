/**
 * Screenshots of Chromium's real DevTools panels for the docs (`docs/img/devtools-*.png`):
 * `npm run build && npx tsx build/devtools-screenshots.ts` (needs `dist/` and `data/`).
 * Headless Chromium has no DevTools window, so its own DevTools front end
 * (`devtools://devtools/bundled/devtools_app.html`) is opened in a tab and attached to the page's
 * target over the remote-debugging port (127.0.0.1:9334, `--remote-allow-origins=*`).
 */
import { chromium } from 'playwright-core';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { startStaticServer } from './server.ts';
const server = await startStaticServer({ mounts: [{ prefix: '/', dir: path.resolve('dist') }, { prefix: '/data/', dir: path.resolve('data') }] });
const dir = mkdtempSync('/tmp/dt-');
const ctx = await chromium.launchPersistentContext(dir, { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless=new','--no-sandbox','--disable-gpu','--disable-quic','--no-first-run','--disable-background-networking','--disable-component-update','--disable-sync','--remote-debugging-port=9334','--remote-allow-origins=*'], viewport: { width: 1400, height: 900 } });
try {
  const first = await ctx.newPage();
  await first.goto(server.url + '/');
  await first.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  await first.waitForTimeout(3000);
  await first.reload(); await first.waitForTimeout(3000);
  const target = await ctx.newPage();
  await target.goto('about:blank');
  const list = await (await fetch('http://127.0.0.1:9334/json/list')).json();
  const t = list.find((x: any) => x.type === 'page' && x.url === 'about:blank');
  const dev = await ctx.newPage();
  await dev.goto(`devtools://devtools/bundled/devtools_app.html?ws=127.0.0.1:9334/devtools/page/${t.id}`);
  await dev.waitForTimeout(2500);
  await dev.getByRole('tab', { name: 'Network' }).click();
  await dev.waitForTimeout(1000);
  await target.goto(server.url + '/');
  await target.waitForTimeout(4000);
  const row = dev.getByText(/\d+\.png/).first();
  await row.click({ timeout: 5000 });
  await dev.waitForTimeout(1500);
  await dev.screenshot({ path: 'docs/img/devtools-network.png' });
  await dev.getByRole('tab', { name: 'Application' }).click();
  await dev.waitForTimeout(1500);
  const expand = async (name: RegExp) => {
    const item = dev.getByRole('treeitem', { name }).first();
    await item.click({ timeout: 5000 });
    await dev.keyboard.press('ArrowRight');
    await dev.waitForTimeout(1200);
  };
  await expand(/^IndexedDB/);
  await expand(/^sw-image-cache/);
  await dev.getByRole('treeitem', { name: /^entries/ }).first().click({ timeout: 5000 });
  await dev.waitForTimeout(2000);
  await dev.screenshot({ path: 'docs/img/devtools-indexeddb.png' });
  await expand(/^Cache storage/);
  await dev.getByRole('treeitem', { name: /sw-image-cache-images(?!-shell)/ }).first().click({ timeout: 5000 });
  await dev.waitForTimeout(2000);
  await dev.screenshot({ path: 'docs/img/devtools-cache-storage.png' });
  console.log('wrote docs/img/devtools-network.png, devtools-indexeddb.png, devtools-cache-storage.png');
} finally {
  await ctx.close();
  await server.close();
}
