/**
 * The standalone sw.js is bundled per config (build/workerBundle.ts): the default config's worker
 * carries only what it uses (size budget below), a config using another policy or transcoding
 * gets a worker containing them, and the stand-in for the worker's option validation returns what
 * the validation would have.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { replacePlaceholder } from '../../../build/inject.ts';
import { REPO_ROOT } from '../../../build/templates.ts';
import { bundleWorker, featuresOf } from '../../../build/workerBundle.ts';
import { resolveConfig, type ResolvedConfig } from '../../../sw/config.ts';
import { messages } from '../../../sw/errors/messages.ts';
import { messages as slimMessages } from '../../../sw/slim/messages.ts';
import { resolveInstallOptions as slimResolve } from '../../../sw/slim/options.ts';
import { MANIFEST_PLACEHOLDER, STANDALONE_PLACEHOLDER } from '../../../sw/standalone.ts';
import { resolveInstallOptions, type InstallImageCacheOptions } from '../../../sw/worker/options.ts';

/**
 * Budget of the default config's sw.js, gzipped (zlib level 9), in bytes: a ratchet, not the goal.
 * Issue 13 asks for 12 KiB and this tree misses it: the core the default config needs (cache with
 * pipelined writes and the index snapshot, strategy, static route and stale store, job queue,
 * endpoints, shell, idb, workbox-routing) is about 29.6 KiB (30,264 bytes on 2026-12-03, after the
 * dead no-queue warm-up path went and the validation messages and response-freshness parsing left
 * the default bundle), then 30,631 bytes with the 100,000-entry wake fix (recovery without
 * `Cache.keys()`, the progress watchdog), then 30,867 bytes with the wake's overlapped reads and the
 * fills' shared `caches.open` and single snapshot timer (raised to 30.25 KiB), then 31,090 bytes
 * with the wake's route floor (`minMaxAgeSeconds`: no route match per entry within the shortest
 * lifetime; raised to 30.5 KiB), then 31,267 bytes with streamed bodies stored as blobs in
 * Chromium, held against maxPendingBytes (`blobBodies`; raised to 30.75 KiB), then 32,188 bytes
 * with the wake's bulk load (the LRU key index as a typed-array hash table, `SlotMap`, filled in
 * one pass: the 100,000-entry table load in Node from ~60 to ~12 ms; raised to 31.5 KiB), then 32,282 bytes
with the write-behind batch waiting for a pause in the hits (its IndexedDB reads and writes had
delayed the hits around them by 10-20 ms; raised to 31.75 KiB). The module checks
 * below catch re-bundling what the config does not use; this budget catches growth.
 */
const DEFAULT_BUDGET_GZIP_BYTES = 31.75 * 1024;

const defaultRaw = JSON.parse(readFileSync(path.join(REPO_ROOT, 'image-cache.config.json'), 'utf8')) as Record<string, unknown>;
/** The repository's default config (its warm-up sources are read by the build only). */
const defaultConfig = (): ResolvedConfig => resolveConfig(defaultRaw);

/** Every optional feature on. */
const everyFeature = (): ResolvedConfig =>
  resolveConfig({
    ...defaultRaw,
    policy: 'gdsf',
    memoryTierBytes: 8 * 1024 * 1024,
    fallbackImage: '/fallback.png',
    shell: [...(defaultRaw.shell as string[]), '/fallback.png'],
    routes: [
      { pattern: '/data/images/banner/', maxAgeSeconds: 86400, transcode: { to: 'image/webp', quality: 0.8 } },
      { pattern: '/photos/', freshness: 'response', variants: { pattern: '/photos/(?<image>[^/]+)-(?<width>\\d+)\\.(?<format>webp|jpg)$' } },
    ],
  });

/** The bundled sw.js for `config` (config injected as the build does, empty manifests) and the modules in it. */
async function built(config: ResolvedConfig): Promise<{ code: string; modules: string[]; gzipBytes: number }> {
  const { code, metafile } = await bundleWorker(esbuild, config, 'production', REPO_ROOT);
  const sw = replacePlaceholder(replacePlaceholder(code, STANDALONE_PLACEHOLDER, { config, shell: [] }, 'sw.js'), MANIFEST_PLACEHOLDER, [], 'sw.js');
  const modules = Object.keys(Object.values(metafile.outputs)[0]!.inputs).filter((m) => m.includes('sw/'));
  return { code: sw, modules, gzipBytes: gzipSync(sw, { level: 9 }).byteLength };
}

/** What sw/index.ts passes to installImageCache for a resolved config. */
function standaloneOptions(config: ResolvedConfig): InstallImageCacheOptions {
  const { shell: _s, shellRoot: _r, navigateFallback: _n, cachePages: _c, networkTimeoutSeconds: _t, fallbackImage, warmup, ...options } = config;
  return {
    ...options,
    warmup: { concurrency: warmup.concurrency, retries: warmup.retries, requestsPerSecond: warmup.requestsPerSecond, installBytes: warmup.installBytes },
    ...(fallbackImage ? { fallbackImage } : {}),
    manifest: [{ url: '/a.png', revision: 'r1', bytes: 10 }],
  };
}

