import { createHmac } from 'node:crypto';
import { LinearClient, type LinearDocument } from '@linear/sdk';
import { type CloudClient, createCloudClient } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupeAnswers, webhookDeliveries } from '../src/store/schema.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * Status back, end to end in sandbox mode: the service registers its webhooks with the emulators at start; the
 * product owner works in Jira and Linear through the real SDKs; what they do reaches the feature by webhook, or by
 * reconcile when the webhook is lost. Real Redis, real database.
 */

let svc: TestService;
let linear: LinearClient;
let jira: CloudClient;

beforeAll(async () => {
  svc = await startService({
    yaml: [
      'push:',
      '  coalesceSeconds: 1',
      // The product owner decides duplicates here, in the trackers: no feature waits for a review first.
      '  holdForReview: 0',
      'reconcile:',
      // Reconcile runs when a test asks; every run also checks that linked issues still exist.
      '  trackerIntervalSeconds: 3600',
      '  trackerSweepSeconds: 0',
    ].join('\n'),
  });
  const emulators = svc.emulators();
  linear = new LinearClient({ apiKey: emulators.credentials.linear.apiKey, apiUrl: emulators.linear.apiUrl });
  jira = createCloudClient({
    host: emulators.jira.url,
    auth: {
      type: 'basic',
      email: emulators.credentials.jira.email,
      apiToken: emulators.credentials.jira.apiToken,
    },
    onSchemaMismatch: 'throw',
  });
});
afterAll(async () => {
  await svc?.stop();
});

const emulators = () => svc.emulators();

interface FeatureView {
  id: string;
  status: string;
  requestCount: number;
  mergedInto: string | null;
  statusHistory: Array<{ from: string; to: string; cause: string; issueKey: string | null }>;
  links: Array<{
    id: string;
    tracker: string;
    state: string;
    issueKey: string | null;
    trackerStatus: string | null;
  }>;
}

