import { createReadStream } from 'node:fs';
import type { Bytes } from '../../sw/policy/index.ts';
import { TraceFormatError } from './TraceFormatError.ts';

/** One request of a trace. */
export interface TraceRow {
  /** The `time` column (any finite number; seconds in the shared traces). Not used by replay. */
  time: number;
  /** The `key` column, verbatim (never empty). */
  key: string;
  /** The `size` column in bytes: an integer > 0 (rows with size 0 are skipped, not yielded). */
  size: Bytes;
  /** 1-based line number in the file (the header is line 1). */
  line: number;
}

/** What a {@link TraceReader} reads: a file path, or chunks of text / UTF-8 bytes (tests, pipes). */
export type TraceSource = string | AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** Options of a {@link TraceReader}. */
export interface TraceReaderOptions {
  /** Name used in error messages. Default: the path, or `<input>` for chunk sources. */
  name?: string;
  /** Read-stream chunk size in bytes, for file paths. Default: 1 MiB. */
  chunkBytes?: number;
}

/** The three columns the replay needs, located by header name. */
const COLUMNS = ['time', 'key', 'size'] as const;

/**
 * Streams a trace CSV (`time,key,size`, header first) as rows, without loading the file: memory
 * is one chunk (1 MiB) plus one batch of rows, whatever the file's length. Lines are parsed as
 * UTF-8 bytes.
 *
 * Format rules:
 * - the header names the columns; `time`, `key` and `size` are found by name (case-insensitive,
 *   trimmed) in any order, and extra columns (e.g. the image access log's `image_id,category`)
 *   are ignored; a UTF-8 BOM is dropped;
 * - lines end with `\n` or `\r\n`; the last line may lack its newline; empty lines are ignored;
 * - fields are split on commas; a line that contains `"` is split as RFC 4180 CSV (quoted fields,
 *   `""` escapes, on one line);
 * - `time` must be a finite number; `size` a non-negative integer number of bytes; `key`
 *   non-empty. Any other line throws a {@link TraceFormatError} naming the line and the reason
 *   (missing column, non-numeric time, non-numeric / non-integer / negative size, empty key),
 *   which ends the iteration;
 * - rows with size 0 are skipped and counted in {@link TraceReader.skipped}.
 *
 * A reader is iterated once, either row by row (`for await (const row of reader)`) or, faster,
 * batch by batch ({@link TraceReader.batches}).
 */
export class TraceReader implements AsyncIterable<TraceRow> {
  /** What the trace is read from, as used in error messages. */
  readonly name: string;
  readonly #source: TraceSource;
  readonly #chunkBytes: number;
  #started = false;
  #lines = 0;
  #rows = 0;
  #skipped = 0;
  /** Column positions of time, key, size, once the header is read. */
  #timeAt = -1;
  #keyAt = -1;
  #sizeAt = -1;
  #lastAt = -1;
  /** Field boundaries of the current line (byte offsets), reused. */
  #starts = new Int32Array(0);
  #ends = new Int32Array(0);

  /**
   * @param source A file path, or chunks (strings or UTF-8 bytes) of the CSV text.
   * @param options See {@link TraceReaderOptions}.
   */
  constructor(source: TraceSource, options: TraceReaderOptions = {}) {
    this.#source = source;
    this.name = options.name ?? (typeof source === 'string' ? source : '<input>');
    this.#chunkBytes = options.chunkBytes ?? 1 << 20;
  }

  /** Lines read so far, header and empty lines included. */
  get lines(): number {
    return this.#lines;
  }

  /** Rows yielded so far (size > 0). */
  get rows(): number {
    return this.#rows;
  }

  /** Rows skipped so far because their size is 0. */
  get skipped(): number {
    return this.#skipped;
  }

  /** Yields the rows one at a time. */
  async *[Symbol.asyncIterator](): AsyncGenerator<TraceRow, void, undefined> {
    for await (const batch of this.batches()) yield* batch;
  }

