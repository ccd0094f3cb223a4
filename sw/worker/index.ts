/**
 * `sw-image-cache/worker`: the image cache for any service worker (Workbox, vite-plugin-pwa, or
 * hand-written). Importing it has no side effects; {@link installImageCache} does the wiring.
 *
 * ```ts
 * import { installImageCache } from 'sw-image-cache/worker';
 * declare const self: ServiceWorkerGlobalScope & { __IMAGE_CACHE_MANIFEST: ImageCacheManifest };
 * installImageCache({ maxBytes: 50 * 1024 * 1024, manifest: self.__IMAGE_CACHE_MANIFEST });
 * ```
 * @module
 */
export { installImageCache, type InstalledImageCache } from './installImageCache.ts';
export { resolveInstallOptions, type InstallImageCacheOptions, type ImageCacheManifest, type ResolvedInstallOptions } from './options.ts';
export { ImageCacheStrategy, type ImageCacheStrategyOptions, type RouteRules } from '../strategy/ImageCacheStrategy.ts';
export {
  ImageCache,
  EXPIRES_HEADER,
  STORED_HEADER,
  type ImageCacheOptions,
  type ImageCacheStats,
  type CacheEventListener,
  type ImageCacheEventHooks,
  type BufferedResponse,
  type StoredHeaders,
  type LookupResult,
  type PutOptions,
  type PutResult,
  type RecoveryReport,
} from '../storage/ImageCache.ts';
export { ImageCacheError, type ImageCacheErrorCode } from '../errors/ImageCacheError.ts';
export type { ImageCacheConfig, RouteConfig, WarmupConfig, ManifestEntry, ResolvedConfig, ShellEntry } from '../config.ts';
export type { CacheEvent, CacheEventType, CacheStats, EntryInfo, HealthReport, RemovalReason, StaticRouteStats, StaticRouteReport } from '../protocol.ts';
export type { BodyStore, MetadataStore } from '../storage/stores.ts';
export type { EntryRecord, PersistedMeta, PersistedStats } from '../storage/EntryMetadataModel.ts';
export type { NotStorableReason } from '../storage/storable.ts';
export type { Bytes, Milliseconds, Seconds } from '../policy/types.ts';
export type { PolicyName } from '../policy/policyNames.ts';
export type { TranscodeOptions, ResolvedTranscodeOptions } from '../transcode/TranscodeOptions.ts';
export type { TranscodeInput, TranscodeStats, TranscodeHealth } from '../transcode/Transcoder.ts';
export type { TranscodeSkipReason } from '../transcode/decideTranscode.ts';
