import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, MAX_RECORD_CHARS, readCsv } from './read.ts';

async function read(text: string, chunk = 1): Promise<CsvRecord[]> {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: CsvRecord[] = [];
  for await (const r of readCsv(Readable.from(chunks))) out.push(r);
  return out;
}

const MESSY = [
  '\ufefftitle,body,email',
  '"Dark mode","first line',
  'second line',
  'third line",ada@acme.io',
  '',
  'Export,short,bob@corp.com,extra cell',
  'SSO',
  '"Quoted ""name""",x,"c@d.io"',
];

describe('readCsv', () => {
  // Byte-at-a-time and whole-file chunks: line counting must not depend on where chunks split (a CRLF across two).
  it.each([
    ['LF', '\n', 1],
    ['CRLF', '\r\n', 1],
    ['CRLF, big chunks', '\r\n', 64 * 1024],
    ['CR only', '\r', 3],
  ])(
    '%s: BOM stripped, quoted newlines kept, blank lines skipped, physical line numbers',
    async (_n, eol, chunk) => {
      const records = await read(MESSY.join(eol) + eol, chunk);
      expect(records).toEqual([
        { kind: 'row', line: 1, cells: ['title', 'body', 'email'] },
        {
          kind: 'row',
          line: 2,
          cells: ['Dark mode', ['first line', 'second line', 'third line'].join(eol), 'ada@acme.io'],
        },
        { kind: 'row', line: 6, cells: ['Export', 'short', 'bob@corp.com', 'extra cell'] },
        { kind: 'row', line: 7, cells: ['SSO'] },
        { kind: 'row', line: 8, cells: ['Quoted "name"', 'x', 'c@d.io'] },
      ]);
    },
  );

  it('an unclosed quote is an error at the line it opens, after the rows before it', async () => {
    const records = await read('title,email\na,b@c.io\n"never closed,x\nmore,rows\n', 7);
    expect(records).toEqual([
      { kind: 'row', line: 1, cells: ['title', 'email'] },
      { kind: 'row', line: 2, cells: ['a', 'b@c.io'] },
      {
        kind: 'error',
        line: 3,
        reason: 'a quoted field is never closed: everything from here to the end of the file is unreadable',
      },
    ]);
  });

  it('a runaway row over the size limit is one error at its line, not a memory blow-up', async () => {
    const records = await read(
      `title,email\na,b@c.io\n"${'x'.repeat(MAX_RECORD_CHARS + 10)}",c@d.io\n`,
      64 * 1024,
    );
    expect(records.slice(0, 3)).toEqual([
      { kind: 'row', line: 1, cells: ['title', 'email'] },
      { kind: 'row', line: 2, cells: ['a', 'b@c.io'] },
      {
        kind: 'error',
        line: 3,
        reason: `row longer than ${MAX_RECORD_CHARS} characters (an unbalanced quote?)`,
      },
    ]);
    expect(records.filter((r) => r.kind === 'error')).toHaveLength(1);
  });

  it('no trailing newline, empty file', async () => {
    expect(await read('a,b\n1,2', 4)).toEqual([
      { kind: 'row', line: 1, cells: ['a', 'b'] },
      { kind: 'row', line: 2, cells: ['1', '2'] },
    ]);
    expect(await read('')).toEqual([]);
  });
});
