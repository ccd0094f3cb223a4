/**
 * The standalone build's stand-in for `sw/policy/responseLifetimeSeconds.ts` when neither the config
 * nor any route has `freshness: "response"` (swapped in by `build/workerBundle.ts`): `lifetimeSeconds`
 * calls `responseLifetimeSeconds` only for `freshness: "response"`, so this one is never called.
 * @internal
 */
export function responseLifetimeSeconds(): null {
  return null;
}
