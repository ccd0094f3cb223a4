/**
 * A malformed trace: a missing header column, a missing field, a non-numeric time, a non-numeric,
 * non-integer or negative size, an empty key. Thrown by {@link TraceReader}; the replay CLI prints
 * its message and exits with status 1.
 */
export class TraceFormatError extends Error {
  override readonly name = 'TraceFormatError';
  /** What the trace was read from (a path, or `<input>`). */
  readonly source: string;
  /** 1-based line number in the file (the header is line 1). */
  readonly line: number;
  /** Why the line was rejected, e.g. `size "abc" is not a number`. */
  readonly reason: string;

  /**
   * @param source What the trace was read from.
   * @param line 1-based line number.
   * @param reason Why the line was rejected.
   */
  constructor(source: string, line: number, reason: string) {
    super(`${source}:${line}: ${reason}`);
    this.source = source;
    this.line = line;
    this.reason = reason;
  }
}
