/**
 * The cost of loading the index after a wake, and the metadata kept per entry, with numbers:
 * `npx tsx test/bench/recovery.ts [--entries 1000,10000]`.
 *
 * For each size N, Cache Storage and IndexedDB are filled directly from a page (N tiny bodies and N
 * records, as the worker writes them), the worker is stopped (CDP), and the next request wakes it:
 * the stats endpoint then reports the recovery it ran (`lastRecovery.durationMs`: `getAll()` of the
 * records, `cache.keys()`, reconciliation, rebuilding the LRU order). Hits do not wait for it (a
 * cold worker answers fresh hits from Cache Storage alone), so this is background time.
 */
import { getJson, openControlled, setupEnv, sleep, stopWorkers } from '../browser/harness.ts';

interface RecoveryStats {
  entries: number;
  lastRecovery: { durationMs: number; records: number; bodies: number; entries: number } | null;
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf('--entries');
  const sizes = (arg > 0 ? process.argv[arg + 1]! : '1000,10000').split(',').map(Number);
  const env = await setupEnv({ cacheName: 'sw-image-cache-images', maxBytes: 1024 * 1024 * 1024, writeBehindMs: 1000 });
  try {
    const page = await openControlled(env);
    const rows: string[] = [];
    for (const n of sizes) {
      // Fill both stores the way the worker writes them (committed records, bodies with their headers).
      await page.evaluate(async (count) => {
        const cache = await caches.open('sw-image-cache-images');
        for (const req of await cache.keys()) await cache.delete(req);
        const now = Date.now();
        const body = new Uint8Array(200).fill(1);
        for (let i = 0; i < count; i += 200) {
          await Promise.all(
            Array.from({ length: Math.min(200, count - i) }, (_, j) =>
              cache.put(
                `/tiny/${i + j}.png`,
                new Response(body, {
                  headers: {
                    'content-type': 'image/png',
                    'content-length': '200',
                    'x-sw-image-cache-stored': String(now),
                    'x-sw-image-cache-expires': String(now + 86_400_000),
                    'cache-status': 'sw-image-cache; hit',
                  },
                }),
              ),
            ),
          );
        }
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open('sw-image-cache');
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const tx = db.transaction('entries', 'readwrite');
        const store = tx.objectStore('entries');
        store.clear();
        for (let i = 0; i < count; i++) {
          store.put({
            url: new URL(`/tiny/${i}.png`, location.href).href,
            bytes: 200,
            state: 'committed',
            storedAt: now,
            lastAccessedAt: now + i,
            accessSeq: i + 1,
            expiresAt: now + 86_400_000,
            kind: 'runtime',
            revision: null,
            contentType: 'image/png',
            etag: '"abc123-4567"',
            lastModified: new Date(now).toUTCString(),
          });
        }
        await new Promise((resolve, reject) => {
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        db.close();
        return (await cache.keys()).length;
      }, n).then((stored) => {
        if (stored !== n) console.warn(`note: the page stored ${stored} of ${n} bodies`);
      });
      await sleep(1500); // Cache Storage writes settle asynchronously (BROWSER-TESTING.md §7)
      const durations: number[] = [];
      for (let round = 0; round < 3; round++) {
        await stopWorkers(page);
        await sleep(300);
        const stats = await getJson<RecoveryStats>(page, '/__image-cache/stats'); // wakes the worker
        if (!stats.lastRecovery || stats.entries < n * 0.99) throw new Error(`expected ${n} entries, got ${JSON.stringify(stats.lastRecovery)}`);
        durations.push(stats.lastRecovery.durationMs);
      }
      durations.sort((a, b) => a - b);
      const record = JSON.stringify({
        url: `${env.origin}/data/images/map_tile/5/12/12.png`,
        bytes: 18342,
        state: 'committed',
        storedAt: 1764000000000,
        lastAccessedAt: 1764000123456,
        accessSeq: 412,
        expiresAt: 1764604800000,
        kind: 'runtime',
        revision: null,
        contentType: 'image/png',
        etag: '"4794-19a2b3c4d5e"',
        lastModified: 'Mon, 24 Nov 2026 04:26:00 GMT',
      }).length;
      rows.push(`| ${n.toLocaleString('en-US')} | ${durations[1]!.toFixed(0)} ms (min ${durations[0]!.toFixed(0)}, max ${durations[2]!.toFixed(0)}) | ${(durations[1]! / n * 1000).toFixed(1)} µs | ~${record} B |`);
    }
    console.log('| entries | recovery after a wake (median of 3) | per entry | one record (JSON) |');
    console.log('|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    await page.close();
  } finally {
    await env.close();
  }
}

await main();
