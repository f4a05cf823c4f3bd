import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * End to end in sandbox mode: the real service, its emulators, the real SDKs, real Redis. A request becomes a
 * tracker issue carrying its demand; a burst of requests makes one coalesced update.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
});
afterAll(async () => {
  await svc?.stop();
});

interface LinkView {
  kind: string;
  state: string;
  issueId: string | null;
  issueKey: string | null;
  url: string | null;
}

const featureOf = (requestId: string) => svc.featureOf(requestId);

async function linkedIssue(featureId: string): Promise<LinkView> {
  return waitFor(`feature ${featureId} linked`, async () => {
    const links = await svc.runtime.store.links.forFeature(featureId);
    const link = links[0];
    return link?.state === 'linked' && link.issueKey ? (link as LinkView) : undefined;
  });
}

const emulators = () => svc.emulators();

describe('push to trackers (sandbox)', () => {
  it('a request becomes a Linear issue in Triage with its demand and a customer request', async () => {
    const res = await svc.post(
      '/v1/requests',
      validRequest({
        title: 'Dark mode',
        body: 'Night shifts hurt our eyes.',
        requester: {
          email: 'ann@acme.io',
          name: 'Ann',
          company: { name: 'Acme', revenue: 120000, tier: 'enterprise' },
        },
      }),
    );
    const { id } = (await res.json()) as { id: string };
    const featureId = await featureOf(id);
    const link = await linkedIssue(featureId);
    expect(link.kind).toBe('linear');

    const linear = emulators().linear;
    const issue = linear.state.issues.get(link.issueId ?? '');
    expect(issue?.title).toBe('Dark mode');
    expect(linear.state.states.get(issue?.stateId ?? '')?.type).toBe('triage');
    expect(issue?.description).toContain('Acme');
    expect(issue?.description).toContain('Night shifts hurt our eyes.');
    await waitFor('the customer request', async () =>
      [...linear.state.needs.values()].some((n) => n.issueId === issue?.id) ? true : undefined,
    );
    const customer = [...linear.state.customers.values()].find((c) => c.name === 'Acme');
    expect(customer?.revenue).toBe(120000);
  });

  it('a request tagged jira becomes a Jira issue in SBX with the demand in ADF, a label, a property and a link back', async () => {
    const res = await svc.post(
      '/v1/requests',
      validRequest({ title: 'SAML single sign-on', tags: ['jira'] }),
    );
    const featureId = await featureOf(((await res.json()) as { id: string }).id);
    const link = await linkedIssue(featureId);
    expect(link.kind).toBe('jira');
    const jira = emulators().jira;
    const issue = [...jira.state.issues.values()].find((i) => i.key === link.issueKey);
    expect(issue?.summary).toBe('SAML single sign-on');
    expect(issue?.labels).toContain('customer-request');
    expect(JSON.stringify(issue?.description)).toContain('Customer demand');
    expect(issue?.properties.has('suggested-sync')).toBe(true);
    expect(issue?.remoteLinks[0]?.object.url).toBe(`${svc.config.publicUrl}/console/features/${featureId}`);
  });

  it('ten more requests within the window make one coalesced update, and every one becomes a customer request', async () => {
    const linear = emulators().linear;
    // Reconcile's reads are not the push's.
    const pushCalls = (since: number) =>
      linear.calls
        .list()
        .slice(since)
        .map((c) => c.operation)
        .filter((op) => op !== 'changedIssues');
    const beforeCreate = linear.calls.list().length;
    const first = await svc.post(
      '/v1/requests',
      validRequest({ title: 'CSV export', requester: { email: 'u0@beta.io' } }),
    );
    const featureId = await featureOf(((await first.json()) as { id: string }).id);
    const link = await linkedIssue(featureId);
    await waitFor('the create to settle with its first state', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l && !l.dirtySince && l.statusName === 'Triage' ? true : undefined;
    });
    // The issue, its link back, its customer request and its first state: one call.
    expect(pushCalls(beforeCreate)).toEqual(['createIssue']);
    const issue = linear.state.issues.get(link.issueId ?? '');
    const beforeUpdate = linear.calls.list().length;
    const updatesBefore = linear.calls.list().filter((c) => c.operation === 'updateIssue').length;

    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        svc.post(
          '/v1/requests',
          validRequest({ title: 'CSV export', requester: { email: `u${i + 1}@beta.io` } }),
        ),
      ),
    );
    await waitFor(
      'all eleven carried',
      async () =>
        [...linear.state.needs.values()].filter((n) => n.issueId === issue?.id).length === 11
          ? true
          : undefined,
      30_000,
    );
    await waitFor('the link to settle', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l && !l.dirtySince ? true : undefined;
    });
    const updates = linear.calls.list().filter((c) => c.operation === 'updateIssue').length - updatesBefore;
    expect(updates).toBe(1);
    // One read (the issue and which needs exist) and one write (the description and the ten needs).
    expect(pushCalls(beforeUpdate)).toEqual(['issueForUpdate', 'updateIssue']);
    expect(issue?.description).toContain('11');
  });

  it('a 429 storm is ridden out: no call before its Retry-After, then linked, and the API shows the link', async () => {
    const linear = emulators().linear;
    await fetch(`${linear.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimit: { count: 3, retryAfterSeconds: 1 } }),
    });
    const since = linear.calls.list().length;
    const res = await svc.post(
      '/v1/requests',
      validRequest({ title: 'Gantt chart', requester: { email: 'pm@gamma.io' } }),
    );
    const featureId = await featureOf(((await res.json()) as { id: string }).id);
    const link = await linkedIssue(featureId);
    // Linked is not yet pushed: the customer requests may still be waiting out a Retry-After.
    await waitFor('the push to finish', async () => {
      const [l] = await svc.runtime.store.links.forFeature(featureId);
      return l && !l.dirtySince && !l.lastError ? true : undefined;
    });

    const calls = linear.calls.list().slice(since);
    const limited = calls.filter((c) => c.fault === 'rate-limited');
    expect(limited).toHaveLength(3);
    for (const hit of limited) {
      const next = calls[calls.indexOf(hit) + 1];
      // The next call to the tracker waited for Retry-After (1 s).
      expect(Date.parse(next?.at ?? '') - Date.parse(hit.at)).toBeGreaterThanOrEqual(950);
    }

    const detail = (await (await svc.get(`/v1/features/${featureId}`)).json()) as {
      links: Array<{
        tracker: string;
        state: string;
        issueKey: string;
        url: string;
        lastError: unknown;
        awaitingPush: boolean;
      }>;
    };
    expect(detail.links).toEqual([
      expect.objectContaining({
        tracker: 'linear',
        state: 'linked',
        issueKey: link.issueKey,
        url: link.url,
        lastError: null,
      }),
    ]);
  });
});
