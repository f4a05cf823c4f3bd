import { type JiraEmulator, startJiraEmulator } from '@suggested-sync/emulators';
import { type CloudClient, createCloudClient } from 'jira.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.ts';
import { legacyMarkLabel } from '../../src/connectors/jira/map.ts';
import {
  createJiraTracker,
  ISSUE_PROPERTY,
  type JiraTracker,
  type JiraTrackerOptions,
  remoteLinkGlobalId,
} from '../../src/connectors/jira/tracker.ts';
import { parseJiraWebhook, verifyJiraWebhook } from '../../src/connectors/jira/webhook.ts';
import type { ChangedPage, CreateIssueInput, TrackerEvent } from '../../src/connectors/tracker.ts';
import type { FeatureDemand, PushTarget } from '../../src/domain/tracker.ts';
import {
  type AdfDoc,
  type AdfNode,
  DEMAND_TITLE,
  demandAdf,
  replaceDemandAdf,
} from '../../src/rules/demand.ts';
import { waitFor } from '../helpers/service.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The Jira tracker through the real jira.js 6 (schemas enforced) against the Jira emulator over HTTP: what the
 * product owner would see in Jira, read back through jira.js or the emulator's state and call log.
 */

const EMAIL = 'sandbox@example.com';
const TOKEN = 'sandbox';
const TARGET: PushTarget = { kind: 'jira', site: 'default', project: 'SBX', issueType: 'Task' };

let emulator: JiraEmulator;
let tracker: JiraTracker;
let po: CloudClient;
const closers: Array<() => Promise<void>> = [];

function trackerFor(overrides: Partial<JiraTrackerOptions> = {}): JiraTracker {
  return createJiraTracker({
    site: 'default',
    host: emulator.url,
    email: EMAIL,
    apiToken: TOKEN,
    onSchemaMismatch: 'throw',
    ...overrides,
  });
}

beforeEach(async () => {
  emulator = await startJiraEmulator({ port: 0, webhookRetryDelaysMs: [20], webhookTimeoutMs: 2_000 });
  closers.push(() => emulator.close());
  tracker = trackerFor();
  // The product owner, working in Jira through the same SDK.
  po = createCloudClient({
    host: emulator.url,
    auth: { type: 'basic', email: EMAIL, apiToken: TOKEN },
    onSchemaMismatch: 'throw',
  });
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

function demand(overrides: Partial<FeatureDemand> = {}): FeatureDemand {
  return {
    featureId: 'f_dark',
    title: 'Dark mode',
    status: 'under_review',
    score: 12.5,
    requestCount: 3,
    requesterCount: 2,
    companyCount: 1,
    totalRevenue: 120_000,
    tiers: [{ tier: 'enterprise', companies: 1 }],
    companies: [
      { id: 'c1', name: 'Acme', domain: 'acme.io', revenue: 120_000, tier: 'enterprise', requests: 3 },
    ],
    quotes: [
      {
        requestId: 'r1',
        text: 'Our team works at night; a dark theme would help.',
        requesterName: 'Ada',
        companyName: 'Acme',
        url: null,
        receivedAt: '2026-11-28T05:00:00.000Z',
      },
    ],
    featureUrl: 'http://127.0.0.1:3000/v1/features/f_dark',
    ...overrides,
  };
}

function input(overrides: Partial<CreateIssueInput> = {}): CreateIssueInput {
  return {
    target: TARGET,
    featureId: 'f_dark',
    idempotencyKey: 'f_dark-default-SBX',
    title: 'Dark mode',
    demand: demand(),
    labels: ['customer-demand'],
    ...overrides,
  };
}

function record(idOrKey: string) {
  const issue = emulator.state.findIssue(idOrKey);
  if (!issue) throw new Error(`no issue ${idOrKey}`);
  return issue;
}

const callsTo = (operation: string) => emulator.calls.list().filter((c) => c.operation === operation);

async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConnectorError) return err;
    throw err;
  }
  throw new Error('expected a ConnectorError');
}

