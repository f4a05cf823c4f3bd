import { createHmac } from 'node:crypto';
import { linkIssues } from '@suggested-sync/emulators/jira/link-operations';
import {
  addComment,
  createIssue,
  deleteIssue,
  transitionIssue,
} from '@suggested-sync/emulators/jira/operations';
import { ISSUE_TYPES, LINK_TYPES, PROJECTS } from '@suggested-sync/emulators/jira/seed';
import { JiraState } from '@suggested-sync/emulators/jira/state';
import { signJiraWebhook, webhookPayload } from '@suggested-sync/emulators/jira/webhooks';
import { describe, expect, it } from 'vitest';
import { markVerdict } from '../../domain/tracker.ts';
import { ISSUE_PROPERTY, legacyMarkLabel } from './map.ts';
import { parseJiraWebhook, verifyJiraWebhook } from './webhook.ts';

const HOST = 'https://acme.atlassian.net';
const SITE = { site: 'default', host: HOST };
const SECRET = 'whsec-test';
const T0 = Date.parse('2026-11-28T05:10:00.000Z');

/**
 * Deliveries as the emulator builds them (its payload code, run on its state): product-owner gestures in, the raw
 * bodies Jira would POST out.
 */
function deliveries() {
  const clock = { now: T0 };
  const state = new JiraState({ now: () => clock.now });
  state.baseUrl = HOST;
  const bodies: string[] = [];
  state.onEvent((event) => bodies.push(JSON.stringify(webhookPayload(state, event, 'po@example.com'))));
  const [project] = PROJECTS;
  const [issueType] = ISSUE_TYPES;
  const duplicate = LINK_TYPES.find((t) => t.name === 'Duplicate');
  const relates = LINK_TYPES.find((t) => t.name === 'Relates');
  if (!project || !issueType || !duplicate || !relates) throw new Error('no seed');
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
  const original = create('Dark mode'); // 0: issue_created
  const copy = create('Dark theme'); // 1: issue_created
  clock.now = T0 + 60_000;
  transitionIssue(state, original, '41'); // 2: issue_updated (Won't Do)
  linkIssues(state, duplicate, copy, original); // 3: issuelink_created (copy duplicates original)
  linkIssues(state, relates, original, copy); // 4: issuelink_created (Relates)
  addComment(state, copy, { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [] }] }); // 5, 6
  clock.now = T0 + 120_000;
  deleteIssue(state, copy); // 7: issue_deleted
  return { bodies, original, copy };
}

describe('parseJiraWebhook on the emulator’s deliveries', () => {
  const { bodies, original, copy } = deliveries();
  const parse = (i: number) => parseJiraWebhook(Buffer.from(bodies[i] ?? ''), SITE);

  it('issue created → issue-changed with the new issue’s state', () => {
    expect(parse(0)).toEqual([
      {
        type: 'issue-changed',
        state: {
          kind: 'jira',
          site: 'default',
          issueId: original.id,
          issueKey: original.key,
          url: `${HOST}/browse/${original.key}`,
          statusName: 'To Do',
          category: 'new',
          updatedAt: '2026-11-28T05:10:00.000Z',
        },
      },
    ]);
  });

  it('issue updated (a transition) → issue-changed with the status and the issue’s own update time', () => {
    expect(parse(2)).toEqual([
      {
        type: 'issue-changed',
        state: expect.objectContaining({
          issueId: original.id,
          statusName: "Won't Do",
          category: 'done',
          updatedAt: '2026-11-28T05:11:00.000Z',
        }),
      },
    ]);
  });

  it('a Duplicate link → duplicate-marked, the duplicating issue first', () => {
    expect(parse(3)).toEqual([
      {
        type: 'duplicate-marked',
        issueId: copy.id,
        duplicateOfIssueId: original.id,
        at: '2026-11-28T05:11:00.000Z',
      },
    ]);
  });

  it('another link type, a comment event → ignored with a reason', () => {
    expect(parse(4)).toEqual([{ type: 'ignored', reason: expect.stringContaining('not a Duplicate link') }]);
    const events = bodies.map((b) => (JSON.parse(b) as { webhookEvent: string }).webhookEvent);
    const commentEvent = events.indexOf('comment_created');
    expect(commentEvent).toBeGreaterThan(0);
    expect(parse(commentEvent)).toEqual([
      { type: 'ignored', reason: expect.stringContaining('comment_created') },
    ]);
  });

  it('issue deleted → issue-deleted with the event time', () => {
    const events = bodies.map((b) => (JSON.parse(b) as { webhookEvent: string }).webhookEvent);
    expect(parseJiraWebhook(bodies[events.indexOf('jira:issue_deleted')] ?? '', SITE)).toEqual([
      { type: 'issue-deleted', issueId: copy.id, at: '2026-11-28T05:12:00.000Z' },
    ]);
  });

  it.each([
    ['not JSON', 'nope', 'not JSON'],
    ['a JSON array', '[]', 'not a JSON object'],
    ['no event name', '{}', 'no webhookEvent'],
    [
      'an issue event without a status',
      '{"webhookEvent":"jira:issue_updated","issue":{"id":"1","key":"A-1"}}',
      'lacks',
    ],
    ['a delete without timestamp', '{"webhookEvent":"jira:issue_deleted","issue":{"id":"1"}}', 'without'],
    ['a removed link', '{"webhookEvent":"issuelink_deleted","timestamp":1}', 'removed link'],
  ])('%s → ignored', (_name, body, reason) => {
    expect(parseJiraWebhook(body, SITE)).toEqual([
      { type: 'ignored', reason: expect.stringContaining(reason) },
    ]);
  });
});

