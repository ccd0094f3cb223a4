/**
 * The one-script-tag form of the registration snippet (bundled as an IIFE to `dist/register.js`):
 *
 * ```html
 * <script src="/register.js" data-sw-url="/sw.js" data-scope="/" data-persist="false"></script>
 * ```
 *
 * Every attribute is optional:
 * - `data-sw-url`: the worker script URL. @default '/sw.js'
 * - `data-scope`: the registration scope. @default '/'
 * - `data-persist`: `"true"` (or present with no value) asks for persistent storage. @default false
 * - `data-manual`: present to skip auto-registration; call `window.swImageCache.register()` yourself.
 * - `data-retry-images`: `"false"` turns off the one-time retry of document images that failed
 *   while the worker was stopped. @default true
 *
 * It also exposes `window.swImageCache = { register }`. Listen for the
 * `sw-image-cache:controlled` and `sw-image-cache:update` events on `window`; note that the
 * first may fire before later scripts run, so also check `navigator.serviceWorker.controller`.
 */
import { registerImageCache, type RegisterOptions } from './register.ts';

/** What the script-tag bundle puts on `window`. */
export interface SwImageCacheGlobal {
  /** {@link registerImageCache}: register with explicit options. */
  register: typeof registerImageCache;
}

declare global {
  interface Window {
    /** Set by `/register.js`. */
    swImageCache?: SwImageCacheGlobal;
  }
}

/**
 * Reads registration options from a script element's `data-*` attributes.
 * @param script the `<script>` element, or `null` (then every default applies).
 * @returns the options, and whether `data-manual` asks to skip auto-registration.
 */
export function optionsFromScript(script: Element | null): { options: RegisterOptions; manual: boolean } {
  const options: RegisterOptions = {};
  if (script === null) return { options, manual: false };
  const swUrl = script.getAttribute('data-sw-url');
  const scope = script.getAttribute('data-scope');
  const persist = script.getAttribute('data-persist');
  if (swUrl) options.swUrl = swUrl;
  if (scope) options.scope = scope;
  if (persist !== null) options.persist = persist === '' || persist.toLowerCase() === 'true';
  const retry = script.getAttribute('data-retry-images');
  if (retry !== null) options.retryFailedImages = retry === '' || retry.toLowerCase() !== 'false';
  const manual = script.hasAttribute('data-manual') && script.getAttribute('data-manual') !== 'false';
  return { options, manual };
}

// `document.currentScript` is only set while this classic script first runs: read it now.
const script = typeof document !== 'undefined' ? document.currentScript : null;

if (typeof window !== 'undefined') {
  window.swImageCache = { register: registerImageCache };
  const { options, manual } = optionsFromScript(script);
  if (!manual) void registerImageCache(options);
}