async function collect(pages: AsyncIterable<ChangedPage>): Promise<ChangedPage[]> {
  const out: ChangedPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

const paragraph = (text: string): AdfNode => ({ type: 'paragraph', content: [{ type: 'text', text }] });

describe('createIssue and findCreated', () => {
  it('creates the issue with the demand section, the team’s labels only, property, custom fields and a link back', async () => {
    const ref = (await tracker.createIssue(input({ customFields: { customfield_10050: 12.5 } }))).ref;
    expect(ref).toEqual({
      kind: 'jira',
      site: 'default',
      issueId: expect.stringMatching(/^\d+$/),
      issueKey: 'SBX-1',
      url: `${emulator.url}/browse/SBX-1`,
    });

    const issue = await po.issues.getIssue({
      issueIdOrKey: ref.issueKey,
      fields: ['summary', 'description', 'labels', 'customfield_10050'],
      properties: [ISSUE_PROPERTY],
    });
    expect(issue.fields?.['summary']).toBe('Dark mode');
    expect(issue.fields?.['description']).toEqual(replaceDemandAdf(null, demandAdf(demand())));
    expect(JSON.stringify(issue.fields?.['description'])).toContain(DEMAND_TITLE);
    // The link's mark is the entity property alone: no internal label for the product owner to see.
    expect(issue.fields?.['labels']).toEqual(['customer-demand']);
    expect(issue.fields?.['customfield_10050']).toBe(12.5);
    expect(issue.properties?.[ISSUE_PROPERTY]).toEqual({
      featureId: 'f_dark',
      idempotencyKey: 'f_dark-default-SBX',
    });

    const links = await po.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: ref.issueKey });
    expect(links).toMatchObject([
      {
        globalId: remoteLinkGlobalId('f_dark'),
        object: { url: demand().featureUrl, title: 'Suggested: Dark mode' },
      },
    ]);
    // The link back is an upsert: making it again (after a recovered create) leaves one link.
    await tracker.ensureLinkBack(ref, {
      featureId: 'f_dark',
      featureUrl: demand().featureUrl,
      title: 'Dark mode',
      idempotencyKey: 'f_dark-default-SBX',
    });
    expect(record(ref.issueKey).remoteLinks).toHaveLength(1);
  });

  it('creates in two calls, the mark in the create body, and names no state it did not read', async () => {
    const first = await tracker.createIssue(input());
    expect(first.state).toBeUndefined();
    expect(first.carriedRequestIds).toEqual([]);
    const ops = () => emulator.calls.list().map((c) => c.operation);
    expect(ops()).toEqual(['POST /rest/api/3/issue', 'POST /rest/api/3/issue/{issueIdOrKey}/remotelink']);

    // The workflow's initial status is not remembered from one create to the next: an automation (or a changed
    // workflow) may put the next issue elsewhere, and a remembered status would reach customers as a guess.
    const second = await tracker.createIssue(input({ featureId: 'f_two', idempotencyKey: 'f_two' }));
    expect(ops().slice(2)).toEqual([
      'POST /rest/api/3/issue',
      'POST /rest/api/3/issue/{issueIdOrKey}/remotelink',
    ]);
    expect(second.state).toBeUndefined();
    expect(record(second.ref.issueKey).properties.get(ISSUE_PROPERTY)).toEqual({
      featureId: 'f_two',
      idempotencyKey: 'f_two',
    });
  });

  it('finds the issue a create made before a crash by its property, with no label on the issue', async () => {
    const KEY = 'f_dark-default-SBX';
    const attemptedAt = new Date();
    // In the window: the product owner's issue with the old mark label typed by hand, and one without a mark.
    for (const labels of [[legacyMarkLabel(KEY)], []]) {
      await po.issues.createIssue({
        fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: 'By hand', labels },
      });
    }
    expect(await tracker.findCreated({ target: TARGET, idempotencyKey: KEY, attemptedAt })).toBeUndefined();
    const ref = (await tracker.createIssue(input())).ref;
    // ...the worker dies here; the retried push asks first:
    expect(record(ref.issueKey).labels).toEqual(['customer-demand']);
    expect(await tracker.findCreated({ target: TARGET, idempotencyKey: KEY, attemptedAt })).toEqual(ref);
    expect(
      await tracker.findCreated({ target: TARGET, idempotencyKey: 'f_other-default-SBX', attemptedAt }),
    ).toBeUndefined();
    // Without an attempt nothing was created: no search at all.
    const searches = callsTo('POST /rest/api/3/search/jql').length;
    expect(await tracker.findCreated({ target: TARGET, idempotencyKey: KEY })).toBeUndefined();
    expect(callsTo('POST /rest/api/3/search/jql')).toHaveLength(searches);
  });

  it('searches back to the attempt (with a margin), whatever its age, page by page', async () => {
    const KEY = 'f_dark-default-SBX';
    const ref = (await tracker.createIssue(input())).ref;
    const HOUR = 3_600_000;
    // Retried two hours after the attempt (a worker down meanwhile): the issue made then is still found.
    record(ref.issueKey).created = Date.now() - 2 * HOUR + 60_000;
    expect(
      await tracker.findCreated({
        target: TARGET,
        idempotencyKey: KEY,
        attemptedAt: new Date(Date.now() - 2 * HOUR),
      }),
    ).toEqual(ref);
    // Created well before the attempt: not what it made.
    record(ref.issueKey).created = Date.now() - 3 * HOUR;
    expect(
      await tracker.findCreated({
        target: TARGET,
        idempotencyKey: KEY,
        attemptedAt: new Date(Date.now() - 2 * HOUR),
      }),
    ).toBeUndefined();
    // Behind a full page of other issues created since the attempt: found on the second page.
    record(ref.issueKey).created = Date.now();
    for (let i = 0; i < 100; i++) {
      record(
        (
          await po.issues.createIssue({
            fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: `Other ${i}` },
          })
        ).key,
      ).created = Date.now() - 60_000;
    }
    const before = callsTo('POST /rest/api/3/search/jql').length;
    expect(
      await tracker.findCreated({
        target: TARGET,
        idempotencyKey: KEY,
        attemptedAt: new Date(Date.now() - 120_000),
      }),
    ).toEqual(ref);
    expect(callsTo('POST /rest/api/3/search/jql').length - before).toBe(2);
  });

  it('refuses a target on another site', async () => {
    const other: PushTarget = { ...TARGET, site: 'eu' };
    expect((await rejection(tracker.createIssue(input({ target: other })))).kind).toBe('config');
    expect(callsTo('POST /rest/api/3/issue')).toHaveLength(0);
  });
});

