/**
 * The `sw-image-cache` command line (the package's `bin`; this repository's `npm run build` runs
 * the same code with `--demo`):
 *
 * ```
 * sw-image-cache build [--config FILE] [--out DIR] [--dev] [--demo]
 * sw-image-cache inject-manifest [--config FILE] --sw-src IN --sw-dest OUT
 * ```
 */
import { ImageCacheError } from '../sw/errors/ImageCacheError.ts';
import { BuildError } from './BuildError.ts';
import { injectManifest } from './injectManifest.ts';
import type { BuildWorkerOptions } from './standalone.ts';

export const USAGE = `usage:
  sw-image-cache build [--config FILE] [--out DIR] [--dev] [--demo]
      the standalone service worker: DIR/sw.js, register.js, register.mjs, client.mjs,
      image-manifest.json (default FILE image-cache.config.json, DIR dist); it never overwrites
      a file it did not write. --dev: development build with logs. --demo: also the demo app
      (this repository only).
  sw-image-cache inject-manifest [--config FILE] --sw-src IN --sw-dest OUT
      writes IN to OUT with self.__IMAGE_CACHE_MANIFEST replaced by the warm-up manifest
      generated from the config's warmup.sources (fails when it exceeds maxBytes).`;

/** What the command line needs from its host (the package, or this repository). */
export interface CliHost {
  /** Runs the standalone build; `demo` is only offered by the repository. */
  build: (options: Omit<BuildWorkerOptions, 'templatesDir'> & { demo: boolean }) => Promise<unknown>;
}

/** Parsed command line. */
export type CliCommand =
  | { command: 'build'; configPath?: string; outDir?: string; mode: 'production' | 'development'; demo: boolean }
  | { command: 'inject-manifest'; configPath?: string; swSrc: string; swDest: string }
  | { command: 'help' };

function usage(message: string): never {
  throw new BuildError('usage', `${message}\n${USAGE}`);
}

/**
 * Parses the arguments after the program name.
 * @throws BuildError `usage` for an unknown command or flag, or a missing value.
 */
export function parseCli(argv: readonly string[], defaultCommand?: 'build'): CliCommand {
  const args = [...argv];
  const command = args[0] && !args[0].startsWith('-') ? args.shift()! : defaultCommand;
  if (command === undefined || command === 'help' || args.includes('--help') || args.includes('-h')) return { command: 'help' };
  const flags: Record<string, string | true> = {};
  const valued = new Set(['--config', '--out', '--sw-src', '--sw-dest']);
  const booleans = command === 'build' ? new Set(['--dev', '--demo']) : new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (valued.has(a)) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) usage(`${command}: ${a} needs a value`);
      flags[a] = v;
    } else if (booleans.has(a)) flags[a] = true;
    else usage(`${command}: unknown argument ${a}`);
  }
  const configPath = flags['--config'] as string | undefined;
  if (command === 'build') {
    if (flags['--sw-src'] || flags['--sw-dest']) usage('build: --sw-src/--sw-dest belong to inject-manifest');
    return { command, configPath, outDir: flags['--out'] as string | undefined, mode: flags['--dev'] ? 'development' : 'production', demo: flags['--demo'] === true };
  }
  if (command === 'inject-manifest') {
    if (flags['--out']) usage('inject-manifest: use --sw-dest, not --out');
    if (!flags['--sw-src'] || !flags['--sw-dest']) usage('inject-manifest: --sw-src and --sw-dest are required');
    return { command, configPath, swSrc: flags['--sw-src'] as string, swDest: flags['--sw-dest'] as string };
  }
  return usage(`unknown command ${command}`);
}

/**
 * Runs the command line; resolves with the exit code (0 ok, 1 failed, 2 usage). Errors of ours are
 * printed as one line naming the key or file; others propagate.
 */
export async function runCli(argv: readonly string[], host: CliHost, defaultCommand?: 'build'): Promise<number> {
  try {
    const cmd = parseCli(argv, defaultCommand);
    if (cmd.command === 'help') {
      console.log(USAGE);
      return 0;
    }
    if (cmd.command === 'build') {
      await host.build({ configPath: cmd.configPath, outDir: cmd.outDir, mode: cmd.mode, demo: cmd.demo });
    } else {
      const r = await injectManifest({ configPath: cmd.configPath, swSrc: cmd.swSrc, swDest: cmd.swDest });
      console.log(`inject-manifest: ${r.count} images (${(r.bytes / 1048576).toFixed(2)} MiB) injected into ${r.swDest}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof BuildError && e.code === 'usage') {
      console.error(e.message);
      return 2;
    }
    if (e instanceof ImageCacheError || e instanceof BuildError) {
      console.error(`sw-image-cache: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
