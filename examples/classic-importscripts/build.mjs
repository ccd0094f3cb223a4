// Copies the site into dist/ with the package's classic build next to the worker
// (`sw-image-cache inject-manifest` then writes dist/sw.js with the warm-up manifest).
import { copyFile, cp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

await rm('dist', { recursive: true, force: true });
await cp('public', 'dist', { recursive: true, filter: (src) => !src.endsWith('sw.js') });
await copyFile(fileURLToPath(import.meta.resolve('sw-image-cache/classic')), 'dist/sw-image-cache.js');
