import { LinearClient, type LinearDocument } from '@linear/sdk';
import { type LinearEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.ts';
import { issueIdFor } from '../../src/connectors/linear/map.ts';
import { createLinearTracker, type LinearTracker } from '../../src/connectors/linear/tracker.ts';
import { parseLinearWebhook, verifyLinearWebhook } from '../../src/connectors/linear/webhook.ts';
import type { CreateIssueInput, CustomerRequest, TrackerEvent } from '../../src/connectors/tracker.ts';
import type { FeatureDemand } from '../../src/domain/tracker.ts';
import { demandMarkdown, replaceDemandMarkdown } from '../../src/rules/demand.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/** The Linear tracker over the real @linear/sdk against the Linear emulator, one emulator per test. */

const API_KEY = 'lin_api_sandbox';
const SITE = 'sandbox';
const TARGET = { kind: 'linear', workspace: SITE, team: 'SBX' } as const;
const LABEL = 'Customer request';

let emulator: LinearEmulator;
let tracker: LinearTracker;
/** The product owner, working in Linear. */
let po: LinearClient;

beforeEach(async () => {
  emulator = await startLinearEmulator({ port: 0, webhookRetryDelaysMs: [50] });
  tracker = createLinearTracker({ site: SITE, apiKey: API_KEY, apiUrl: emulator.apiUrl, label: LABEL });
  po = new LinearClient({ apiKey: API_KEY, apiUrl: emulator.apiUrl });
});
afterEach(async () => {
  await emulator.close();
});

const demand = (over: Partial<FeatureDemand> = {}): FeatureDemand => ({
  featureId: 'f1',
  title: 'Dark mode',
  status: 'under_review',
  score: 42,
  requestCount: 12,
  requesterCount: 9,
  companyCount: 1,
  totalRevenue: 120_000,
  tiers: [{ tier: 'enterprise', companies: 1 }],
  companies: [
    { id: 'c1', name: 'Acme', domain: 'acme.io', revenue: 120_000, tier: 'enterprise', requests: 12 },
  ],
  quotes: [],
  featureUrl: 'https://suggested.example/features/f1',
  ...over,
});
const createInput = (over: Partial<CreateIssueInput> = {}): CreateIssueInput => ({
  target: TARGET,
  featureId: 'f1',
  idempotencyKey: 'f1:linear:SBX',
  title: 'Dark mode',
  demand: demand(),
  labels: [],
  priority: 3,
  ...over,
});

interface Call {
  operation: string;
  status: number;
  fault?: string;
}
const calls = async () =>
  ((await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as { calls: Call[] }).calls;
/** The emulator's call log entries made while `work` ran. */
async function callsDuring(work: () => Promise<unknown>): Promise<Call[]> {
  const before = (await calls()).length;
  await work();
  return (await calls()).slice(before);
}
async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected a ConnectorError');
}
async function fault(body: unknown) {
  const res = await fetch(`${emulator.url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(page);
  return out;
}
const teamId = () => emulator.state.findTeam('SBX')?.id ?? '';
const stateId = (type: string) => emulator.state.teamStates(teamId()).find((s) => s.type === type)?.id ?? '';

/** `n` requests from two companies. */
const customerRequests = (n: number): CustomerRequest[] =>
  Array.from({ length: n }, (_, i) => ({
    requestId: `q${i}`,
    text: `Request ${i}`,
    url: `https://suggested.example/requests/q${i}`,
    company: {
      id: i % 2 === 0 ? 'acme' : 'globex',
      name: i % 2 === 0 ? 'Acme' : 'Globex',
      domains: [],
      revenue: null,
      tier: null,
    },
  }));

