import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type JiraEmulator,
  type JiraEmulatorOptions,
  startJiraEmulator,
} from '@suggested-sync/emulators/jira/server';
import {
  createCloudClient,
  isApiError,
  isAuthError,
  isNotFoundError,
  isRateLimitError,
  isServerError,
} from 'jira.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/service.ts';

/**
 * Contract tests: the real jira.js 6 (schemas enforced with onSchemaMismatch 'throw') against the emulator over HTTP,
 * and a real HTTP receiver for its webhooks, checked with an HMAC computed here.
 */

const EMAIL = 'sandbox@example.com';
const TOKEN = 'sandbox';
const BEARER = 'bearer-sandbox-token';
const SECRET = 'whsec-jira-test';
const BASIC = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;

let emulator: JiraEmulator;
const closers: Array<() => Promise<void>> = [];

async function start(options: JiraEmulatorOptions = {}): Promise<JiraEmulator> {
  const started = await startJiraEmulator({
    port: 0,
    bearerTokens: [BEARER],
    webhookRetryDelaysMs: [20, 40],
    webhookTimeoutMs: 1_000,
    ...options,
  });
  closers.push(() => started.close());
  emulator = started;
  return started;
}

beforeEach(async () => {
  await start();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

type Client = ReturnType<typeof createCloudClient>;

function jira(overrides: Partial<Parameters<typeof createCloudClient>[0]> = {}): Client {
  return createCloudClient({
    host: emulator.url,
    auth: { type: 'basic', email: EMAIL, apiToken: TOKEN },
    onSchemaMismatch: 'throw',
    ...overrides,
  } as Parameters<typeof createCloudClient>[0]);
}

const adf = (text: string) => ({
  type: 'doc' as const,
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

function createTask(client: Client, fields: Record<string, unknown> = {}) {
  return client.issues.createIssue({
    fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: 'Dark mode', ...fields },
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

function record(key: string) {
  const issue = emulator.state.findIssue(key);
  if (!issue) throw new Error(`no issue ${key}`);
  return issue;
}

function rest(path: string, init: RequestInit = {}) {
  return fetch(`${emulator.url}${path}`, {
    ...init,
    headers: { authorization: BASIC, 'content-type': 'application/json', ...init.headers },
  });
}

const statusesOf = (operation: string) =>
  emulator.calls
    .list()
    .filter((c) => c.operation === operation)
    .map((c) => c.status);

// ---------------------------------------------------------------------------------------------------------------------
// A webhook receiver: real HTTP, raw bodies and headers kept, answers chosen per delivery.

interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  json: Record<string, unknown>;
  receivedAt: number;
}

/** Deliveries in order of arrival (request start), each complete once its body has been read. */
async function startReceiver(answer: (n: number, res: ServerResponse) => number | undefined = () => 200) {
  const arrived: Array<Delivery & { complete: boolean }> = [];
  const server = createServer((req, res) => {
    const delivery = { headers: req.headers, body: '', json: {}, receivedAt: Date.now(), complete: false };
    arrived.push(delivery);
    const n = arrived.length;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      delivery.body = Buffer.concat(chunks).toString('utf8');
      delivery.json = delivery.body ? (JSON.parse(delivery.body) as Record<string, unknown>) : {};
      delivery.complete = true;
      const status = answer(n, res);
      if (status !== undefined) {
        res.statusCode = status;
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/jira`;
  closers.unshift(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const complete = (): Delivery[] => arrived.filter((d) => d.complete);
  return {
    url,
    get deliveries() {
      return complete();
    },
    /** Waits until at least `n` deliveries arrived in full. */
    received: (n: number) =>
      waitFor(
        `${n} webhook deliveries`,
        async () => (complete().length >= n ? complete() : undefined),
        10_000,
      ),
  };
}

/** An independent check of X-Hub-Signature: HMAC-SHA256 over the raw body, compared in constant time. */
function signedWith(secret: string, delivery: Delivery): boolean {
  const presented = Buffer.from(String(delivery.headers['x-hub-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

async function registerWebhook(url: string, overrides: Record<string, unknown> = {}) {
  const res = await rest('/rest/webhooks/1.0/webhook', {
    method: 'POST',
    body: JSON.stringify({
      name: 'suggested-sync',
      url,
      events: [
        'jira:issue_created',
        'jira:issue_updated',
        'jira:issue_deleted',
        'issuelink_created',
        'issuelink_deleted',
      ],
      filters: { 'issue-related-events-section': 'project = SBX' },
      excludeBody: false,
      secret: SECRET,
      ...overrides,
    }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------------------------------

describe('issues', () => {
  it('creates an issue with an ADF description, properties and custom fields, and reads it back', async () => {
    const client = jira();
    const created = await client.issues.createIssue({
      fields: {
        project: { key: 'SBX' },
        issuetype: { name: 'Story' },
        summary: 'Dark mode',
        description: adf('Requested by 3 customers'),
        labels: ['suggested', 'customer-demand'],
        customfield_10050: 42,
      },
      properties: [{ key: 'featureRequest', value: { featureId: 'f-1' } }],
    });
    expect(created).toEqual({ id: '10001', key: 'SBX-1', self: `${emulator.url}/rest/api/3/issue/10001` });

    const issue = await client.issues.getIssue({ issueIdOrKey: 'SBX-1', properties: ['featureRequest'] });
    expect(issue.self).toBe(`${emulator.url}/rest/api/3/issue/10001`);
    expect(issue.properties).toEqual({ featureRequest: { featureId: 'f-1' } });
    const fields = issue.fields ?? {};
    expect(fields['summary']).toBe('Dark mode');
    expect(fields['description']).toEqual(adf('Requested by 3 customers'));
    expect(fields['labels']).toEqual(['suggested', 'customer-demand']);
    expect(fields['customfield_10050']).toBe(42);
    expect(fields['issuetype']).toMatchObject({ id: '10002', name: 'Story', subtask: false });
    expect(fields['project']).toMatchObject({ id: '10000', key: 'SBX', name: 'Sandbox' });
    expect(fields['status']).toEqual({
      self: `${emulator.url}/rest/api/3/status/10000`,
      description: '',
      iconUrl: `${emulator.url}/`,
      name: 'To Do',
      id: '10000',
      statusCategory: {
        self: `${emulator.url}/rest/api/3/statuscategory/2`,
        id: 2,
        key: 'new',
        colorName: 'blue-gray',
        name: 'To Do',
      },
    });
    expect(fields['created']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(fields['updated']).toBe(fields['created']);
    expect(fields['resolution']).toBeNull();
    expect(fields['resolutiondate']).toBeNull();
    expect(fields['issuelinks']).toEqual([]);
    expect(fields['comment']).toMatchObject({ comments: [], total: 0 });
  });

  it("answers an issue's browse address (what a real site links to) with its row on the page", async () => {
    const created = await createTask(jira());
    const res = await fetch(`${emulator.url}/browse/${created.key}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/#issue-${created.key}`);
    expect((await fetch(`${emulator.url}/browse/SBX-999`, { redirect: 'manual' })).status).toBe(404);
  });

  it('returns only the fields asked for, as repeated params (jira.js) or a comma list', async () => {
    const client = jira();
    await createTask(client, { labels: ['a'] });
    const issue = await client.issues.getIssue({ issueIdOrKey: 'SBX-1', fields: ['summary', 'status'] });
    expect(Object.keys(issue.fields ?? {}).sort()).toEqual(['status', 'summary']);
    expect(emulator.calls.list().at(-1)?.path).toContain('fields=summary&fields=status');

    const res = await rest('/rest/api/3/issue/SBX-1?fields=labels,updated');
    const body = (await res.json()) as { fields: Record<string, unknown> };
    expect(Object.keys(body.fields).sort()).toEqual(['labels', 'updated']);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('creates through the v2 route when the description is a string, as jira.js does', async () => {
    const client = jira();
    const created = await client.issues.createIssue({
      fields: {
        project: { id: '10000' },
        issuetype: { id: '10003' },
        summary: 'Crash',
        description: 'Line one\nLine two',
      },
    });
    expect(created).toMatchObject({ key: 'SBX-1', self: `${emulator.url}/rest/api/2/issue/10001` });
    expect(statusesOf('POST /rest/api/2/issue')).toEqual([201]);
    const issue = await client.issues.getIssue({
      issueIdOrKey: 'SBX-1',
      fields: ['description', 'issuetype'],
    });
    expect(issue.fields?.['description']).toEqual({
      type: 'doc',
      version: 1,
      content: [
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Line one' },
            { type: 'hardBreak' },
            { type: 'text', text: 'Line two' },
          ],
        },
      ],
    });
    expect(issue.fields?.['issuetype']).toMatchObject({ name: 'Bug' });
  });

  it("rejects a create without a summary, with an unknown project, or with a bad description, in Jira's shape", async () => {
    const client = jira();
    const missing = await rejectionOf(
      client.issues.createIssue({ fields: { project: { key: 'NOPE' }, issuetype: { name: 'Task' } } }),
    );
    expect(isApiError(missing) && missing.status).toBe(400);
    expect(isApiError(missing) && missing.body).toEqual({
      errorMessages: [],
      errors: {
        project: 'Specify a valid project ID or key',
        summary: 'You must specify a summary of the issue.',
      },
    });

    const res = await rest('/rest/api/3/issue', {
      method: 'POST',
      body: JSON.stringify({
        fields: {
          project: { key: 'SBX' },
          issuetype: { name: 'Task' },
          summary: 'x',
          description: 'plain',
          priority: { id: '1' },
        },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errorMessages: [],
      errors: {
        description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)',
        priority: "Field 'priority' cannot be set. It is not on the appropriate screen, or unknown.",
      },
    });
    expect(emulator.state.issues.size).toBe(0);
  });

  it("rejects a summary with a line break or over 255 characters, on create and edit, in Jira's shape", async () => {
    const client = jira();
    for (const [summary, message] of [
      ['Dark mode\nfor the dashboard', 'The summary is invalid because it contains newline characters.'],
      ['Dark mode\r', 'The summary is invalid because it contains newline characters.'],
      ['x'.repeat(256), 'Summary must be less than 255 characters.'],
      ['😀'.repeat(128), 'Summary must be less than 255 characters.'],
    ]) {
      const refused = await rejectionOf(
        client.issues.createIssue({
          fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary },
        }),
      );
      expect(isApiError(refused) && refused.status).toBe(400);
      expect(isApiError(refused) && refused.body).toEqual({
        errorMessages: [],
        errors: { summary: message },
      });
    }
    expect(emulator.state.issues.size).toBe(0);
    await createTask(client, { summary: 'x'.repeat(255) });
    const edit = await rejectionOf(
      client.issues.editIssue({ issueIdOrKey: 'SBX-1', fields: { summary: 'two\nlines' } }),
    );
    expect(isApiError(edit) && edit.status).toBe(400);
  });

  it('edits fields and applies label add/remove operations, then deletes', async () => {
    const client = jira();
    await createTask(client, { labels: ['old', 'keep'] });
    await client.issues.editIssue({
      issueIdOrKey: 'SBX-1',
      fields: { summary: 'Dark mode for the dashboard', description: adf('now with 5 customers') },
      update: { labels: [{ add: 'synced' }, { remove: 'old' }] },
    });
    expect(statusesOf('PUT /rest/api/3/issue/{issueIdOrKey}')).toEqual([204]);
    const issue = await client.issues.getIssue({ issueIdOrKey: '10001' });
    expect(issue.fields?.['summary']).toBe('Dark mode for the dashboard');
    expect(issue.fields?.['labels']).toEqual(['keep', 'synced']);
    expect(issue.fields?.['description']).toEqual(adf('now with 5 customers'));
    expect(Date.parse(String(issue.fields?.['updated']))).toBeGreaterThan(
      Date.parse(String(issue.fields?.['created'])),
    );

    // jira.js does not route editIssue to v2: a string description reaches v3, which refuses it as Jira does.
    const stringDescription = await rejectionOf(
      client.issues.editIssue({ issueIdOrKey: 'SBX-1', fields: { description: 'plain text' } }),
    );
    expect(isApiError(stringDescription) && stringDescription.status).toBe(400);

    await client.issues.deleteIssue({ issueIdOrKey: 'SBX-1' });
    const gone = await rejectionOf(client.issues.getIssue({ issueIdOrKey: 'SBX-1' }));
    expect(isNotFoundError(gone)).toBe(true);
    expect(isApiError(gone) && gone.body).toEqual({
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    });
  });
});

describe('comments', () => {
  it('adds ADF comments on v3 and string comments through v2, read back as ADF', async () => {
    const client = jira();
    await createTask(client);
    const first = await client.issueComments.addComment({
      issueIdOrKey: 'SBX-1',
      body: adf('3 more customers asked'),
    });
    expect(first).toMatchObject({ id: '10000', body: adf('3 more customers asked') });
    expect(first.created).toBeInstanceOf(Date);
    expect(first.author?.emailAddress).toBe(EMAIL);

    const second = await client.issueComments.addComment({
      issueIdOrKey: 'SBX-1',
      body: 'Plain text from v2',
    });
    expect(second.id).toBe('10001');
    expect(second.body).toEqual(adf('Plain text from v2'));
    const operations = emulator.calls.list().map((c) => `${c.operation} ${c.status}`);
    expect(operations.slice(-2)).toEqual([
      'POST /rest/api/2/issue/{issueIdOrKey}/comment 201',
      'GET /rest/api/3/issue/{issueIdOrKey}/comment/{id} 200',
    ]);

    const page = await client.issueComments.getComments({ issueIdOrKey: 'SBX-1' });
    expect(page.total).toBe(2);
    expect(page.comments?.map((c) => c.id)).toEqual(['10000', '10001']);
    const one = await client.issueComments.getComment({ issueIdOrKey: 'SBX-1', id: '10000' });
    expect(one.body).toEqual(adf('3 more customers asked'));
    expect(
      isNotFoundError(
        await rejectionOf(client.issueComments.getComment({ issueIdOrKey: 'SBX-1', id: '999' })),
      ),
    ).toBe(true);
  });
});

describe('transitions', () => {
  it('lists the transitions to the other statuses and moves the issue through them', async () => {
    const client = jira();
    await createTask(client);
    const { transitions } = await client.issues.getTransitions({ issueIdOrKey: 'SBX-1' });
    expect(transitions?.map((t) => [t.id, t.to?.name, t.to?.statusCategory?.key])).toEqual([
      ['21', 'In Progress', 'indeterminate'],
      ['31', 'Done', 'done'],
      ['41', "Won't Do", 'done'],
    ]);
    const before = record('SBX-1').statusCategoryChanged;

    await client.issues.doTransition({ issueIdOrKey: 'SBX-1', transition: { id: '31' } });
    const done = await client.issues.getIssue({ issueIdOrKey: 'SBX-1' });
    expect(done.fields?.['status']).toMatchObject({
      name: 'Done',
      statusCategory: { key: 'done', colorName: 'green', id: 3 },
    });
    expect(done.fields?.['resolution']).toMatchObject({ id: '10000', name: 'Done' });
    expect(done.fields?.['resolutiondate']).toBe(done.fields?.['updated']);
    expect(Date.parse(String(done.fields?.['statuscategorychangedate']))).toBeGreaterThanOrEqual(before);
    expect(record('SBX-1').statusCategoryChanged).toBe(record('SBX-1').updated);

    await client.issues.doTransition({ issueIdOrKey: 'SBX-1', transition: { id: '11' } });
    const reopened = await client.issues.getIssue({
      issueIdOrKey: 'SBX-1',
      fields: ['status', 'resolution', 'resolutiondate'],
    });
    expect(reopened.fields).toMatchObject({
      status: { name: 'To Do' },
      resolution: null,
      resolutiondate: null,
    });

    const unknown = await rejectionOf(
      client.issues.doTransition({ issueIdOrKey: 'SBX-1', transition: { id: '99' } }),
    );
    expect(isApiError(unknown) && unknown.status).toBe(400);
    expect(isApiError(unknown) && unknown.body).toEqual({
      errorMessages: ["Transition id '99' is not valid for this issue."],
      errors: {},
    });
  });
});

describe('search/jql', () => {
  async function seedSearch(client: Client) {
    await createTask(client, { labels: ['customer', 'ui'] }); // SBX-1 To Do
    await createTask(client, { summary: 'Export' }); // SBX-2 → In Progress
    await createTask(client, { labels: ['customer'] }); // SBX-3 → Done
    await createTask(client, { labels: ['other'] }); // SBX-4 → Won't Do
    await client.issues.doTransition({ issueIdOrKey: 'SBX-2', transition: { id: '21' } });
    await client.issues.doTransition({ issueIdOrKey: 'SBX-3', transition: { id: '31' } });
    await client.issues.doTransition({ issueIdOrKey: 'SBX-4', transition: { id: '41' } });
    const at = (key: string, iso: string) => {
      record(key).updated = Date.parse(iso);
    };
    // The sandbox user is in New York: JQL date literals below are read as New York wall-clock times (UTC-5).
    at('SBX-1', '2026-01-01T10:00:00-05:00');
    at('SBX-2', '2026-01-01T10:30:00-05:00');
    at('SBX-3', '2026-01-01T11:00:00-05:00');
    record('SBX-4').updated = Date.now();
  }

  it.each([
    ['project = SBX ORDER BY key', ['SBX-1', 'SBX-2', 'SBX-3', 'SBX-4']],
    ['key in (SBX-1, SBX-3) ORDER BY key', ['SBX-1', 'SBX-3']],
    ['labels = customer ORDER BY key', ['SBX-1', 'SBX-3']],
    ['labels in (ui, other) ORDER BY key', ['SBX-1', 'SBX-4']],
    ['status = "In Progress"', ['SBX-2']],
    ['status in ("To Do", Done) ORDER BY key', ['SBX-1', 'SBX-3']],
    ['statusCategory = done ORDER BY key', ['SBX-3', 'SBX-4']],
    ['statusCategory = "In Progress"', ['SBX-2']],
    ['statusCategory != Done ORDER BY key', ['SBX-1', 'SBX-2']],
    ['project = SBX AND updated >= "2026-01-01 10:30" ORDER BY updated ASC', ['SBX-2', 'SBX-3', 'SBX-4']],
    ['project = SBX AND updated >= "2026/01/01 10:31" ORDER BY updated DESC', ['SBX-4', 'SBX-3']],
    ['project = SBX AND updated >= -5m', ['SBX-4']],
    ['project = SBX AND updated < "2026-01-01 10:30" ORDER BY key', ['SBX-1']],
    ['project = SBX AND updated < "2026-01-01 15:30" ORDER BY key', ['SBX-1', 'SBX-2', 'SBX-3']],
    ['project = SBX AND labels = customer AND statusCategory = new', ['SBX-1']],
    ['project = SBX ORDER BY updated DESC', ['SBX-4', 'SBX-3', 'SBX-2', 'SBX-1']],
  ])('GET and POST answer %s', async (jql, keys) => {
    const client = jira();
    await seedSearch(client);
    const viaGet = await client.issueSearch.searchAndReconsileIssuesUsingJql({
      jql,
      fields: ['summary', 'status'],
    });
    const viaPost = await client.issueSearch.searchAndReconsileIssuesUsingJqlPost({ jql, fields: ['key'] });
    expect(viaGet.issues?.map((i) => i.key)).toEqual(keys);
    expect(viaPost.issues?.map((i) => i.key)).toEqual(keys);
    expect(viaGet.isLast).toBe(true);
    expect(viaGet).not.toHaveProperty('nextPageToken');
    expect(Object.keys(viaGet.issues?.[0]?.fields ?? {}).sort()).toEqual(['status', 'summary']);
  });

  it('returns ids only by default, and pages with nextPageToken, omitted on the last page', async () => {
    const client = jira();
    for (let i = 0; i < 5; i++) await createTask(client, { summary: `Request ${i + 1}` });
    const ids = await client.issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'project = SBX ORDER BY key',
    });
    expect(ids.issues).toEqual(['10001', '10002', '10003', '10004', '10005'].map((id) => ({ id })));

    const seen: string[] = [];
    const pages: Array<{ isLast?: boolean | undefined; hasToken: boolean }> = [];
    let token: string | undefined;
    do {
      const page = await client.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql: 'project = SBX ORDER BY key',
        maxResults: 2,
        fields: ['summary'],
        ...(token ? { nextPageToken: token } : {}),
      });
      seen.push(...(page.issues ?? []).map((i) => String(i.key)));
      pages.push({ isLast: page.isLast, hasToken: 'nextPageToken' in page });
      token = page.nextPageToken ?? undefined;
    } while (token);
    expect(seen).toEqual(['SBX-1', 'SBX-2', 'SBX-3', 'SBX-4', 'SBX-5']);
    expect(pages).toEqual([
      { isLast: false, hasToken: true },
      { isLast: false, hasToken: true },
      { isLast: true, hasToken: false },
    ]);

    // The same walk on GET, and a token from another query is refused.
    const first = await client.issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'project = SBX',
      maxResults: 4,
    });
    expect(first.issues).toHaveLength(4);
    const last = await client.issueSearch.searchAndReconsileIssuesUsingJql({
      jql: 'project = SBX',
      maxResults: 4,
      nextPageToken: String(first.nextPageToken),
    });
    expect(last.issues).toEqual([{ id: '10001' }]);
    expect(last).not.toHaveProperty('nextPageToken');
    const foreign = await rejectionOf(
      client.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: 'labels = x',
        nextPageToken: String(first.nextPageToken),
      }),
    );
    expect(isApiError(foreign) && foreign.status).toBe(400);
  });

  it.each([
    ['project = SBX AND status ~ "dark"', "The operator '~' is not supported by the emulator."],
    [
      'project = SBX AND summary ~ "dark"',
      "The Jira emulator does not support searching on the field 'summary'.",
    ],
    ['status = Resolved', "The value 'Resolved' does not exist for the field 'status'."],
    ['key in (SBX-404)', "An issue with key 'SBX-404' does not exist for field 'key'."],
    [
      'project = SBX status = Done',
      "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'status'. (line 1, character 15)",
    ],
    [
      'ORDER BY updated',
      'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    ],
    [
      'project = SBX AND updated >= "2026-13-45"',
      "Date value '2026-13-45' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.",
    ],
  ])("refuses %s with 400 and Jira's message", async (jql, message) => {
    const error = await rejectionOf(jira().issueSearch.searchAndReconsileIssuesUsingJql({ jql }));
    expect(isApiError(error) && error.status).toBe(400);
    expect(isApiError(error) && error.body).toEqual({ errorMessages: [message], errors: {} });
  });

  it('answers the removed /search endpoints with 410 and the CHANGE-2046 body', async () => {
    const body = {
      errorMessages: [
        'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046',
      ],
      errors: {},
    };
    for (const [method, path] of [
      ['GET', '/rest/api/3/search?jql=project%20%3D%20SBX'],
      ['POST', '/rest/api/3/search'],
      ['GET', '/rest/api/2/search?jql=project%20%3D%20SBX'],
      ['POST', '/rest/api/2/search'],
    ] as const) {
      const res = await rest(path, {
        method,
        ...(method === 'POST' ? { body: '{"jql":"project = SBX"}' } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(410);
      expect(await res.json()).toEqual(body);
    }
  });
});

describe('entity properties', () => {
  it('sets (201, then 200), reads, lists and deletes a property; refuses oversized values', async () => {
    const client = jira();
    await createTask(client);
    const set = (value: Record<string, unknown>) =>
      client.issueProperties.setIssueProperty({
        issueIdOrKey: 'SBX-1',
        propertyKey: 'featureRequest',
        body: value,
      });
    await set({ requestId: 'r-1' });
    await set({ requestId: 'r-2' });
    expect(statusesOf('PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}')).toEqual([201, 200]);

    expect(
      await client.issueProperties.getIssueProperty({ issueIdOrKey: 'SBX-1', propertyKey: 'featureRequest' }),
    ).toEqual({
      key: 'featureRequest',
      value: { requestId: 'r-2' },
    });
    const { keys } = await client.issueProperties.getIssuePropertyKeys({ issueIdOrKey: 'SBX-1' });
    expect(keys).toEqual([
      { key: 'featureRequest', self: `${emulator.url}/rest/api/3/issue/10001/properties/featureRequest` },
    ]);

    const huge = await rejectionOf(set({ blob: 'x'.repeat(33_000) }));
    expect(isApiError(huge) && huge.status).toBe(400);

    await client.issueProperties.deleteIssueProperty({
      issueIdOrKey: 'SBX-1',
      propertyKey: 'featureRequest',
    });
    const missing = await rejectionOf(
      client.issueProperties.getIssueProperty({ issueIdOrKey: 'SBX-1', propertyKey: 'featureRequest' }),
    );
    expect(isNotFoundError(missing)).toBe(true);
  });
});

describe('entity properties in search results', () => {
  it('search/jql returns the properties asked for with each issue, from a relative created date', async () => {
    const client = jira();
    await createTask(client, { summary: 'Older' }); // SBX-1: created two hours ago, below
    await createTask(client, { summary: 'No property' }); // SBX-2
    await client.issues.createIssue({
      fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary: 'Marked' },
      properties: [{ key: 'suggested-sync', value: { idempotencyKey: 'k1' } }],
    }); // SBX-3
    record('SBX-1').created = Date.now() - 2 * 3_600_000;
    const jql = 'project = "SBX" AND created >= -15m ORDER BY created ASC, key ASC';
    const page = await client.issueSearch.searchAndReconsileIssuesUsingJqlPost({
      jql,
      fields: ['created'],
      properties: ['suggested-sync'],
    });
    expect(page.issues?.map((i) => [i.key, i.properties])).toEqual([
      ['SBX-2', {}],
      ['SBX-3', { 'suggested-sync': { idempotencyKey: 'k1' } }],
    ]);
    // GET, comma-separated; only ids and the properties when no field is asked for.
    const res = await rest(
      `/rest/api/3/search/jql?jql=${encodeURIComponent(jql)}&properties=suggested-sync,other`,
    );
    const body = (await res.json()) as { issues: Array<Record<string, unknown>> };
    expect(body.issues.map((i) => i['properties'])).toEqual([
      {},
      { 'suggested-sync': { idempotencyKey: 'k1' } },
    ]);
    // Without `properties`, none come back.
    const plain = await client.issueSearch.searchAndReconsileIssuesUsingJqlPost({ jql, fields: ['created'] });
    expect(plain.issues?.every((i) => i.properties === undefined)).toBe(true);
  });
});

describe('remote links', () => {
  it('upserts by globalId: 201 the first time, 200 after, and one link', async () => {
    const client = jira();
    await createTask(client);
    const link = (title: string) =>
      client.issueRemoteLinks.createOrUpdateRemoteIssueLink({
        issueIdOrKey: 'SBX-1',
        globalId: 'suggested:feature=f-1',
        application: { type: 'suggested', name: 'Suggested' },
        relationship: 'customer demand',
        object: { url: 'https://suggested.example/features/f-1', title },
      });
    const first = await link('Dark mode (3 requests)');
    const second = await link('Dark mode (4 requests)');
    expect(first).toEqual({ id: 10000, self: `${emulator.url}/rest/api/3/issue/SBX-1/remotelink/10000` });
    expect(second).toEqual(first);
    expect(statusesOf('POST /rest/api/3/issue/{issueIdOrKey}/remotelink')).toEqual([201, 200]);

    const all = await client.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: 'SBX-1' });
    expect(Array.isArray(all) && all.map((l) => l.object?.title)).toEqual(['Dark mode (4 requests)']);
    const one = await client.issueRemoteLinks.getRemoteIssueLinks({
      issueIdOrKey: 'SBX-1',
      globalId: 'suggested:feature=f-1',
    });
    expect(one).toMatchObject({
      id: 10000,
      globalId: 'suggested:feature=f-1',
      relationship: 'customer demand',
    });

    const res = await rest('/rest/api/3/issue/SBX-1/remotelink', {
      method: 'POST',
      body: JSON.stringify({ object: { url: 'https://x.example' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errorMessages: [], errors: { title: "'title' is required." } });

    await client.issueRemoteLinks.deleteRemoteIssueLinkById({ issueIdOrKey: 'SBX-1', linkId: '10000' });
    expect(await client.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: 'SBX-1' })).toEqual([]);
  });
});

