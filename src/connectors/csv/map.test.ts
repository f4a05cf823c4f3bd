import { describe, expect, it } from 'vitest';
import { type ColumnMap, CSV_FIELDS, resolveColumns } from './columns.ts';
import { parseCsvDate } from './dates.ts';
import { contentRef, mapRow } from './map.ts';

const now = new Date('2026-01-01T00:00:00Z');
// Every field but the ref: rows here are identified by their content.
const header = CSV_FIELDS.filter((field) => field !== 'ref');
const resolved = resolveColumns(header);
const columns: ColumnMap = resolved.ok ? resolved.columns : {};
const row = (o: Partial<Record<string, string>>) => header.map((h) => o[h] ?? '');
const good = { title: 'Dark mode', email: 'ada@acme.io' };

describe('mapRow: rejected rows say why, in the API’s words', () => {
  it.each([
    ['invalid email', { ...good, email: 'ada@' }, 'email must be a valid email address'],
    ['no email', { ...good, email: '' }, 'email is required'],
    ['empty title', { ...good, title: '   ' }, 'title must not be empty'],
    ['long title', { ...good, title: 'x'.repeat(301) }, 'title must be at most 300 characters'],
    ['long body', { ...good, body: 'x'.repeat(20_001) }, 'body must be at most 20000 characters'],
    [
      'bad date',
      { ...good, created: '05/03/2024' },
      'created: "05/03/2024" is not a date (use 2024-03-05 or 2024-03-05T10:20:00Z)',
    ],
    [
      'impossible date',
      { ...good, created: '2024-02-30' },
      'created: "2024-02-30" is not a date (use 2024-03-05 or 2024-03-05T10:20:00Z)',
    ],
    ['future date', { ...good, created: '2027-01-01' }, 'created: 2027-01-01 is in the future'],
    ['bad url', { ...good, url: 'ftp://x' }, 'url must be an http or https URL'],
    [
      'bad revenue',
      { ...good, revenue: 'lots' },
      'requester.company.revenue: revenue must be a number (annual, in the account currency)',
    ],
    ['bad important', { ...good, important: 'maybe' }, 'important must be true or false'],
    ['bad mrr', { ...good, mrr: 'lots' }, 'mrr: "lots" is not an amount'],
    [
      'NUL in the title',
      { ...good, title: 'Dark\u0000mode' },
      'title must not contain a NUL character (\\u0000)',
    ],
    [
      'NUL in a tag',
      { ...good, tags: 'ui,da\u0000rk' },
      'tags.1: tag must not contain a NUL character (\\u0000)',
    ],
  ])('%s', (_what, cells, reason) => {
    expect(mapRow(row(cells), columns, { source: 'csv', now })).toEqual({ ok: false, reason });
  });
});

describe('mapRow: valid rows', () => {
  it('maps every field', () => {
    const result = mapRow(
      row({
        ...good,
        body: ' Night work ',
        name: 'Ada',
        company: 'Acme',
        created: '2024-03-05 10:20:00 +0200',
        url: 'https://x.io/1',
        tags: 'ui; theme,ui',
        revenue: '$120,000',
        tier: 'enterprise',
        important: 'yes',
      }),
      columns,
      { source: 'canny', now },
    );
    expect(result.ok && { ...result.request, payloadHash: 'h', sourceRef: 'r' }).toEqual({
      source: 'canny',
      sourceRef: 'r',
      payloadHash: 'h',
      title: 'Dark mode',
      body: 'Night work',
      url: 'https://x.io/1',
      tags: ['ui', 'theme'],
      important: true,
      submittedRequester: {
        email: 'ada@acme.io',
        name: 'Ada',
        company: { name: 'Acme', revenue: 120000, tier: 'enterprise' },
      },
      receivedAt: '2024-03-05T08:20:00.000Z',
    });
  });

  it.each([
    [{ revenue: '120000' }, 120000],
    [{ mrr: '$1,000' }, 12000],
    [{ mrr: '99.99' }, 1199.88],
    [{ revenue: '50000', mrr: '1000' }, 50000],
  ])('revenue is annual: %j → %d', (cells, revenue) => {
    const result = mapRow(row({ ...good, ...cells }), columns, { source: 'csv', now });
    expect(result.ok && result.request.submittedRequester.company?.revenue).toBe(revenue);
  });

  it('ragged rows: missing trailing cells are empty', () => {
    const result = mapRow(['Dark mode', '', 'ada@acme.io'], columns, { source: 'csv', now });
    expect(result.ok && result.request.receivedAt).toBe(null);
  });

  it('the id column is the source ref; without one the content hash is, insensitive to CRLF, spaces and email case', () => {
    const withId = resolveColumns(['id', 'title', 'email']);
    const a = mapRow(['T-1', 'Dark mode', 'ada@acme.io'], withId.ok ? withId.columns : {}, {
      source: 'csv',
      now,
    });
    expect(a.ok && a.request.sourceRef).toBe('T-1');
    const one = mapRow(row({ ...good, body: 'a\r\nb' }), columns, { source: 'csv', now });
    const two = mapRow(row({ ...good, email: 'ADA@acme.io ', body: 'a\nb ' }), columns, {
      source: 'csv',
      now,
    });
    const other = mapRow(row({ ...good, body: 'a b' }), columns, { source: 'csv', now });
    expect(one.ok && one.request.sourceRef).toMatch(/^row:[0-9a-f]{40}$/);
    expect(one.ok && one.request.sourceRef).toBe(two.ok && two.request.sourceRef);
    expect(one.ok && one.request.sourceRef).not.toBe(other.ok && other.request.sourceRef);
    expect(contentRef({ title: 'x', body: '', email: 'a@b.io', created: '' })).not.toBe(
      contentRef({ title: 'x', body: '', email: 'a@b.io', created: '2024-01-01T00:00:00.000Z' }),
    );
  });
});

describe('parseCsvDate', () => {
  it.each([
    ['2024-03-05', '2024-03-05T00:00:00.000Z'],
    ['2024-03-05T10:20:30Z', '2024-03-05T10:20:30.000Z'],
    ['2024-03-05T10:20:30.5+02:00', '2024-03-05T08:20:30.500Z'],
    ['2024-03-05 10:20', '2024-03-05T10:20:00.000Z'],
    ['2024-03-05 10:20:30 UTC', '2024-03-05T10:20:30.000Z'],
    ['2024-03-05 10:20:30-0600', '2024-03-05T16:20:30.000Z'],
    ['03/05/2024', undefined],
    ['yesterday', undefined],
    ['2024-13-01', undefined],
  ])('%j → %j', (input, expected) => {
    expect(parseCsvDate(input)).toBe(expected);
  });
});