async function feature(id: string): Promise<FeatureView> {
  const res = await svc.get(`/v1/features/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as FeatureView;
}

/** Posts a request and waits until its feature's issue exists; returns the feature and the issue. */
async function pushed(overrides: Record<string, unknown>) {
  const res = await svc.post('/v1/requests', validRequest(overrides));
  const { id } = (await res.json()) as { id: string };
  const featureId = await svc.featureOf(id);
  const link = await waitFor(`feature ${featureId} linked`, async () => {
    const [l] = await svc.runtime.store.links.forFeature(featureId);
    return l?.state === 'linked' && l.issueId && l.issueKey && !l.dirtySince ? l : undefined;
  });
  return { featureId, issueId: link.issueId ?? '', issueKey: link.issueKey ?? '' };
}

const statusIs = (featureId: string, status: string) =>
  waitFor(`feature ${featureId} ${status}`, async () => {
    const f = await feature(featureId);
    return f.status === status ? f : undefined;
  });

const linearStateId = (type: string) => {
  const state = emulators().linear.state;
  const team = state.findTeam('SBX');
  return state.teamStates(team?.id ?? '').find((s) => s.type === type)?.id ?? '';
};

async function fault(kind: 'jira' | 'linear', body: unknown) {
  const res = await fetch(`${emulators()[kind].url}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function reconcile(kind: 'jira' | 'linear') {
  const before = await svc.runtime.store.status.cursor(kind, 'sandbox');
  await svc.runtime.queues.enqueue('tracker-reconcile', { kind, site: 'sandbox' });
  // The job saves its cursor at the end of each run (sweep included).
  await waitFor(`${kind} reconcile ran`, async () => {
    const after = await svc.runtime.store.status.cursor(kind, 'sandbox');
    return after !== undefined && after !== before ? true : undefined;
  });
}

describe('status back by webhook', () => {
  it('Linear: moving the issue to started makes the feature in_progress, recorded with its cause', async () => {
    const { featureId, issueId, issueKey } = await pushed({
      title: 'Dark mode',
      requester: { email: 'ann@acme.io' },
    });
    await linear.updateIssue(issueId, { stateId: linearStateId('started') });
    const f = await statusIs(featureId, 'in_progress');
    expect(f.statusHistory.at(-1)).toMatchObject({ to: 'in_progress', cause: 'tracker', issueKey });
    expect(f.links[0]?.trackerStatus).toBe('In Progress');

    await linear.updateIssue(issueId, { stateId: linearStateId('completed') });
    await statusIs(featureId, 'shipped');
  });

  it("a new issue's first state is the feature's status even when its created webhook is lost", async () => {
    await fault('jira', { webhooks: { drop: 5 } });
    const { featureId, issueKey } = await pushed({ title: 'Saved filters', tags: ['jira'] });
    const f = await statusIs(featureId, 'under_review');
    expect(f.statusHistory).toEqual([
      expect.objectContaining({ from: 'received', to: 'under_review', issueKey }),
    ]);
    expect(f.links[0]?.trackerStatus).toBe('To Do');
    await fault('jira', { webhooks: { drop: 0 } });
  });

  it('Jira: transitions map by status category, and "Won\'t Do" by name', async () => {
    const { featureId, issueKey } = await pushed({ title: 'SAML single sign-on', tags: ['jira'] });
    await jira.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: '21' } });
    await statusIs(featureId, 'in_progress');
    await jira.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: '41' } });
    const f = await statusIs(featureId, 'declined');
    expect(f.statusHistory.map((c) => [c.to, c.cause])).toEqual(
      expect.arrayContaining([
        ['in_progress', 'tracker'],
        ['declined', 'tracker'],
      ]),
    );
  });

  it('duplicated deliveries change the feature once per change', async () => {
    const { featureId, issueId } = await pushed({ title: 'Audit log', requester: { email: 'bo@acme.io' } });
    const before = (await feature(featureId)).statusHistory.length;
    // The next two deliveries are each sent twice, with the same Linear-Delivery id.
    await fault('linear', { webhooks: { duplicate: 2 } });
    await linear.updateIssue(issueId, { stateId: linearStateId('started') });
    await linear.updateIssue(issueId, { stateId: linearStateId('completed') });
    await statusIs(featureId, 'shipped');
    await emulators().linear.deliverer.idle();
    await waitFor('events applied', async () => {
      const counts = await svc.runtime.queues
        .queue('tracker-events')
        .getJobCounts('waiting', 'active', 'delayed');
      return counts['waiting'] === 0 && counts['active'] === 0 && counts['delayed'] === 0 ? true : undefined;
    });
    const changes = (await feature(featureId)).statusHistory.slice(before).map((c) => c.to);
    // The two moves may be applied in either order (the older one is then stale), never one twice.
    expect(changes.at(-1)).toBe('shipped');
    expect(new Set(changes).size).toBe(changes.length);
  });

  it("an event older than the state applied (by the issue's own update time) changes nothing", async () => {
    const { featureId, issueId, issueKey } = await pushed({
      title: 'Usage reports',
      requester: { email: 'r@acme.io' },
    });
    const [link] = await svc.runtime.store.links.forFeature(featureId);
    const delivery = (updatedAt: number, state: { name: string; type: string }) => {
      const body = JSON.stringify({
        action: 'update',
        type: 'Issue',
        createdAt: new Date(updatedAt).toISOString(),
        data: {
          id: issueId,
          identifier: issueKey,
          url: link?.url,
          updatedAt: new Date(updatedAt).toISOString(),
          state,
        },
        webhookTimestamp: Date.now(),
      });
      return fetch(`${svc.url}/webhooks/linear`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'linear-signature': createHmac('sha256', emulators().webhookSecret).update(body).digest('hex'),
          'linear-delivery': `${issueId}-${updatedAt}`,
        },
        body,
      });
    };
    const t = Date.now() + 60_000;
    // The newer state arrives first, then the older one, then the newer one again.
    expect((await delivery(t, { name: 'Done', type: 'completed' })).status).toBe(200);
    await statusIs(featureId, 'shipped');
    expect((await delivery(t - 1_000, { name: 'In Progress', type: 'started' })).status).toBe(200);
    expect(await (await delivery(t, { name: 'Done', type: 'completed' })).json()).toMatchObject({
      status: 'duplicate',
    });
    const older = await waitFor('the older delivery applied', async () => {
      const rows = await svc.runtime.store.db.select().from(webhookDeliveries);
      return rows.find((r) => r.deliveryId === `${issueId}-${t - 1_000}` && r.processedAt);
    });
    expect(older.outcome).toMatch(/older than the state applied/);
    const f = await feature(featureId);
    expect(f.status).toBe('shipped');
    expect(f.statusHistory.filter((c) => c.to === 'in_progress')).toEqual([]);
    expect(f.links[0]?.trackerStatus).toBe('Done');
  });

  it('a webhook about an issue nobody linked is answered 200 and changes nothing', async () => {
    const team = emulators().linear.state.findTeam('SBX')?.id ?? '';
    const created = await (await linear.createIssue({ teamId: team, title: 'PO idea' })).issue;
    const id = created?.id ?? '';
    await linear.updateIssue(id, { stateId: linearStateId('started') });
    await emulators().linear.deliverer.idle();
    const records = emulators()
      .linear.deliverer.list()
      .filter((r) => r.lastBody?.includes(id));
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.state === 'delivered' && r.attempts.at(-1)?.status === 200)).toBe(true);
    const rows = await waitFor('deliveries processed', async () => {
      const all = await svc.runtime.store.db.select().from(webhookDeliveries);
      const mine = all.filter((d) => JSON.stringify(d.payload).includes(id));
      return mine.length > 0 && mine.every((d) => d.processedAt) ? mine : undefined;
    });
    expect(rows.map((r) => r.outcome)).toEqual(rows.map(() => expect.stringMatching(/not linked/)));
    expect(await svc.runtime.store.status.linkOf('linear', 'sandbox', id)).toBeUndefined();
  });
});