describe('issue links', () => {
  it('lists link types and links a duplicate, shown from both sides, then unlinks', async () => {
    const client = jira();
    const { issueLinkTypes } = await client.issueLinkTypes.getIssueLinkTypes();
    expect(issueLinkTypes?.map((t) => t.name)).toEqual(['Blocks', 'Cloners', 'Duplicate', 'Relates']);
    expect(issueLinkTypes?.find((t) => t.name === 'Duplicate')).toEqual({
      id: '10002',
      name: 'Duplicate',
      inward: 'is duplicated by',
      outward: 'duplicates',
      self: `${emulator.url}/rest/api/3/issueLinkType/10002`,
    });

    await createTask(client, { summary: 'Original' });
    await createTask(client, { summary: 'Copy' });
    // "SBX-2 duplicates SBX-1": the source goes in inwardIssue (Jira's REST naming).
    await client.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: 'SBX-2' },
      outwardIssue: { key: 'SBX-1' },
    });
    expect(statusesOf('POST /rest/api/3/issueLink')).toEqual([201]);
    await client.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: 'SBX-2' },
      outwardIssue: { key: 'SBX-1' },
    });
    expect(emulator.state.links.size).toBe(1);

    const copy = await client.issues.getIssue({ issueIdOrKey: 'SBX-2', fields: ['issuelinks'] });
    const original = await client.issues.getIssue({ issueIdOrKey: 'SBX-1', fields: ['issuelinks'] });
    expect(copy.fields?.['issuelinks']).toMatchObject([
      {
        id: '10000',
        type: { name: 'Duplicate', outward: 'duplicates' },
        outwardIssue: { key: 'SBX-1', fields: { summary: 'Original' } },
      },
    ]);
    expect(original.fields?.['issuelinks']).toMatchObject([
      { id: '10000', type: { name: 'Duplicate', inward: 'is duplicated by' }, inwardIssue: { key: 'SBX-2' } },
    ]);
    expect(copy.fields?.['issuelinks'][0]).not.toHaveProperty('inwardIssue');

    const link = await client.issueLinks.getIssueLink({ linkId: '10000' });
    expect(link).toMatchObject({
      id: '10000',
      inwardIssue: { key: 'SBX-2' },
      outwardIssue: { key: 'SBX-1' },
      type: { name: 'Duplicate' },
    });

    const badType = await rejectionOf(
      client.issueLinks.linkIssues({
        type: { name: 'Nope' },
        inwardIssue: { key: 'SBX-2' },
        outwardIssue: { key: 'SBX-1' },
      }),
    );
    expect(isNotFoundError(badType)).toBe(true);

    await client.issueLinks.deleteIssueLink({ linkId: '10000' });
    const after = await client.issues.getIssue({ issueIdOrKey: 'SBX-1', fields: ['issuelinks'] });
    expect(after.fields?.['issuelinks']).toEqual([]);
    expect(isNotFoundError(await rejectionOf(client.issueLinks.getIssueLink({ linkId: '10000' })))).toBe(
      true,
    );
  });
});