describe('createIssue and findCreated', () => {
  it('creates in Triage with the demand section, the label, the priority and an attachment back', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    expect(ref).toMatchObject({
      kind: 'linear',
      site: SITE,
      issueId: issueIdFor('f1:linear:SBX'),
      issueKey: 'SBX-1',
    });
    const issue = await po.issue(ref.issueId);
    expect(ref.url).toBe(issue.url);
    expect((await issue.state)?.name).toBe('Triage');
    expect(issue.description).toBe(replaceDemandMarkdown('', demandMarkdown(demand())));
    expect(issue.description).toContain('**12 requests** from **9 requesters**');
    expect(issue.priority).toBe(3);
    expect((await issue.labels()).nodes.map((l) => l.name)).toEqual([LABEL]);
    expect((await issue.attachments()).nodes.map((a) => [a.url, a.title])).toEqual([
      ['https://suggested.example/features/f1', 'Suggested Sync feature'],
    ]);
    // The label is found, not created again, for the next issue.
    (
      await tracker.createIssue(
        createInput({ featureId: 'f2', idempotencyKey: 'f2:linear:SBX', labels: ['ux'] }),
      )
    ).ref;
    expect((await po.issueLabels()).nodes.map((l) => l.name).sort()).toEqual([LABEL, 'ux']);
  });

  it('a team without triage gets the issue in its backlog', async () => {
    const other = emulator.state.addTeam({ key: 'OTH', name: 'Other' });
    other.triageStateId = null;
    for (const s of emulator.state.teamStates(other.id))
      if (s.type === 'triage') emulator.state.states.delete(s.id);
    const ref = (await tracker.createIssue(createInput({ target: { ...TARGET, team: 'OTH' } }))).ref;
    expect((await (await po.issue(ref.issueId)).state)?.type).toBe('backlog');
    const missing = await rejection(
      tracker.createIssue(createInput({ target: { ...TARGET, team: 'NOPE' } })),
    );
    expect(missing.kind).toBe('config');
  });

  it('a create retried after a crash returns the first issue: one issue in Linear, one attachment', async () => {
    expect(await tracker.findCreated(createInput())).toBeUndefined();
    const first = (await tracker.createIssue(createInput())).ref;
    expect(await tracker.findCreated(createInput())).toEqual(first);
    const again = (await tracker.createIssue(createInput({ title: 'Dark mode (retry)' }))).ref;
    expect(again).toEqual(first);
    expect(emulator.state.issues.size).toBe(1);
    expect((await po.issue(first.issueId)).title).toBe('Dark mode');
    expect((await (await po.issue(first.issueId)).attachments()).nodes).toHaveLength(1);
    expect(await tracker.findCreated(createInput({ idempotencyKey: 'f9:linear:SBX' }))).toBeUndefined();
  });

  it('creates the issue, its link back and its customer requests in one call, answering its first state', async () => {
    await tracker.createIssue(createInput({ featureId: 'f0', idempotencyKey: 'f0:linear:SBX' }));
    const requests = customerRequests(7);
    let created: Awaited<ReturnType<typeof tracker.createIssue>> | undefined;
    const made = await callsDuring(async () => {
      created = await tracker.createIssue(createInput({ customerRequests: requests }));
    });
    expect(made.map((c) => [c.operation, c.status])).toEqual([['createIssue', 200]]);
    expect(created?.carriedRequestIds).toEqual(requests.map((r) => r.requestId));
    expect(created?.state).toMatchObject({ issueKey: 'SBX-2', statusName: 'Triage', category: 'triage' });
    const issue = await po.issue(created?.ref.issueId ?? '');
    expect((await issue.attachments()).nodes.map((a) => a.metadata)).toContainEqual({
      suggestedSyncLink: 'f1:linear:SBX',
    });
    expect((await issue.needs({ first: 100 })).nodes).toHaveLength(7);
    expect((await po.customers()).nodes.map((c) => c.externalIds[0]).sort()).toEqual(['acme', 'globex']);
  });

  it('a crash after Linear created the issue but before the attachment: the retry finishes the job', async () => {
    const id = issueIdFor('f1:linear:SBX');
    await po.createIssue({ id, teamId: teamId(), title: 'Dark mode' });
    // Linear refuses the taken id and runs nothing after it: the link back and the needs are written after.
    const created = await tracker.createIssue(createInput({ customerRequests: customerRequests(3) }));
    expect(created.ref.issueId).toBe(id);
    expect(created.carriedRequestIds).toEqual(['q0', 'q1', 'q2']);
    expect(emulator.state.issues.size).toBe(1);
    expect((await (await po.issue(id)).attachments()).nodes.map((a) => a.url)).toContain(demand().featureUrl);
    expect((await (await po.issue(id)).needs()).nodes).toHaveLength(3);
  });

  it('a customer request refused inside the create document still answers the issue it made, carrying nothing', async () => {
    // Two customers already hold what our company upsert would merge: its external id on one, its domain on the
    // other. Linear refuses the upsert, and the document stops there; the issue exists all the same.
    await po.createCustomer({ name: 'Acme Ltd', externalIds: ['acme'] });
    await po.createCustomer({ name: 'Acme Inc', domains: ['acme.io'] });
    const refused = { id: 'acme', name: 'Acme', domains: ['acme.io'], revenue: null, tier: null };
    const requests = customerRequests(2).map((r) => ({ ...r, company: refused }));
    const created = await tracker.createIssue(createInput({ customerRequests: requests }));
    expect(created.ref.issueId).toBe(issueIdFor('f1:linear:SBX'));
    expect(created.state).toMatchObject({ statusName: 'Triage' });
    expect(created.carriedRequestIds).toEqual([]);
    expect(emulator.state.needs.size).toBe(0);
    const issue = await po.issue(created.ref.issueId);
    expect((await issue.attachments()).nodes.map((a) => a.url)).toContain(demand().featureUrl);
  });

  it('a key whose issue the product owner deleted is refused, not silently reused', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    await po.deleteIssue(ref.issueId);
    expect(await tracker.findCreated(createInput())).toBeUndefined();
    expect((await rejection(tracker.createIssue(createInput()))).kind).toBe('invalid_input');
  });
});

