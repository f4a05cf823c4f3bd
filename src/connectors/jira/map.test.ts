import { parseFieldSelection } from '@suggested-sync/emulators/jira/field-selection';
import { linkIssues } from '@suggested-sync/emulators/jira/link-operations';
import { createIssue, transitionIssue } from '@suggested-sync/emulators/jira/operations';
import { ISSUE_TYPES, LINK_TYPES, PROJECTS } from '@suggested-sync/emulators/jira/seed';
import { JiraState } from '@suggested-sync/emulators/jira/state';
import { issueJson } from '@suggested-sync/emulators/jira/views';
import { describe, expect, it } from 'vitest';
import { markVerdict } from '../../domain/tracker.ts';
import {
  duplicateOfFromLinks,
  ISSUE_PROPERTY,
  JiraShapeError,
  jiraIssueState,
  jiraMarks,
  jiraSummary,
  jiraTimeToIso,
  jqlDateLiteral,
  jqlString,
  legacyMarkLabel,
  parseIssueReference,
} from './map.ts';

const HOST = 'https://acme.atlassian.net';
const SITE = { site: 'default', host: HOST };

/** Issue JSON as the emulator's REST v3 view renders it: the fixtures are the emulator's output, not hand-written. */
function emulatedSite() {
  const clock = { now: Date.parse('2026-11-28T04:00:00.000Z') };
  const state = new JiraState({ now: () => clock.now });
  state.baseUrl = HOST;
  const [project] = PROJECTS;
  const [issueType] = ISSUE_TYPES;
  if (!project || !issueType) throw new Error('no seed');
  const create = (summary: string) =>
    createIssue(state, {
      project,
      issueType,
      summary,
      description: null,
      labels: [],
      custom: {},
      properties: [],
    });
  const json = (key: string) => {
    const issue = state.requireIssue(key);
    return issueJson(state, issue, {
      fields: parseFieldSelection(undefined, 'all'),
      email: 'po@example.com',
    });
  };
  return { state, clock, create, json };
}

describe('jiraIssueState', () => {
  it('reads status, category, update time and browse URL from an issue', () => {
    const { state, clock, create, json } = emulatedSite();
    const issue = create('Dark mode');
    clock.now = Date.parse('2026-11-28T05:10:00.000Z');
    transitionIssue(state, issue, '21');
    expect(jiraIssueState(json(issue.key), SITE)).toEqual({
      kind: 'jira',
      site: 'default',
      issueId: issue.id,
      issueKey: 'SBX-1',
      url: 'https://acme.atlassian.net/browse/SBX-1',
      statusName: 'In Progress',
      category: 'indeterminate',
      updatedAt: '2026-11-28T05:10:00.000Z',
    });
  });

  it('marks only the issue that duplicates another (the link’s inward side), not the original', () => {
    const { state, create, json } = emulatedSite();
    const original = create('Dark mode');
    const copy = create('Dark theme please');
    const duplicate = LINK_TYPES.find((t) => t.name === 'Duplicate');
    const blocks = LINK_TYPES.find((t) => t.name === 'Blocks');
    if (!duplicate || !blocks) throw new Error('no link types');
    linkIssues(state, duplicate, copy, original);
    const third = create('Night theme');
    linkIssues(state, blocks, third, original);

    expect(jiraIssueState(json(copy.key), SITE).duplicateOfIssueId).toBe(original.id);
    expect(jiraIssueState(json(original.key), SITE)).not.toHaveProperty('duplicateOfIssueId');
    expect(jiraIssueState(json(third.key), SITE)).not.toHaveProperty('duplicateOfIssueId');
  });

  it('throws JiraShapeError when the status or update time is missing', () => {
    const { create, json } = emulatedSite();
    const issue = json(create('Dark mode').key);
    const { status: _status, ...noStatus } = issue.fields as Record<string, unknown>;
    expect(() => jiraIssueState({ ...issue, fields: noStatus }, SITE)).toThrow(JiraShapeError);
    expect(() =>
      jiraIssueState({ ...issue, fields: { ...issue.fields, updated: 'yesterday' } }, SITE),
    ).toThrow(JiraShapeError);
    expect(() => jiraIssueState(null, SITE)).toThrow(JiraShapeError);
  });
});

