import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  AuthenticationLinearError,
  GraphqlLinearError,
  InternalLinearError,
  InvalidInputLinearError,
  LinearClient,
  type LinearDocument,
  LinearErrorType,
  NetworkLinearError,
  RatelimitedLinearError,
} from '@linear/sdk';
import { LinearWebhookClient } from '@linear/sdk/webhooks';
import {
  type LinearEmulator,
  type LinearEmulatorOptions,
  startLinearEmulator,
} from '@suggested-sync/emulators/linear/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/service.ts';

/**
 * Contract tests: the real @linear/sdk 98 against the Linear emulator over HTTP, one emulator per test.
 * Webhooks go to a local receiver and are verified with the SDK's own LinearWebhookClient.
 */

const API_KEY = 'lin_api_sandbox';

interface Received {
  body: string;
  headers: IncomingHttpHeaders;
  status: number;
}

interface WebhookBody {
  action: string;
  type: string;
  data: Record<string, unknown> & { id: string };
  updatedFrom?: Record<string, unknown>;
  url: string | null;
  createdAt: string;
  organizationId: string;
  webhookId: string;
  webhookTimestamp: number;
}

/** A webhook receiver on 127.0.0.1:0 that records raw bodies and headers; `statusFor(n)` answers the nth POST. */
async function startReceiver(statusFor: (n: number) => number = () => 200) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = statusFor(received.length);
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/linear`,
    received,
    /** Deliveries answered 2xx, parsed. */
    ok: () => received.filter((r) => r.status < 300).map((r) => JSON.parse(r.body) as WebhookBody),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Verifies one delivery the way a Linear integration does, with the SDK's own client. */
function verified(secret: string, delivery: Received): WebhookBody {
  const signature = delivery.headers['linear-signature'];
  expect(typeof signature).toBe('string');
  return new LinearWebhookClient(secret).parseData(
    Buffer.from(delivery.body),
    String(signature),
  ) as unknown as WebhookBody;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

let emulator: LinearEmulator;
let client: LinearClient;
let receiver: Receiver | undefined;

async function start(options: LinearEmulatorOptions = {}) {
  emulator = await startLinearEmulator({ port: 0, webhookRetryDelaysMs: [50, 50], ...options });
  client = new LinearClient({ apiKey: API_KEY, apiUrl: emulator.apiUrl });
}

beforeEach(async () => {
  await start();
});
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await emulator.close();
});

async function sbx() {
  const team = (await client.teams()).nodes.find((t) => t.key === 'SBX');
  if (!team) throw new Error('no SBX team');
  const states = (await team.states()).nodes;
  const stateOf = (type: string) => {
    const found = states.find((s) => s.type === type);
    if (!found) throw new Error(`no ${type} state`);
    return found;
  };
  return { team, states, stateOf };
}

async function newIssue(teamId: string, title: string, extra: Partial<LinearDocument.IssueCreateInput> = {}) {
  const payload = await client.createIssue({ teamId, title, ...extra });
  if (!payload.issueId) throw new Error('no issue id');
  return payload.issueId;
}

describe('workspace: viewer, organization, teams and workflow states', () => {
  it('answers the seeded workspace, with a workflow state of every type', async () => {
    const viewer = await client.viewer;
    expect(viewer).toMatchObject({ name: 'Sandbox Admin', email: 'sandbox@example.com', admin: true });
    const organization = await client.organization;
    expect(organization.name).toBe('Sandbox');

    const teams = await client.teams();
    expect(teams.nodes.map((t) => [t.key, t.name])).toEqual([['SBX', 'Sandbox']]);
    expect(teams.nodes[0]?.id).toBe(emulator.state.findTeam('SBX')?.id);
    const team = await client.team(teams.nodes[0]?.id ?? '');
    expect(team.key).toBe('SBX');
    expect((await team.triageIssueState)?.type).toBe('triage');
    expect((await team.markedAsDuplicateWorkflowState)?.type).toBe('duplicate');
    const states = await team.states();
    expect(states.nodes.map((s) => s.type)).toEqual([
      'triage',
      'backlog',
      'unstarted',
      'started',
      'completed',
      'canceled',
      'duplicate',
    ]);

    const filtered = await client.workflowStates({
      filter: { team: { id: { eq: team.id } }, type: { eq: 'started' } },
    });
    expect(filtered.nodes.map((s) => s.name)).toEqual(['In Progress']);
    const other = emulator.state.addTeam({ key: 'OTH', name: 'Other' });
    expect((await client.workflowStates()).nodes).toHaveLength(14);
    const others = await client.workflowStates({ filter: { team: { key: { eq: 'OTH' } } } });
    expect(new Set(await Promise.all(others.nodes.map(async (s) => (await s.team)?.id)))).toEqual(
      new Set([other.id]),
    );
    const none = await client.workflowStates({ filter: { team: { id: { eq: randomUUID() } } } });
    expect(none.nodes).toEqual([]);
    const one = await client.workflowState(filtered.nodes[0]?.id ?? '');
    expect(one.type).toBe('started');
    expect((await one.team)?.key).toBe('SBX');
  });

  it('accepts an OAuth access token as a Bearer token', async () => {
    await emulator.close();
    await start({ accessTokens: ['oauth-sandbox-token'] });
    const oauth = new LinearClient({ accessToken: 'oauth-sandbox-token', apiUrl: emulator.apiUrl });
    expect((await oauth.viewer).email).toBe('sandbox@example.com');
    const wrong = new LinearClient({ accessToken: API_KEY, apiUrl: emulator.apiUrl });
    expect(await rejection(wrong.viewer)).toBeInstanceOf(AuthenticationLinearError);
  });
});

describe('issues', () => {
  it('createIssue keeps a client-supplied id; a repeated id fails as an invalid input', async () => {
    const { team, stateOf } = await sbx();
    const label = await client.createIssueLabel({ name: 'Customer request', teamId: team.id });
    const id = randomUUID();
    const input = {
      id,
      teamId: team.id,
      title: 'Dark mode',
      description: '**Asked by** 3 customers',
      stateId: stateOf('triage').id,
      priority: 2,
      labelIds: [label.issueLabelId ?? ''],
    };
    const created = await client.createIssue(input);
    expect(created.success).toBe(true);
    expect(created.issueId).toBe(id);
    expect((await created.issue)?.id).toBe(id);

    const issue = await client.issue(id);
    expect(issue).toMatchObject({
      identifier: 'SBX-1',
      title: 'Dark mode',
      description: '**Asked by** 3 customers',
      priority: 2,
      priorityLabel: 'High',
      labelIds: [label.issueLabelId],
    });
    expect((await issue.state)?.type).toBe('triage');
    expect((await issue.team)?.key).toBe('SBX');
    expect((await issue.labels()).nodes.map((l) => l.name)).toEqual(['Customer request']);
    expect((await client.issue('SBX-1')).id).toBe(id);

    const again = await rejection(client.createIssue({ ...input, title: 'Dark mode (retry)' }));
    expect(again).toBeInstanceOf(InvalidInputLinearError);
    expect(again.message).toContain(`Entity Issue with id ${id} already exists`);
    expect(emulator.state.issues.size).toBe(1);
    expect((await client.issue(id)).title).toBe('Dark mode');

    const defaulted = await client.issue(await newIssue(team.id, 'No state given'));
    expect((await defaulted.state)?.type).toBe('backlog');
    expect(defaulted.identifier).toBe('SBX-2');

    const operations = emulator.calls.list().map((c) => `${c.operation} ${c.status}`);
    expect(operations).toContain('createIssue 200');
    expect(operations).toContain('workflowState 200');
  });

  it('runs several aliased mutation fields of one document in order; a refused field stops the ones after it', async () => {
    const { team, stateOf } = await sbx();
    const id = randomUUID();
    const needId = randomUUID();
    const query = `mutation createIssue($issue: IssueCreateInput!, $link: AttachmentCreateInput!,
        $c0: CustomerUpsertInput!, $n0: CustomerNeedCreateInput!) {
      issueCreate(input: $issue) { success issue { id identifier state { name type } } }
      linkBack: attachmentCreate(input: $link) { success }
      c0: customerUpsert(input: $c0) { success }
      n0: customerNeedCreate(input: $n0) { success }
    }`;
    const variables = {
      issue: { id, teamId: team.id, title: 'Dark mode', stateId: stateOf('triage').id },
      link: { issueId: id, url: 'https://suggested.example/features/f1', title: 'Feature' },
      c0: { externalId: 'acme', name: 'Acme' },
      n0: { id: needId, issueId: id, customerExternalId: 'acme', body: 'Please' },
    };
    const send = async (vars: typeof variables) =>
      (await fetch(emulator.apiUrl, {
        method: 'POST',
        headers: { authorization: API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: vars }),
      }).then((r) => r.json())) as {
        data: Record<string, unknown> | null;
        errors?: Array<{ message: string }>;
      };

    // The issue exists before the attachment and the need that name it, the customer before the need naming it.
    const first = await send(variables);
    expect(first.errors).toBeUndefined();
    expect(first.data).toEqual({
      issueCreate: {
        success: true,
        issue: { id, identifier: 'SBX-1', state: { name: 'Triage', type: 'triage' } },
      },
      linkBack: { success: true },
      c0: { success: true },
      n0: { success: true },
    });
    expect(emulator.state.needs.get(needId)?.issueId).toBe(id);
    expect([...emulator.state.attachments.values()].filter((a) => a.issueId === id)).toHaveLength(1);

    // Sent again with another need: issueCreate is refused for the taken id; its payload is non-null, so nothing
    // after it runs and the answer has no data.
    const other = randomUUID();
    const again = await send({ ...variables, n0: { ...variables.n0, id: other } });
    expect(again.data).toBeNull();
    expect(again.errors).toHaveLength(1);
    expect(emulator.state.needs.has(other)).toBe(false);
    expect(emulator.calls.list().map((c) => c.operation)).toContain('createIssue');
  });

  it('issues filters by id, team, state type, updatedAt and attachment url', async () => {
    const { team, stateOf } = await sbx();
    const other = emulator.state.addTeam({ key: 'OTH', name: 'Other' });
    const elsewhere = await newIssue(other.id, 'In another team');
    const a = await newIssue(team.id, 'A');
    const b = await newIssue(team.id, 'B');
    const c = await newIssue(team.id, 'C');
    // Just after C's last write, on the emulator's own clock.
    const mark = new Date((await client.issue(c)).updatedAt.getTime() + 1).toISOString();
    await client.updateIssue(b, { stateId: stateOf('started').id });
    const d = await newIssue(team.id, 'D', { stateId: stateOf('started').id });
    await client.createAttachment({ issueId: c, url: 'https://crm.example/requests/7', title: 'Request 7' });

    const ids = async (filter: LinearDocument.IssueFilter) =>
      (await client.issues({ filter })).nodes.map((i) => i.id).sort();
    expect(await ids({ state: { type: { eq: 'started' } } })).toEqual([b, d].sort());
    expect(await ids({ id: { in: [a, c] } })).toEqual([a, c].sort());
    expect(await ids({ team: { id: { eq: team.id } } })).toEqual([a, b, c, d].sort());
    expect(await ids({ team: { key: { eq: 'OTH' } } })).toEqual([elsewhere]);
    expect(await ids({ team: { key: { eq: 'NOPE' } } })).toEqual([]);
    expect(await ids({ updatedAt: { gte: mark } })).toEqual([b, d].sort());
    expect(await ids({ updatedAt: { lt: mark }, team: { key: { eq: 'SBX' } } })).toEqual([a, c].sort());
    expect(await ids({ attachments: { url: { eq: 'https://crm.example/requests/7' } } })).toEqual([c]);
    expect(await ids({ attachments: { some: { url: { startsWith: 'https://crm.example/' } } } })).toEqual([
      c,
    ]);
    expect(await ids({ or: [{ id: { eq: a } }, { state: { type: { in: ['started'] } } }] })).toEqual(
      [a, b, d].sort(),
    );

    const unsupported = await rejection(
      client.client.rawRequest('query { issues(filter: { assignee: { null: true } }) { nodes { id } } }'),
    );
    expect(unsupported).toBeInstanceOf(GraphqlLinearError);
  });

  it('pages with first/after until hasNextPage is false', async () => {
    const { team } = await sbx();
    const created = [];
    for (let i = 1; i <= 5; i++) created.push(await newIssue(team.id, `Issue ${i}`));
    const seen: string[] = [];
    let page = await client.issues({ first: 2 });
    const sizes = [page.nodes.length];
    seen.push(...page.nodes.map((n) => n.id));
    while (page.pageInfo.hasNextPage) {
      page = await client.issues({ first: 2, after: page.pageInfo.endCursor ?? '' });
      sizes.push(page.nodes.length);
      seen.push(...page.nodes.map((n) => n.id));
    }
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...created].reverse());
    const bogus = await rejection(client.issues({ first: 2, after: randomUUID() }));
    expect(bogus).toBeInstanceOf(InvalidInputLinearError);
  });

  it('the next page follows a cursor whose issue has left the filter since the last page', async () => {
    const { team, stateOf } = await sbx();
    const created = [];
    for (let i = 1; i <= 5; i++) created.push(await newIssue(team.id, `Backlog ${i}`));
    const filter = { state: { type: { eq: 'backlog' } } };
    const first = await client.issues({ filter, first: 2 });
    expect(first.nodes.map((n) => n.title)).toEqual(['Backlog 5', 'Backlog 4']);
    const cursor = first.pageInfo.endCursor ?? '';
    expect(cursor).toBe(created[3]);

    // Between pages, the issue at the cursor is moved out of the filtered list.
    await client.updateIssue(cursor, { stateId: stateOf('started').id });
    const second = await client.issues({ filter, first: 2, after: cursor });
    expect(second.nodes.map((n) => n.title)).toEqual(['Backlog 3', 'Backlog 2']);
    expect(second.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const last = await client.issues({ filter, first: 2, after: second.pageInfo.endCursor ?? '' });
    expect(last.nodes.map((n) => n.title)).toEqual(['Backlog 1']);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  it('updateIssue, archiveIssue and deleteIssue', async () => {
    const { team, stateOf } = await sbx();
    const id = await newIssue(team.id, 'Export to CSV');
    const updated = await client.updateIssue(id, {
      title: 'Export to CSV and XLSX',
      stateId: stateOf('completed').id,
    });
    expect(updated.success).toBe(true);
    const issue = await client.issue(id);
    expect(issue.title).toBe('Export to CSV and XLSX');
    expect((await issue.state)?.type).toBe('completed');
    expect(issue.completedAt).toBeInstanceOf(Date);

    const other = await newIssue(team.id, 'Other');
    await client.archiveIssue(id);
    expect((await client.issues()).nodes.map((i) => i.id)).toEqual([other]);
    expect((await client.issues({ includeArchived: true })).nodes).toHaveLength(2);
    expect((await client.issue(id)).archivedAt).toBeInstanceOf(Date);

    const deleted = await client.deleteIssue(other);
    expect(deleted.success).toBe(true);
    expect((await client.issue(other)).trashed).toBe(true);
    expect((await client.issues()).nodes).toEqual([]);

    expect(await rejection(client.updateIssue(randomUUID(), { title: 'x' }))).toBeInstanceOf(
      InvalidInputLinearError,
    );
    expect(await rejection(client.updateIssue(id, { priority: 9 }))).toBeInstanceOf(InvalidInputLinearError);
  });

  it('createIssueRelation: marking an issue a duplicate moves it to the duplicate state', async () => {
    const { team } = await sbx();
    const original = await newIssue(team.id, 'Dark mode');
    const copy = await newIssue(team.id, 'Night theme');
    const related = await client.createIssueRelation({
      issueId: copy,
      relatedIssueId: original,
      type: 'related' as LinearDocument.IssueRelationType,
    });
    expect(related.success).toBe(true);
    expect((await (await client.issue(copy)).state)?.type).toBe('backlog');

    const payload = await client.createIssueRelation({
      issueId: copy,
      relatedIssueId: original,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    const relation = await payload.issueRelation;
    expect(relation?.type).toBe('duplicate');
    expect((await relation?.relatedIssue)?.id).toBe(original);
    const duplicate = await client.issue(copy);
    expect((await duplicate.state)?.type).toBe('duplicate');
    expect(duplicate.canceledAt).toBeInstanceOf(Date);
    expect((await duplicate.relations()).nodes.map((r) => r.type).sort()).toEqual(['duplicate', 'related']);
    expect((await (await client.issue(original)).inverseRelations()).nodes).toHaveLength(2);
    expect((await (await client.issue(original)).state)?.type).toBe('backlog');
  });
});

describe('attachments and comments', () => {
  it('attachmentCreate and attachmentLinkURL upsert on issue + url; attachmentsForURL finds them', async () => {
    const { team } = await sbx();
    const issue = await newIssue(team.id, 'SSO');
    const url = 'https://crm.example/requests/1';
    const first = await client.createAttachment({
      issueId: issue,
      url,
      title: 'Request 1',
      metadata: { votes: 1 },
    });
    const second = await client.createAttachment({
      issueId: issue,
      url,
      title: 'Request 1 (3 votes)',
      metadata: { votes: 3 },
    });
    expect(second.attachmentId).toBe(first.attachmentId);
    const linked = await client.attachmentLinkURL(issue, url, { title: 'Request 1 again' });
    expect(linked.attachmentId).toBe(first.attachmentId);
    const other = await client.attachmentLinkURL(issue, 'https://crm.example/requests/2');
    expect(other.attachmentId).not.toBe(first.attachmentId);

    const attachments = await (await client.issue(issue)).attachments();
    expect(attachments.nodes.map((a) => [a.url, a.title]).sort()).toEqual([
      [url, 'Request 1 again'],
      ['https://crm.example/requests/2', 'https://crm.example/requests/2'],
    ]);
    expect(attachments.nodes.find((a) => a.url === url)?.metadata).toEqual({ votes: 3 });

    const elsewhere = await newIssue(team.id, 'SSO for the admin console');
    await client.createAttachment({ issueId: elsewhere, url, title: 'Request 1' });
    const found = await client.attachmentsForURL(url);
    expect(found.nodes).toHaveLength(2);
    const issues = await Promise.all(found.nodes.map(async (a) => (await a.issue)?.id));
    expect(issues.sort()).toEqual([issue, elsewhere].sort());
  });

  it('commentCreate adds a comment to the issue', async () => {
    const { team } = await sbx();
    const issue = await newIssue(team.id, 'Webhooks for everything');
    const payload = await client.createComment({ issueId: issue, body: 'Two more customers asked.' });
    expect(payload.success).toBe(true);
    const comment = await payload.comment;
    expect(comment?.body).toBe('Two more customers asked.');
    expect((await comment?.issue)?.id).toBe(issue);
    expect((await (await client.issue(issue)).comments()).nodes.map((c) => c.body)).toEqual([
      'Two more customers asked.',
    ]);
    expect(await rejection(client.createComment({ issueId: randomUUID(), body: 'x' }))).toBeInstanceOf(
      InvalidInputLinearError,
    );
  });
});

describe('customers and customer needs', () => {
  it('customerUpsert matches by externalId, then domain, then id; revenue updates; tier by name', async () => {
    const first = await client.customerUpsert({
      externalId: 'acme-1',
      name: 'Acme',
      domains: ['acme.com'],
      revenue: 100_000,
      tierName: 'Enterprise',
    });
    const id = first.customerId;
    const byExternalId = await client.customerUpsert({ externalId: 'acme-1', revenue: 150_000 });
    expect(byExternalId.customerId).toBe(id);
    const byDomain = await client.customerUpsert({ domains: ['ACME.com'], revenue: 250_000 });
    expect(byDomain.customerId).toBe(id);
    const byId = await client.customerUpsert({ id: id ?? '', name: 'Acme Inc', tierName: 'Growth' });
    expect(byId.customerId).toBe(id);
    await client.customerUpsert({ externalId: 'acme-1', tierName: 'enterprise' });

    const customers = await client.customers();
    expect(customers.nodes).toHaveLength(1);
    const acme = await client.customer(id ?? '');
    expect(acme).toMatchObject({
      name: 'Acme Inc',
      revenue: 250_000,
      domains: ['acme.com'],
      externalIds: ['acme-1'],
    });
    expect((await acme.tier)?.name).toBe('Enterprise');
    expect((await client.customerTiers()).nodes.map((t) => t.name)).toEqual(['Enterprise', 'Growth']);

    const nameless = await rejection(client.customerUpsert({ externalId: 'globex-1' }));
    expect(nameless).toBeInstanceOf(InvalidInputLinearError);
    expect((await client.customers()).nodes).toHaveLength(1);
  });

  it('a customerUpsert that fails validation changes nothing: not the matched customer, not the tiers', async () => {
    const acme = await client.customerUpsert({
      externalId: 'acme-1',
      name: 'Acme',
      domains: ['acme.com'],
      revenue: 100,
    });
    await client.customerUpsert({ externalId: 'globex-1', name: 'Globex', domains: ['globex.com'] });
    const before = structuredClone(emulator.state.snapshot());

    // Matches Acme by externalId, then collides with Globex's domain.
    const taken = await rejection(
      client.customerUpsert({
        externalId: 'acme-1',
        name: 'Acme renamed',
        domains: ['globex.com'],
        revenue: 999,
        tierName: 'Platinum',
      }),
    );
    expect(taken).toBeInstanceOf(InvalidInputLinearError);
    expect(taken.message).toContain('domains already exists');
    // Matches nobody, so creates, and the id is not a UUID.
    const badId = await rejection(
      client.customerUpsert({ id: 'not-a-uuid', name: 'Initech', tierName: 'Gold' }),
    );
    expect(badId).toBeInstanceOf(InvalidInputLinearError);

    expect(emulator.state.snapshot()).toEqual(before);
    expect(await client.customer(acme.customerId ?? '')).toMatchObject({
      name: 'Acme',
      domains: ['acme.com'],
      revenue: 100,
    });
    expect((await client.customerTiers()).nodes).toEqual([]);
  });

  it('customerCreate, customerNeedCreate by customerExternalId with attachmentUrl, customers and customerNeeds', async () => {
    const { team } = await sbx();
    const issue = await newIssue(team.id, 'Audit log');
    const created = await client.createCustomer({
      name: 'Globex',
      domains: ['globex.com'],
      externalIds: ['globex-1'],
      revenue: 5_000,
    });
    expect(created.success).toBe(true);
    const needPayload = await client.createCustomerNeed({
      issueId: issue,
      customerExternalId: 'globex-1',
      body: 'Needs an audit log for SOC 2.',
      priority: 1,
      attachmentUrl: 'https://crm.example/requests/42',
    });
    const need = await needPayload.need;
    expect(need).toMatchObject({ body: 'Needs an audit log for SOC 2.', priority: 1 });
    expect((await need?.customer)?.id).toBe(created.customerId);
    expect((await need?.issue)?.id).toBe(issue);
    expect((await need?.attachment)?.url).toBe('https://crm.example/requests/42');
    expect((await (await client.issue(issue)).attachments()).nodes.map((a) => a.url)).toEqual([
      'https://crm.example/requests/42',
    ]);

    const other = await client.customerUpsert({ externalId: 'initech-1', name: 'Initech' });
    await client.createCustomerNeed({ issueId: issue, customerId: other.customerId ?? '', body: 'Same.' });
    expect((await client.customerNeeds()).nodes).toHaveLength(2);
    const forGlobex = await client.customerNeeds({
      filter: { customer: { id: { eq: created.customerId ?? '' } } },
    });
    expect(forGlobex.nodes.map((n) => n.id)).toEqual([needPayload.needId]);
    expect((await client.customer(created.customerId ?? '')).approximateNeedCount).toBe(1);
    expect((await (await client.issue(issue)).needs()).nodes).toHaveLength(2);
    expect(
      (await client.customers({ filter: { domains: { some: { eq: 'globex.com' } } } })).nodes.map(
        (c) => c.name,
      ),
    ).toEqual(['Globex']);

    const unknown = await rejection(
      client.createCustomerNeed({ issueId: issue, customerExternalId: 'nobody', body: 'x' }),
    );
    expect(unknown).toBeInstanceOf(InvalidInputLinearError);
  });
});

describe('labels, webhooks registration and rate-limit status', () => {
  it('issueLabels and issueLabelCreate', async () => {
    const { team } = await sbx();
    const created = await client.createIssueLabel({
      name: 'From customers',
      color: '#ff0000',
      teamId: team.id,
    });
    expect(created.success).toBe(true);
    const labels = await client.issueLabels();
    expect(labels.nodes.map((l) => [l.name, l.color])).toEqual([['From customers', '#ff0000']]);
    expect((await labels.nodes[0]?.team)?.key).toBe('SBX');
    expect((await client.issueLabels({ filter: { name: { eq: 'Nope' } } })).nodes).toEqual([]);
    expect(
      await rejection(client.createIssueLabel({ name: 'From customers', teamId: team.id })),
    ).toBeInstanceOf(InvalidInputLinearError);
  });

  it('webhookCreate registers a webhook', async () => {
    const { team } = await sbx();
    const payload = await client.createWebhook({
      url: 'https://sync.example/webhooks/linear',
      teamId: team.id,
      resourceTypes: ['Issue'],
      secret: 'whsec',
      label: 'Suggested Sync',
    });
    expect(payload.success).toBe(true);
    const webhook = await payload.webhook;
    expect(webhook).toMatchObject({
      url: 'https://sync.example/webhooks/linear',
      resourceTypes: ['Issue'],
      enabled: true,
    });
    expect((await client.webhooks()).nodes).toHaveLength(1);
    expect(
      await rejection(client.createWebhook({ url: 'https://x.example', resourceTypes: ['Issue'] })),
    ).toBeInstanceOf(InvalidInputLinearError);
  });

  it('rateLimitStatus reports the request budget it counts down', async () => {
    const before = await client.rateLimitStatus;
    const after = await client.rateLimitStatus;
    const [b, a] = [before.limits[0], after.limits[0]];
    expect(b?.allowedAmount).toBe(2500);
    expect(a?.remainingAmount).toBe((b?.remainingAmount ?? 0) - 1);
    expect(b?.reset).toBeGreaterThan(Date.now());
  });
});

describe('errors the SDK raises', () => {
  it('an injected rate limit raises RatelimitedLinearError with retryAfter, then calls succeed again', async () => {
    const set = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimit: { count: 1, retryAfterSeconds: 42 } }),
    });
    expect(set.status).toBe(200);
    const error = await rejection(client.viewer);
    expect(error).toBeInstanceOf(RatelimitedLinearError);
    const limited = error as RatelimitedLinearError;
    expect(limited.retryAfter).toBe(42);
    expect(limited.requestsRemaining).toBe(0);
    expect(limited.requestsLimit).toBe(2500);
    expect(limited.requestsResetAt).toBeGreaterThan(Date.now());
    expect(limited.status).toBe(400);
    expect((await client.viewer).name).toBe('Sandbox Admin');

    const calls = (await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as {
      calls: Array<{ operation: string; status: number; fault?: string }>;
    };
    expect(calls.calls.map((c) => [c.operation, c.status, c.fault ?? null])).toEqual([
      ['viewer', 400, 'rate-limited'],
      ['viewer', 200, null],
    ]);
  });

  it("an injected 500 is Linear's GraphQL internal error: InternalLinearError", async () => {
    emulator.faults.set({ serverError: { count: 1, status: 500 } });
    const error = await rejection(client.organization);
    expect(error).toBeInstanceOf(InternalLinearError);
    expect((error as InternalLinearError).status).toBe(500);
    expect((error as InternalLinearError).errors?.[0]?.type).toBe(LinearErrorType.InternalError);
  });

  it.each([502, 503, 504])(
    'an injected %i is a gateway page without GraphQL errors: the SDK maps it by status to NetworkLinearError',
    async (status) => {
      emulator.faults.set({ serverError: { count: 2, status } });
      const error = await rejection(client.organization);
      expect(error).toBeInstanceOf(NetworkLinearError);
      expect(error).not.toBeInstanceOf(InternalLinearError);
      expect((error as NetworkLinearError).status).toBe(status);
      expect((error as NetworkLinearError).errors).toEqual([]);

      const res = await fetch(emulator.apiUrl, {
        method: 'POST',
        headers: { authorization: API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query viewer { viewer { id } }' }),
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain(`<h1>${status} `);
      expect(emulator.calls.list().map((c) => [c.status, c.fault])).toEqual([
        [status, 'server-error'],
        [status, 'server-error'],
      ]);
      expect((await client.organization).name).toBe('Sandbox');
    },
  );

  it('a seeded share of calls fails with 5xx in the same shapes as a counted fault, shown in the faults view, until cleared', async () => {
    const fault = (body: unknown) =>
      fetch(`${emulator.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const view = async () =>
      ((await (await fetch(`${emulator.url}/_emulator/faults`)).json()) as { serverError: unknown })
        .serverError;
    /** 30 calls: 'x' for the gateway's 503 page, '.' for an answer. */
    const run = async () => {
      let out = '';
      for (let i = 0; i < 30; i++) {
        const res = await fetch(emulator.apiUrl, {
          method: 'POST',
          headers: { authorization: API_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'query viewer { viewer { id } }' }),
        });
        if (res.status === 200) out += '.';
        else {
          expect(res.status).toBe(503);
          expect(res.headers.get('content-type')).toMatch(/^text\/html/);
          expect(await res.text()).toContain('<h1>503 ');
          out += 'x';
        }
      }
      return out;
    };

    expect((await fault({ serverError: { rate: 0.5, seed: 11, status: 503 } })).status).toBe(200);
    expect(await view()).toMatchObject({ rate: 0.5, seed: 11, status: 503, untilCleared: true });
    const first = await run();
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(emulator.calls.list().filter((c) => c.fault === 'server-error')).toHaveLength(
      first.replaceAll('.', '').length,
    );
    // The SDK sees a drawn 500 as it sees a counted one.
    emulator.faults.set({ serverError: { rate: 1, status: 500 } });
    expect(await rejection(client.organization)).toBeInstanceOf(InternalLinearError);

    expect((await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' })).status).toBe(204);
    expect(await view()).toBeNull();
    expect(await run()).toBe('.'.repeat(30));

    // The same seed fails the same calls again; a reset ends it like DELETE.
    await fault({ serverError: { rate: 0.5, seed: 11, status: 503 } });
    expect(await run()).toBe(first);
    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect(await view()).toBeNull();
    expect((await client.viewer).name).toBe('Sandbox Admin');
  });

  it('a bad API key raises AuthenticationLinearError', async () => {
    const stranger = new LinearClient({ apiKey: 'lin_api_wrong', apiUrl: emulator.apiUrl });
    const error = await rejection(stranger.viewer);
    expect(error).toBeInstanceOf(AuthenticationLinearError);
    expect(error.message).toContain('Authentication required');
  });

  it('an entity that does not exist raises InvalidInputLinearError', async () => {
    const error = await rejection(client.issue(randomUUID()));
    expect(error).toBeInstanceOf(InvalidInputLinearError);
    expect(error.message).toContain('Entity not found: Issue');
  });

  it('an unknown field fails validation with HTTP 400, as Linear fails it', async () => {
    const error = await rejection(client.client.rawRequest('query { issues { nodes { id nosuch } } }'));
    expect(error).toBeInstanceOf(GraphqlLinearError);
    expect((error as GraphqlLinearError).status).toBe(400);

    const res = await fetch(emulator.apiUrl, {
      method: 'POST',
      headers: { authorization: API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { issues { nodes { id nosuch } } }' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      errors: Array<{ message: string; extensions: Record<string, unknown> }>;
    };
    expect(body.errors[0]?.message).toBe('Cannot query field "nosuch" on type "Issue".');
    expect(body.errors[0]?.extensions).toMatchObject({
      type: 'graphql error',
      code: 'GRAPHQL_VALIDATION_FAILED',
      statusCode: 400,
      userError: true,
    });
  });

  it('a success is application/json with no errors key at all', async () => {
    const res = await fetch(emulator.apiUrl, {
      method: 'POST',
      headers: { authorization: API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query viewer { viewer { id } }' }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-ratelimit-requests-limit')).toBe('2500');
    expect(Object.keys((await res.json()) as object)).toEqual(['data']);
  });
});

describe('webhooks', () => {
  const secret = 'lin_wh_test_secret';

  async function register(resourceTypes: string[], extra: Partial<LinearDocument.WebhookCreateInput> = {}) {
    receiver ??= await startReceiver();
    const payload = await client.createWebhook({
      url: receiver.url,
      allPublicTeams: true,
      resourceTypes,
      secret,
      ...extra,
    });
    return payload.webhookId ?? '';
  }

  it('Issue create, update and remove are signed, verified by LinearWebhookClient, with updatedFrom.stateId', async () => {
    const { team, stateOf } = await sbx();
    const webhookId = await register(['Issue'], { allPublicTeams: false, teamId: team.id });
    const r = receiver as Receiver;
    const delivered = (n: number) =>
      waitFor(`${n} deliveries`, async () => (r.received.length >= n ? true : undefined));
    const startedAt = Date.now();
    const id = await newIssue(team.id, 'Slack digest', { stateId: stateOf('triage').id });
    await delivered(1);
    await client.updateIssue(id, { stateId: stateOf('started').id });
    await delivered(2);
    await client.deleteIssue(id);
    await delivered(3);

    const bodies = r.received.map((d) => verified(secret, d));
    expect(bodies.map((b) => [b.type, b.action, b.data.id])).toEqual([
      ['Issue', 'create', id],
      ['Issue', 'update', id],
      ['Issue', 'remove', id],
    ]);
    for (const [i, d] of r.received.entries()) {
      expect(d.headers['linear-event']).toBe('Issue');
      expect(d.headers['linear-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(bodies[i]).toMatchObject({ webhookId, organizationId: emulator.state.organization.id });
      // Stamped at delivery: after the change was asked for, before it was read here (order, not duration).
      expect(bodies[i]?.webhookTimestamp).toBeGreaterThanOrEqual(startedAt);
      expect(bodies[i]?.webhookTimestamp).toBeLessThanOrEqual(Date.now());
    }
    expect(new Set(r.received.map((d) => d.headers['linear-delivery'])).size).toBe(3);
    const update = bodies[1];
    expect(update?.updatedFrom?.['stateId']).toBe(stateOf('triage').id);
    expect(update?.updatedFrom?.['updatedAt']).toBe(bodies[0]?.data['updatedAt']);
    expect(update?.data).toMatchObject({
      stateId: stateOf('started').id,
      state: { type: 'started' },
      identifier: 'SBX-1',
    });
    expect(bodies[2]?.data['trashed']).toBe(true);

    const first = r.received[0] as Received;
    expect(() =>
      new LinearWebhookClient('wrong-secret').parseData(
        Buffer.from(first.body),
        String(first.headers['linear-signature']),
      ),
    ).toThrow();
  });

  it('a failed delivery is retried with the same Linear-Delivery, re-stamped and re-signed', async () => {
    receiver = await startReceiver((n) => (n === 0 ? 500 : 200));
    const { team } = await sbx();
    await register(['Issue']);
    await newIssue(team.id, 'Retry me');
    const r = receiver;
    await waitFor('a retried delivery', async () => (r.received.length >= 2 ? true : undefined));
    const [failed, retried] = r.received as [Received, Received];
    expect(failed.status).toBe(500);
    expect(retried.headers['linear-delivery']).toBe(failed.headers['linear-delivery']);
    const a = verified(secret, failed);
    const b = verified(secret, retried);
    expect(b.webhookTimestamp).toBeGreaterThan(a.webhookTimestamp);
    expect(retried.headers['linear-signature']).not.toBe(failed.headers['linear-signature']);
    expect(b.data).toEqual(a.data);
    await emulator.deliverer.idle();
    expect(emulator.deliverer.list().map((d) => [d.state, d.attempts.length])).toEqual([['delivered', 2]]);
  });

  it('Comment, Attachment, Customer and CustomerNeed changes are delivered to webhooks that asked for them', async () => {
    const { team } = await sbx();
    await register(['Comment', 'Attachment', 'Customer', 'CustomerNeed']);
    const issue = await newIssue(team.id, 'Not delivered: Issue was not asked for');
    await client.createComment({ issueId: issue, body: 'hello' });
    await client.createAttachment({ issueId: issue, url: 'https://crm.example/r/1', title: 'R1' });
    await client.customerUpsert({ externalId: 'acme', name: 'Acme', revenue: 10 });
    await client.customerUpsert({ externalId: 'acme', revenue: 20 });
    await client.createCustomerNeed({ issueId: issue, customerExternalId: 'acme', body: 'please' });
    await emulator.deliverer.idle();
    // Deliveries travel concurrently, so compare them as a set.
    const bodies = (receiver as Receiver).received.map((d) => verified(secret, d));
    expect(bodies.map((b) => `${b.type}:${b.action}`).sort()).toEqual([
      'Attachment:create',
      'Comment:create',
      'Customer:create',
      'Customer:update',
      'CustomerNeed:create',
    ]);
    const find = (type: string, action: string) => bodies.find((b) => b.type === type && b.action === action);
    expect(find('Customer', 'update')?.updatedFrom?.['revenue']).toBe(10);
    expect(find('Customer', 'update')?.data['revenue']).toBe(20);
    expect(find('CustomerNeed', 'create')?.data).toMatchObject({ issueId: issue, body: 'please' });
    expect(find('Comment', 'create')?.data).toMatchObject({ issueId: issue, body: 'hello' });
  });

  it('a webhook for another team or other resource types hears nothing', async () => {
    const { team } = await sbx();
    const other = emulator.state.addTeam({ key: 'OTH', name: 'Other' });
    await register(['Comment'], { allPublicTeams: false, teamId: team.id });
    await register(['Issue'], { allPublicTeams: false, teamId: other.id });
    await newIssue(team.id, 'Nobody hears this');
    await emulator.deliverer.idle();
    expect((receiver as Receiver).received).toEqual([]);
    await register(['Issue'], { allPublicTeams: false, teamId: team.id });
    await newIssue(team.id, 'This one is heard');
    await emulator.deliverer.idle();
    expect((receiver as Receiver).ok().map((b) => b.data['title'])).toEqual(['This one is heard']);
  });

  it('webhook faults: dropped, duplicated, delayed and reordered deliveries', async () => {
    const { team } = await sbx();
    await register(['Issue']);
    const r = () => (receiver as Receiver).ok().map((b) => b.data['title']);

    emulator.faults.set({ webhooks: { drop: 1 } });
    await newIssue(team.id, 'dropped');
    await newIssue(team.id, 'kept');
    await emulator.deliverer.idle();
    expect(r()).toEqual(['kept']);
    expect(emulator.deliverer.list()[0]?.state).toBe('dropped');

    emulator.faults.set({ webhooks: { duplicate: 1 } });
    await newIssue(team.id, 'twice');
    await emulator.deliverer.idle();
    const twice = (receiver as Receiver).received.slice(1);
    expect(twice.map((d) => JSON.parse(d.body).data.title)).toEqual(['twice', 'twice']);
    expect(twice[0]?.headers['linear-delivery']).toBe(twice[1]?.headers['linear-delivery']);

    emulator.faults.set({ webhooks: { reorder: 2 } });
    await newIssue(team.id, 'first');
    await emulator.deliverer.idle();
    expect(r()).toEqual(['kept', 'twice', 'twice']);
    await newIssue(team.id, 'second');
    await emulator.deliverer.idle();
    expect(r().slice(3)).toEqual(['second', 'first']);

    emulator.faults.set({ webhooks: { delayMs: 300 } });
    const sentAt = Date.now();
    await newIssue(team.id, 'late');
    await waitFor('the delayed delivery', async () => (r().includes('late') ? true : undefined));
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(250);
  });
});

describe('the page at / and the control endpoints', () => {
  const form = (url: string, fields: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    });

  it('lists issues with state and demand; its forms move, mark duplicate and delete, firing signed webhooks', async () => {
    const { team, stateOf } = await sbx();
    const secret = 'page-secret';
    receiver = await startReceiver();
    await client.createWebhook({ url: receiver.url, teamId: team.id, resourceTypes: ['Issue'], secret });
    const a = await newIssue(team.id, 'Dark <mode>');
    const b = await newIssue(team.id, 'Night theme');
    await client.customerUpsert({ externalId: 'acme', name: 'Acme' });
    await client.createCustomerNeed({ issueId: a, customerExternalId: 'acme', body: 'x' });

    const html = await (await fetch(`${emulator.url}/`)).text();
    expect(html).toContain('SBX-1');
    expect(html).toContain('Dark &lt;mode&gt;');
    expect(html).toContain('1 customer, 1 request');
    expect(html).toMatch(/<label for="state-[^"]+">Move SBX-1 to<\/label>/);
    expect(html).toMatch(/<label for="dup-[^"]+">Mark SBX-2 duplicate of<\/label>/);
    expect(html).toContain('aria-label="Delete SBX-2"');

    const moved = await form(`${emulator.url}/_emulator/ui/issues/${a}/state`, {
      stateId: stateOf('started').id,
    });
    expect(moved.status).toBe(303);
    expect(moved.headers.get('location')).toMatch(/^\/\?done=/);
    expect((await (await client.issue(a)).state)?.type).toBe('started');

    await form(`${emulator.url}/_emulator/ui/issues/${b}/duplicate`, { duplicateOfId: a });
    expect((await (await client.issue(b)).state)?.type).toBe('duplicate');
    await form(`${emulator.url}/_emulator/ui/issues/${a}/delete`, {});
    expect((await client.issue(a)).trashed).toBe(true);
    await form(`${emulator.url}/_emulator/ui/issues`, {
      title: 'Made on the page',
      stateId: stateOf('triage').id,
    });
    expect((await client.issue('SBX-3')).title).toBe('Made on the page');

    const failed = await form(`${emulator.url}/_emulator/ui/issues/${b}/state`, { stateId: randomUUID() });
    expect(failed.headers.get('location')).toMatch(/^\/\?error=/);
    const errorPage = await (await fetch(`${emulator.url}${failed.headers.get('location')}`)).text();
    expect(errorPage).toContain('Error: stateId contained an entry that could not be found.');

    await emulator.deliverer.idle();
    const bodies = (receiver as Receiver).received.map((d) => verified(secret, d));
    expect(bodies.map((x) => `${x.action}:${x.data['identifier']}`).sort()).toEqual([
      'create:SBX-1',
      'create:SBX-2',
      'create:SBX-3',
      'remove:SBX-1',
      'update:SBX-1',
      'update:SBX-2',
    ]);
    const update = (identifier: string) =>
      bodies.find((x) => x.action === 'update' && x.data['identifier'] === identifier);
    expect(update('SBX-1')?.updatedFrom?.['stateId']).toBe(stateOf('backlog').id);
    expect(update('SBX-1')?.data).toMatchObject({ state: { type: 'started' } });
    expect(update('SBX-2')?.updatedFrom?.['stateId']).toBe(stateOf('backlog').id);
    expect(update('SBX-2')?.data).toMatchObject({ state: { type: 'duplicate' } });
  });

  it('/_emulator/state shows the workspace; /_emulator/reset restores the seed, keeping webhooks and numbering', async () => {
    const { team } = await sbx();
    const secret = 'reset-secret';
    receiver = await startReceiver();
    await client.createWebhook({ url: receiver.url, allPublicTeams: true, resourceTypes: ['Issue'], secret });
    const other = emulator.state.addTeam({ key: 'OTH', name: 'Other' });
    await client.createWebhook({ url: receiver.url, teamId: other.id, resourceTypes: ['Issue'], secret });
    await newIssue(team.id, 'Gone after reset');
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as {
      teams: Array<{ key: string; name: string }>;
      workflowStates: Array<{ type: string }>;
      issues: Array<{ identifier: string; title: string }>;
      webhooks: unknown[];
    };
    expect(state.teams.map((t) => [t.key, t.name])).toEqual([
      ['SBX', 'Sandbox'],
      ['OTH', 'Other'],
    ]);
    expect(state.workflowStates).toHaveLength(14);
    expect(state.issues.map((i) => [i.identifier, i.title])).toEqual([['SBX-1', 'Gone after reset']]);
    expect(state.webhooks).toHaveLength(2);
    await emulator.deliverer.idle();

    expect((await fetch(`${emulator.url}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    expect((await client.issues()).nodes).toEqual([]);
    expect((await client.teams()).nodes.map((t) => t.key)).toEqual(['SBX']);
    // The workspace webhook stays, so a running service keeps hearing; the removed team's went with it.
    expect((await client.webhooks()).nodes.map((w) => w.allPublicTeams)).toEqual([true]);
    const again = await sbx();
    expect(again.team.id).toBe(team.id);

    // Linear never reuses an identifier: the service linked SBX-1 and must not hear of a different SBX-1.
    const id = await newIssue(team.id, 'Numbering goes on');
    expect((await client.issue(id)).identifier).toBe('SBX-2');
    await waitFor('the delivery after the reset', async () =>
      (receiver as Receiver).received.length >= 2 ? true : undefined,
    );
    const heard = verified(secret, (receiver as Receiver).received[1] as Received);
    expect(heard).toMatchObject({ action: 'create', data: { id, identifier: 'SBX-2' } });
    expect(await rejection(client.issue('SBX-1'))).toBeInstanceOf(InvalidInputLinearError);
  });
});
