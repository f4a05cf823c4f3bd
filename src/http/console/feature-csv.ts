/**
 * A feature's requests as CSV (RFC 4180: every cell quoted, quotes doubled, CRLF between rows). A cell a
 * spreadsheet would read as a formula (starting with = + - @, or a tab or carriage return that hides one) gets a
 * leading apostrophe: requesters' words must not run in the product owner's spreadsheet.
 */

interface ExportedRequest {
  title: string;
  source: string;
  receivedAt: Date;
  requester: { email: string; name: string | null } | null;
  company: { name: string | null; domain: string | null } | null;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

export function featureCsv(rows: readonly ExportedRequest[]): string {
  const header = ['requester email', 'requester name', 'company', 'source', 'received', 'title'];
  const lines = rows.map((r) =>
    [
      r.requester?.email ?? '',
      r.requester?.name ?? '',
      r.company?.name ?? r.company?.domain ?? '',
      r.source,
      r.receivedAt.toISOString(),
      r.title,
    ].map(csvCell),
  );
  return `${[header.map(csvCell), ...lines].map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}