describe('updateIssue', () => {
  it('rewrites only our section, adds labels and priority; nothing changed means no write', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    const created = (await po.issue(ref.issueId)).description ?? '';
    const poLabel = await po.createIssueLabel({ name: 'Q3', teamId: teamId() });
    await po.updateIssue(ref.issueId, {
      description: `Context from the PO.\n\n${created}\n\n## Decision\nShip in Q3.`,
      labelIds: [poLabel.issueLabelId ?? ''],
    });

    const content = {
      title: 'Dark mode',
      demand: demand({ requestCount: 13 }),
      labels: [],
      priority: 2 as const,
    };
    await tracker.updateIssue(ref, content);
    const updated = await po.issue(ref.issueId);
    expect(
      updated.description?.startsWith('Context from the PO.\n\n### Customer demand (Suggested Sync)'),
    ).toBe(true);
    expect(updated.description?.endsWith('## Decision\nShip in Q3.')).toBe(true);
    expect(updated.description).toContain('**13 requests**');
    expect(updated.description).not.toContain('**12 requests**');
    expect(updated.priority).toBe(2);
    expect((await updated.labels()).nodes.map((l) => l.name).sort()).toEqual([LABEL, 'Q3']);

    const same = await callsDuring(() => tracker.updateIssue(ref, content));
    expect(same.map((c) => c.operation)).toEqual(['issueForUpdate']);
    const changed = await callsDuring(() => tracker.updateIssue(ref, { ...content, priority: 1 }));
    expect(changed.map((c) => c.operation)).toEqual(['issueForUpdate', 'updateIssue']);
  });

  it('one read and one write carry the new demand and the new customer requests; a retry adds none', async () => {
    const requests = customerRequests(4);
    const ref = (await tracker.createIssue(createInput({ customerRequests: requests.slice(0, 2) }))).ref;
    const content = {
      title: 'Dark mode',
      demand: demand({ requestCount: 14 }),
      labels: [],
      priority: 3 as const,
    };
    let state: Awaited<ReturnType<typeof tracker.updateIssue>>;
    const made = await callsDuring(async () => {
      state = await tracker.updateIssue(ref, content, requests);
    });
    expect(made.map((c) => [c.operation, c.status])).toEqual([
      ['issueForUpdate', 200],
      ['updateIssue', 200],
    ]);
    expect(state).toMatchObject({ issueKey: ref.issueKey, statusName: 'Triage' });
    const issue = await po.issue(ref.issueId);
    expect(issue.description).toContain('**14 requests**');
    expect((await issue.needs()).nodes.map((n) => n.body).sort()).toEqual(requests.map((r) => r.text));

    // The answer lost, the push retried: the read finds all four needs and the same description; nothing is sent.
    const again = await callsDuring(() => tracker.updateIssue(ref, content, requests));
    expect(again.map((c) => c.operation)).toEqual(['issueForUpdate']);
    expect((await (await po.issue(ref.issueId)).needs()).nodes).toHaveLength(4);
  });

  it('an issue that was deleted is not_found', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    await po.deleteIssue(ref.issueId);
    const error = await rejection(tracker.updateIssue(ref, { title: 'x', demand: demand(), labels: [] }));
    expect(error.kind).toBe('not_found');
  });
});

