/**
 * Dates as exports write them, to an ISO 8601 instant. Pure.
 *
 * Accepted: ISO 8601 (`2024-03-05`, `2024-03-05T10:20:30Z`, `...+02:00`), the space-separated form spreadsheets
 * and most exports use (`2024-03-05 10:20[:30[.123]]`, optionally followed by `UTC`, `Z` or an offset such as
 * `+0200` / `-06:00`). Without a zone the time is taken as UTC. Day-first or month-first dates (`05/03/2024`) are
 * ambiguous and rejected rather than guessed.
 */
const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseCsvDate(value: string): string | undefined {
  const m = PATTERN.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = frac ? frac.padEnd(3, '0').slice(0, 3) : '000';
  let offset = 'Z';
  if (/^[+-]/.test(zone)) {
    const digits = zone.replace(':', '');
    offset = `${digits.slice(0, 3)}:${digits.slice(3, 5) || '00'}`;
  }
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return undefined;
  // Date.parse rolls 2024-02-30 over to March; a date that does not exist is a wrong date.
  const check = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() + 1 !== Number(mo)) return undefined;
  return new Date(time).toISOString();
}
