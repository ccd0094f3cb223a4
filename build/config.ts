import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveConfig, type ManifestEntry, type ResolvedConfig } from '../sw/config.ts';
import { ImageCacheError } from '../sw/errors/ImageCacheError.ts';
import { revisionOf } from './OutputWriter.ts';

/** Where a build's config comes from. */
export interface ConfigSource {
  /** Working folder: warm-up `directory` entries resolve against it. @default process.cwd() */
  root?: string;
  /** Config file (relative to `root`). @default "image-cache.config.json" */
  configPath?: string;
  /** A config object instead of a file (then `shellRoot` resolves against `root`). */
  config?: unknown;
}

/** A loaded config: resolved, plus the folder its relative `shellRoot` resolves against. */
export interface LoadedConfig {
  config: ResolvedConfig;
  root: string;
  /** The config file's folder (or `root` for a config object). */
  configDir: string;
}

/**
 * Reads and validates the config.
 * @throws ImageCacheError `invalid-config` naming the key (or `(file)` for an unreadable file).
 */
export async function loadConfig(source: ConfigSource): Promise<LoadedConfig> {
  const root = path.resolve(source.root ?? process.cwd());
  if (source.config !== undefined) return { config: resolveConfig(source.config), root, configDir: root };
  const configPath = path.resolve(root, source.configPath ?? 'image-cache.config.json');
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch {
    throw new ImageCacheError('invalid-config', { key: '(file)', reason: `cannot read ${configPath}` });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ImageCacheError('invalid-config', { key: '(file)', reason: `${configPath} is not valid JSON: ${(e as Error).message}` });
  }
  return { config: resolveConfig(raw), root, configDir: path.dirname(configPath) };
}

const IMAGE_EXT = /\.(png|jpe?g|webp|gif|avif|svg)$/i;

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...(await walk(full)));
    else if (d.isFile()) out.push(full);
  }
  return out;
}

/**
 * Builds the warm-up manifest from the config's `warmup.sources`: every image file under each
 * `directory` (whose path relative to it matches `include`, when given) becomes
 * `{ url: urlPrefix + relativePath, revision: sha256(bytes)[0..16], bytes }`, sorted by URL.
 * @throws ImageCacheError `invalid-config` when a source directory does not exist.
 */
export async function generateManifest(config: ResolvedConfig, root: string): Promise<ManifestEntry[]> {
  const images: ManifestEntry[] = [];
  for (const [i, source] of config.warmup.sources.entries()) {
    const dir = path.resolve(root, source.directory);
    if (!existsSync(dir)) {
      throw new ImageCacheError('invalid-config', {
        key: `warmup.sources[${i}].directory`,
        reason: `${source.directory} does not exist (run \`npm run data\` for the demo dataset)`,
      });
    }
    const include = source.include ? new RegExp(source.include) : null;
    for (const file of await walk(dir)) {
      const rel = path.relative(dir, file).split(path.sep).join('/');
      if (!IMAGE_EXT.test(rel) || (include && !include.test(rel))) continue;
      const data = await readFile(file);
      images.push({ url: source.urlPrefix + rel, revision: revisionOf(data), bytes: data.byteLength });
    }
  }
  images.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  return images;
}
