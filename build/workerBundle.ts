/**
 * Bundles the standalone `sw.js` for one config, at build time (`sw-image-cache build`, `npm run
 * build`): esbuild over the worker's sources (`sw/index.ts`), with only the code the config uses.
 * Modules swapped in by path (the library form, `installImageCache` in a host worker, keeps them all):
 * - `sw/policy/createPolicy.ts`: a generated module importing only the configured `policy`;
 * - `sw/worker/options.ts`: `sw/slim/options.ts` (the build validated the config; no validation
 *   or error-message code in the worker);
 * - `sw/errors/messages.ts`: `sw/slim/messages.ts` (only the messages of the codes raised at run
 *   time; the validation codes are raised by the build);
 * - `sw/transcode/Transcoder.ts`: `sw/slim/noTranscoder.ts` unless a route has `transcode`;
 * - `sw/worker/variants.ts`: `sw/slim/noVariants.ts` unless a route has `variants`;
 * - `sw/storage/MemoryTier.ts`: `sw/slim/noMemoryTier.ts` when `memoryTierBytes` is `0`;
 * - `sw/policy/responseLifetimeSeconds.ts`: `sw/slim/noResponseFreshness.ts` unless the config or a
 *   route has `freshness: "response"`.
 * The config and the manifests are then written in place of the placeholders (`standalone.ts`).
 */
import path from 'node:path';
import type * as esbuild from 'esbuild';
import type { ResolvedConfig } from '../sw/config.ts';
import type { PolicyName } from '../sw/policy/policyNames.ts';

/** The browser targets of every bundle. */
export const TARGETS = ['chrome110', 'firefox115', 'safari16'];

/** The policy classes by config name (each in `sw/policy/<Class>.ts`). */
const POLICY_CLASSES: Record<PolicyName, string> = {
  lru: 'LruPolicy',
  fifo: 'FifoPolicy',
  lfu: 'LfuPolicy',
  sieve: 'SievePolicy',
  s3fifo: 'S3FifoPolicy',
  gdsf: 'GdsfPolicy',
};

/** What a config needs in its worker, besides the core. */
export interface WorkerFeatures {
  /** The replacement policy (only this class is bundled). */
  policy: PolicyName;
  /** Some route has `transcode` (the transcoder is bundled). */
  transcode: boolean;
  /** Some route has `variants` (variant lookup is bundled). */
  variants: boolean;
  /** `memoryTierBytes` > 0 (the memory tier is bundled). */
  memoryTier: boolean;
  /** The config or some route has `freshness: "response"` (the response-lifetime parsing is bundled). */
  responseFreshness: boolean;
}

/** The features `config` uses. */
export function featuresOf(config: ResolvedConfig): WorkerFeatures {
  return {
    policy: config.policy,
    transcode: config.routes.some((r) => r.transcode !== undefined),
    variants: config.routes.some((r) => r.variants !== undefined),
    memoryTier: config.memoryTierBytes > 0,
    responseFreshness: config.freshness === 'response' || config.routes.some((r) => r.freshness === 'response'),
  };
}

/**
 * esbuild options shared by the browser bundles of `mode`: minified with dev logs compiled out in
 * production; inline source maps in development.
 */
export function browserOptions(mode: 'production' | 'development'): esbuild.BuildOptions {
  return {
    bundle: true,
    platform: 'browser',
    target: TARGETS,
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
    minify: mode === 'production',
    sourcemap: mode === 'development' ? 'inline' : false,
  };
}

/**
 * The TypeScript settings the worker's sources are compiled with (the repository's
 * `tsconfig.base.json`), given explicitly so the package's copy of the sources, which has no
 * tsconfig, compiles the same.
 */
const TSCONFIG_RAW = { compilerOptions: { target: 'ES2022', strict: true, verbatimModuleSyntax: true } } as const;

/** The esbuild plugin swapping in the modules of the header for `features`. */
export function slimPlugin(sourceRoot: string, features: WorkerFeatures): esbuild.Plugin {
  const sw = (p: string) => path.join(sourceRoot, 'sw', p);
  const swaps = new Map<string, string>([
    [sw('worker/options.ts'), sw('slim/options.ts')],
    [sw('errors/messages.ts'), sw('slim/messages.ts')],
  ]);
  if (!features.transcode) swaps.set(sw('transcode/Transcoder.ts'), sw('slim/noTranscoder.ts'));
  if (!features.variants) swaps.set(sw('worker/variants.ts'), sw('slim/noVariants.ts'));
  if (!features.memoryTier) swaps.set(sw('storage/MemoryTier.ts'), sw('slim/noMemoryTier.ts'));
  if (!features.responseFreshness) swaps.set(sw('policy/responseLifetimeSeconds.ts'), sw('slim/noResponseFreshness.ts'));
  const createPolicy = sw('policy/createPolicy.ts');
  const policyClass = POLICY_CLASSES[features.policy];
  return {
    name: 'sw-image-cache-slim',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (target === createPolicy) return { path: createPolicy, namespace: 'sw-image-cache-policy' };
        const swap = swaps.get(target);
        return swap ? { path: swap } : undefined;
      });
      b.onLoad({ filter: /.*/, namespace: 'sw-image-cache-policy' }, () => ({
        contents:
          `import { ${policyClass} } from './${policyClass}.ts';\n` +
          `/** The configured policy (${features.policy}); the build bundles no other. */\n` +
          `export function createPolicy() { return new ${policyClass}(); }\n`,
        loader: 'ts',
        resolveDir: path.dirname(createPolicy),
      }));
    },
  };
}

/**
 * esbuild, when it is installed (a dependency of this repository; the package needs it at build
 * time to bundle per config), else `null`.
 */
export async function loadEsbuild(): Promise<typeof esbuild | null> {
  try {
    return await import('esbuild');
  } catch {
    return null;
  }
}

/**
 * Bundles `sw/index.ts` of `sourceRoot` for `config` in `mode` (an IIFE; the placeholders
 * `self.__IMAGE_CACHE_STANDALONE` and `self.__IMAGE_CACHE_MANIFEST` are left for the caller).
 * @param esb The esbuild module ({@link loadEsbuild}).
 * @param sourceRoot The folder holding `sw/` (this repository, or the package's `lib/src/`).
 * @param sourcemaps Inline source maps in development. @default true
 * @returns the script, and esbuild's metafile (what each module costs).
 */
export async function bundleWorker(
  esb: typeof esbuild,
  config: ResolvedConfig,
  mode: 'production' | 'development',
  sourceRoot: string,
  sourcemaps = true,
): Promise<{ code: string; metafile: esbuild.Metafile }> {
  const result = await esb.build({
    ...browserOptions(mode),
    ...(sourcemaps ? {} : { sourcemap: false as const }),
    entryPoints: [path.join(sourceRoot, 'sw', 'index.ts')],
    format: 'iife',
    write: false,
    metafile: true,
    outfile: 'sw.js',
    tsconfigRaw: TSCONFIG_RAW,
    plugins: [slimPlugin(sourceRoot, featuresOf(config))],
  });
  return { code: result.outputFiles[0]!.text, metafile: result.metafile };
}
