import { describe, expect, it } from 'vitest';
import type { FeatureDemand } from '../domain/tracker.ts';
import { clip, count, demandContent, formatNumber, type Inline, safeUrl } from './demand-content.ts';

const demandFixture = (over: Partial<FeatureDemand> = {}): FeatureDemand => ({
  featureId: 'f_1',
  title: 'Dark mode',
  status: 'under_review',
  score: 42.25,
  requestCount: 12,
  requesterCount: 9,
  companyCount: 3,
  totalRevenue: 1_250_000,
  tiers: [
    { tier: 'pro', companies: 1 },
    { tier: 'enterprise', companies: 2 },
  ],
  companies: [
    { id: 'c2', name: 'Globex', domain: 'globex.com', revenue: 250_000, tier: 'pro', requests: 2 },
    { id: 'c1', name: 'Acme', domain: 'acme.com', revenue: 1_000_000, tier: 'enterprise', requests: 3 },
    { id: 'c3', name: null, domain: 'initech.io', revenue: null, tier: 'enterprise', requests: 1 },
  ],
  quotes: [
    {
      requestId: 'r1',
      text: 'Please add dark mode,\n\nmy eyes hurt.',
      requesterName: 'Ada',
      companyName: 'Acme',
      url: 'https://acme.zendesk.com/tickets/1',
      receivedAt: '2026-01-02T10:00:00Z',
    },
    {
      requestId: 'r2',
      text: 'Dark theme please',
      requesterName: null,
      companyName: null,
      url: null,
      receivedAt: '2026-01-03T10:00:00Z',
    },
  ],
  featureUrl: 'https://suggested.example.com/features/f_1',
  ...over,
});

const flat = (parts: readonly Inline[] | null) => (parts ?? []).map((p) => p.text).join('');

describe('demandContent', () => {
  it('summarises counts, revenue and score', () => {
    expect(flat(demandContent(demandFixture()).summary)).toBe(
      '12 requests from 9 requesters at 3 companies · total revenue 1,250,000 · score 42.3',
    );
  });

  it.each<[string, Partial<FeatureDemand>, string]>([
    [
      'singulars',
      { requestCount: 1, requesterCount: 1, companyCount: 1 },
      '1 request from 1 requester at 1 company · total revenue 1,250,000 · score 42.3',
    ],
    [
      'no company known: no "at", revenue not known',
      { companyCount: 0, companies: [], tiers: [], totalRevenue: 0 },
      '12 requests from 9 requesters · revenue not known · score 42.3',
    ],
    [
      'companies without revenue: not known rather than 0',
      {
        totalRevenue: 0,
        companies: [{ id: 'c', name: 'A', domain: null, revenue: null, tier: null, requests: 1 }],
      },
      '12 requests from 9 requesters at 3 companies · revenue not known · score 42.3',
    ],
    [
      'a known revenue of 0 is shown',
      {
        totalRevenue: 0,
        companies: [{ id: 'c', name: 'A', domain: null, revenue: 0, tier: null, requests: 1 }],
      },
      '12 requests from 9 requesters at 3 companies · total revenue 0 · score 42.3',
    ],
  ])('%s', (_name, over, expected) => {
    expect(flat(demandContent(demandFixture(over)).summary)).toBe(expected);
  });

  it('lists tiers by company count, dropping blank and empty tiers', () => {
    const tiers = [
      { tier: 'pro', companies: 1 },
      { tier: ' ', companies: 4 },
      { tier: 'free', companies: 0 },
      { tier: 'enterprise', companies: 2 },
      { tier: 'business', companies: 1 },
    ];
    expect(flat(demandContent(demandFixture({ tiers })).tiers)).toBe(
      'Tiers: enterprise 2 · business 1 · pro 1',
    );
    expect(demandContent(demandFixture({ tiers: [] })).tiers).toBeNull();
  });

  it('lists companies by revenue (unknown last), labelled by name, else domain, else "Unnamed company"', () => {
    const companies = demandContent(
      demandFixture({
        companyCount: 4,
        companies: [
          ...demandFixture().companies,
          { id: 'c4', name: null, domain: null, revenue: null, tier: null, requests: 5 },
        ],
      }),
    ).companies.map(flat);
    expect(companies).toEqual([
      'Acme (acme.com) · enterprise · revenue 1,000,000 · 3 requests',
      'Globex (globex.com) · pro · revenue 250,000 · 2 requests',
      'Unnamed company · 5 requests',
      'initech.io · enterprise · 1 request',
    ]);
  });

  it('caps the company list and counts the rest', () => {
    const content = demandContent(demandFixture({ companyCount: 40 }), { maxCompanies: 2 });
    expect(content.companies.map(flat)).toEqual([
      'Acme (acme.com) · enterprise · revenue 1,000,000 · 3 requests',
      'Globex (globex.com) · pro · revenue 250,000 · 2 requests',
      '…and 38 more companies',
    ]);
    expect(
      demandContent(demandFixture({ companyCount: 3 }), { maxCompanies: 2 }).companies.map(flat)[2],
    ).toBe('…and 1 more company');
  });

  it('no companies → no list, even when a count is known', () => {
    expect(demandContent(demandFixture({ companies: [], companyCount: 5 })).companies).toEqual([]);
  });

  it('quotes: first N non-blank, whitespace collapsed, attributed, links only when safe', () => {
    const quotes = demandContent(
      demandFixture({
        quotes: [
          { ...demandFixture().quotes[0], text: '   ' } as FeatureDemand['quotes'][number],
          ...demandFixture().quotes,
          {
            ...(demandFixture().quotes[1] as FeatureDemand['quotes'][number]),
            text: 'third',
            url: 'javascript:alert(1)',
          },
        ],
      }),
      { maxQuotes: 3 },
    ).quotes;
    expect(quotes.map((q) => [q.text, flat(q.attribution)])).toEqual([
      ['Please add dark mode, my eyes hurt.', '— Ada, Acme · 2026-01-02 · view request'],
      ['Dark theme please', '— a customer · 2026-01-03'],
      ['third', '— a customer · 2026-01-03'],
    ]);
    expect(quotes[0]?.attribution.at(-1)).toEqual({
      text: 'view request',
      href: 'https://acme.zendesk.com/tickets/1',
    });
  });

  it.each([
    [0, 0],
    [1, 1],
    [3, 2],
  ])('maxQuotes %i shows %i quotes', (maxQuotes, shown) => {
    expect(demandContent(demandFixture(), { maxQuotes }).quotes).toHaveLength(shown);
  });

  it('an unparseable receivedAt leaves the date out', () => {
    const quote = { ...(demandFixture().quotes[1] as FeatureDemand['quotes'][number]), receivedAt: 'later' };
    expect(flat(demandContent(demandFixture({ quotes: [quote] })).quotes[0]?.attribution ?? [])).toBe(
      '— a customer',
    );
  });

  it('links back to the feature, or names it when the URL is not http(s)', () => {
    expect(demandContent(demandFixture()).link).toEqual([
      { text: 'Open this feature in Suggested Sync', href: 'https://suggested.example.com/features/f_1' },
    ]);
    expect(demandContent(demandFixture({ featureUrl: '/features/f_1' })).link).toEqual([
      { text: 'Suggested Sync feature f_1' },
    ]);
  });
});

