/**
 * The standalone build's stand-in for `sw/errors/messages.ts` (swapped in by
 * `build/workerBundle.ts`, with `sw/slim/options.ts`): the build checked the config and the
 * manifest, so no code in the worker raises a validation code (`invalid-config`,
 * `max-bytes-required`, `manifest-over-budget`, `invalid-manifest`) and their renderers are left
 * out. Every code the worker can raise renders the same text as in the library.
 * @internal
 */
export { runtimeMessages as messages } from '../errors/runtimeMessages.ts';
