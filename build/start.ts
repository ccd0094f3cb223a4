/**
 * `npm start`: generates the demo dataset if it is missing, builds `dist/` from
 * `image-cache.config.json`, and serves the demo on http://127.0.0.1:8080 (`PORT` env or
 * `--port N` to change).
 */
import { existsSync } from 'node:fs';
import { ImageCacheError } from '../sw/errors/ImageCacheError.ts';
import { build } from './build.ts';
import { generateDataset } from './data/generate.ts';
import { parsePort, serve } from './serve.ts';

async function main(): Promise<void> {
  if (!existsSync('data/image_metadata.csv')) {
    console.log('generating the demo dataset into data/ (once; `npm run data -- --force` to redo)…');
    await generateDataset({ outDir: 'data' });
  }
  await build();
  await serve(parsePort(process.argv.slice(2)));
}

main().catch((e: unknown) => {
  if (e instanceof ImageCacheError) {
    console.error(`npm start failed: ${e.message}`);
    process.exit(1);
  }
  throw e;
});
