/**
 * The standalone build's stand-in for `sw/storage/MemoryTier.ts` when the config's
 * `memoryTierBytes` is `0` (swapped in by `build/workerBundle.ts`): `ImageCache` constructs a
 * memory tier only for `memoryTierBytes > 0`, so this class is never constructed.
 * @internal
 */
export class MemoryTier {
  constructor() {
    throw new Error('sw-image-cache: this sw.js was built without the memory tier (memoryTierBytes: 0)');
  }
}
