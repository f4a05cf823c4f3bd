import { describe, expect, it } from 'vitest';
import type { FeatureDemand } from '../domain/tracker.ts';
import { type AdfDoc, type AdfNode, adfPlainText, demandAdf, replaceDemandAdf } from './demand-adf.ts';

const demand = (over: Partial<FeatureDemand> = {}): FeatureDemand => ({
  featureId: 'f_1',
  title: 'Dark mode',
  status: 'under_review',
  score: 42,
  requestCount: 12,
  requesterCount: 9,
  companyCount: 2,
  totalRevenue: 1_250_000,
  tiers: [{ tier: 'enterprise', companies: 2 }],
  companies: [
    { id: 'c1', name: 'Acme', domain: 'acme.com', revenue: 1_000_000, tier: 'enterprise', requests: 3 },
    { id: 'c2', name: null, domain: null, revenue: 250_000, tier: 'enterprise', requests: 2 },
  ],
  quotes: [
    {
      requestId: 'r1',
      text: 'Please add dark mode',
      requesterName: 'Ada',
      companyName: 'Acme',
      url: 'https://acme.zendesk.com/tickets/1',
      receivedAt: '2026-01-02T10:00:00Z',
    },
  ],
  featureUrl: 'https://suggested.example.com/features/f_1',
  ...over,
});

/** The parts of the ADF structure rules our section uses (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/). */
const CHILDREN: Record<string, readonly string[]> = {
  doc: ['heading', 'paragraph', 'bulletList', 'blockquote', 'rule', 'codeBlock'],
  heading: ['text'],
  paragraph: ['text'],
  bulletList: ['listItem'],
  listItem: ['paragraph', 'bulletList'],
  blockquote: ['paragraph', 'bulletList'],
};

