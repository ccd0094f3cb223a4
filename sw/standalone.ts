import type { ResolvedConfig, ShellEntry } from './config.ts';

/**
 * What the standalone build (`npx sw-image-cache build`) writes into `sw.js` in place of
 * `self.__IMAGE_CACHE_STANDALONE`: the resolved config and the app shell with content revisions.
 * The warm-up images go in place of `self.__IMAGE_CACHE_MANIFEST`, as `inject-manifest` does.
 * @internal
 */
export interface StandaloneInjection {
  config: ResolvedConfig;
  shell: ShellEntry[];
}

/** The placeholder of the standalone config in the worker template. @internal */
export const STANDALONE_PLACEHOLDER = 'self.__IMAGE_CACHE_STANDALONE';
/** The placeholder of the warm-up manifest, in the standalone template and in host workers. */
export const MANIFEST_PLACEHOLDER = 'self.__IMAGE_CACHE_MANIFEST';
