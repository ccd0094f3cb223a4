/** The codes a {@link BuildError} can carry. */
export type BuildErrorCode = 'would-overwrite' | 'injection-point' | 'missing-template' | 'usage';

/**
 * An error of the build tools (`sw-image-cache build`, `inject-manifest`) that is not about the
 * config (those are `ImageCacheError`s naming the key): `name` is the code, `details.file` the path
 * concerned.
 */
export class BuildError extends Error {
  /** The error code, also in `name`. */
  readonly code: BuildErrorCode;
  /** Structured facts about the failure (`file`, …). */
  readonly details: Record<string, unknown>;

  constructor(code: BuildErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = code;
    this.code = code;
    this.details = details;
  }
}