describe('site', () => {
  it('answers myself and serverInfo', async () => {
    const client = jira();
    const me = await client.myself.getCurrentUser();
    expect(me).toMatchObject({
      emailAddress: EMAIL,
      active: true,
      accountType: 'atlassian',
      timeZone: 'America/New_York',
    });
    expect(me.self).toMatch(new RegExp(`^${emulator.url}/rest/api/3/user\\?accountId=`));
    const info = await client.serverInfo.getServerInfo();
    expect(info).toMatchObject({ deploymentType: 'Cloud', baseUrl: emulator.url });
    expect(info.serverTime).toBeInstanceOf(Date);
  });
});

describe('authentication', () => {
  it("refuses a wrong token with 401 in Jira's shape (jira.js AuthError) and accepts a bearer token", async () => {
    const wrong = await rejectionOf(
      jira({ auth: { type: 'basic', email: EMAIL, apiToken: 'wrong' } }).myself.getCurrentUser(),
    );
    expect(isAuthError(wrong)).toBe(true);
    expect(isApiError(wrong) && wrong.body).toEqual({
      errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
      errors: {},
    });
    const otherUser = await rejectionOf(
      jira({
        auth: { type: 'basic', email: 'someone@example.com', apiToken: TOKEN },
      }).myself.getCurrentUser(),
    );
    expect(isAuthError(otherUser)).toBe(true);
    expect(
      isAuthError(
        await rejectionOf(jira({ auth: { type: 'bearer', token: 'nope' } }).myself.getCurrentUser()),
      ),
    ).toBe(true);

    const anonymous = await fetch(`${emulator.url}/rest/api/3/issue/SBX-1`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic/);

    const me = await jira({ auth: { type: 'bearer', token: BEARER } }).myself.getCurrentUser();
    expect(me.emailAddress).toBe(EMAIL);
  });
});

