// Builds dist/: the page, then the worker bundled by esbuild, then the two manifests injected
// (workbox-build's for the shell, sw-image-cache's for the image warm-up).
import { cp, mkdir, rm } from 'node:fs/promises';
import * as esbuild from 'esbuild';
import { injectManifest as injectWorkboxManifest } from 'workbox-build';
import { injectManifest as injectImageCacheManifest } from 'sw-image-cache/build';

await rm('dist', { recursive: true, force: true });
await mkdir('.build', { recursive: true });
await cp('public', 'dist', { recursive: true });
await esbuild.build({
  entryPoints: ['src/sw.js'],
  outfile: '.build/sw.js',
  bundle: true,
  format: 'iife',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"' },
});
const workbox = await injectWorkboxManifest({
  swSrc: '.build/sw.js',
  swDest: 'dist/sw.js',
  globDirectory: 'dist',
  globPatterns: ['**/*.{html,js,css}'],
});
const images = await injectImageCacheManifest({ configPath: 'image-cache.config.json', swSrc: 'dist/sw.js', swDest: 'dist/sw.js' });
console.log(`dist/sw.js: ${workbox.count} shell files precached by Workbox, ${images.count} warm-up images by sw-image-cache`);