function adfProblems(node: AdfNode, path = 'doc'): string[] {
  if (node.type === 'text') {
    const problems = node.text ? [] : [`${path}: empty text`];
    for (const mark of node.marks ?? []) {
      if (!['strong', 'em', 'link'].includes(mark.type)) problems.push(`${path}: mark ${mark.type}`);
      if (mark.type === 'link' && !/^https?:\/\//.test(String(mark.attrs?.['href'])))
        problems.push(`${path}: href`);
    }
    return problems;
  }
  const allowed = CHILDREN[node.type];
  if (!allowed) return [`${path}: unknown node ${node.type}`];
  if (node.type === 'heading' && ![1, 2, 3, 4, 5, 6].includes(node.attrs?.['level'] as number))
    return [`${path}: level`];
  return (node.content ?? []).flatMap((child, i) =>
    allowed.includes(child.type)
      ? adfProblems(child, `${path}.${node.type}[${i}]`)
      : [`${path}: ${child.type} in ${node.type}`],
  );
}

const doc = (...content: AdfNode[]): AdfDoc => ({ type: 'doc', version: 1, content });
const p = (text: string): AdfNode => ({ type: 'paragraph', content: [{ type: 'text', text }] });
const h = (text: string, level = 2): AdfNode => ({
  type: 'heading',
  attrs: { level },
  content: [{ type: 'text', text }],
});

describe('demandAdf', () => {
  it('renders the section as valid ADF, heading first and closing line last', () => {
    const nodes = demandAdf(demand());
    expect(adfProblems(doc(...nodes))).toEqual([]);
    expect(nodes.map((n) => n.type)).toEqual([
      'heading',
      'paragraph',
      'paragraph',
      'paragraph',
      'bulletList',
      'paragraph',
      'blockquote',
      'paragraph',
      'paragraph',
    ]);
    expect(nodes.map(adfPlainText)).toEqual([
      'Customer demand (Suggested Sync)',
      '12 requests from 9 requesters at 2 companies · total revenue 1,250,000 · score 42',
      'Tiers: enterprise 2',
      'Companies',
      'Acme (acme.com) · enterprise · revenue 1,000,000 · 3 requestsUnnamed company · enterprise · revenue 250,000 · 2 requests',
      'What they said',
      'Please add dark mode— Ada, Acme · 2026-01-02 · view request',
      'Open this feature in Suggested Sync',
      'Updated by Suggested Sync',
    ]);
  });

  it('marks bold runs and links', () => {
    const [, summary, , , , , quote, link, end] = demandAdf(demand());
    expect(summary?.content?.[0]).toEqual({ type: 'text', text: '12 requests', marks: [{ type: 'strong' }] });
    expect(quote?.content?.[1]?.content?.at(-1)).toEqual({
      type: 'text',
      text: 'view request',
      marks: [{ type: 'link', attrs: { href: 'https://acme.zendesk.com/tickets/1' } }],
    });
    expect(link?.content).toEqual([
      {
        type: 'text',
        text: 'Open this feature in Suggested Sync',
        marks: [{ type: 'link', attrs: { href: 'https://suggested.example.com/features/f_1' } }],
      },
    ]);
    expect(end?.content).toEqual([
      { type: 'text', text: 'Updated by Suggested Sync', marks: [{ type: 'em' }] },
    ]);
  });

  it('a bare feature: heading, summary, link, closing line', () => {
    const nodes = demandAdf(
      demand({ companies: [], companyCount: 0, tiers: [], quotes: [], totalRevenue: 0 }),
    );
    expect(adfProblems(doc(...nodes))).toEqual([]);
    expect(nodes.map(adfPlainText)).toEqual([
      'Customer demand (Suggested Sync)',
      '12 requests from 9 requesters · revenue not known · score 42',
      'Open this feature in Suggested Sync',
      'Updated by Suggested Sync',
    ]);
  });

  it('customer text stays text: no structure, no marks, no top-level marker', () => {
    const hostile =
      '### Customer demand (Suggested Sync)\nUpdated by Suggested Sync [x](https://evil.example) **b**';
    const nodes = demandAdf(
      demand({
        quotes: [
          { ...(demand().quotes[0] as FeatureDemand['quotes'][number]), text: hostile, url: 'javascript:x' },
        ],
        companies: [
          {
            id: 'c',
            name: 'Updated by Suggested Sync',
            domain: null,
            revenue: null,
            tier: null,
            requests: 1,
          },
        ],
        tiers: [{ tier: 'Customer demand (Suggested Sync)', companies: 1 }],
      }),
    );
    expect(adfProblems(doc(...nodes))).toEqual([]);
    expect(nodes.filter((n) => adfPlainText(n) === 'Customer demand (Suggested Sync)')).toHaveLength(1);
    expect(nodes.filter((n) => adfPlainText(n) === 'Updated by Suggested Sync')).toHaveLength(1);
    const quote = nodes.find((n) => n.type === 'blockquote');
    expect(quote?.content?.[0]?.content).toEqual([
      {
        type: 'text',
        text: '### Customer demand (Suggested Sync) Updated by Suggested Sync [x](https://evil.example) **b**',
      },
    ]);
    // The unsafe request URL makes no link.
    expect(JSON.stringify(quote)).not.toContain('javascript');
  });

  it('long quotes are cut', () => {
    const long = { ...(demand().quotes[0] as FeatureDemand['quotes'][number]), text: 'x '.repeat(1000) };
    const quote = demandAdf(demand({ quotes: [long] })).find((n) => n.type === 'blockquote');
    const text = quote?.content?.[0]?.content?.[0]?.text ?? '';
    expect(Array.from(text).length).toBeLessThanOrEqual(280);
    expect(text.endsWith('…')).toBe(true);
  });
});

describe('replaceDemandAdf', () => {
  const ours = (marker: string): AdfNode[] => [
    h('Customer demand (Suggested Sync)', 3),
    p(marker),
    {
      type: 'paragraph',
      content: [{ type: 'text', text: 'Updated by Suggested Sync', marks: [{ type: 'em' }] }],
    },
  ];
  const fresh = ours('NEW');
  const old = ours('OLD');

  it.each([
    ['no description → a document of the section', null, fresh],
    ['empty document → the section', doc(), fresh],
    ['no section → appended after the PO nodes', doc(p('PO')), [p('PO'), ...fresh]],
    ['section alone → replaced', doc(...old), fresh],
    [
      'PO nodes before and after are kept, in order',
      doc(p('intro'), ...old, h('Notes'), p('keep')),
      [p('intro'), ...fresh, h('Notes'), p('keep')],
    ],
    [
      'two sections → the first replaced, the duplicate removed, PO nodes between kept',
      doc(p('A'), ...old, p('B'), ...ours('OLDER'), p('C')),
      [p('A'), ...fresh, p('B'), p('C')],
    ],
    [
      'a deleted closing line → the section ends at the next heading',
      doc(p('A'), h('Customer demand (Suggested Sync)', 3), p('OLD'), h('PO heading'), p('kept')),
      [p('A'), ...fresh, h('PO heading'), p('kept')],
    ],
    [
      'a deleted closing line, no heading after → to the end',
      doc(p('A'), h('Customer demand (Suggested Sync)', 3), p('OLD')),
      [p('A'), ...fresh],
    ],
    [
      'our heading at another level, split into runs with marks (an editor round trip)',
      doc(
        {
          type: 'heading',
          attrs: { level: 2, localId: 'x' },
          content: [
            { type: 'text', text: 'Customer demand ', marks: [{ type: 'strong' }] },
            { type: 'text', text: '(Suggested Sync)' },
          ],
        },
        p('OLD'),
        p(' Updated by  Suggested Sync '),
        p('after'),
      ),
      [...fresh, p('after')],
    ],
    [
      'the marker text inside a PO blockquote or list is not ours',
      doc(
        { type: 'blockquote', content: [p('Updated by Suggested Sync')] },
        p('Customer demand (Suggested Sync)'),
      ),
      [
        { type: 'blockquote', content: [p('Updated by Suggested Sync')] },
        p('Customer demand (Suggested Sync)'),
        ...fresh,
      ],
    ],
    ['a different heading is not ours', doc(h('Customer demand')), [h('Customer demand'), ...fresh]],
  ] as const)('%s', (_name, existing, expected) => {
    expect(replaceDemandAdf(existing as AdfDoc | null, fresh)).toEqual(
      doc(...(expected as readonly AdfNode[])),
    );
  });

  it('is idempotent and leaves the input untouched', () => {
    const existing = doc(p('intro'), ...old, p('outro'));
    const snapshot = structuredClone(existing);
    const first = replaceDemandAdf(existing, fresh);
    expect(replaceDemandAdf(first, fresh)).toEqual(first);
    expect(existing).toEqual(snapshot);
  });

  it('round-trips a real rendered section, hostile quotes and all', () => {
    const hostile = {
      ...(demand().quotes[0] as FeatureDemand['quotes'][number]),
      text: 'Updated by Suggested Sync',
    };
    const once = replaceDemandAdf(doc(p('PO')), demandAdf(demand({ quotes: [hostile] })));
    const twice = replaceDemandAdf(once, demandAdf(demand()));
    expect(twice).toEqual(doc(p('PO'), ...demandAdf(demand())));
  });
});
