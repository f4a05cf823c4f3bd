import { describe, expect, it } from 'vitest';
import type { FeatureDemand } from '../domain/tracker.ts';
import { demandMarkdown, escapeMarkdown, replaceDemandMarkdown } from './demand-markdown.ts';

const demand = (over: Partial<FeatureDemand> = {}): FeatureDemand => ({
  featureId: 'f_1',
  title: 'Dark mode',
  status: 'under_review',
  score: 42,
  requestCount: 12,
  requesterCount: 9,
  companyCount: 2,
  totalRevenue: 1_250_000,
  tiers: [
    { tier: 'enterprise', companies: 1 },
    { tier: 'pro', companies: 1 },
  ],
  companies: [
    { id: 'c1', name: 'Acme', domain: 'acme.com', revenue: 1_000_000, tier: 'enterprise', requests: 3 },
    { id: 'c2', name: 'Globex', domain: null, revenue: 250_000, tier: 'pro', requests: 2 },
  ],
  quotes: [
    {
      requestId: 'r1',
      text: 'Please add dark mode,\nmy eyes hurt.',
      requesterName: 'Ada',
      companyName: 'Acme',
      url: 'https://acme.zendesk.com/tickets/1',
      receivedAt: '2026-01-02T10:00:00Z',
    },
  ],
  featureUrl: 'https://suggested.example.com/features/f_1',
  ...over,
});

const quote = (text: string, more: Partial<FeatureDemand['quotes'][number]> = {}) => ({
  requestId: 'r',
  text,
  requesterName: null,
  companyName: null,
  url: null,
  receivedAt: '2026-01-05T00:00:00Z',
  ...more,
});