describe('faults', () => {
  it("rate-limits in Jira's shape: RateLimitError with retryAfterMs, and the rate-limit headers", async () => {
    const client = jira();
    emulator.faults.set({ rateLimit: { count: 2, retryAfterSeconds: 7 } });
    const limited = await rejectionOf(client.myself.getCurrentUser());
    expect(isRateLimitError(limited)).toBe(true);
    expect(isRateLimitError(limited) && limited.retryAfterMs).toBe(7_000);
    expect(isApiError(limited) && limited.body).toEqual({
      errorMessages: ['Rate limit exceeded.'],
      errors: {},
    });

    const res = await rest('/rest/api/3/myself');
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
    expect(Date.parse(String(res.headers.get('x-ratelimit-reset')))).toBeGreaterThan(Date.now());

    await expect(client.myself.getCurrentUser()).resolves.toMatchObject({ emailAddress: EMAIL });
    expect(emulator.calls.list().map((c) => [c.operation, c.status, c.fault])).toEqual([
      ['GET /rest/api/3/myself', 429, 'rate-limited'],
      ['GET /rest/api/3/myself', 429, 'rate-limited'],
      ['GET /rest/api/3/myself', 200, undefined],
    ]);
  });

  it('fails with 5xx: ServerError, and jira.js retries 503 when asked to (the call log shows each attempt)', async () => {
    await createTask(jira());
    emulator.calls.clear();
    emulator.faults.set({ serverError: { count: 1, status: 500 } });
    const failed = await rejectionOf(jira().issues.getIssue({ issueIdOrKey: 'SBX-1' }));
    expect(isServerError(failed)).toBe(true);
    expect(isApiError(failed) && failed.status).toBe(500);

    // Through the control endpoint, as a person trying the sandbox would.
    const control = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serverError: { count: 2, status: 503 } }),
    });
    expect(control.status).toBe(200);
    const retrying = jira({ retry: { maxAttempts: 3, initialDelayMs: 1 } });
    const issue = await retrying.issues.getIssue({ issueIdOrKey: 'SBX-1', fields: ['summary'] });
    expect(issue.key).toBe('SBX-1');
    expect(statusesOf('GET /rest/api/3/issue/{issueIdOrKey}')).toEqual([500, 503, 503, 200]);
  });

  it('fails a seeded share of calls with 5xx in the same shape as a counted fault, shown in the faults view, until cleared', async () => {
    const fault = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const view = async () =>
      ((await (await fetch(`${emulator.url}/_emulator/faults`)).json()) as { serverError: unknown })
        .serverError;
    /** 30 calls: 'x' for a 503 in Jira's body, '.' for a 200. */
    const run = async () => {
      let out = '';
      for (let i = 0; i < 30; i++) {
        const res = await rest('/rest/api/3/myself');
        if (res.status === 200) out += '.';
        else {
          expect(res.status).toBe(503);
          expect(await res.json()).toEqual({ errorMessages: ['Service unavailable'], errors: {} });
          out += 'x';
        }
      }
      return out;
    };

    expect((await fault({ serverError: { rate: 0.5, seed: 7, status: 503 } })).status).toBe(200);
    expect(await view()).toMatchObject({ rate: 0.5, seed: 7, status: 503, untilCleared: true });
    const first = await run();
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(emulator.calls.list().filter((c) => c.fault === 'server-error')).toHaveLength(
      first.replaceAll('.', '').length,
    );
    // jira.js sees it as it sees a counted 503.
    emulator.faults.set({ serverError: { rate: 1 } });
    const failed = await rejectionOf(jira().myself.getCurrentUser());
    expect(isServerError(failed) && failed.status).toBe(503);

    expect((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status).toBe(204);
    expect(await view()).toBeNull();
    expect(await run()).toBe('.'.repeat(30));

    // The same seed fails the same calls again; a reset ends it like DELETE.
    await fault({ serverError: { rate: 0.5, seed: 7, status: 503 } });
    expect(await run()).toBe(first);
    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect(await view()).toBeNull();
    expect((await rest('/rest/api/3/myself')).status).toBe(200);
  });

  it('refuses a rate outside 0..1 and a seed that is not a 32-bit unsigned integer, naming the field', async () => {
    const res = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serverError: { rate: 1.5, seed: -1 } }),
    });
    expect(res.status).toBe(400);
    const { problems } = (await res.json()) as { problems: string[] };
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['serverError.rate', 'serverError.seed']);
    const text = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ serverError: { rate: '30%' } }),
    });
    expect(((await text.json()) as { problems: string[] }).problems).toEqual([
      expect.stringMatching(/^serverError\.rate: /),
    ]);
    expect(emulator.faults.describe().serverError).toBeNull();
  });

  it('adds latency to API calls only: an API call is held at least that long, a control endpoint is not held', async () => {
    const latencyMs = 200;
    emulator.faults.set({ latencyMs });
    const faults = (await (await fetch(`${emulator.url}/_emulator/faults`)).json()) as Record<
      string,
      unknown
    >;
    expect(faults).toMatchObject({ latencyMs });

    // A lower bound is a fact (the request waited in the latency middleware); no upper bound is asserted.
    const startedAt = performance.now();
    await jira().myself.getCurrentUser();
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(latencyMs - 5);

    // Control endpoints skip the latency: with an hour of latency, /_emulator/state still answers (a held
    // request would outlive the test's own timeout).
    emulator.faults.set({ latencyMs: 3_600_000 });
    const state = await fetch(`${emulator.url}/_emulator/state`);
    expect(state.status).toBe(200);
    expect(emulator.calls.list().map((c) => c.operation)).toEqual(['GET /rest/api/3/myself']);
    emulator.faults.clear();
  });
});

