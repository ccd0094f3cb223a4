import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkManifest, type ManifestEntry } from '../sw/config.ts';
import { MANIFEST_PLACEHOLDER } from '../sw/standalone.ts';
import { generateManifest, loadConfig, type ConfigSource } from './config.ts';
import { replacePlaceholder } from './inject.ts';

/** Options of {@link injectManifest}. Relative paths resolve against `root`. */
export interface InjectManifestOptions extends ConfigSource {
  /** The built service worker that contains `self.__IMAGE_CACHE_MANIFEST` once. */
  swSrc: string;
  /** Where to write the result (may equal `swSrc`). */
  swDest: string;
}

/** What {@link injectManifest} did. */
export interface InjectManifestResult {
  /** The injected warm-up manifest. */
  manifest: ManifestEntry[];
  /** Number of images in it. */
  count: number;
  /** Their summed size, in bytes. */
  bytes: number;
  /** The absolute path written. */
  swDest: string;
}

/**
 * The `inject-manifest` step for existing build pipelines (as workbox-build's `injectManifest`):
 * generates the warm-up manifest from the config's `warmup.sources` (content-hash revisions) and
 * writes `swSrc` to `swDest` with `self.__IMAGE_CACHE_MANIFEST` replaced by it. Run it after the
 * bundler (and after workbox's own injectManifest, if any).
 * @throws ImageCacheError `invalid-config` naming the key; `manifest-over-budget` when the images
 *   sum above `maxBytes`; `invalid-manifest` for an image larger than `maxEntryBytes`.
 * @throws BuildError `injection-point` when `swSrc` has no (or more than one) placeholder.
 */
export async function injectManifest(options: InjectManifestOptions): Promise<InjectManifestResult> {
  const { config, root } = await loadConfig(options);
  const manifest = await generateManifest(config, root);
  checkManifest({ images: manifest, shell: [] }, config);
  const swSrc = path.resolve(root, options.swSrc);
  const swDest = path.resolve(root, options.swDest);
  const source = await readFile(swSrc, 'utf8');
  const output = replacePlaceholder(source, MANIFEST_PLACEHOLDER, manifest, swSrc);
  await mkdir(path.dirname(swDest), { recursive: true });
  await writeFile(swDest, output);
  return { manifest, count: manifest.length, bytes: manifest.reduce((s, e) => s + e.bytes, 0), swDest };
}
