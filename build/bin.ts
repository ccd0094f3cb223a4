/**
 * The package's `sw-image-cache` command (bundled to `lib/node/cli.js`). See `cli.ts`.
 */
import { BuildError } from './BuildError.ts';
import { runCli, USAGE } from './cli.ts';
import { build } from './node.ts';

runCli(process.argv.slice(2), {
  build: async ({ demo, ...options }) => {
    if (demo) throw new BuildError('usage', `build: --demo is only available in the sw-image-cache repository\n${USAGE}`);
    return build(options);
  },
}).then((code) => {
  process.exitCode = code;
});