describe('targetVisible', () => {
  it('is whether the workspace shows the team now: unknown and hidden teams are not visible', async () => {
    expect(await tracker.targetVisible(TARGET)).toBe(true);
    expect(await tracker.targetVisible({ ...TARGET, team: 'NOPE' })).toBe(false);
    emulator.state.hiddenTeams.add('SBX');
    try {
      expect(await tracker.targetVisible(TARGET)).toBe(false);
    } finally {
      emulator.state.hiddenTeams.delete('SBX');
    }
  });
});

describe('addCustomerRequests', () => {
  const companies = ['acme', 'globex', 'initech', 'umbrella', 'hooli'].map((id, i) => ({
    id,
    name: id.toUpperCase(),
    domains: [`${id}.io`],
    revenue: (i + 1) * 100_000,
    tier: i % 2 === 0 ? 'Enterprise' : 'Growth',
  }));
  const requests: CustomerRequest[] = Array.from({ length: 30 }, (_, i) => ({
    requestId: `r${i}`,
    text: `Request ${i}: please add dark mode`,
    url: `https://suggested.example/requests/r${i}`,
    company: companies[i % 5] ?? null,
  }));

  it('30 requests from 5 companies: 5 customers with revenue and tier, 30 needs, in at most 3 calls; a retry adds none', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    const made = await callsDuring(() => tracker.addCustomerRequests(ref, requests));
    expect(made.length).toBeLessThanOrEqual(3);
    expect(made.map((c) => [c.operation, c.status])).toEqual([
      ['existingNeeds', 200],
      ['customerRequests', 200],
      ['customerRequests', 200],
    ]);

    const customers = (await po.customers()).nodes;
    expect(customers).toHaveLength(5);
    for (const c of companies) {
      const customer = customers.find((x) => x.externalIds.includes(c.id));
      expect(customer).toMatchObject({ name: c.name, revenue: c.revenue, domains: c.domains });
      expect((await customer?.tier)?.name).toBe(c.tier);
    }
    const needs = async () => (await (await po.issue(ref.issueId)).needs({ first: 100 })).nodes;
    const made30 = await needs();
    expect(made30).toHaveLength(30);
    expect(new Set(made30.map((n) => n.body))).toEqual(new Set(requests.map((r) => r.text)));
    const acme = customers.find((c) => c.externalIds.includes('acme'));
    expect(
      (await po.customerNeeds({ filter: { customer: { id: { eq: acme?.id ?? '' } } } })).nodes,
    ).toHaveLength(6);

    const retried = await callsDuring(() => tracker.addCustomerRequests(ref, requests));
    expect(retried.map((c) => c.operation)).toEqual(['existingNeeds']);
    expect(await needs()).toHaveLength(30);
    expect((await po.customers()).nodes).toHaveLength(5);
  });

  it('a batch cut short is completed by its retry; a request without a company is a need without a customer', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    await tracker.addCustomerRequests(ref, requests.slice(0, 7));
    const anonymous = {
      requestId: 'anon',
      text: 'Me too',
      url: 'https://suggested.example/requests/anon',
      company: null,
    };
    await tracker.addCustomerRequests(ref, [...requests, anonymous]);
    const needs = (await (await po.issue(ref.issueId)).needs({ first: 100 })).nodes;
    expect(needs).toHaveLength(31);
    const anon = needs.find((n) => n.body === 'Me too');
    expect(await anon?.customer).toBeUndefined();
  });
});

