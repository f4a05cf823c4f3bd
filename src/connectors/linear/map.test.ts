import { describe, expect, it } from 'vitest';
import {
  attachmentMarks,
  duplicateOf,
  issueIdFor,
  issueLink,
  issueLookupKey,
  linearCarriesMark,
  MARK_METADATA_KEY,
  needIdFor,
  toIssueRef,
  toIssueState,
  uuidFromKey,
} from './map.ts';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('issueIdFor / needIdFor', () => {
  it('is pinned: changing the derivation would let a create retried across a deploy make a second issue', () => {
    expect(issueIdFor('feature-1:linear:SBX')).toBe('90511c59-2f28-4dd0-8421-c863e8f66209');
    expect(needIdFor('00000000-0000-4000-8000-000000000000', 'r1')).toBe(
      '93e6c88e-9283-4b46-b907-d1afa6ab29e3',
    );
  });

  it('is stable and UUID v4-shaped for any key', () => {
    for (const key of ['', 'a', 'feature-1:SBX', 'ünïcødé:🙂', 'x'.repeat(10_000)]) {
      expect(issueIdFor(key)).toBe(issueIdFor(key));
      expect(issueIdFor(key)).toMatch(UUID_V4);
      expect(needIdFor(issueIdFor(key), key)).toMatch(UUID_V4);
    }
  });

  it('differs for distinct keys, and issues and needs never share an id space', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `feature-${i}:SBX`);
    expect(new Set(keys.map(issueIdFor)).size).toBe(keys.length);
    expect(issueIdFor('f:SBX')).not.toBe(issueIdFor('f:ENG'));
    expect(issueIdFor('k')).not.toBe(uuidFromKey('k'));
    const issue = issueIdFor('f:SBX');
    expect(needIdFor(issue, 'r1')).not.toBe(needIdFor(issue, 'r2'));
    expect(needIdFor(issue, 'r1')).not.toBe(needIdFor(issueIdFor('g:SBX'), 'r1'));
  });
});

describe('issueLink', () => {
  it.each([
    ['https://linear.app/acme/issue/SBX-7/priya-wants-sso', 'https://linear.app/acme/issue/SBX-7'],
    [
      'https://linear.app/acme/issue/SBX-7/priya-wants-sso?x=1#c',
      'https://linear.app/acme/issue/SBX-7?x=1#c',
    ],
    ['https://linear.app/acme/issue/SBX-7', 'https://linear.app/acme/issue/SBX-7'],
    ['http://127.0.0.1:4020/#SBX-1', 'http://127.0.0.1:4020/#SBX-1'],
  ])('%s → %s', (url, expected) => {
    expect(issueLink(url)).toBe(expected);
  });
});

describe('toIssueState / toIssueRef', () => {
  const issue = {
    id: '9f0e2c1a-0000-4000-8000-000000000001',
    identifier: 'SBX-7',
    url: 'https://linear.app/acme/issue/SBX-7/dark-mode',
  };

  it.each([
    { updatedAt: new Date('2026-03-01T10:00:00Z'), state: { name: 'Triage', type: 'triage' } },
    { updatedAt: '2026-03-01T10:00:00.000Z', state: { name: 'In Progress', type: 'started' } },
    { updatedAt: '2026-03-01T11:00:00+01:00', state: { name: 'Duplicate', type: 'duplicate' } },
  ])('maps $state.type with updatedAt $updatedAt to ISO', ({ updatedAt, state }) => {
    expect(toIssueState('acme', { ...issue, updatedAt }, state)).toEqual({
      kind: 'linear',
      site: 'acme',
      issueId: issue.id,
      issueKey: 'SBX-7',
      url: 'https://linear.app/acme/issue/SBX-7',
      statusName: state.name,
      category: state.type,
      updatedAt: '2026-03-01T10:00:00.000Z',
    });
  });

  it('carries the issue it duplicates when known', () => {
    const state = toIssueState(
      'acme',
      { ...issue, updatedAt: new Date(0) },
      { name: 'Dup', type: 'duplicate' },
      'b',
    );
    expect(state.duplicateOfIssueId).toBe('b');
  });

  it('makes a ref', () => {
    expect(toIssueRef('acme', issue)).toEqual({
      kind: 'linear',
      site: 'acme',
      issueId: issue.id,
      issueKey: 'SBX-7',
      url: 'https://linear.app/acme/issue/SBX-7',
    });
  });
});