describe('targetVisible', () => {
  it('is whether JQL may name the project: unknown and hidden projects are not visible', async () => {
    expect(await tracker.targetVisible(TARGET)).toBe(true);
    expect(await tracker.targetVisible({ ...TARGET, project: 'NOPE' })).toBe(false);
    emulator.state.hiddenProjects.add('SBX');
    try {
      expect(await tracker.targetVisible(TARGET)).toBe(false);
    } finally {
      emulator.state.hiddenProjects.delete('SBX');
    }
  });
});

describe('updateIssue', () => {
  it('rewrites only the demand section, keeping the product owner’s text before and after it', async () => {
    const ref = (await tracker.createIssue(input())).ref;
    const current = (await po.issues.getIssue({ issueIdOrKey: ref.issueKey, fields: ['description'] }))
      .fields?.['description'] as AdfDoc;
    const before = paragraph('PO: we plan this for Q3.');
    const after = paragraph('PO: see the design doc.');
    await po.issues.editIssue({
      issueIdOrKey: ref.issueKey,
      fields: { description: { ...current, content: [before, ...current.content, after] } },
      update: { labels: [{ add: 'q3' }] },
    });

    const grown = demand({ requestCount: 7, requesterCount: 5 });
    await tracker.updateIssue(ref, {
      title: 'Dark mode',
      demand: grown,
      labels: ['customer-demand', 'suggested'],
    });

    const issue = record(ref.issueKey);
    expect(issue.description?.content).toEqual([before, ...demandAdf(grown), after]);
    expect(issue.labels).toEqual(['customer-demand', 'q3', 'suggested']);
    expect(issue.summary).toBe('Dark mode');
  });

  it('drops the old mark label of an issue an earlier version created, and no other label', async () => {
    const KEY = 'f_dark-default-SBX';
    const PUT = 'PUT /rest/api/3/issue/{issueIdOrKey}';
    const oldIssue = async (labels: string[], marked: boolean) => {
      const made = await po.issues.createIssue({
        fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: 'Dark mode', labels },
        ...(marked
          ? { properties: [{ key: ISSUE_PROPERTY, value: { featureId: 'f_dark', idempotencyKey: KEY } }] }
          : {}),
      });
      return { kind: 'jira' as const, site: 'default', issueId: made.id, issueKey: made.key, url: '' };
    };
    // As an earlier version made it: the property and the mark label; a person added a look-alike label.
    const ref = await oldIssue(
      ['customer-demand', legacyMarkLabel(KEY), legacyMarkLabel('f_other'), 'q3'],
      true,
    );
    const content = { title: 'Dark mode', demand: demand(), labels: ['customer-demand'] };
    await tracker.updateIssue(ref, content);
    expect(record(ref.issueKey).labels).toEqual(['customer-demand', legacyMarkLabel('f_other'), 'q3']);
    const state = await tracker.getIssue(ref.issueKey);
    expect(state && tracker.carriesMark(state, KEY)).toBe(true);
    // Nothing left to change: no PUT.
    const puts = callsTo(PUT).length;
    await tracker.updateIssue(ref, content);
    expect(callsTo(PUT)).toHaveLength(puts);

    // The label alone, its property gone: the label is the only mark left, so it stays.
    const unmarked = await oldIssue(['customer-demand', legacyMarkLabel(KEY)], false);
    await tracker.updateIssue(unmarked, content);
    expect(record(unmarked.issueKey).labels).toEqual(['customer-demand', legacyMarkLabel(KEY)]);
    const seen = await tracker.getIssue(unmarked.issueKey);
    expect(seen && tracker.carriesMark(seen, KEY)).toBe(true);
  });

  it('makes no PUT when nothing changed, and one when a custom field did', async () => {
    const ref = (await tracker.createIssue(input({ customFields: { customfield_10050: 3 } }))).ref;
    const readsBefore = callsTo('GET /rest/api/3/issue/{issueIdOrKey}').length;
    const content = {
      title: 'Dark mode',
      demand: demand(),
      labels: ['customer-demand'],
      customFields: { customfield_10050: 3 },
    };
    const state = await tracker.updateIssue(ref, content);
    expect(callsTo('GET /rest/api/3/issue/{issueIdOrKey}')).toHaveLength(readsBefore + 1);
    // The one read shows the issue's state too.
    expect(state).toMatchObject({ issueKey: ref.issueKey, statusName: 'To Do', category: 'new' });
    expect(callsTo('PUT /rest/api/3/issue/{issueIdOrKey}')).toHaveLength(0);

    await tracker.updateIssue(ref, { ...content, customFields: { customfield_10050: 4 } });
    expect(callsTo('PUT /rest/api/3/issue/{issueIdOrKey}')).toHaveLength(1);
    expect(record(ref.issueKey).custom['customfield_10050']).toBe(4);
  });
});

