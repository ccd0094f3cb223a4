/**
 * Message renderers for {@link ImageCacheError} codes (Workbox `messages.ts` style). Production
 * builds keep this map small by design: each renderer is one line. The renderers of the codes
 * raised at run time are in `runtimeMessages.ts`.
 */
import { runtimeMessages, type MessageRenderer } from './runtimeMessages.ts';

/**
 * The codes raised by checking options and manifests (`sw/config.ts`, `sw/worker/options.ts`):
 * in a host worker, by `installImageCache`; for the standalone `sw.js`, by the build, so its
 * bundle leaves them out (`sw/slim/messages.ts`).
 */
const validationMessages: Record<string, MessageRenderer> = {
  'invalid-config': ({ key, reason }) => `invalid config: \`${String(key)}\`: ${String(reason)}`,
  'max-bytes-required': () => 'invalid config: `maxBytes` is required: a byte budget must be set',
  'manifest-over-budget': ({ manifestBytes, maxBytes }) =>
    `the warm-up manifest holds ${String(manifestBytes)} bytes, more than \`maxBytes\` (${String(maxBytes)} bytes): ` +
    'raise maxBytes or precache fewer images',
  'invalid-manifest': ({ index, reason }) => `invalid warm-up manifest: entry ${String(index)}: ${String(reason)}`,
};

/** Every code's renderer. */
export const messages: Record<string, MessageRenderer> = { ...validationMessages, ...runtimeMessages };
