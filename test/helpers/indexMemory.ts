/**
 * Measures the worker memory an {@link ImageCache} holds per entry once its index is loaded, in a
 * process of its own (`node --expose-gc --import tsx test/helpers/indexMemory.ts N [records|snapshot]`),
 * printing `{"n":…,"source":…,"bytesPerEntry":…}`. Heap used with the loaded cache minus heap
 * used once the cache is dropped (both after full collections); the stores are stubs that make
 * fresh strings on every read, so the URLs the cache keeps are counted as its own.
 * Used by `test/unit/storage/memory.test.ts` (a counting test: bytes, not time).
 */
import type { EntryRecord } from '../../sw/storage/EntryMetadataModel.ts';
import { ImageCache } from '../../sw/storage/ImageCache.ts';
import { encodeSnapshot, FLAG_PRECACHE } from '../../sw/storage/IndexSnapshot.ts';
import type { BodyStore, MetadataStore } from '../../sw/storage/stores.ts';

const n = Number(process.argv[2] ?? 100_000);
const source = process.argv[3] === 'snapshot' ? 'snapshot' : 'records';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const NOW = 1_764_000_000_000;

/** A realistic map-tile URL of about 70 characters, built fresh (not shared with any other holder). */
const url = (i: number) => `https://tiles.example-maps.org/styles/streets-v2/${12 + (i % 6)}/${(i * 7919) % 65536}/${i}.webp`;
const TYPES = ['image/webp', 'image/png', 'image/jpeg'];
const record = (i: number): EntryRecord => ({
  url: url(i),
  bytes: 15_000 + (i % 20_000),
  state: 'committed',
  storedAt: NOW - 86_400_000 + i,
  lastAccessedAt: NOW - 3_600_000 + i,
  accessSeq: i + 1,
  expiresAt: NOW + 7 * 86_400_000 + i,
  kind: i % 50 === 0 ? 'precache' : 'runtime',
  revision: i % 50 === 0 ? `r${i % 7}` : null,
  contentType: TYPES[i % 3]!,
  etag: `"${(i * 2654435761).toString(16)}-${i}"`,
  lastModified: new Date(NOW - i * 1000).toUTCString(),
});

const metadata: MetadataStore = {
  // Structured clones, as IndexedDB hands them back (flat strings).
  getAll: async () => structuredClone(Array.from({ length: n }, (_, i) => record(i))),
  get: async () => undefined,
  expiredUrls: async () => [],
  putMany: async () => {},
  put: async () => {},
  replace: async () => {},
  deleteMany: async () => {},
  writeBehind: async () => {},
  clear: async () => {},
  getStats: async () => undefined,
  putStats: async () => {},
  getMeta: async () => ({ cacheName: 'mem-images' }),
  putMeta: async () => {},
  close: async () => {},
  readSnapshot: async () => {
    if (source !== 'snapshot') return { snapshot: undefined, generation: 'g' };
    const entries = Array.from({ length: n }, (_, i) => {
      const r = record(i);
      return { url: r.url, bytes: r.bytes, storedAt: r.storedAt, expiresAt: r.expiresAt, flags: r.kind === 'precache' ? FLAG_PRECACHE : 0, contentType: r.contentType, revision: r.revision };
    });
    // A structured clone, as IndexedDB hands it back.
    return { snapshot: structuredClone(encodeSnapshot(entries, n, { generation: 'g', cacheName: 'mem-images', accessSeq: n })), generation: 'g' };
  },
};
const bodies: BodyStore = {
  cacheName: 'mem-images',
  // Every body is there (a wake from the snapshot probes a few of them).
  match: async () => new Response(new Uint8Array(1)),
  put: async () => {},
  delete: async () => false,
  urls: async () => structuredClone(Array.from({ length: n }, (_, i) => url(i))),
  clear: async () => {},
  exists: async () => true,
};

function heap(): number {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage().heapUsed;
}

let cache: ImageCache | null = new ImageCache({ cacheName: 'mem-images', maxBytes: 1e13, metadata, bodies, now: () => NOW });
await cache.ready();
if (cache.size !== n || cache.indexLoad?.source !== source) throw new Error(`loaded ${cache.size} from ${cache.indexLoad?.source}`);
await new Promise((r) => setTimeout(r, 10));
const held = heap();
cache = null;
await new Promise((r) => setTimeout(r, 10));
const without = heap();
process.stdout.write(`${JSON.stringify({ n, source, bytesPerEntry: (held - without) / n, urlChars: url(n - 1).length })}\n`);
process.exit(0);
