import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BuildError } from './BuildError.ts';

/**
 * The record of the files a build wrote, kept in the output folder. A later build overwrites only
 * files listed there; any other existing file stops the build before anything is written.
 */
export const WRITTEN_FILES_RECORD = '.sw-image-cache-files.json';

/**
 * Writes a build's files into an output folder without ever overwriting a file it did not write:
 * every file is staged first ({@link stage}); {@link commit} checks all targets, then writes them
 * and updates {@link WRITTEN_FILES_RECORD}. A refused build writes nothing.
 */
export class OutputWriter {
  readonly outDir: string;
  readonly #staged = new Map<string, Uint8Array>();

  /** @param outDir The output folder (created on commit). */
  constructor(outDir: string) {
    this.outDir = path.resolve(outDir);
  }

  /** Stages `data` for `relPath` (forward slashes, relative to the output folder). */
  stage(relPath: string, data: string | Uint8Array): void {
    const rel = relPath.split(path.sep).join('/').replace(/^\/+/, '');
    this.#staged.set(rel, typeof data === 'string' ? Buffer.from(data) : data);
  }

  /** The staged content of `relPath`, if any. */
  staged(relPath: string): Uint8Array | undefined {
    return this.#staged.get(relPath.replace(/^\/+/, ''));
  }

  /** The staged paths, in staging order. */
  get paths(): string[] {
    return [...this.#staged.keys()];
  }

  async #readRecord(): Promise<Set<string>> {
    const file = path.join(this.outDir, WRITTEN_FILES_RECORD);
    if (!existsSync(file)) return new Set();
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as { files?: unknown };
      if (Array.isArray(parsed.files)) return new Set(parsed.files.filter((f): f is string => typeof f === 'string'));
    } catch {
      // fall through
    }
    throw new BuildError('would-overwrite', `${file} is not a record written by sw-image-cache: refusing to write into ${this.outDir}`, { file });
  }

  /**
   * Writes every staged file, after checking that none would overwrite a file this tool did not
   * write (a file listed in the output folder's {@link WRITTEN_FILES_RECORD}).
   * @throws BuildError `would-overwrite` naming the first such file; nothing is written then.
   */
  async commit(): Promise<string[]> {
    const ours = await this.#readRecord();
    for (const rel of this.#staged.keys()) {
      const target = path.join(this.outDir, rel);
      if (existsSync(target) && !ours.has(rel)) {
        throw new BuildError(
          'would-overwrite',
          `${target} exists and was not written by sw-image-cache: refusing to overwrite it (nothing was written; ` +
            `choose another --out folder, or delete the file if it is an old build output)`,
          { file: target },
        );
      }
    }
    for (const [rel, data] of this.#staged) {
      const target = path.join(this.outDir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, data);
    }
    const files = [...new Set([...ours, ...this.#staged.keys()])].filter((f) => existsSync(path.join(this.outDir, f))).sort();
    await writeFile(path.join(this.outDir, WRITTEN_FILES_RECORD), JSON.stringify({ writer: 'sw-image-cache', files }, null, 2) + '\n');
    return [...this.#staged.keys()];
  }
}

/** The first 16 hex digits of the SHA-256 of `data`: a content revision. */
export function revisionOf(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}
