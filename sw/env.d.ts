/**
 * `process.env.NODE_ENV` is replaced at build time by esbuild's `define` (`"production"` or
 * `"development"`), so dev-only logging compiles out of production builds (as in Workbox).
 */
declare const process: { env: { NODE_ENV?: string } };
