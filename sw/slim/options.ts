/**
 * The standalone build's stand-in for `sw/worker/options.ts` (swapped in by `build/workerBundle.ts`):
 * the build validated the config and the manifest (`resolveConfig`, `checkManifest`) and wrote the
 * resolved config into `sw.js`, so the worker does not ship the validation again. It only fills in
 * what `sw/index.ts` leaves out of the resolved config (`warmup.sources`, a `null` `fallbackImage`);
 * `test/unit/build/workerBundle.test.ts` checks it returns what `resolveInstallOptions` would.
 * @internal
 */
import type { ResolvedConfig } from '../config.ts';
import type { InstallImageCacheOptions, ResolvedInstallOptions } from '../worker/options.ts';

/** `resolveInstallOptions` for options made from a config the build already resolved. */
export function resolveInstallOptions(options: InstallImageCacheOptions): ResolvedInstallOptions {
  const { manifest, register, scope, plugins, ...config } = options;
  return {
    config: {
      ...config,
      fallbackImage: config.fallbackImage ?? null,
      warmup: { sources: [], ...config.warmup },
    } as ResolvedConfig,
    manifest: manifest ?? [],
    register: register ?? true,
    scope,
    plugins: plugins ?? [],
  };
}
