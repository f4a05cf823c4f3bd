import { describe, expect, it } from 'vitest';
import { progressLine, summaryLines } from './report.ts';

const progress = { rows: 12_000, bytes: 3 * 2 ** 20, created: 11_000, duplicates: 900, rejected: 100 };

describe('progressLine', () => {
  it('a bar on a terminal, a plain line elsewhere; dry runs count valid rows, not created ones', () => {
    expect(progressLine(progress, { totalBytes: 12 * 2 ** 20, elapsedMs: 4_000, bar: true })).toBe(
      '[######..................]  25% 12,000 rows, 3,000 rows/s, 3.0 MB of 12.0 MB, 11,000 created, 900 duplicates, 100 rejected',
    );
    expect(
      progressLine(progress, { totalBytes: 12 * 2 ** 20, elapsedMs: 4_000, bar: false, dryRun: true }),
    ).toBe(
      'import: 25% 12,000 rows, 3,000 rows/s, 3.0 MB of 12.0 MB, 11,000 valid, 900 duplicates, 100 rejected',
    );
  });
});

describe('summaryLines', () => {
  it('caps the rejections on screen and says how many more, and where all of them are', () => {
    const lines = summaryLines(
      { ...progress, columns: ['title ← "Subject"', 'email ← "Email"'], dryRun: false },
      {
        file: 'in.csv',
        source: 'csv',
        target: 'Postgres at db:5432',
        rejections: [
          { line: 4, reason: 'email must be a valid email address' },
          { line: 9, reason: 'title must not be empty' },
        ],
        rejectsFile: 'in.csv.rejects.csv',
        elapsedMs: 4_000,
        peakRssBytes: 300 * 2 ** 20,
      },
    );
    expect(lines).toEqual([
      'imported: in.csv as source "csv" into Postgres at db:5432',
      '  columns:    title ← "Subject", email ← "Email"',
      '  rows:       12,000 in 4.0 s (3,000 rows/s, peak RSS 300.0 MB)',
      '  created:    11,000',
      '  duplicates: 900 (already imported, or repeated in the file)',
      '  rejected:   100',
      '    line 4: email must be a valid email address',
      '    line 9: title must not be empty',
      '    … and 98 more',
      '  every rejected row with its line and reason: in.csv.rejects.csv',
      '  triage:     the running service triages the new requests (its reconciler finds them)',
    ]);
  });
});
