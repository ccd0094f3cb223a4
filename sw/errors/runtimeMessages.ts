/** Renders the message of one code from the error's `details`. @internal */
export type MessageRenderer = (details: Record<string, unknown>) => string;

/**
 * Message renderers of the codes raised while the cache runs (the rest of the map of
 * `messages.ts`; the only ones the standalone `sw.js` bundles, see `sw/slim/messages.ts`).
 * @internal
 */
export const runtimeMessages: Record<string, MessageRenderer> = {
  'index-unavailable': ({ reason }) => `the entry index (IndexedDB) is unavailable: ${String(reason)}`,
  'quota-exceeded': ({ url }) => `storage quota exceeded${url ? ` writing ${String(url)}` : ''}`,
  'mutation-timeout': ({ operation, timeLimitMs }) =>
    `index mutation \`${String(operation)}\` ran past ${String(timeLimitMs)} ms: the queue moved on, the IndexedDB connection is reopened and recovery reruns`,
  'storage-failed': ({ name, message }) => `storage failed: ${String(name)}: ${String(message)}`,
  'listener-failed': ({ type }) => `a listener for \`${String(type)}\` events threw`,
};
