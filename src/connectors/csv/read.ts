import { type Readable, Transform } from 'node:stream';
import { type CsvError, type Options, parse } from 'csv-parse';

/**
 * Streams a CSV file as records, each with the physical line it starts on, without ever holding the file: the
 * parser pulls from the file as the consumer asks for records, so a slow consumer (the database) slows the read.
 *
 * Line numbers are counted from the bytes, not taken from csv-parse's `lines`, which counts a CRLF as two lines.
 */

export type CsvRecord =
  | { kind: 'row'; line: number; cells: string[] }
  | { kind: 'error'; line: number; reason: string };

interface Row {
  line: number;
  cells: string[];
  errors: CsvRecord[];
}

/** A record longer than this is a runaway quote, not a feature request: rejected before it eats memory. */
export const MAX_RECORD_CHARS = 1_000_000;

const LF = 0x0a;
const CR = 0x0d;

/** The bytes that passed to the parser but whose lines are not counted yet. */
class LineCounter {
  private chunks: Array<{ start: number; buf: Buffer }> = [];
  private end = 0;
  /** Offset up to which lines are counted, and how many line breaks lie before it. */
  private counted = 0;
  private breaks = 0;

  add(buf: Buffer): void {
    this.chunks.push({ start: this.end, buf });
    this.end += buf.length;
  }

  /** The line the record ending at `to` starts on (skipping blank lines before it); counts its breaks. */
  take(to: number): number {
    let start: number | undefined;
    let breaks = this.breaks;
    for (const { start: base, buf } of this.chunks) {
      if (base + buf.length <= this.counted) continue;
      if (base >= to) break;
      for (let i = Math.max(0, this.counted - base); i < buf.length && base + i < to; i++) {
        const byte = buf[i];
        if (byte === LF) breaks++;
        else if (byte === CR) {
          // CRLF counts once (at its LF); a lone CR (classic Mac) is a break of its own.
          const next = i + 1 < buf.length ? buf[i + 1] : this.byteAt(base + i + 1);
          if (next !== LF) breaks++;
        } else if (start === undefined) start = breaks + 1;
      }
    }
    this.breaks = breaks;
    this.counted = to;
    // Chunks wholly before `to` are done with.
    while (this.chunks.length > 0) {
      const first = this.chunks[0];
      if (!first || first.start + first.buf.length > to) break;
      this.chunks.shift();
    }
    return start ?? breaks + 1;
  }

  private byteAt(offset: number): number | undefined {
    for (const { start, buf } of this.chunks) {
      if (offset >= start && offset < start + buf.length) return buf[offset - start];
    }
    return undefined;
  }
}

function describe(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed: everything from here to the end of the file is unreadable';
    case 'CSV_MAX_RECORD_SIZE':
      return `row longer than ${MAX_RECORD_CHARS} characters (an unbalanced quote?)`;
    default:
      return `unreadable CSV (${err.message.replace(/ at line \d+.*$/, '').slice(0, 200)})`;
  }
}

/**
 * Yields the header as the first `row`, then every data row, with errors in file order. BOM, CRLF or LF, quoted
 * newlines and rows with fewer or more cells than the header are all fine; blank lines are skipped.
 */
export async function* readCsv(
  input: Readable,
  { onBytes }: { onBytes?: (bytes: number) => void } = {},
): AsyncGenerator<CsvRecord> {
  const counter = new LineCounter();
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      counter.add(chunk);
      bytes += chunk.length;
      onBytes?.(bytes);
      done(null, chunk);
    },
  });
  // Errors the parser skipped since the last record: handed out before the next one, so order is kept.
  let pending: CsvRecord[] = [];
  let lastError: { line: number; reason: string } | undefined;
  const options: Options<Row, string[]> = {
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    max_record_size: MAX_RECORD_CHARS,
    on_skip: (err) => {
      if (!err) return;
      const at = typeof err['bytes'] === 'number' ? err['bytes'] : 0;
      const error = { kind: 'error' as const, line: counter.take(at), reason: describe(err) };
      // An oversized row is reported once per buffer the parser gives up on; one line is enough.
      if (lastError?.line === error.line && lastError.reason === error.reason) return undefined;
      lastError = error;
      pending.push(error);
      return undefined;
    },
    // Runs synchronously as each record is parsed, so the counter sees exactly the bytes up to it.
    on_record: (record, context): Row => {
      const line = counter.take(context.bytes);
      const out = { line, cells: record, errors: pending };
      pending = [];
      return out;
    },
  };
  // The typings tie on_record's return to `columns`; without columns the parser emits whatever on_record returns.
  const parser = parse(options as unknown as Options);
  input.on('error', (err) => parser.destroy(err));
  input.pipe(tap).pipe(parser);
  for await (const item of parser as AsyncIterable<Row>) {
    yield* item.errors;
    yield { kind: 'row', line: item.line, cells: item.cells };
  }
  yield* pending;
}