describe('getIssue', () => {
  it('reads an issue by key, id or browse URL, and answers undefined once it is deleted', async () => {
    const ref = (await tracker.createIssue(input())).ref;
    await po.issues.doTransition({ issueIdOrKey: ref.issueKey, transition: { id: '21' } });
    for (const reference of [ref.issueKey, ref.issueId, ref.url, ref.issueKey.toLowerCase()]) {
      expect(await tracker.getIssue(reference)).toMatchObject({
        issueId: ref.issueId,
        issueKey: ref.issueKey,
        url: ref.url,
        statusName: 'In Progress',
        category: 'indeterminate',
      });
    }
    await po.issues.deleteIssue({ issueIdOrKey: ref.issueKey });
    expect(await tracker.getIssue(ref.issueKey)).toBeUndefined();
    expect((await rejection(tracker.getIssue('https://elsewhere.example/browse/SBX-1'))).kind).toBe(
      'invalid_input',
    );
  });

  it('sees a Duplicate link the product owner made', async () => {
    const original = (await tracker.createIssue(input())).ref;
    const copy = (
      await tracker.createIssue(input({ featureId: 'f_night', idempotencyKey: 'f_night-default-SBX' }))
    ).ref;
    await po.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: copy.issueKey },
      outwardIssue: { key: original.issueKey },
    });
    expect((await tracker.getIssue(copy.issueKey))?.duplicateOfIssueId).toBe(original.issueId);
    expect(await tracker.getIssue(original.issueKey)).not.toHaveProperty('duplicateOfIssueId');
  });
});

