import { defineConfig } from 'vite';
import { VitePWA } from 'vite-plugin-pwa';

export default defineConfig({
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.js',
      injectRegister: 'script',
      manifest: false,
      injectManifest: { globPatterns: ['**/*.{html,js,css}'], rollupFormat: 'iife' },
    }),
  ],
});
