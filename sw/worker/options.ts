import { checkManifest, resolveConfig, type ImageCacheConfig, type ManifestEntry, type ResolvedConfig, type WarmupConfig } from '../config.ts';
import type { WorkboxPlugin } from 'workbox-core/types.js';
import { ImageCacheError } from '../errors/ImageCacheError.ts';

/**
 * The warm-up manifest a host worker passes to {@link installImageCache} as `manifest`: the images
 * precached on `install`, each `{ url, revision, bytes }` (a new revision replaces the stored
 * entry). `npx sw-image-cache inject-manifest` writes it in place of `self.__IMAGE_CACHE_MANIFEST`.
 */
export type ImageCacheManifest = ManifestEntry[];

/**
 * Options of {@link installImageCache}: the keys and units of the config file
 * (`image-cache.config.json`, all sizes in bytes, all durations in seconds; see the README's
 * configuration table), minus the standalone worker's `shell`, `shellRoot`, `navigateFallback`,
 * `cachePages` and `networkTimeoutSeconds`
 * (a host worker owns its shell and navigations), plus `manifest`, `register` and `scope`.
 * Only `maxBytes` is required.
 */
export interface InstallImageCacheOptions extends Omit<ImageCacheConfig, 'shell' | 'shellRoot' | 'navigateFallback' | 'cachePages' | 'networkTimeoutSeconds' | 'warmup'> {
  /**
   * Warm-up settings. `sources` is read by the build (`inject-manifest`) and ignored here, so one
   * config object can serve both. @default `{ concurrency: 4, retries: 2, requestsPerSecond: 0, installBytes: 5242880 }`
   */
  warmup?: WarmupConfig;
  /**
   * The warm-up manifest precached on `install` (into the byte budget; a failing image never fails
   * install). Usually `self.__IMAGE_CACHE_MANIFEST`, replaced at build time by
   * `npx sw-image-cache inject-manifest`. `undefined` or `[]`: no warm-up.
   * @default none
   * @throws ImageCacheError `manifest-over-budget` when its bytes sum above `maxBytes`;
   *   `invalid-manifest` naming the entry index for a malformed entry.
   */
  manifest?: ImageCacheManifest;
  /**
   * Register the routes on workbox-routing's default router (`registerRoute`). `false`: register
   * nothing, and add the returned `routes` (endpoints first, then the image `route`) to your own
   * `Router` in that order. @default true
   */
  register?: boolean;
  /**
   * The scope URL the virtual endpoints live under (`<scope>__image-cache/stats`).
   * @default self.registration.scope
   */
  scope?: string;
  /**
   * Workbox plugins for the image route's {@link ImageCacheStrategy} (`requestWillFetch`,
   * `fetchDidFail`, `fetchDidSucceed`, `cacheWillUpdate`, `cachedResponseWillBeUsed`,
   * `handlerDidError`; see its docs), called in order. @default []
   */
  plugins?: WorkboxPlugin[];
}

/** What {@link resolveInstallOptions} returns: the resolved config plus the worker-only options. */
export interface ResolvedInstallOptions {
  config: ResolvedConfig;
  manifest: ImageCacheManifest;
  register: boolean;
  scope: string | undefined;
  plugins: WorkboxPlugin[];
}

/** Config-file keys that belong to the standalone worker only. */
const STANDALONE_ONLY = ['shell', 'shellRoot', 'navigateFallback', 'cachePages', 'networkTimeoutSeconds'] as const;

/**
 * Validates {@link InstallImageCacheOptions} with the config file's rules (`resolveConfig`) and
 * fills in the defaults. Pure: touches no global.
 * @throws ImageCacheError `invalid-config` with `details.key` naming the offending key (e.g.
 *   `maxAgeSeconds`, `routes[0].pattern`, `shell`, `register`); `max-bytes-required`;
 *   `invalid-manifest` / `manifest-over-budget` for the manifest.
 */
export function resolveInstallOptions(options: InstallImageCacheOptions): ResolvedInstallOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ImageCacheError('invalid-config', { key: '(options)', reason: 'must be an object with at least maxBytes' });
  }
  const { manifest, register, scope, plugins, ...configKeys } = options as InstallImageCacheOptions & Record<string, unknown>;
  for (const key of STANDALONE_ONLY) {
    if (key in configKeys) {
      throw new ImageCacheError('invalid-config', {
        key,
        reason: 'belongs to the standalone worker (`npx sw-image-cache build`); a host worker keeps its own shell and navigation routes',
      });
    }
  }
  if (register !== undefined && typeof register !== 'boolean') {
    throw new ImageCacheError('invalid-config', { key: 'register', reason: `must be true or false, got ${JSON.stringify(register)}` });
  }
  if (scope !== undefined && (typeof scope !== 'string' || scope === '')) {
    throw new ImageCacheError('invalid-config', { key: 'scope', reason: `must be a non-empty URL string, got ${JSON.stringify(scope)}` });
  }
  if (manifest !== undefined && !Array.isArray(manifest)) {
    throw new ImageCacheError('invalid-config', {
      key: 'manifest',
      reason: 'must be an array of { url, revision, bytes } (did `sw-image-cache inject-manifest` run on this worker?)',
    });
  }
  if (plugins !== undefined && (!Array.isArray(plugins) || plugins.some((p) => typeof p !== 'object' || p === null))) {
    throw new ImageCacheError('invalid-config', { key: 'plugins', reason: 'must be an array of Workbox plugin objects' });
  }
  const config = resolveConfig(configKeys);
  const images = manifest ?? [];
  checkManifest({ images, shell: [] }, config);
  return { config, manifest: images, register: register ?? true, scope, plugins: plugins ?? [] };
}