describe('changedSince', () => {
  const HOUR = 3_600_000;

  it('returns the linked issues updated since the cursor, reading the date in the user’s time zone', async () => {
    const now = Date.now();
    const [stale, moved, lagging, unlinked] = await Promise.all(
      ['f_a', 'f_b', 'f_c', 'f_d'].map((f) =>
        tracker.createIssue(input({ featureId: f, idempotencyKey: f })).then((c) => c.ref),
      ),
    );
    if (!stale || !moved || !lagging || !unlinked) throw new Error('not created');
    for (const ref of [stale, moved, lagging, unlinked]) record(ref.issueKey).updated = now - 3 * HOUR;
    const cursor = new Date(now - HOUR).toISOString();
    // Within the 2-minute lag window before the cursor: still read (Jira's index trails its writes).
    record(lagging.issueKey).updated = now - HOUR - 60_000;
    await po.issues.doTransition({ issueIdOrKey: moved.issueKey, transition: { id: '31' } });
    await po.issues.doTransition({ issueIdOrKey: unlinked.issueKey, transition: { id: '31' } });

    // The emulator's user is in America/New_York: a literal written in UTC would name an instant 4-5 hours
    // later, after every update here, and nothing would come back.
    const runAt = now + 5_000;
    const pages = await collect(
      trackerFor({ now: () => runAt }).changedSince(cursor, [
        stale.issueKey,
        moved.issueId,
        lagging.issueKey,
      ]),
    );
    expect(pages.flatMap((p) => p.issues.map((i) => [i.issueKey, i.statusName]))).toEqual([
      [lagging.issueKey, 'To Do'],
      [moved.issueKey, 'Done'],
    ]);
    expect(pages.at(-1)?.cursor).toBe(new Date(runAt).toISOString());
  });

  it('pages with nextPageToken and chunks the ids, each issue once', async () => {
    const refs = [];
    for (let i = 0; i < 130; i++)
      refs.push((await tracker.createIssue(input({ featureId: `f${i}`, idempotencyKey: `k${i}` }))).ref);
    const cursor = new Date(Date.now() - 60_000).toISOString();
    const pages = await collect(
      trackerFor({ searchPageSize: 40 }).changedSince(
        cursor,
        refs.map((r) => r.issueKey),
      ),
    );
    const keys = pages.flatMap((p) => p.issues.map((i) => i.issueKey));
    expect(keys.sort()).toEqual(refs.map((r) => r.issueKey).sort());
    // 100 ids in 3 pages of ≤ 40, then 30 in one; every page but the last resumes from the cursor given.
    expect(pages.map((p) => p.issues.length)).toEqual([40, 40, 20, 30]);
    expect(pages.slice(0, -1).every((p) => p.cursor === cursor)).toBe(true);
    expect(callsTo('POST /rest/api/3/search/jql')).toHaveLength(4);
  });

  it('falls back to one read per issue when a deleted key makes Jira refuse the query', async () => {
    const kept = (await tracker.createIssue(input())).ref;
    const gone = (await tracker.createIssue(input({ featureId: 'f_gone', idempotencyKey: 'f_gone' }))).ref;
    await po.issues.deleteIssue({ issueIdOrKey: gone.issueKey });
    const readsBefore = callsTo('GET /rest/api/3/issue/{issueIdOrKey}').length;
    const pages = await collect(tracker.changedSince(undefined, [kept.issueKey, gone.issueKey]));
    expect(pages.flatMap((p) => p.issues.map((i) => i.issueKey))).toEqual([kept.issueKey]);
    expect(callsTo('POST /rest/api/3/search/jql').map((c) => c.status)).toEqual([400]);
    expect(
      callsTo('GET /rest/api/3/issue/{issueIdOrKey}')
        .slice(readsBefore)
        .map((c) => c.status),
    ).toEqual([200, 404]);
  });

  it('still yields one page, carrying the new cursor, when nothing is linked', async () => {
    const pages = await collect(
      trackerFor({ now: () => Date.parse('2026-11-28T05:10:00Z') }).changedSince(undefined, []),
    );
    expect(pages).toEqual([{ issues: [], cursor: '2026-11-28T05:10:00.000Z' }]);
  });
});