describe('webhooks', () => {
  it('registers, lists and deletes an admin webhook, without ever returning its secret', async () => {
    const receiver = await startReceiver();
    const created = await registerWebhook(receiver.url);
    expect(created).toMatchObject({
      name: 'suggested-sync',
      url: receiver.url,
      enabled: true,
      filters: { 'issue-related-events-section': 'project = SBX' },
      self: `${emulator.url}/rest/webhooks/1.0/webhook/1`,
    });
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const list = (await (await rest('/rest/webhooks/1.0/webhook')).json()) as unknown[];
    expect(list).toHaveLength(1);
    const bad = await rest('/rest/webhooks/1.0/webhook', {
      method: 'POST',
      body: JSON.stringify({
        name: 'x',
        url: receiver.url,
        events: ['jira:issue_created'],
        filters: { 'issue-related-events-section': 'project SBX' },
      }),
    });
    expect(bad.status).toBe(400);
    expect((await rest('/rest/webhooks/1.0/webhook/1', { method: 'DELETE' })).status).toBe(204);
    expect(await (await rest('/rest/webhooks/1.0/webhook')).json()).toEqual([]);
  });

  it('delivers signed created, updated (with changelog), link and deleted events that match the JQL filter', async () => {
    const receiver = await startReceiver();
    await registerWebhook(receiver.url, {
      filters: { 'issue-related-events-section': 'project = SBX AND labels = suggested' },
    });
    const client = jira();
    // Each step waits for its delivery, so the order below is the order of the events.
    await createTask(client, { labels: ['suggested'], summary: 'Dark mode' }); // SBX-1
    await receiver.received(1);
    await createTask(client, { labels: ['unrelated'], summary: 'Not ours' }); // SBX-2: filtered out
    await createTask(client, { labels: ['suggested'], summary: 'Dark theme' }); // SBX-3
    await receiver.received(2);
    await client.issues.doTransition({ issueIdOrKey: 'SBX-1', transition: { id: '21' } });
    await receiver.received(3);
    await client.issues.editIssue({
      issueIdOrKey: 'SBX-1',
      fields: { summary: 'Dark mode everywhere' },
      update: { labels: [{ add: 'planned' }] },
    });
    await receiver.received(4);
    await client.issues.doTransition({ issueIdOrKey: 'SBX-2', transition: { id: '31' } }); // filtered out
    await client.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: 'SBX-3' },
      outwardIssue: { key: 'SBX-1' },
    });
    await receiver.received(5);
    await client.issueLinks.deleteIssueLink({ linkId: '10000' });
    await receiver.received(6);
    await client.issues.deleteIssue({ issueIdOrKey: 'SBX-3' });
    await receiver.received(7);
    await emulator.deliverer.idle();

    const deliveries = await receiver.received(7);
    expect(deliveries).toHaveLength(7);
    for (const d of deliveries) {
      expect(signedWith(SECRET, d)).toBe(true);
      expect(d.headers['x-atlassian-webhook-flow']).toBe('Primary');
      expect(d.headers['x-atlassian-webhook-identifier']).toMatch(/\S/);
      expect(d.headers['x-atlassian-webhook-retry']).toBeUndefined();
      expect(d.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(new Set(deliveries.map((d) => d.headers['x-atlassian-webhook-identifier'])).size).toBe(7);
    const keyOf = (d: Delivery) => (d.json['issue'] as { key?: string } | undefined)?.key;
    expect(deliveries.map((d) => `${d.json['webhookEvent']} ${keyOf(d) ?? ''}`.trim())).toEqual([
      'jira:issue_created SBX-1',
      'jira:issue_created SBX-3',
      'jira:issue_updated SBX-1',
      'jira:issue_updated SBX-1',
      'issuelink_created',
      'issuelink_deleted',
      'jira:issue_deleted SBX-3',
    ]);

    const [created, , transitioned, edited, linked] = deliveries;
    expect(created?.json).toMatchObject({
      webhookEvent: 'jira:issue_created',
      issue_event_type_name: 'issue_created',
      user: { emailAddress: EMAIL },
      issue: {
        id: '10001',
        self: `${emulator.url}/rest/api/2/issue/10001`,
        fields: {
          summary: 'Dark mode',
          labels: ['suggested'],
          status: { name: 'To Do', statusCategory: { key: 'new' } },
        },
      },
    });
    expect(typeof created?.json['timestamp']).toBe('number');
    expect(transitioned?.json).toMatchObject({
      issue_event_type_name: 'issue_generic',
      issue: {
        fields: { status: { id: '3', name: 'In Progress', statusCategory: { key: 'indeterminate' } } },
      },
      changelog: {
        items: [
          {
            field: 'status',
            fieldtype: 'jira',
            fieldId: 'status',
            from: '10000',
            fromString: 'To Do',
            to: '3',
            toString: 'In Progress',
          },
        ],
      },
    });
    expect(edited?.json['changelog']).toMatchObject({
      items: [
        { field: 'summary', fieldtype: 'jira', fromString: 'Dark mode', toString: 'Dark mode everywhere' },
        { field: 'labels', fieldtype: 'jira', fromString: 'suggested', toString: 'suggested planned' },
      ],
    });
    expect(linked?.json['issueLink']).toEqual({
      id: 10000,
      sourceIssueId: 10003,
      destinationIssueId: 10001,
      issueLinkType: {
        id: 10002,
        name: 'Duplicate',
        outwardName: 'duplicates',
        inwardName: 'is duplicated by',
        isSubTaskLinkType: false,
        isSystemLinkType: false,
      },
      systemLink: false,
    });
  });

  it('retries a failed delivery with the same identifier and body, marking X-Atlassian-Webhook-Retry', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    await registerWebhook(receiver.url);
    await createTask(jira());
    const [first, second] = await receiver.received(2);
    expect(first?.headers['x-atlassian-webhook-retry']).toBeUndefined();
    expect(second?.headers['x-atlassian-webhook-retry']).toBe('1');
    expect(second?.headers['x-atlassian-webhook-identifier']).toBe(
      first?.headers['x-atlassian-webhook-identifier'],
    );
    expect(second?.body).toBe(first?.body);
    expect(first && signedWith(SECRET, first)).toBe(true);
    expect(second && signedWith(SECRET, second)).toBe(true);
    await emulator.deliverer.idle();
    expect(receiver.deliveries).toHaveLength(2);
    expect(emulator.deliverer.list()[0]).toMatchObject({
      state: 'delivered',
      attempts: [{ status: 500 }, { status: 200 }],
    });
  });

  it('retries when the receiver times out or answers 429, not when it answers 400', async () => {
    await start({ webhookTimeoutMs: 200, webhookRetryDelaysMs: [10, 10] });
    const receiver = await startReceiver((n, res) => {
      if (n === 1) {
        setTimeout(() => res.end(), 1_000).unref();
        return undefined;
      }
      return n === 2 ? 429 : n === 3 ? 200 : 400;
    });
    await registerWebhook(receiver.url);
    await createTask(jira());
    await receiver.received(3);
    await emulator.deliverer.idle();
    expect(receiver.deliveries.map((d) => d.headers['x-atlassian-webhook-retry'])).toEqual([
      undefined,
      '1',
      '2',
    ]);
    expect(emulator.deliverer.list()[0]?.attempts.map((a) => a.status ?? a.error)).toEqual([
      'timeout',
      429,
      200,
    ]);

    await jira().issues.doTransition({ issueIdOrKey: 'SBX-1', transition: { id: '31' } });
    await receiver.received(4);
    await emulator.deliverer.idle();
    expect(receiver.deliveries).toHaveLength(4);
    expect(emulator.deliverer.list()[1]).toMatchObject({ state: 'failed', attempts: [{ status: 400 }] });
  });

  it('drops, duplicates, delays and reorders deliveries when told to', async () => {
    const receiver = await startReceiver();
    await registerWebhook(receiver.url, { events: ['jira:issue_created'] });
    const client = jira();

    emulator.faults.set({ webhooks: { drop: 1 } });
    await createTask(client, { summary: 'dropped' });
    await createTask(client, { summary: 'kept' });
    await receiver.received(1);
    await emulator.deliverer.idle();
    const summaries = () =>
      receiver.deliveries.map((d) => (d.json['issue'] as { fields: { summary: string } }).fields.summary);
    expect(summaries()).toEqual(['kept']);
    expect(emulator.deliverer.list().map((r) => r.state)).toEqual(['dropped', 'delivered']);

    emulator.faults.set({ webhooks: { duplicate: 1 } });
    await createTask(client, { summary: 'twice' });
    await createTask(client, { summary: 'once' });
    await receiver.received(4);
    await emulator.deliverer.idle();
    expect(summaries().slice(1).sort()).toEqual(['once', 'twice', 'twice']);
    const twice = receiver.deliveries.filter((d) => d.body.includes('"twice"'));
    expect(twice[0]?.headers['x-atlassian-webhook-identifier']).toBe(
      twice[1]?.headers['x-atlassian-webhook-identifier'],
    );

    emulator.faults.set({ webhooks: { reorder: 2 } });
    await createTask(client, { summary: 'first' });
    await createTask(client, { summary: 'second' });
    await receiver.received(6);
    expect(summaries().slice(4)).toEqual(['second', 'first']);

    emulator.faults.set({ webhooks: { delayMs: 400 } });
    const before = Date.now();
    await createTask(client, { summary: 'late' });
    const [late] = (await receiver.received(7)).slice(6);
    expect(late?.body).toContain('"late"');
    expect((late?.receivedAt ?? 0) - before).toBeGreaterThanOrEqual(390);
  });

  it('sends a comment as jira:issue_updated (issue_commented) and comment_created', async () => {
    const receiver = await startReceiver();
    await registerWebhook(receiver.url, { events: ['jira:issue_updated', 'comment_created'] });
    await createTask(jira());
    await jira().issueComments.addComment({ issueIdOrKey: 'SBX-1', body: adf('Acme asked again') });
    const deliveries = await receiver.received(2);
    expect(deliveries.map((d) => [d.json['webhookEvent'], d.json['issue_event_type_name']])).toEqual([
      ['jira:issue_updated', 'issue_commented'],
      ['comment_created', undefined],
    ]);
    expect(deliveries[0]?.json).toMatchObject({ comment: { id: '10000', body: 'Acme asked again' } });
    expect(deliveries[0]?.json).not.toHaveProperty('changelog');
    expect(deliveries[1]?.json).toMatchObject({ comment: { id: '10000' }, issue: { key: 'SBX-1' } });
    expect(deliveries.every((d) => signedWith(SECRET, d))).toBe(true);
  });

  it('sends unsigned deliveries when the webhook has no secret', async () => {
    const receiver = await startReceiver();
    await registerWebhook(receiver.url, { secret: undefined, filters: {} });
    await createTask(jira());
    const [delivery] = await receiver.received(1);
    expect(delivery?.headers['x-hub-signature']).toBeUndefined();
    expect(delivery?.json['webhookEvent']).toBe('jira:issue_created');
  });
});