describe('jiraMarks', () => {
  /** An issue as a read renders it, with our property when `key` is given; `properties` asked for or not. */
  function issue(labels: string[], key: string | undefined, askProperties: boolean) {
    const state = new JiraState({ now: () => Date.parse('2026-11-28T04:00:00.000Z') });
    const [project] = PROJECTS;
    const [issueType] = ISSUE_TYPES;
    if (!project || !issueType) throw new Error('no seed');
    const made = createIssue(state, {
      project,
      issueType,
      summary: 'Dark mode',
      description: null,
      labels,
      custom: {},
      properties:
        key === undefined ? [] : [{ key: ISSUE_PROPERTY, value: { featureId: 'f', idempotencyKey: key } }],
    });
    return issueJson(state, made, {
      fields: parseFieldSelection(undefined, 'all'),
      ...(askProperties ? { properties: [ISSUE_PROPERTY] } : {}),
      email: 'po@example.com',
    });
  }
  const verdict = (json: Record<string, unknown>, key: string) =>
    markVerdict(jiraMarks(json), legacyMarkLabel(key));

  it('reads the property as the mark: yes for its key, no for another, when the read asked for it', () => {
    const ours = issue(['customer-request'], 'k1', true);
    expect(jiraMarks(ours)).toEqual({ seen: [legacyMarkLabel('k1')], complete: true });
    expect(verdict(ours, 'k1')).toBe(true);
    expect(verdict(ours, 'k2')).toBe(false);
    expect(verdict(issue([], undefined, true), 'k1')).toBe(false);
  });

  it('cannot tell without the property (a webhook), unless the old mark label shows', () => {
    expect(jiraMarks(issue(['customer-request'], 'k1', false))).toBeUndefined();
    expect(verdict(issue(['customer-request'], 'k1', false), 'k1')).toBeUndefined();
    const old = issue([legacyMarkLabel('k1'), 'customer-request'], 'k1', false);
    expect(verdict(old, 'k1')).toBe(true);
    expect(verdict(old, 'k2')).toBeUndefined();
    // An issue an earlier version created, read with its property: label and property are one mark.
    expect(jiraMarks(issue([legacyMarkLabel('k1')], 'k1', true))?.seen).toEqual([
      legacyMarkLabel('k1'),
      legacyMarkLabel('k1'),
    ]);
  });
});

describe('duplicateOfFromLinks', () => {
  it.each([
    ['no links', undefined, undefined],
    ['not an array', { type: { name: 'Duplicate' } }, undefined],
    [
      'the other issue duplicates this one',
      [{ type: { name: 'Duplicate' }, inwardIssue: { id: '7' } }],
      undefined,
    ],
    ['this issue duplicates another', [{ type: { name: 'Duplicate' }, outwardIssue: { id: '7' } }], '7'],
    ['case of the type name', [{ type: { name: 'duplicate' }, outwardIssue: { id: '8' } }], '8'],
    ['another link type', [{ type: { name: 'Blocks' }, outwardIssue: { id: '7' } }], undefined],
  ])('%s', (_name, links, expected) => {
    expect(duplicateOfFromLinks(links)).toBe(expected);
  });
});

describe('jiraTimeToIso', () => {
  it.each([
    ['2026-11-28T05:10:00.000+0000', '2026-11-28T05:10:00.000Z'],
    ['2026-11-28T00:10:00.000-0500', '2026-11-28T05:10:00.000Z'],
    ['2026-11-28T10:40:00.123+0530', '2026-11-28T05:10:00.123Z'],
    ['2026-11-28T05:10:00.000+00:00', '2026-11-28T05:10:00.000Z'],
    ['2026-11-28T05:10:00Z', '2026-11-28T05:10:00.000Z'],
    ['2026-11-28', undefined],
    ['not a date', undefined],
    [1_700_000_000_000, undefined],
  ])('%s → %s', (input, expected) => {
    expect(jiraTimeToIso(input)).toBe(expected);
  });
});

