/**
 * Bad command-line arguments for `npm run replay` (unknown flag, missing or invalid value). The
 * CLI prints the message and the usage to stderr and exits with status 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