describe('the page at /', () => {
  const form = (path: string, fields: Record<string, string>) =>
    fetch(`${emulator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  it('lists issues (escaped) with their status, labels and links, and accessible forms', async () => {
    const client = jira();
    await createTask(client, { summary: '<script>alert(1)</script>', labels: ['ui'] });
    await createTask(client, { summary: 'Original' });
    await client.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: 'SBX-1' },
      outwardIssue: { key: 'SBX-2' },
    });
    const html = await (await fetch(`${emulator.url}/`)).text();
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('duplicates SBX-2');
    expect(html).toContain('is duplicated by SBX-1');
    expect(html).toContain('<label for="move-SBX-1">Move SBX-1 to</label>');
    expect(html).toContain('<button type="submit">Mark SBX-1 as duplicate</button>');
    expect(html).toContain('<button type="submit">Delete SBX-2</button>');
    expect(html).not.toMatch(/<(link|script)[^>]+(src|href)=/);
  });

  it('creates, moves, marks duplicate and deletes through the same code paths, firing signed webhooks', async () => {
    const receiver = await startReceiver();
    await registerWebhook(receiver.url);

    const created = await form('/_emulator/ui/issues', {
      summary: 'From the page',
      issuetype: 'Bug',
      labels: 'ui page',
    });
    expect(created.status).toBe(303);
    expect(created.headers.get('location')).toMatch(/^\/\?flash=/);
    await receiver.received(1);
    await createTask(jira(), { summary: 'Original' });
    await receiver.received(2);

    const moved = await form('/_emulator/ui/issues/SBX-1/transition', { transitionId: '41' });
    expect(moved.status).toBe(303);
    await receiver.received(3);
    const marked = await form('/_emulator/ui/issues/SBX-1/duplicate', { of: 'SBX-2' });
    expect(marked.status).toBe(303);
    await receiver.received(4);
    const deleted = await form('/_emulator/ui/issues/SBX-1/delete', {});
    expect(deleted.status).toBe(303);

    const deliveries = await receiver.received(5);
    expect(deliveries.every((d) => signedWith(SECRET, d))).toBe(true);
    expect(deliveries.map((d) => d.json['webhookEvent'])).toEqual([
      'jira:issue_created',
      'jira:issue_created',
      'jira:issue_updated',
      'issuelink_created',
      'jira:issue_deleted',
    ]);
    expect(deliveries[0]?.json).toMatchObject({
      issue: {
        key: 'SBX-1',
        fields: { summary: 'From the page', labels: ['ui', 'page'], issuetype: { name: 'Bug' } },
      },
    });
    expect(deliveries[2]?.json['changelog']).toMatchObject({
      items: [
        { field: 'resolution', to: '10001', toString: "Won't Do" },
        { field: 'status', from: '10000', to: '10002', fromString: 'To Do', toString: "Won't Do" },
      ],
    });
    expect(deliveries[3]?.json['issueLink']).toMatchObject({
      sourceIssueId: 10001,
      destinationIssueId: 10002,
      issueLinkType: { name: 'Duplicate' },
    });
    expect(emulator.state.issues.size).toBe(1);

    const unknown = await form('/_emulator/ui/issues/SBX-9/delete', {});
    expect(decodeURIComponent(String(unknown.headers.get('location')))).toContain('Issue does not exist');
  });
});

describe('control endpoints', () => {
  it('shows the state and the call log, and resets to the seed', async () => {
    const client = jira();
    await createTask(client);
    await client.issueProperties.setIssueProperty({
      issueIdOrKey: 'SBX-1',
      propertyKey: 'p',
      body: { a: 1 },
    });
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as {
      issues: Array<{ key: string; properties: Record<string, unknown> }>;
    };
    expect(state.issues.map((i) => [i.key, i.properties])).toEqual([['SBX-1', { p: { a: 1 } }]]);
    const calls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
      calls: Array<{ operation: string }>;
    };
    expect(calls.calls.map((c) => c.operation)).toEqual([
      'POST /rest/api/3/issue',
      'PUT /rest/api/3/issue/{issueIdOrKey}/properties/{propertyKey}',
    ]);

    // Registered webhooks are site configuration: a reset keeps them, so the service keeps hearing from the sandbox.
    const receiver = await startReceiver();
    await registerWebhook(receiver.url);

    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect(emulator.state.issues.size).toBe(0);
    expect(emulator.calls.list()).toHaveLength(0);
    expect(isNotFoundError(await rejectionOf(client.issues.getIssue({ issueIdOrKey: 'SBX-1' })))).toBe(true);
    // Jira never reuses an issue id or key: the service linked 10001 / SBX-1 and must not hear of another issue there.
    expect(await createTask(client)).toMatchObject({ id: '10002', key: 'SBX-2' });
    const [delivery] = await receiver.received(1);
    expect(delivery?.json).toMatchObject({
      webhookEvent: 'jira:issue_created',
      issue: { id: '10002', key: 'SBX-2' },
    });
  });

  it("answers an undecodable path with a 400 in Jira's shape, not a 500", async () => {
    const res = await rest('/rest/api/3/issue/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      errorMessages: [expect.stringContaining('%E0%A4%A')],
      errors: {},
    });
  });

  it('answers unknown REST paths with a Jira-shaped 404', async () => {
    const res = await rest('/rest/api/3/nothing-here');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      errorMessages: [expect.stringContaining('/rest/api/3/nothing-here')],
      errors: {},
    });
  });
});
