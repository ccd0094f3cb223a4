/**
 * Message renderers for {@link ImageCacheError} codes (Workbox `messages.ts` style). Production
 * builds keep this map small by design: each renderer is one line.
 */
export const messages: Record<string, (details: Record<string, unknown>) => string> = {
  'invalid-config': ({ key, reason }) => `invalid config: \`${String(key)}\`: ${String(reason)}`,
  'max-bytes-required': () => 'invalid config: `maxBytes` is required: a byte budget must be set',
  'manifest-over-budget': ({ manifestBytes, maxBytes }) =>
    `the warm-up manifest holds ${String(manifestBytes)} bytes, more than \`maxBytes\` (${String(maxBytes)} bytes): ` +
    'raise maxBytes or precache fewer images',
  'invalid-manifest': ({ index, reason }) => `invalid warm-up manifest: entry ${String(index)}: ${String(reason)}`,
  'index-unavailable': ({ reason }) => `the entry index (IndexedDB) is unavailable: ${String(reason)}`,
  'quota-exceeded': ({ url }) => `storage quota exceeded${url ? ` writing ${String(url)}` : ''}`,
  'mutation-timeout': ({ operation, timeLimitMs }) =>
    `index mutation \`${String(operation)}\` ran past ${String(timeLimitMs)} ms: the queue moved on, the IndexedDB connection is reopened and recovery reruns`,
  'storage-failed': ({ name, message }) => `storage failed: ${String(name)}: ${String(message)}`,
  'listener-failed': ({ type }) => `a listener for \`${String(type)}\` events threw`,
};