describe('clip', () => {
  const long = 'word '.repeat(100);
  it.each([
    ['short stays', 'dark mode', 280, 'dark mode'],
    ['whitespace collapsed', ' a\n\n\tb  ', 280, 'a b'],
    ['controls removed', 'a\u0000b\u0007c', 280, 'a b c'],
    ['bidi overrides removed', 'abc\u202Edef\u202C', 280, 'abcdef'],
    ['cut at a word, ellipsis within the limit', long, 22, 'word word word word…'],
    ['no word near: hard cut', 'x'.repeat(50), 10, `${'x'.repeat(9)}…`],
    ['never half a surrogate pair', '😀'.repeat(10), 4, '😀😀😀…'],
    ['exactly the limit stays', 'abcde', 5, 'abcde'],
  ])('%s', (_name, text, max, expected) => {
    const out = clip(text, max);
    expect(out).toBe(expected);
    expect(Array.from(out).length).toBeLessThanOrEqual(max);
  });
});

describe('safeUrl', () => {
  it.each([
    ['https://x.io/a', 'https://x.io/a'],
    ['http://localhost:3000/f/1', 'http://localhost:3000/f/1'],
    ['https://x.io/a (b)', 'https://x.io/a%20%28b%29'],
    ['javascript:alert(1)', null],
    ['data:text/html,hi', null],
    ['/relative', null],
    ['', null],
  ])('%j → %j', (url, expected) => {
    expect(safeUrl(url)).toBe(expected);
  });
});

describe('numbers', () => {
  it.each([
    [0, 0, '0'],
    [1234567, 0, '1,234,567'],
    [1234.5, 0, '1,235'],
    [42.25, 1, '42.3'],
    [-5000, 0, '-5,000'],
    [Number.NaN, 0, 'unknown'],
  ])('formatNumber(%d, %i) → %s', (n, digits, expected) => {
    expect(formatNumber(n, digits)).toBe(expected);
  });

  it.each([
    [1, 'request', '1 request'],
    [0, 'request', '0 requests'],
    [2, 'company', '2 companies'],
    [1500, 'requester', '1,500 requesters'],
  ])('count(%i, %s) → %s', (n, noun, expected) => {
    expect(count(n, noun)).toBe(expected);
  });
});
