import { chromium } from 'playwright-core';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os'; import path from 'node:path';
import { CHROMIUM_ARGS } from '../../browser/harness.ts';
const dir = await mkdtemp(path.join(os.tmpdir(), 'probe-'));
const ctx = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
console.log('browser()', ctx.browser() ? ctx.browser()!.version() : null);
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
console.log(await cdp.send('Browser.getVersion'));
try { await cdp.send('Tracing.start', { traceConfig: { includedCategories: ['devtools.timeline'] }, transferMode: 'ReturnAsStream' } as any); console.log('tracing ok'); 
const done = new Promise<any>(r => cdp.once('Tracing.tracingComplete', r));
await page.goto('about:blank');
await cdp.send('Tracing.end'); const ev = await done; console.log(Object.keys(ev), ev.stream);
let total = 0; for (;;) { const r: any = await cdp.send('IO.read', { handle: ev.stream }); total += r.data.length; if (r.eof) break; } console.log('trace chars', total);
} catch (e) { console.log('tracing err', (e as Error).message); }
await ctx.close();