describe('webhooks', () => {
  it('registers once, and its signed deliveries verify and parse into events', async () => {
    const receiver = await startWebhookReceiver();
    closers.push(receiver.close);
    await tracker.registerWebhook(receiver.url, 'whsec-1');
    await tracker.registerWebhook(receiver.url, 'whsec-1');
    expect([...emulator.state.webhooks.values()].map((w) => w.url)).toEqual([receiver.url]);
    expect(callsTo('POST /rest/webhooks/1.0/webhook')).toHaveLength(1);

    const original = (await tracker.createIssue(input())).ref;
    const copy = (await tracker.createIssue(input({ featureId: 'f_copy', idempotencyKey: 'f_copy' }))).ref;
    await po.issues.doTransition({ issueIdOrKey: original.issueKey, transition: { id: '41' } });
    await po.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: copy.issueKey },
      outwardIssue: { key: original.issueKey },
    });
    await po.issues.deleteIssue({ issueIdOrKey: copy.issueKey });
    const deliveries = await waitFor('5 deliveries', async () =>
      receiver.received.length >= 5 ? receiver.received : undefined,
    );

    const site = { site: 'default', host: emulator.url };
    const events: TrackerEvent[] = [];
    for (const d of deliveries) {
      const raw = Buffer.from(d.rawBody, 'utf8');
      expect(verifyJiraWebhook(d.headers, raw, 'whsec-1')).toEqual({ ok: true });
      expect(verifyJiraWebhook(d.headers, raw, 'whsec-2').ok).toBe(false);
      expect(verifyJiraWebhook({ ...d.headers, 'x-hub-signature': undefined }, raw, 'whsec-1')).toEqual({
        ok: false,
        reason: 'missing X-Hub-Signature header',
      });
      events.push(...parseJiraWebhook(raw, site));
    }
    expect(events).toEqual(
      expect.arrayContaining([
        {
          type: 'issue-changed',
          state: expect.objectContaining({ issueKey: original.issueKey, category: 'new' }),
        },
        {
          type: 'issue-changed',
          state: expect.objectContaining({
            issueKey: original.issueKey,
            statusName: "Won't Do",
            category: 'done',
          }),
        },
        {
          type: 'duplicate-marked',
          issueId: copy.issueId,
          duplicateOfIssueId: original.issueId,
          at: expect.any(String),
        },
        // No old mark label on the deleted issue, and no properties in a delivery: it shows no mark.
        { type: 'issue-deleted', issueId: copy.issueId, at: expect.any(String) },
      ]),
    );
  });
});

describe('errors and check', () => {
  const fault = (body: unknown) =>
    fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('classifies a 429, a 503 (not retried by jira.js) and a wrong token', async () => {
    const ref = (await tracker.createIssue(input())).ref;
    const readsBefore = callsTo('GET /rest/api/3/issue/{issueIdOrKey}').length;
    await fault({ rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const limited = await rejection(tracker.getIssue(ref.issueKey));
    expect(limited).toMatchObject({
      kind: 'rate_limited',
      provider: 'jira',
      retryAfterMs: 7000,
      status: 429,
    });

    await fault({ serverError: { count: 1, status: 503 } });
    expect(
      await rejection(tracker.updateIssue(ref, { title: 'x', demand: demand(), labels: [] })),
    ).toMatchObject({
      kind: 'transient',
      status: 503,
    });
    expect(
      callsTo('GET /rest/api/3/issue/{issueIdOrKey}')
        .slice(readsBefore)
        .map((c) => c.status),
    ).toEqual([429, 503]);

    const wrong = trackerFor({ apiToken: 'wrong' });
    expect(await rejection(wrong.getIssue(ref.issueKey))).toMatchObject({ kind: 'auth', status: 401 });
    expect(await wrong.check([TARGET])).toEqual([
      { name: 'jira default: credentials', ok: false, detail: expect.stringContaining('401') },
    ]);
  });

  it('checks credentials, projects, issue types and mapped status names', async () => {
    const checking = trackerFor({ statusNames: ["Won't Do", 'Shipped'] });
    const checks = await checking.check([
      TARGET,
      { ...TARGET, issueType: 'Epic' },
      { ...TARGET, project: 'NOPE' },
      { kind: 'linear', workspace: 'default', team: 'SBX' },
    ]);
    expect(checks.map(({ name, ok }) => [name, ok])).toEqual([
      ['jira default: credentials', true],
      ['jira default: project SBX', true],
      ['jira default: issue type Task (SBX)', true],
      ['jira default: issue type Epic (SBX)', false],
      ['jira default: project NOPE', false],
      ['jira default: mapped status names', false],
    ]);
    expect(checks.at(-1)?.detail).toBe('not on the site: Shipped');
    expect(checks[0]?.detail).toContain('America/New_York');
    expect(await checking.existingStatusNames(['Done', 'Shipped', "won't do"])).toEqual(['Done', "won't do"]);
  });
});