describe('jqlDateLiteral', () => {
  it.each([
    // Winter: New York is UTC-5; summer: UTC-4. The literal is wall-clock time in the user's zone.
    ['2026-11-28T05:10:59.999Z', 'America/New_York', '"2026-11-28 00:10"'],
    ['2026-07-01T03:05:00.000Z', 'America/New_York', '"2026-06-30 23:05"'],
    ['2026-11-28T05:10:00.000Z', 'UTC', '"2026-11-28 05:10"'],
    ['2026-11-28T23:59:00.000Z', 'Asia/Kolkata', '"2026-11-29 05:29"'],
    ['2026-01-01T00:00:00.000Z', 'Europe/Berlin', '"2026-01-01 01:00"'],
  ])('%s in %s → %s', (instant, zone, expected) => {
    expect(jqlDateLiteral(Date.parse(instant), zone)).toBe(expected);
  });
});

describe('legacyMarkLabel and jqlString', () => {
  it('keeps a plain key readable and hashes anything a label cannot hold', () => {
    expect(legacyMarkLabel('f_123-jira-default-SBX')).toBe('suggested-sync-f_123-jira-default-SBX');
    const spaced = legacyMarkLabel('feature 1: jira/SBX');
    expect(spaced).toMatch(/^suggested-sync-[0-9a-f]{40}$/);
    expect(legacyMarkLabel('feature 1: jira/SBX')).toBe(spaced);
    expect(legacyMarkLabel('feature 2: jira/SBX')).not.toBe(spaced);
    expect(legacyMarkLabel('x'.repeat(300)).length).toBeLessThan(255);
  });

  it('quotes JQL strings', () => {
    expect(jqlString("Won't Do")).toBe('"Won\'t Do"');
    expect(jqlString('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
  });
});

describe('parseIssueReference', () => {
  it.each([
    ['SBX-1', 'SBX-1'],
    [' sbx-12 ', 'SBX-12'],
    ['10001', '10001'],
    ['https://acme.atlassian.net/browse/SBX-1', 'SBX-1'],
    ['https://acme.atlassian.net/browse/SBX-1?focusedCommentId=1#x', 'SBX-1'],
    ['https://other.atlassian.net/browse/SBX-1', undefined],
    ['https://acme.atlassian.net/projects/SBX/issues/SBX-1', undefined],
    ['https://acme.atlassian.net/browse/not-a-key', undefined],
    ['SBX 1', undefined],
    ['SBX-1 OR x', undefined],
    ['../../x', undefined],
    ['X-1', undefined],
    ['https://acme.atlassian.net/browse/../rest/api/3/issue/SBX-1', undefined],
    ['', undefined],
  ])('%s → %s', (input, expected) => {
    expect(parseIssueReference(input, HOST)).toBe(expected);
  });

  it('accepts a trailing slash on the configured host', () => {
    expect(parseIssueReference('https://acme.atlassian.net/browse/SBX-1', `${HOST}/`)).toBe('SBX-1');
  });
});

describe('jiraSummary', () => {
  it.each([
    ['Dark mode', 'Dark mode'],
    ['  Dark mode  ', 'Dark mode'],
    ['Dark\nmode', 'Dark mode'],
    ['Dark \r\n  mode', 'Dark mode'],
    ['Dark\rmode\u2028for\u2029all\u0085now', 'Dark mode for all now'],
    ['Dark\n\n\nmode', 'Dark mode'],
    ['Dark\tmode', 'Dark\tmode'],
    ['x'.repeat(300), 'x'.repeat(255)],
  ])('%j → %j', (title, summary) => {
    expect(jiraSummary(title)).toBe(summary);
  });

  it('cuts between code points, never splitting an emoji into a lone surrogate', () => {
    const summary = jiraSummary('😀'.repeat(300));
    expect(summary.isWellFormed()).toBe(true);
    expect(summary).toBe('😀'.repeat(127));
    expect(jiraSummary(`${'x'.repeat(254)}😀`)).toBe('x'.repeat(254));
  });
});