describe('duplicateOf', () => {
  it.each([
    { relations: [], expected: undefined },
    { relations: [{ type: 'related', relatedIssue: { id: 'a' } }], expected: undefined },
    {
      relations: [
        { type: 'blocks', relatedIssue: { id: 'a' } },
        { type: 'duplicate', relatedIssue: { id: 'b' } },
      ],
      expected: 'b',
    },
    { relations: [{ type: 'duplicate', relatedIssue: null }], expected: undefined },
  ])('$relations.length relations → $expected', ({ relations, expected }) => {
    expect(duplicateOf(relations)).toBe(expected);
  });
});

describe('issueLookupKey', () => {
  it.each([
    ['9F0E2C1A-0000-4000-8000-000000000001', '9f0e2c1a-0000-4000-8000-000000000001'],
    ['SBX-12', 'SBX-12'],
    [' eng-3 ', 'ENG-3'],
    ['https://linear.app/acme/issue/ENG-123/dark-mode-for-the-editor', 'ENG-123'],
    ['https://linear.app/acme/issue/ENG-123', 'ENG-123'],
    ['https://linear.app/acme/issue/ENG-123/dark-mode?foo=1#comment-1', 'ENG-123'],
    ['http://127.0.0.1:4020/#SBX-1', 'SBX-1'],
    ['https://linear.app/acme/project/roadmap-1234', undefined],
    ['https://example.com/', undefined],
    ['ftp://linear.app/acme/issue/ENG-1', undefined],
    ['not an issue', undefined],
    ['https://linear.app/issue/ENG-1', undefined],
    ['https://linear.app/acme/issue/ENG-1/slug/more', undefined],
    ['http://127.0.0.1:4020/acme/project/#SBX-1', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(issueLookupKey(input)).toBe(expected);
  });

  it('with hosts, reads a URL only on one of them', () => {
    const hosts = ['linear.app'];
    expect(issueLookupKey('https://linear.app/acme/issue/ENG-1', hosts)).toBe('ENG-1');
    expect(issueLookupKey('https://linear.example/acme/issue/ENG-1', hosts)).toBeUndefined();
    expect(issueLookupKey('ENG-1', hosts)).toBe('ENG-1');
  });
});

describe('attachmentMarks', () => {
  const page = (keys: Array<string | null>, hasNextPage: boolean) =>
    attachmentMarks({
      nodes: keys.map((k) => ({ metadata: k === null ? null : { [MARK_METADATA_KEY]: k } })),
      pageInfo: { hasNextPage },
    });
  // A hand-linked issue: its id says nothing, only our attachment's metadata does.
  const hand = (marks: ReturnType<typeof attachmentMarks>) =>
    linearCarriesMark({ issueId: '00000000-0000-4000-8000-000000000000', marks }, 'k1');

  it.each([
    ['ours among them', page([null, 'k1'], false), { seen: ['k1'], complete: true }, true],
    ["another link's only, all read", page(['k2', null], false), { seen: ['k2'], complete: true }, false],
    ['none, all read', page([], false), { seen: [], complete: true }, false],
    ['ours on the page read, more to come', page(['k1'], true), { seen: ['k1'], complete: false }, true],
    ['not on the page read, more to come', page(['k2'], true), { seen: ['k2'], complete: false }, undefined],
  ])('%s', (_, marks, expected, carries) => {
    expect(marks).toEqual(expected);
    expect(hand(marks)).toBe(carries);
  });
});