describe('marks in a delivery (labels, never properties)', () => {
  function delivered(labels: string[]) {
    const state = new JiraState({ now: () => T0 });
    state.baseUrl = HOST;
    const bodies: string[] = [];
    state.onEvent((event) => bodies.push(JSON.stringify(webhookPayload(state, event, 'po@example.com'))));
    const [project] = PROJECTS;
    const [issueType] = ISSUE_TYPES;
    if (!project || !issueType) throw new Error('no seed');
    const issue = createIssue(state, {
      project,
      issueType,
      summary: 'Dark mode',
      description: null,
      labels,
      custom: {},
      properties: [{ key: ISSUE_PROPERTY, value: { featureId: 'f', idempotencyKey: 'k1' } }],
    });
    deleteIssue(state, issue);
    return bodies.flatMap((b) => parseJiraWebhook(b, SITE));
  }
  const verdicts = (events: ReturnType<typeof parseJiraWebhook>) =>
    events.map((e) => {
      const marks =
        e.type === 'issue-changed' ? e.state.marks : e.type === 'issue-deleted' ? e.marks : undefined;
      return markVerdict(marks, legacyMarkLabel('k1'));
    });

  it('an issue marked by its property alone: cannot tell (the issue is read again)', () => {
    const events = delivered(['customer-request']);
    expect(events.map((e) => e.type)).toEqual(['issue-changed', 'issue-deleted']);
    expect(verdicts(events)).toEqual([undefined, undefined]);
  });

  it('an issue an earlier version created, with the old mark label: its mark shows', () => {
    expect(verdicts(delivered([legacyMarkLabel('k1')]))).toEqual([true, true]);
  });
});

describe('verifyJiraWebhook', () => {
  const body = Buffer.from('{"webhookEvent":"jira:issue_updated","timestamp":1}');
  const good = signJiraWebhook(SECRET, body.toString('utf8'));

  it.each([
    ['the emulator’s signature', { 'x-hub-signature': good }, true],
    [
      'upper-case hex and header name',
      { 'X-Hub-Signature': good.replace(/[a-f]/g, (c) => c.toUpperCase()) },
      true,
    ],
    ['no header', {}, false],
    ['an empty header', { 'x-hub-signature': '' }, false],
    ['two headers', { 'x-hub-signature': [good, good] }, false],
    ['another secret', { 'x-hub-signature': signJiraWebhook('other', body.toString('utf8')) }, false],
    ['sha1', { 'x-hub-signature': `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}` }, false],
    ['a truncated digest', { 'x-hub-signature': good.slice(0, -2) }, false],
    ['the bare hex', { 'x-hub-signature': good.slice('sha256='.length) }, false],
  ])('%s → ok %s', (_name, headers, ok) => {
    expect(verifyJiraWebhook(headers, body, SECRET).ok).toBe(ok);
  });

  it('says why it refused', () => {
    expect(verifyJiraWebhook({}, body, SECRET)).toEqual({
      ok: false,
      reason: 'missing X-Hub-Signature header',
    });
    expect(verifyJiraWebhook({ 'x-hub-signature': good }, Buffer.from(`${body} `), SECRET)).toEqual({
      ok: false,
      reason: 'X-Hub-Signature does not match the body',
    });
    expect(verifyJiraWebhook({ 'x-hub-signature': good }, body, '')).toEqual({
      ok: false,
      reason: 'no webhook secret is configured',
    });
  });
});