describe('webhook endpoint', () => {
  const body = JSON.stringify({
    action: 'update',
    type: 'Issue',
    createdAt: new Date().toISOString(),
    data: { id: '00000000-0000-4000-8000-000000000000' },
    webhookTimestamp: Date.now(),
  });
  const post = (path: string, headers: Record<string, string>, payload = body) =>
    fetch(`${svc.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: payload,
    });
  const sign = (payload: string, secret = emulators().webhookSecret) =>
    createHmac('sha256', secret).update(payload).digest('hex');

  it('refuses a missing or wrong signature with 401, naming the problem', async () => {
    const missing = await post('/webhooks/linear', {});
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { detail: string }).detail).toMatch(/Linear-Signature/);
    const wrong = await post('/webhooks/linear', { 'linear-signature': sign(body, 'not-the-secret') });
    expect(wrong.status).toBe(401);
    const jiraWrong = await post('/webhooks/jira/sandbox', {
      'x-hub-signature': `sha256=${sign(body, 'nope')}`,
    });
    expect(jiraWrong.status).toBe(401);
  });

  it('refuses a replayed Linear delivery outside the 60 s window', async () => {
    const old = JSON.stringify({ ...JSON.parse(body), webhookTimestamp: Date.now() - 120_000 });
    const res = await post('/webhooks/linear', { 'linear-signature': sign(old) }, old);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/60 s/);
  });

  it('accepts a signed delivery once and answers a redelivery as a duplicate', async () => {
    const payload = JSON.stringify({
      action: 'update',
      type: 'Issue',
      createdAt: new Date().toISOString(),
      data: {
        id: '00000000-0000-4000-8000-00000000abcd',
        identifier: 'SBX-999',
        url: 'https://linear.app/sandbox/issue/SBX-999',
        updatedAt: new Date().toISOString(),
        state: { name: 'Done', type: 'completed' },
      },
      webhookTimestamp: Date.now(),
    });
    const headers = { 'linear-signature': sign(payload), 'linear-delivery': `test-${Date.now()}` };
    const first = await post('/webhooks/linear/sandbox', headers, payload);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'accepted' });
    const again = await post('/webhooks/linear/sandbox', headers, payload);
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
  });

  it('answers 404 for a tracker that is not configured', async () => {
    expect((await post('/webhooks/github', {})).status).toBe(404);
    expect((await post('/webhooks/jira/elsewhere', {})).status).toBe(404);
  });
});

describe('status back by reconcile', () => {
  it('a status change whose webhook was dropped is applied by the next reconcile', async () => {
    const { featureId, issueKey } = await pushed({ title: 'Webhooks for CI', tags: ['jira'] });
    const dropped = () =>
      emulators()
        .jira.deliverer.list()
        .filter((r) => r.state === 'dropped').length;
    const before = dropped();
    await fault('jira', { webhooks: { drop: 1 } });
    await jira.issues.doTransition({ issueIdOrKey: issueKey, transition: { id: '31' } });
    await waitFor('the delivery dropped', async () => (dropped() > before ? true : undefined));
    expect((await feature(featureId)).status).not.toBe('shipped');
    await reconcile('jira');
    const f = await statusIs(featureId, 'shipped');
    expect(f.statusHistory.at(-1)).toMatchObject({ to: 'shipped', cause: 'reconcile' });
  });

  it('an issue deleted without a webhook is unlinked by the reconcile sweep', async () => {
    const { featureId, issueKey } = await pushed({ title: 'Custom domains', tags: ['jira'] });
    await fault('jira', { webhooks: { drop: 1 } });
    await jira.issues.deleteIssue({ issueIdOrKey: issueKey });
    await reconcile('jira');
    const f = await waitFor('unlinked', async () => {
      const view = await feature(featureId);
      return view.links[0]?.state === 'unlinked' ? view : undefined;
    });
    expect(f.links).toHaveLength(1);
  });
});

describe('deletions and duplicates made in the tracker', () => {
  it('deleting the Linear issue unlinks the feature', async () => {
    const { featureId, issueId } = await pushed({
      title: 'Slack digest',
      requester: { email: 'cy@acme.io' },
    });
    await linear.deleteIssue(issueId);
    await waitFor('unlinked', async () =>
      (await feature(featureId)).links[0]?.state === 'unlinked' ? true : undefined,
    );
  });

  it('Linear: marking one linked issue a duplicate of another merges the features', async () => {
    const a = await pushed({ title: 'Export to PDF', requester: { email: 'a1@delta.io' } });
    const b = await pushed({ title: 'PDF export of reports', requester: { email: 'b1@epsilon.io' } });
    await linear.createIssueRelation({
      issueId: a.issueId,
      relatedIssueId: b.issueId,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    const merged = await statusIs(a.featureId, 'merged');
    expect(merged.mergedInto).toBe(b.featureId);
    expect(merged.requestCount).toBe(0);
    expect(merged.statusHistory.at(-1)).toMatchObject({ to: 'merged', cause: 'tracker' });
    // The tracker's word is an answer dedupe learns from (here to the review question triage asked about the pair).
    const answers = await svc.runtime.store.db.select().from(dedupeAnswers);
    const about = answers.filter((x) =>
      [x.requestFeatureId, x.candidateFeatureId].every((id) => id === a.featureId || id === b.featureId),
    );
    expect(about).toEqual([
      expect.objectContaining({ answer: 'merge', actor: expect.stringMatching(/^linear\//) }),
    ]);
    const survivor = await waitFor('requests moved', async () => {
      const view = await feature(b.featureId);
      return view.requestCount === 2 ? view : undefined;
    });
    expect(survivor.status).not.toBe('merged');
    // The surviving issue now carries both customers' requests.
    const needs = () => [...emulators().linear.state.needs.values()].filter((n) => n.issueId === b.issueId);
    await waitFor('both customer requests on the surviving issue', async () =>
      needs().length === 2 ? true : undefined,
    );
    // A new request with the merged feature's title now joins no merged feature.
    const next = await svc.post(
      '/v1/requests',
      validRequest({ title: 'Export to PDF', requester: { email: 'a2@delta.io' } }),
    );
    const { id } = (await next.json()) as { id: string };
    const joined = await svc.featureOf(id);
    expect(joined).not.toBe(a.featureId);
  });

  it('a merge whose first try failed after the state was applied is done by the retry', async () => {
    const a = await pushed({ title: 'Recurring invoices', requester: { email: 'ri1@tau.io' } });
    const b = await pushed({ title: 'Invoice schedules', requester: { email: 'ri2@tau.io' } });
    // The webhook arrives late; by then the next Linear call (our read of the original) is rate limited.
    await fault('linear', { webhooks: { delayMs: 500 } });
    await linear.createIssueRelation({
      issueId: a.issueId,
      relatedIssueId: b.issueId,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    await fault('linear', { webhooks: { delayMs: 0 }, rateLimit: { count: 1, retryAfterSeconds: 1 } });
    const merged = await statusIs(a.featureId, 'merged');
    expect(merged.mergedInto).toBe(b.featureId);
    expect(
      emulators()
        .linear.calls.list()
        .some((c) => c.fault === 'rate-limited'),
    ).toBe(true);
  });

  it('Jira: a Duplicate link between two linked issues merges the features', async () => {
    const a = await pushed({ title: 'Two-factor login', tags: ['jira'], requester: { email: 'x@zeta.io' } });
    const b = await pushed({ title: '2FA', tags: ['jira'], requester: { email: 'y@eta.io' } });
    await jira.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: a.issueKey },
      outwardIssue: { key: b.issueKey },
    });
    const merged = await statusIs(a.featureId, 'merged');
    expect(merged.mergedInto).toBe(b.featureId);
    await waitFor('requests moved', async () =>
      (await feature(b.featureId)).requestCount === 2 ? true : undefined,
    );
  });
});

describe('links by hand', () => {
  const send = (method: string, path: string, body?: unknown) =>
    fetch(`${svc.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('unlinks the created issue and links an existing one by URL: the feature follows that issue and it gets the demand', async () => {
    const { featureId } = await pushed({
      title: 'Offline mode',
      requester: { email: 'dee@theta.io', company: { name: 'Theta', revenue: 5000 } },
    });
    const created = (await feature(featureId)).links[0];
    expect((await send('DELETE', `/v1/features/${featureId}/links/${created?.id}`)).status).toBe(204);
    expect((await send('DELETE', `/v1/features/${featureId}/links/${created?.id}`)).status).toBe(204);

    const team = emulators().linear.state.findTeam('SBX')?.id ?? '';
    const existing = await (
      await linear.createIssue({ teamId: team, title: 'Offline support', stateId: linearStateId('started') })
    ).issue;
    const res = await send('POST', `/v1/features/${featureId}/links`, { issue: existing?.url });
    expect(res.status).toBe(201);
    const { link } = (await res.json()) as {
      link: { issueKey: string; state: string; trackerStatus: string };
    };
    expect(link).toMatchObject({
      issueKey: existing?.identifier,
      state: 'linked',
      trackerStatus: 'In Progress',
    });
    const f = await statusIs(featureId, 'in_progress');
    expect(f.statusHistory.at(-1)).toMatchObject({
      to: 'in_progress',
      cause: 'api',
      issueKey: existing?.identifier,
    });
    await waitFor('the demand pushed to the linked issue', async () =>
      emulators()
        .linear.state.issues.get(existing?.id ?? '')
        ?.description?.includes('Theta')
        ? true
        : undefined,
    );
  });

  it('refuses an issue linked elsewhere (409), an unknown issue (404), and an ambiguous key (400)', async () => {
    const a = await pushed({ title: 'Kanban view', requester: { email: 'k1@iota.io' } });
    const b = await pushed({ title: 'Timeline view', requester: { email: 'k2@iota.io' } });
    const taken = await send('POST', `/v1/features/${b.featureId}/links`, {
      issue: a.issueKey,
      tracker: 'linear',
    });
    expect(taken.status).toBe(409);
    expect(((await taken.json()) as { detail: string }).detail).toContain(a.featureId);

    const missing = await send('POST', `/v1/features/${b.featureId}/links`, {
      issue: 'SBX-9999',
      tracker: 'jira',
    });
    expect(missing.status).toBe(404);
    // Both sandbox trackers have an SBX project / team: a bare key does not say which.
    const ambiguous = await send('POST', `/v1/features/${b.featureId}/links`, { issue: 'SBX-1' });
    expect(ambiguous.status).toBe(400);
    expect(((await ambiguous.json()) as { errors: Array<{ field: string }> }).errors[0]?.field).toBe(
      'tracker',
    );
    const invalid = await send('POST', `/v1/features/${b.featureId}/links`, { issue: '', extra: 1 });
    expect(invalid.status).toBe(400);
    expect(
      ((await invalid.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort(),
    ).toEqual(['extra', 'issue']);
    expect((await send('DELETE', `/v1/features/${b.featureId}/links/${a.featureId}`)).status).toBe(404);
  });

  it('push on demand makes a new issue after the first was deleted, and pushes to a target it names', async () => {
    const { featureId, issueId } = await pushed({ title: 'Bulk edit', requester: { email: 'e@kappa.io' } });
    await linear.deleteIssue(issueId);
    await waitFor('unlinked', async () =>
      (await feature(featureId)).links[0]?.state === 'unlinked' ? true : undefined,
    );
    const res = await send('POST', `/v1/features/${featureId}/push`);
    expect(res.status).toBe(202);
    const relinked = await waitFor('a new issue', async () => {
      const links = await svc.runtime.store.links.forFeature(featureId);
      const live = links.find((l) => l.state === 'linked' && l.issueId && l.issueId !== issueId);
      return live;
    });
    expect(emulators().linear.state.issues.get(relinked.issueId ?? '')?.title).toBe('Bulk edit');

    const jiraRes = await send('POST', `/v1/features/${featureId}/push`, {
      target: { jira: { site: 'sandbox', project: 'SBX' } },
    });
    expect(jiraRes.status).toBe(202);
    await waitFor('a Jira issue too', async () =>
      (await svc.runtime.store.links.forFeature(featureId)).some((l) => l.kind === 'jira' && l.issueKey)
        ? true
        : undefined,
    );
  });

  it('push refuses a merged feature', async () => {
    const a = await pushed({ title: 'Dark theme for emails', requester: { email: 'm1@lambda.io' } });
    // Unrelated to triage (it would merge two wordings of one need itself): the product owner says they are one.
    const b = await pushed({ title: 'Custom report builder', requester: { email: 'm2@lambda.io' } });
    await linear.createIssueRelation({
      issueId: a.issueId,
      relatedIssueId: b.issueId,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    await statusIs(a.featureId, 'merged');
    const res = await send('POST', `/v1/features/${a.featureId}/push`);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { detail: string }).detail).toContain(b.featureId);
  });
});

describe('several links', () => {
  it('roll up by push.rollup (default all): the feature is as far as its least advanced issue', async () => {
    const { featureId, issueId } = await pushed({
      title: 'Data residency',
      requester: { email: 'dr@sigma.io' },
    });
    const res = await fetch(`${svc.url}/v1/features/${featureId}/push`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target: { jira: { site: 'sandbox', project: 'SBX' } } }),
    });
    expect(res.status).toBe(202);
    const jiraKey = await waitFor('the Jira issue too', async () => {
      const links = await svc.runtime.store.links.forFeature(featureId);
      return links.find((l) => l.kind === 'jira' && l.issueKey && l.statusName)?.issueKey ?? undefined;
    });
    await linear.updateIssue(issueId, { stateId: linearStateId('started') });
    await waitFor('the Linear move applied', async () =>
      (await feature(featureId)).links.some((l) => l.trackerStatus === 'In Progress') ? true : undefined,
    );
    // Linear in progress, Jira still To Do: under review.
    expect((await feature(featureId)).status).toBe('under_review');
    await jira.issues.doTransition({ issueIdOrKey: jiraKey, transition: { id: '31' } });
    // Jira done, Linear in progress: in progress, not shipped.
    await statusIs(featureId, 'in_progress');
    await linear.updateIssue(issueId, { stateId: linearStateId('completed') });
    await statusIs(featureId, 'shipped');
  });

  it('a merge made by hand keeps the survivor where its own issue is: the issue it brought cannot take it back', async () => {
    const survivor = await pushed({
      title: 'Bulk export of audit logs',
      requester: { email: 'al@delta.io' },
    });
    // In Jira, where the survivor has no issue: its issue moves to the survivor (one in the same tracker as the
    // survivor's would stay behind, closed as a duplicate).
    const other = await pushed({
      title: 'Custom fonts on printed invoices',
      tags: ['jira'],
      requester: { email: 'cf@epsilon.io' },
    });
    await linear.updateIssue(survivor.issueId, { stateId: linearStateId('started') });
    await statusIs(survivor.featureId, 'in_progress');
    // The other feature's issue is still where it was created (Triage: under review).
    expect((await feature(other.featureId)).status).toBe('under_review');

    const merged = await svc.post(`/v1/features/${other.featureId}/merge`, { into: survivor.featureId });
    expect(merged.status).toBe(200);
    const carried = await feature(survivor.featureId);
    expect(carried.links.map((l) => l.issueKey).sort()).toEqual([other.issueKey, survivor.issueKey].sort());
    expect(carried.status).toBe('in_progress');

    // The brought issue is behind (To Do): the survivor stays in progress (by `all` it would be under review).
    await waitFor('the brought issue at To Do', async () =>
      (await feature(survivor.featureId)).links.some(
        (l) => l.issueKey === other.issueKey && l.trackerStatus === 'To Do',
      )
        ? true
        : undefined,
    );
    await reconcile('jira');
    const held = await feature(survivor.featureId);
    expect(held.status).toBe('in_progress');
    // Never moved off in progress: by `all`, the merge alone would have taken it back to under review.
    expect(held.statusHistory.filter((h) => h.from === 'in_progress')).toEqual([]);

    // Its own issue done ships it, whatever the brought one says.
    await linear.updateIssue(survivor.issueId, { stateId: linearStateId('completed') });
    await statusIs(survivor.featureId, 'shipped');

    // Undone: the other feature follows its own issue again, and the survivor stays shipped.
    const undone = await svc.post(`/v1/features/${other.featureId}/unmerge`, {});
    expect(undone.status).toBe(200);
    await statusIs(other.featureId, 'under_review');
    expect((await feature(survivor.featureId)).status).toBe('shipped');
    // Merged again and undone again: the mark comes and goes with the link.
    expect(
      (await svc.post(`/v1/features/${other.featureId}/merge`, { into: survivor.featureId })).status,
    ).toBe(200);
    expect((await feature(survivor.featureId)).status).toBe('shipped');
    expect((await svc.post(`/v1/features/${other.featureId}/unmerge`, {})).status).toBe(200);
    const [own] = await svc.runtime.store.links.forFeature(other.featureId);
    expect(own?.mergedFromFeatureId).toBeNull();
  });
});
