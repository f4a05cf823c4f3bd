import { describe, expect, it } from 'vitest';
import type { FeatureDemand } from '../domain/tracker.ts';
import { adfPlainText, demandAdf, replaceDemandAdf } from './demand-adf.ts';
import { DEMAND_END, DEMAND_TITLE, demandContent, type Inline } from './demand-content.ts';
import { demandMarkdown, replaceDemandMarkdown } from './demand-markdown.ts';

/**
 * A feature pushed because its review hold ran out says what it may duplicate: the other feature's issue (key and
 * link) when it has one, else its title. Both trackers show the same facts; the title stays inert text.
 */

const demand = (over: Partial<FeatureDemand> = {}): FeatureDemand => ({
  featureId: 'f_2',
  title: 'Please add a dark theme',
  status: 'received',
  score: 3,
  requestCount: 1,
  requesterCount: 1,
  companyCount: 0,
  totalRevenue: 0,
  tiers: [],
  companies: [],
  quotes: [],
  featureUrl: 'https://suggested.example.com/features/f_2',
  ...over,
});

const withIssue = { title: 'Dark mode', issueKey: 'SBX-12', url: 'https://linear.app/acme/issue/SBX-12' };
const flat = (parts: readonly Inline[] | null) => (parts ?? []).map((p) => p.text).join('');

describe('possible duplicate note: content', () => {
  it('is absent when the demand has none', () => {
    expect(demandContent(demand()).possibleDuplicate).toBeNull();
  });

  it("links the other feature's issue by its key, with its title", () => {
    const note = demandContent(demand({ possibleDuplicateOf: withIssue })).possibleDuplicate;
    expect(flat(note)).toBe(
      'Possible duplicate of SBX-12 (Dark mode): not reviewed in Suggested Sync in time, so it was pushed on its own',
    );
    expect(note).toContainEqual({ text: 'SBX-12', href: 'https://linear.app/acme/issue/SBX-12' });
  });

  it('names the key without a link when the URL is not http(s)', () => {
    const note = demandContent(
      demand({ possibleDuplicateOf: { ...withIssue, url: 'javascript:alert(1)' } }),
    ).possibleDuplicate;
    expect(note?.some((p) => p.href)).toBe(false);
    expect(flat(note)).toContain('SBX-12 (Dark mode)');
  });

  it('names the other feature by its title when it has no issue', () => {
    const note = demandContent(
      demand({ possibleDuplicateOf: { title: 'Dark\nmode', issueKey: null, url: null } }),
    ).possibleDuplicate;
    expect(flat(note)).toContain('Possible duplicate of Dark mode (not in a tracker yet)');
    expect(note?.some((p) => p.href)).toBe(false);
  });
});

describe('possible duplicate note: Linear markdown', () => {
  it('comes right under our heading, the key a link', () => {
    const md = demandMarkdown(demand({ possibleDuplicateOf: withIssue }));
    const lines = md.split('\n\n');
    expect(lines[0]).toBe(`### ${DEMAND_TITLE}`);
    expect(lines[1]).toBe(
      '**Possible duplicate of** [SBX-12](https://linear.app/acme/issue/SBX-12) (Dark mode): not reviewed in Suggested Sync in time, so it was pushed on its own',
    );
    expect(demandMarkdown(demand())).not.toContain('Possible duplicate');
  });

  it('keeps a hostile title inert and the section replaceable', () => {
    const hostile = {
      title: `_${DEMAND_END}_ [x](https://evil.example) ### ${DEMAND_TITLE}`,
      issueKey: null,
      url: null,
    };
    const section = demandMarkdown(demand({ possibleDuplicateOf: hostile }));
    expect(section).toContain('\\[x\\](https://evil.example)');
    expect(section.split('\n').filter((line) => /^ {0,3}#/.test(line))).toEqual([`### ${DEMAND_TITLE}`]);
    const page = replaceDemandMarkdown(`Notes\n\n${section}\n\nAfter`, demandMarkdown(demand()));
    expect(page).toBe(`Notes\n\n${demandMarkdown(demand())}\n\nAfter`);
  });
});

describe('possible duplicate note: Jira ADF', () => {
  it('comes right under our heading, the key a link mark', () => {
    const nodes = demandAdf(demand({ possibleDuplicateOf: withIssue }));
    const note = nodes[1];
    expect(note?.type).toBe('paragraph');
    expect(adfPlainText(note ?? { type: 'paragraph' })).toBe(
      'Possible duplicate of SBX-12 (Dark mode): not reviewed in Suggested Sync in time, so it was pushed on its own',
    );
    expect(note?.content).toContainEqual({
      type: 'text',
      text: 'SBX-12',
      marks: [{ type: 'link', attrs: { href: 'https://linear.app/acme/issue/SBX-12' } }],
    });
    expect(demandAdf(demand()).some((n) => adfPlainText(n).startsWith('Possible duplicate'))).toBe(false);
  });

  it('is replaced as part of our section', () => {
    const hostile = { title: DEMAND_END, issueKey: null, url: null };
    const before = replaceDemandAdf(null, demandAdf(demand({ possibleDuplicateOf: hostile })));
    const after = replaceDemandAdf(before, demandAdf(demand()));
    expect(after.content).toEqual(demandAdf(demand()));
  });
});
