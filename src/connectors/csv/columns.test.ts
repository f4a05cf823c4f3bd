import { describe, expect, it } from 'vitest';
import { parseMapArgs, resolveColumns } from './columns.ts';

describe('resolveColumns: common names, case-insensitively', () => {
  it.each([
    [['Title', 'Description', 'Email'], { title: 0, body: 1, email: 2 }],
    [['SUBJECT', 'details', 'Requester Email', 'Author Name'], { title: 0, body: 1, email: 2, name: 3 }],
    [
      ['summary', 'body', 'author_email', 'Company', 'created_at'],
      { title: 0, body: 1, email: 2, company: 3, created: 4 },
    ],
    [[' Date ', 'Title', 'E-mail'], { created: 0, title: 1, email: 2 }],
  ])('%j', (header, expected) => {
    const result = resolveColumns(header);
    expect(result.ok && result.columns).toEqual(expected);
  });

  it('a missing required column names what it looked for and the columns found', () => {
    const result = resolveColumns(['Title', 'Votes']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems[0]).toMatch(
      /^no column for email \(looked for: email, author email, requester email/,
    );
    expect(result.problems[0]).toContain('--map COLUMN=email');
    expect(result.problems.at(-1)).toBe('columns found: "Title", "Votes"');
  });

  it('--map wins over recognised names, and a mapped column is not reused', () => {
    const { map } = parseMapArgs(['Headline=title', 'Contact=email', 'Title=body']);
    const result = resolveColumns(['Title', 'Headline', 'Contact'], { map });
    expect(result.ok && result.columns).toEqual({ title: 1, email: 2, body: 0 });
  });

  it('--map naming a column the file does not have is a problem', () => {
    const { map } = parseMapArgs(['Nope=title']);
    const result = resolveColumns(['Title', 'Email'], { map });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems[0]).toBe('--map Nope=title: no column "Nope" in the file');
  });
});

describe('parseMapArgs', () => {
  it.each([
    ['a=title', [['a', 'title']], []],
    ['Ticket ID=id', [['Ticket ID', 'ref']], []],
    ['x=y=body', [['x=y', 'body']], []],
    [
      'a=colour',
      [],
      [
        '--map "a=colour": unknown field "colour"; fields: title, body, email, name, company, created, url, tags, ref, revenue, mrr, tier, important',
      ],
    ],
    ['title', [], ['--map "title": expected COLUMN=FIELD']],
  ])('%j', (arg, map, problems) => {
    expect(parseMapArgs([arg])).toEqual({ map, problems });
  });
});

describe('presets read each tool’s export header', () => {
  it.each([
    [
      'canny',
      [
        'Post ID',
        'Title',
        'Details',
        'Author Name',
        'Author Email',
        'Company Name',
        'Created At',
        'Post URL',
        'Tags',
        'Votes',
        'Company Monthly Spend',
      ],
      { ref: 0, title: 1, body: 2, name: 3, email: 4, company: 5, created: 6, url: 7, tags: 8, mrr: 10 },
    ],
    [
      'uservoice',
      [
        'suggestion.id',
        'suggestion.title',
        'suggestion.body',
        'suggestion.created_timestamp',
        'suggestion.portal_url',
        'suggestion.labels.name',
        'user.name',
        'user.email_address',
        'account.name',
        'account.mrr',
        'account.ltv',
      ],
      { ref: 0, title: 1, body: 2, created: 3, url: 4, tags: 5, name: 6, email: 7, company: 8, mrr: 9 },
    ],
    [
      'productboard',
      [
        'Note ID',
        'Note title',
        'Note text',
        'User email',
        'User name',
        'Company name',
        'Created at',
        'Display URL',
        'Tags',
      ],
      { ref: 0, title: 1, body: 2, email: 3, name: 4, company: 5, created: 6, url: 7, tags: 8 },
    ],
  ] as const)('%s', (preset, header, expected) => {
    const result = resolveColumns(header, { preset });
    expect(result.ok && result.columns).toEqual(expected);
  });

  it('without the preset, a UserVoice export misses its required columns', () => {
    expect(resolveColumns(['suggestion.title', 'user.email_address']).ok).toBe(false);
  });
});