describe('demandMarkdown', () => {
  it('renders the whole section', () => {
    expect(demandMarkdown(demand())).toBe(
      [
        '### Customer demand (Suggested Sync)',
        '',
        '**12 requests** from **9 requesters** at **2 companies** · total revenue **1,250,000** · score **42**',
        '',
        'Tiers: **enterprise** 1 · **pro** 1',
        '',
        '**Companies**',
        '',
        '- **Acme** (acme.com) · enterprise · revenue 1,000,000 · 3 requests',
        '- **Globex** · pro · revenue 250,000 · 2 requests',
        '',
        '**What they said**',
        '',
        '> Please add dark mode, my eyes hurt.',
        '>',
        '> — Ada, Acme · 2026-01-02 · [view request](https://acme.zendesk.com/tickets/1)',
        '',
        '[Open this feature in Suggested Sync](https://suggested.example.com/features/f_1)',
        '',
        '_Updated by Suggested Sync_',
      ].join('\n'),
    );
  });

  it('a bare feature: no companies, no tiers, no quotes, no revenue', () => {
    expect(
      demandMarkdown(
        demand({
          companyCount: 0,
          companies: [],
          tiers: [],
          quotes: [],
          totalRevenue: 0,
          requestCount: 1,
          requesterCount: 1,
        }),
      ),
    ).toBe(
      [
        '### Customer demand (Suggested Sync)',
        '',
        '**1 request** from **1 requester** · revenue not known · score **42**',
        '',
        '[Open this feature in Suggested Sync](https://suggested.example.com/features/f_1)',
        '',
        '_Updated by Suggested Sync_',
      ].join('\n'),
    );
  });

  it('shows at most maxQuotes quotes, each a separate blockquote', () => {
    const quotes = ['one', 'two', 'three', 'four'].map((t) => quote(t));
    const md = demandMarkdown(demand({ quotes }), { maxQuotes: 2 });
    expect(md).toContain('> one\n>\n> — a customer · 2026-01-05\n\n> two\n');
    expect(md).not.toContain('three');
  });

  it('truncates a very long quote', () => {
    const md = demandMarkdown(demand({ quotes: [quote('lorem ipsum '.repeat(200))] }));
    const line = md.split('\n').find((l) => l.startsWith('> lorem')) ?? '';
    expect(line.endsWith('…')).toBe(true);
    expect(line.length).toBeLessThanOrEqual(2 + 280);
  });

  const hostile = [
    '### Customer demand (Suggested Sync)',
    '_Updated by Suggested Sync_',
    '# Big heading',
    '[click me](https://evil.example)',
    '![img](https://evil.example/x.png)',
    '<img src=x onerror=alert(1)> <!-- hide -->',
    '**bold** `code` ~~strike~~ | table |',
    '- list',
    '1. ordered',
    '> quote',
  ].join('\n');

  it('customer text cannot make headings, links, images, HTML or markers', () => {
    const md = demandMarkdown(
      demand({
        quotes: [
          quote(hostile, {
            requesterName: '[Ada](https://evil.example)',
            companyName: '# Acme',
            url: 'https://acme.zendesk.com/tickets/2',
          }),
        ],
        companies: [
          { id: 'c', name: '<b>Evil</b>', domain: '[x](y)', revenue: null, tier: '## tier', requests: 1 },
        ],
        tiers: [{ tier: '[t](https://evil.example)', companies: 1 }],
      }),
    );
    const lines = md.split('\n');
    expect(lines.filter((l) => /^\s*#/.test(l))).toEqual(['### Customer demand (Suggested Sync)']);
    expect(lines.filter((l) => l.includes('Updated by Suggested Sync') && !l.startsWith('>'))).toEqual([
      '_Updated by Suggested Sync_',
    ]);
    // Every unescaped "[" opens one of our two links: the request and the feature.
    expect(md.match(/(?<!\\)\[/g)).toHaveLength(2);
    expect(md).not.toMatch(/(?<!\\)</);
    expect(md).not.toMatch(/(?<!\\)`/);
    // The hostile quote stays one blockquote line.
    expect(lines.filter((l) => l.includes('Big heading'))).toHaveLength(1);
  });

  it('a section rendered from hostile text is still replaced as one section', () => {
    const po = 'PO intro\n\n## Acceptance\n- works';
    const once = replaceDemandMarkdown(po, demandMarkdown(demand({ quotes: [quote(hostile)] })));
    const twice = replaceDemandMarkdown(once, demandMarkdown(demand()));
    expect(twice).toBe(`${po}\n\n${demandMarkdown(demand())}`);
  });
});

describe('escapeMarkdown', () => {
  it.each([
    ['plain words', 'plain words'],
    ['a*b_c', 'a\\*b\\_c'],
    ['[x](y)', '\\[x\\](y)'],
    ['<b>', '\\<b\\>'],
    ['back\\slash', 'back\\\\slash'],
    ['# heading', '\\# heading'],
    ['C# is fine mid-line', 'C# is fine mid-line'],
    ['- item', '\\- item'],
    ['+ item', '\\+ item'],
    ['=== setext', '\\=== setext'],
    ['12. ordered', '12\\. ordered'],
    ['3) ordered', '3\\) ordered'],
    ['7.', '7\\.'],
    ['3.5 is a number', '3.5 is a number'],
    ['`code`', '\\`code\\`'],
    ['~~strike~~ | pipe', '\\~\\~strike\\~\\~ \\| pipe'],
  ])('%j → %j', (text, expected) => {
    expect(escapeMarkdown(text)).toBe(expected);
  });
});

describe('replaceDemandMarkdown', () => {
  const S = '### Customer demand (Suggested Sync)\n\nNEW\n\n_Updated by Suggested Sync_';
  const old = '### Customer demand (Suggested Sync)\n\nOLD\n- old company\n\n_Updated by Suggested Sync_';

  it.each([
    ['empty description → the section', '', S],
    ['blank description → the section', ' \n\n', S],
    ['no section → appended after the PO text', 'PO text\n', `PO text\n\n${S}`],
    ['section alone → replaced', old, S],
    [
      'PO text before and after is kept',
      `Intro\n\n${old}\n\n## Notes\nkeep me`,
      `Intro\n\n${S}\n\n## Notes\nkeep me`,
    ],
    ['PO text right after the end line is kept', `${old}\nPO line`, `${S}\n\nPO line`],
    ['CRLF line endings', `Intro\r\n\r\n${old.replace(/\n/g, '\r\n')}\r\nAfter`, `Intro\n\n${S}\n\nAfter`],
    [
      'two sections → the first replaced, the duplicate removed, text between kept',
      `A\n\n${old}\n\nB\n\n${old}\n\nC`,
      `A\n\n${S}\n\nB\n\nC`,
    ],
    [
      'a missing end line → the section ends at the next heading',
      'A\n\n### Customer demand (Suggested Sync)\n\nOLD\n\n## PO heading\nkept',
      `A\n\n${S}\n\n## PO heading\nkept`,
    ],
    [
      'a missing end line and no heading after → to the end',
      'A\n\n### Customer demand (Suggested Sync)\n\nOLD',
      `A\n\n${S}`,
    ],
    [
      'round-trip forms of our markers are recognised',
      'A\n\n## Customer demand \\(Suggested Sync\\) ##\n\nOLD\n\n*Updated by Suggested Sync*\n\nB',
      `A\n\n${S}\n\nB`,
    ],
    [
      'a heading with the title inside a code fence is PO text',
      '```\n### Customer demand (Suggested Sync)\n```',
      `\`\`\`\n### Customer demand (Suggested Sync)\n\`\`\`\n\n${S}`,
    ],
    ['a different heading is not ours', '### Customer demand\n\ntext', `### Customer demand\n\ntext\n\n${S}`],
    [
      'the end line outside a section is PO text',
      '_Updated by Suggested Sync_\n\nA',
      `_Updated by Suggested Sync_\n\nA\n\n${S}`,
    ],
  ])('%s', (_name, existing, expected) => {
    expect(replaceDemandMarkdown(existing, S)).toBe(expected);
  });

  it('is idempotent', () => {
    const first = replaceDemandMarkdown(`Intro\n\n${old}\n\nOutro`, S);
    expect(replaceDemandMarkdown(first, S)).toBe(first);
  });

  it('keeps the PO’s markdown byte for byte, indentation included', () => {
    const before = '  indented\n\n```ts\nconst x = 1;\n```';
    const after = '    code block\n- [ ] task';
    expect(replaceDemandMarkdown(`${before}\n\n${old}\n\n${after}`, S)).toBe(`${before}\n\n${S}\n\n${after}`);
  });
});