describe('getIssue and changedSince', () => {
  it('finds an issue by id, identifier and URL; undefined when unknown or deleted; reads a duplicate’s original', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    const byId = await tracker.getIssue(ref.issueId);
    expect(byId).toMatchObject({
      issueId: ref.issueId,
      issueKey: 'SBX-1',
      statusName: 'Triage',
      category: 'triage',
    });
    for (const key of ['SBX-1', 'sbx-1', ref.url, 'https://linear.app/sandbox/issue/SBX-1/dark-mode']) {
      expect(await tracker.getIssue(key)).toEqual(byId);
    }
    expect(await tracker.getIssue('SBX-99')).toBeUndefined();
    expect(await tracker.getIssue(issueIdFor('nothing'))).toBeUndefined();
    expect(await tracker.getIssue('https://example.com/nothing')).toBeUndefined();

    const copy = (
      await tracker.createIssue(createInput({ featureId: 'f2', idempotencyKey: 'f2:linear:SBX' }))
    ).ref;
    await po.createIssueRelation({
      issueId: copy.issueId,
      relatedIssueId: ref.issueId,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    expect(await tracker.getIssue(copy.issueKey)).toMatchObject({
      category: 'duplicate',
      duplicateOfIssueId: ref.issueId,
    });

    await po.deleteIssue(ref.issueId);
    expect(await tracker.getIssue(ref.issueId)).toBeUndefined();
    await po.deleteIssue(copy.issueId, { permanentlyDelete: true });
    expect(await tracker.getIssue(copy.issueId)).toBeUndefined();
  });

  it('sees our link back among more attachments than a page holds', async () => {
    const created = await po.createIssue({ teamId: teamId(), title: 'Filed by hand, much discussed' });
    const issue = await created.issue;
    if (!issue) throw new Error('no issue');
    const ref = {
      kind: 'linear',
      site: SITE,
      issueId: issue.id,
      issueKey: issue.identifier,
      url: issue.url,
    } as const;
    await tracker.ensureLinkBack(ref, {
      featureId: 'f1',
      featureUrl: 'https://suggested.example/v1/features/f1',
      title: 'Dark mode',
      idempotencyKey: 'hand:linear:SBX',
    });
    // Other tools' attachments after ours: newest first, a page of theirs comes before ours.
    for (let i = 0; i < 55; i++) {
      await po.createAttachment({
        issueId: issue.id,
        url: `https://crm.example/deals/${i}`,
        title: `Deal ${i}`,
      });
    }
    const read = await tracker.getIssue(issue.id);
    if (!read) throw new Error('issue not read');
    expect(tracker.carriesMark(read, 'hand:linear:SBX')).toBe(true);
    expect(tracker.carriesMark(read, 'another:linear:SBX')).toBe(false);
  });

  it('pages linked issues changed since the cursor (with a lag), reports deletions, moves the cursor on the last page', async () => {
    const linked: string[] = [];
    for (let i = 0; i < 60; i++) {
      linked.push((await po.createIssue({ teamId: teamId(), title: `Linked ${i}` })).issueId ?? '');
    }
    const unlinked = (await po.createIssue({ teamId: teamId(), title: 'Not ours' })).issueId ?? '';
    const all = await collect(tracker.changedSince(undefined, linked));
    expect(all.map((p) => p.issues.length)).toEqual([50, 10]);
    expect(new Set(all.flatMap((p) => p.issues.map((s) => s.issueId)))).toEqual(new Set(linked));
    const latest = Math.max(...all.flatMap((p) => p.issues.map((s) => Date.parse(s.updatedAt))));
    expect(all.map((p) => p.cursor)).toEqual([new Date(0).toISOString(), new Date(latest).toISOString()]);

    const moved = linked[5] ?? '';
    await po.updateIssue(moved, { stateId: stateId('started') });
    await po.updateIssue(unlinked, { stateId: stateId('started') });
    await po.deleteIssue(linked[6] ?? '');
    const cursor = all.at(-1)?.cursor;
    const next = await collect(tracker.changedSince(cursor, linked));
    const states = next.flatMap((p) => p.issues);
    expect(states.find((s) => s.issueId === moved)).toMatchObject({
      statusName: 'In Progress',
      category: 'started',
    });
    expect(states.some((s) => s.issueId === unlinked)).toBe(false);
    expect(next.flatMap((p) => p.deletedIssueIds)).toEqual([linked[6]]);
    expect(Date.parse(next.at(-1)?.cursor ?? '')).toBeGreaterThanOrEqual(
      Date.parse(states[0]?.updatedAt ?? ''),
    );

    // A cursor a minute past the change still finds it (our clock and Linear's may disagree by that much).
    const movedAt = Date.parse(states.find((s) => s.issueId === moved)?.updatedAt ?? '');
    const ahead = new Date(movedAt + 60_000).toISOString();
    const lagged = (await collect(tracker.changedSince(ahead, linked))).flatMap((p) => p.issues);
    expect(lagged.map((s) => s.issueId)).toContain(moved);

    // Far enough ahead that even the lag window reaches past every change: nothing.
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await collect(tracker.changedSince(future, linked));
    expect(none).toEqual([{ issues: [], deletedIssueIds: [], cursor: future }]);
  });
});

describe('registerWebhook and webhooks', () => {
  it('registers once; deliveries verify and parse, a duplicate made in Linear included', async () => {
    const receiver = await startWebhookReceiver();
    const secret = 'lin_wh_tracker_secret';
    try {
      await tracker.registerWebhook(receiver.url, secret);
      await tracker.registerWebhook(receiver.url, secret);
      const hooks = (await po.webhooks()).nodes;
      expect(hooks.map((w) => [w.url, w.resourceTypes, w.allPublicTeams])).toEqual([
        [receiver.url, ['Issue'], true],
      ]);

      const original = (await tracker.createIssue(createInput())).ref;
      const copy = (
        await tracker.createIssue(createInput({ featureId: 'f2', idempotencyKey: 'f2:linear:SBX' }))
      ).ref;
      await po.updateIssue(original.issueId, { stateId: stateId('started') });
      await po.createIssueRelation({
        issueId: copy.issueId,
        relatedIssueId: original.issueId,
        type: 'duplicate' as LinearDocument.IssueRelationType,
      });
      await po.deleteIssue(original.issueId);
      await emulator.deliverer.idle();

      const events: TrackerEvent[] = [];
      for (const d of receiver.received) {
        const raw = Buffer.from(d.rawBody);
        const sentAt = (JSON.parse(d.rawBody) as { webhookTimestamp: number }).webhookTimestamp;
        expect(verifyLinearWebhook(d.headers, raw, secret, Date.now())).toEqual({ ok: true });
        expect(verifyLinearWebhook(d.headers, raw, 'wrong-secret', Date.now()).ok).toBe(false);
        expect(verifyLinearWebhook(d.headers, raw, secret, sentAt + 61_000).ok).toBe(false);
        events.push(...parseLinearWebhook(raw, SITE));
      }
      const summary = events.map((e) =>
        e.type === 'issue-changed'
          ? `${e.state.issueKey} ${e.state.category}`
          : e.type === 'issue-deleted'
            ? `deleted ${e.issueId}`
            : e.type,
      );
      expect(summary.sort()).toEqual(
        [
          'SBX-1 triage',
          'SBX-2 triage',
          'SBX-1 started',
          'SBX-2 duplicate',
          `deleted ${original.issueId}`,
        ].sort(),
      );
      // The Issue update does not say which issue it duplicates; the tracker reads it.
      expect((await tracker.getIssue(copy.issueId))?.duplicateOfIssueId).toBe(original.issueId);
    } finally {
      await receiver.close();
    }
  });
});

describe('check, status names and errors', () => {
  it('check reports credentials and each team with its states; listStatusNames lists them', async () => {
    const checks = await tracker.check([
      TARGET,
      { ...TARGET, team: 'NOPE' },
      { kind: 'linear', workspace: 'other', team: 'X' },
    ]);
    expect(checks.map((c) => [c.name, c.ok])).toEqual([
      ['linear sandbox: credentials', true],
      ['linear sandbox: team SBX', true],
      ['linear sandbox: team NOPE', false],
    ]);
    expect(checks[1]?.detail).toContain('new issues go to Triage');
    expect(await tracker.listStatusNames()).toEqual([
      'Triage',
      'Backlog',
      'Todo',
      'In Progress',
      'Done',
      'Canceled',
      'Duplicate',
    ]);

    const stranger = createLinearTracker({ site: SITE, apiKey: 'lin_api_wrong', apiUrl: emulator.apiUrl });
    const denied = await stranger.check([TARGET]);
    expect(denied).toEqual([
      { name: 'linear sandbox: credentials', ok: false, detail: expect.stringMatching(/^auth: /) },
    ]);
    expect((await rejection(stranger.getIssue('SBX-1'))).kind).toBe('auth');
  });

  it('injected faults: a rate limit with its Retry-After, 5xx as transient', async () => {
    const ref = (await tracker.createIssue(createInput())).ref;
    await fault({ rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const limited = await rejection(tracker.getIssue(ref.issueId));
    expect(limited).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000, provider: 'linear' });

    await fault({ serverError: { count: 1, status: 503 } });
    expect(
      await rejection(tracker.updateIssue(ref, { title: 'x', demand: demand(), labels: [] })),
    ).toMatchObject({
      kind: 'transient',
      status: 503,
    });
    await fault({ serverError: { count: 1, status: 500 } });
    expect(await rejection(collect(tracker.changedSince(undefined, [ref.issueId])))).toMatchObject({
      kind: 'transient',
      status: 500,
    });
    await fault({ rateLimit: { count: 1, retryAfterSeconds: 3 } });
    const request = { requestId: 'r1', text: 'Please', url: 'https://suggested.example/r/1', company: null };
    expect(await rejection(tracker.addCustomerRequests(ref, [request]))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 3000,
    });
    // The faults are spent: the same calls go through.
    expect(await tracker.getIssue(ref.issueId)).toMatchObject({ issueId: ref.issueId });
    await tracker.addCustomerRequests(ref, [request]);
    expect(emulator.state.needs.size).toBe(1);
    const log = await calls();
    expect(log.filter((c) => c.fault).map((c) => [c.operation, c.status, c.fault])).toEqual([
      ['issueState', 400, 'rate-limited'],
      ['issueForUpdate', 503, 'server-error'],
      ['changedIssues', 500, 'server-error'],
      ['existingNeeds', 400, 'rate-limited'],
    ]);
  });
});