  /**
   * Yields the rows in batches (one per chunk read, in file order; never an empty batch).
   * @throws TraceFormatError on a malformed header or row (and `Error` from the file system, e.g.
   *   `ENOENT`).
   * @throws Error when the reader was already iterated.
   */
  async *batches(): AsyncGenerator<TraceRow[], void, undefined> {
    if (this.#started) throw new Error('TraceReader: a reader can be iterated only once');
    this.#started = true;
    const input =
      typeof this.#source === 'string'
        ? createReadStream(this.#source, { highWaterMark: this.#chunkBytes })
        : this.#source;
    // Lines are cut and parsed as bytes: numbers never become strings, and each key is decoded
    // into a fresh string (a substring of a big chunk string would keep the chunk alive for as
    // long as the cache holds the key).
    let carry: Buffer | null = null;
    for await (const chunk of input) {
      const buf = toBuffer(chunk);
      const batch: TraceRow[] = [];
      let start = 0;
      if (carry !== null) {
        const newline = buf.indexOf(NEWLINE);
        if (newline === -1) {
          carry = Buffer.concat([carry, buf]);
          continue;
        }
        const joined = Buffer.concat([carry, buf.subarray(0, newline)]);
        carry = null;
        this.#parseLine(joined, 0, joined.length, batch);
        start = newline + 1;
      }
      for (let end = buf.indexOf(NEWLINE, start); end !== -1; end = buf.indexOf(NEWLINE, start)) {
        this.#parseLine(buf, start, end, batch);
        start = end + 1;
      }
      if (start < buf.length) carry = Buffer.from(buf.subarray(start));
      if (batch.length > 0) yield batch;
    }
    const last: TraceRow[] = [];
    if (carry !== null) this.#parseLine(carry, 0, carry.length, last);
    if (this.#timeAt < 0) throw new TraceFormatError(this.name, 1, 'empty trace: no header line');
    if (last.length > 0) yield last;
  }

  /** Parses the line `buf[start, end)` (without its `\n`). */
  #parseLine(buf: Buffer, start: number, end: number, out: TraceRow[]): void {
    const line = ++this.#lines;
    if (end > start && buf[end - 1] === CARRIAGE_RETURN) end--;
    if (end === start) return;
    if (this.#timeAt < 0) {
      this.#parseHeader(buf.toString('utf8', start, end), line);
      return;
    }
    // Fast path: find the field boundaries up to the last needed column.
    const starts = this.#starts;
    const ends = this.#ends;
    const lastAt = this.#lastAt;
    let count = 0;
    let fieldStart = start;
    let quoted = false;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c === COMMA) {
        starts[count] = fieldStart;
        ends[count] = i;
        fieldStart = i + 1;
        if (++count > lastAt) break;
      } else if (c === QUOTE) {
        quoted = true;
        break;
      }
    }
    if (quoted) {
      this.#parseQuotedLine(buf.toString('utf8', start, end), line, out);
      return;
    }
    if (count <= lastAt) {
      starts[count] = fieldStart;
      ends[count] = end;
      count++;
    }
    if (count <= lastAt) this.#missing(count, line);
    const timeAt = this.#timeAt;
    const sizeAt = this.#sizeAt;
    let time = parseDigits(buf, starts[timeAt]!, ends[timeAt]!);
    if (time < 0) time = this.#parseTime(buf.toString('utf8', starts[timeAt]!, ends[timeAt]!), line);
    const key = buf.toString('utf8', starts[this.#keyAt]!, ends[this.#keyAt]!);
    let size = parseDigits(buf, starts[sizeAt]!, ends[sizeAt]!);
    if (size < 0) size = this.#parseSize(buf.toString('utf8', starts[sizeAt]!, ends[sizeAt]!), line);
    this.#emit(time, key, size, line, out);
  }

  /** Slow path: a line with quotes, split as RFC 4180 CSV. */
  #parseQuotedLine(text: string, line: number, out: TraceRow[]): void {
    const fields = splitCsv(text);
    if (fields.length <= this.#lastAt) this.#missing(fields.length, line);
    const time = this.#parseTime(fields[this.#timeAt]!, line);
    const size = this.#parseSize(fields[this.#sizeAt]!, line);
    this.#emit(time, fields[this.#keyAt]!, size, line, out);
  }

  #emit(time: number, key: string, size: number, line: number, out: TraceRow[]): void {
    if (key === '') this.#fail(line, 'empty key');
    if (size === 0) {
      this.#skipped++;
      return;
    }
    this.#rows++;
    out.push({ time, key, size, line });
  }

  /** A time: any finite number. */
  #parseTime(text: string, line: number): number {
    const value = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) this.#fail(line, `time ${JSON.stringify(text)} is not a number`);
    return value;
  }

  /** A size: a non-negative integer number of bytes. */
  #parseSize(text: string, line: number): number {
    const value = text.trim() === '' ? Number.NaN : Number(text);
    if (!Number.isFinite(value)) this.#fail(line, `size ${JSON.stringify(text)} is not a number`);
    if (value < 0) this.#fail(line, `size ${text} is negative`);
    if (!Number.isSafeInteger(value)) this.#fail(line, `size ${text} is not an integer number of bytes`);
    return value;
  }

  #parseHeader(text: string, line: number): void {
    const names = splitCsv(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).map((name) =>
      name.trim().toLowerCase(),
    );
    const at = COLUMNS.map((column) => names.indexOf(column));
    const missing = COLUMNS.filter((_, i) => at[i]! < 0);
    if (missing.length > 0) {
      this.#fail(
        line,
        `header must name the columns time, key and size (missing ${missing.map((m) => `"${m}"`).join(', ')}); ` +
          `got ${JSON.stringify(text)}`,
      );
    }
    [this.#timeAt, this.#keyAt, this.#sizeAt] = at as [number, number, number];
    this.#lastAt = Math.max(...at);
    this.#starts = new Int32Array(this.#lastAt + 1);
    this.#ends = new Int32Array(this.#lastAt + 1);
  }

  #missing(count: number, line: number): never {
    const absent = COLUMNS.filter((_, i) => [this.#timeAt, this.#keyAt, this.#sizeAt][i]! >= count);
    return this.#fail(
      line,
      `missing column ${absent.map((c) => `"${c}"`).join(', ')} (${count} field${count === 1 ? '' : 's'}, ` +
        `need ${this.#lastAt + 1})`,
    );
  }

  #fail(line: number, reason: string): never {
    throw new TraceFormatError(this.name, line, reason);
  }
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COMMA = 0x2c;
const QUOTE = 0x22;

/** A chunk as a `Buffer` (no copy for bytes). */
function toBuffer(chunk: string | Uint8Array): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** `buf[start, end)` as a number when it is 1 to 15 ASCII digits, else -1. */
function parseDigits(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = buf[i]! - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Splits one line of RFC 4180 CSV (quoted fields with `""` escapes). */
function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}
