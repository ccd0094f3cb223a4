/**
 * The standalone build's stand-in for `sw/worker/variants.ts` when no route of the config has
 * `variants` (swapped in by `build/workerBundle.ts`): `installImageCache` calls `findVariant` only
 * for a route with a variants pattern, so this one is never called.
 * @internal
 */
export async function findVariant(): Promise<Response | undefined> {
  return undefined;
}