describe('the standalone sw.js bundled per config', () => {
  it('bundlesForTheDefaultConfigOnlyWhatItUsesWithinTheSizeBudget', async () => {
    const { modules, gzipBytes } = await built(defaultConfig());
    expect(modules.some((m) => m.endsWith('sw/config.ts'))).toBe(false);
    // The runtime codes' messages only (the build raises the validation codes).
    expect(modules.some((m) => m.endsWith('sw/errors/messages.ts'))).toBe(false);
    expect(modules.some((m) => m.endsWith('sw/errors/runtimeMessages.ts'))).toBe(true);
    expect(modules.filter((m) => m.includes('sw/transcode/'))).toEqual([]);
    expect(modules.filter((m) => /sw\/policy\/[A-Z]\w*Policy\.ts$/.test(m)).map((m) => path.basename(m))).toEqual(['LruPolicy.ts']);
    expect(modules.some((m) => m.endsWith('sw/worker/variants.ts') || m.endsWith('sw/storage/MemoryTier.ts'))).toBe(false);
    expect(modules.some((m) => m.endsWith('sw/policy/responseLifetimeSeconds.ts'))).toBe(false);
    expect(gzipBytes).toBeLessThanOrEqual(DEFAULT_BUDGET_GZIP_BYTES);
  });

  it('bundlesTheConfiguredPolicyTranscoderVariantsAndMemoryTierWhenTheConfigUsesThem', async () => {
    const config = everyFeature();
    expect(featuresOf(config)).toEqual({ policy: 'gdsf', transcode: true, variants: true, memoryTier: true, responseFreshness: true });
    expect(featuresOf(resolveConfig({ ...defaultRaw, freshness: 'response' })).responseFreshness).toBe(true);
    const all = await built(config);
    for (const m of ['sw/policy/GdsfPolicy.ts', 'sw/transcode/Transcoder.ts', 'sw/transcode/ssim.ts', 'sw/worker/variants.ts', 'sw/storage/MemoryTier.ts', 'sw/policy/responseLifetimeSeconds.ts']) {
      expect(all.modules.some((x) => x.endsWith(m)), m).toBe(true);
    }
    // The code itself: the policy's name, the encoder call, the transcoded-entry header.
    expect(all.code).toContain('"gdsf"');
    expect(all.code).toContain('convertToBlob');
    expect(all.code).toContain('X-SW-Image-Cache-Transcoded');
    expect(all.code).toContain('"max-age"');
    const lean = await built(defaultConfig());
    expect(lean.code).not.toContain('convertToBlob');
    expect(lean.code).not.toContain('"max-age"');
    expect(all.gzipBytes).toBeGreaterThan(lean.gzipBytes + 2048);
  });

  it('bundlesOnlyTheConfiguredPolicy', async () => {
    const { modules, code } = await built(resolveConfig({ ...defaultRaw, policy: 's3fifo' }));
    // LruPolicy stays: the cache's index keeps its recency order with it.
    expect(modules.filter((m) => /sw\/policy\/[A-Z]\w*Policy\.ts$/.test(m)).map((m) => path.basename(m)).sort()).toEqual(['LruPolicy.ts', 'S3FifoPolicy.ts']);
    expect(code).toContain('"s3fifo"');
  });

  it('raisesNoValidationCodeInTheWorkerAndRendersEveryRuntimeCodeAsTheLibraryDoes', async () => {
    const validationCodes = ['invalid-config', 'max-bytes-required', 'manifest-over-budget', 'invalid-manifest'];
    const runtimeCodes = ['index-unavailable', 'quota-exceeded', 'mutation-timeout', 'storage-failed', 'listener-failed'];
    expect(Object.keys(messages).sort()).toEqual([...validationCodes, ...runtimeCodes].sort());
    for (const config of [defaultConfig(), everyFeature()]) {
      const { code } = await built(config);
      // No code in the worker raises a validation code (the build checked the config and manifest).
      for (const c of validationCodes) expect(code, c).not.toContain(`"${c}"`);
      expect(code).toContain('the queue moved on, the IndexedDB connection is reopened and recovery reruns');
    }
    expect(Object.keys(slimMessages).sort()).toEqual([...runtimeCodes].sort());
    const details = { reason: 'r', url: 'https://example.test/a.png', operation: 'put', timeLimitMs: 5, name: 'N', message: 'm', type: 'evicted' };
    for (const c of runtimeCodes) expect(slimMessages[c]!(details), c).toBe(messages[c]!(details));
  });

  it('passesTheBuildResolvedConfigToTheCacheAsTheWorkerValidationWould', () => {
    for (const config of [defaultConfig(), everyFeature(), resolveConfig({ maxBytes: 1000 })]) {
      const options = standaloneOptions(config);
      const real = resolveInstallOptions(options);
      const slim = slimResolve(options);
      // The standalone-only keys are not the library's (installImageCache never reads them).
      const { shell: _s, shellRoot: _r, navigateFallback: _n, cachePages: _c, networkTimeoutSeconds: _t, ...libraryConfig } = real.config;
      expect(slim).toEqual({ ...real, config: libraryConfig });
    }
  });
});
