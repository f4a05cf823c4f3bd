import { eq, like } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companies, requesters, trackerLinks } from '../src/store/schema.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * Who is asking, through the real intake API and triage worker: one person through several sources is one
 * requester (by email, or by the `identity.people` mapping), and a company named in a request and the company found
 * by its domain are one company.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({
    yaml: [
      'push: { coalesceSeconds: 1 }',
      'identity:',
      '  people:',
      '    - email: ann@acme-people.com',
      '      emails: [ann.lee@gmail.com]',
      '      externalIds: ["zendesk:123", "slack:U0123ANN"]',
    ].join('\n'),
  });
});
afterAll(async () => {
  if (process.env['DUMP']) console.log(svc.logs.filter((l) => /rescore|fail|error/i.test(l)).join('\n'));
  await svc?.stop();
});

interface RequestView {
  id: string;
  requester: { id: string | null; email: string; name: string | null };
  company: { id: string; name: string | null; domain: string | null } | null;
  feature: { id: string } | null;
}

async function submit(body: Record<string, unknown>): Promise<RequestView> {
  const res = await svc.post('/v1/requests', body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { id } = (await res.json()) as { id: string };
  await svc.featureOf(id);
  return view(id);
}

async function view(requestId: string): Promise<RequestView> {
  return (await (await svc.get(`/v1/requests/${requestId}`)).json()) as RequestView;
}

async function featureCounts(featureId: string) {
  return (await (await svc.get(`/v1/features/${featureId}`)).json()) as {
    requesterCount: number;
    companyCount: number;
    scoreBreakdown: { terms: { companies: { count: number }; revenue: { totalRevenue: number } } };
  };
}

describe('requester identity', () => {
  it('one person through Zendesk, Slack, email and the API is one requester, at the company of their canonical address', async () => {
    const text = { title: 'Two-factor authentication', body: 'We need 2FA on every account for our audit.' };
    const zendesk = await submit({
      ...text,
      source: 'zendesk',
      sourceRef: 'ticket-9001',
      requester: { email: 'ann.lee@gmail.com', externalId: '123', name: 'Ann Lee' },
    });
    const slack = await submit({
      ...text,
      source: 'slack',
      sourceRef: 'C01-1700000000.000100',
      requester: { email: 'u0123ann@slack-users.invalid', externalId: 'U0123ANN' },
    });
    const mail = await submit({ ...text, source: 'email', requester: { email: 'Ann.Lee@GMAIL.com' } });
    const api = await submit({ ...text, requester: { email: 'ann@acme-people.com' } });

    const ids = new Set([zendesk, slack, mail, api].map((r) => r.requester.id));
    expect(ids.size).toBe(1);
    expect(zendesk.requester).toMatchObject({ email: 'ann@acme-people.com', name: 'Ann Lee' });
    // Her free-mail address makes no company, but the person it maps to works at acme-people.com.
    expect(zendesk.company?.domain).toBe('acme-people.com');
    expect(new Set([zendesk, slack, mail, api].map((r) => r.feature?.id)).size).toBe(1);
    const f = await featureCounts(zendesk.feature?.id ?? '');
    expect(f).toMatchObject({ requesterCount: 1, companyCount: 1 });
    const rows = await svc.runtime.store.db
      .select()
      .from(requesters)
      .where(like(requesters.emailKey, '%ann%'));
    expect(rows.map((r) => r.emailKey)).toEqual(['ann@acme-people.com']);
  });

  it('an id listed for a source matches only from that source; an unlisted person stays themself', async () => {
    const text = { title: 'Recurring tasks', body: 'Tasks that repeat every week.' };
    const ann = await submit({
      ...text,
      source: 'zendesk',
      sourceRef: 'ticket-9002',
      requester: { email: 'relay@zendesk-mailer.io', externalId: '123' },
    });
    const other = await submit({
      ...text,
      source: 'intercom',
      sourceRef: 'conv-5',
      requester: { email: 'someone@intercom-users.io', externalId: '123' },
    });
    expect(ann.requester.email).toBe('ann@acme-people.com');
    expect(other.requester.email).toBe('someone@intercom-users.io');
    expect(other.requester.id).not.toBe(ann.requester.id);
    expect((await featureCounts(ann.feature?.id ?? '')).requesterCount).toBe(2);
  });
});

describe('company identity', () => {
  it('a name-only company is folded into the domain company of that name when it appears, features recounted', async () => {
    const sso = { title: 'SCIM user provisioning', body: 'Provision users from Okta via SCIM.' };
    const reports = { title: 'Scheduled PDF reports', body: 'Email a PDF report every Monday.' };
    // Two people at free-mail addresses name their company: a name-only company.
    const ann = await submit({
      ...sso,
      requester: { email: 'fold.ann@gmail.com', company: { name: 'Initrode', revenue: 50_000 } },
    });
    const bob = await submit({
      ...reports,
      requester: { email: 'fold.bob@yahoo.com', company: { name: 'INITRODE' } },
    });
    expect(ann.company).toMatchObject({ name: 'Initrode', domain: null });
    expect(bob.company?.id).toBe(ann.company?.id);
    const ssoId = ann.feature?.id ?? '';
    const reportsId = bob.feature?.id ?? '';
    expect(reportsId).not.toBe(ssoId);
    const reportsLink = await waitFor('the reports feature pushed', async () => {
      const [l] = await svc.runtime.store.db
        .select()
        .from(trackerLinks)
        .where(eq(trackerLinks.featureId, reportsId));
      return l?.pushedAt && !l.dirtySince ? l : undefined;
    });

    // Then someone from the company's domain asks, naming it: the domain company appears.
    const carol = await submit({
      ...sso,
      requester: { email: 'carol@initrode.com', company: { name: 'Initrode', tier: 'enterprise' } },
    });
    expect(carol.feature?.id).toBe(ssoId);
    expect(carol.company).toMatchObject({ name: 'Initrode', domain: 'initrode.com' });

    // The fold runs in the same job, right after the triage that made the domain company committed.
    await waitFor('the name-only company folded', async () => {
      const rows = await svc.runtime.store.db
        .select()
        .from(companies)
        .where(eq(companies.key, 'name:initrode'));
      return rows.length === 0 ? true : undefined;
    });
    // Ann's and Bob's requests now belong to it; the name-only row is gone.
    expect((await view(ann.id)).company?.id).toBe(carol.company?.id);
    expect((await view(bob.id)).company?.id).toBe(carol.company?.id);
    const nameOnly = await svc.runtime.store.db
      .select()
      .from(companies)
      .where(eq(companies.key, 'name:initrode'));
    expect(nameOnly).toEqual([]);
    const [domain] = await svc.runtime.store.db
      .select()
      .from(companies)
      .where(eq(companies.key, 'initrode.com'));
    expect(domain).toMatchObject({ revenue: 50_000, tier: 'enterprise' });
    const [annRow] = await svc.runtime.store.db
      .select()
      .from(requesters)
      .where(eq(requesters.emailKey, 'fold.ann@gmail.com'));
    expect(annRow?.companyId).toBe(carol.company?.id);

    // One company behind the SSO feature (it was two), with the revenue the name-only company knew.
    const f = await featureCounts(ssoId);
    expect(f).toMatchObject({ requesterCount: 2, companyCount: 1 });
    expect(f.scoreBreakdown.terms.companies.count).toBe(1);
    expect(f.scoreBreakdown.terms.revenue.totalRevenue).toBe(50_000);
    // The reports feature got no request, but its company changed: recounted, and its issue re-pushed.
    expect((await featureCounts(reportsId)).scoreBreakdown.terms.revenue.totalRevenue).toBe(50_000);
    await waitFor('the reports feature re-pushed', async () => {
      const [l] = await svc.runtime.store.db
        .select()
        .from(trackerLinks)
        .where(eq(trackerLinks.id, reportsLink.id));
      return l && l.demandVersion > reportsLink.demandVersion && !l.dirtySince ? true : undefined;
    });

    // A later request naming "initrode" without a domain resolves to the domain company.
    const dan = await submit({
      ...reports,
      requester: { email: 'fold.dan@hotmail.com', company: { name: 'initrode' } },
    });
    expect(dan.company?.id).toBe(carol.company?.id);
    const again = await svc.runtime.store.db
      .select()
      .from(companies)
      .where(eq(companies.key, 'name:initrode'));
    expect(again).toEqual([]);
  });

  it('a domain company that gets its name later folds the name-only company at the next scheduled rescore', async () => {
    // The domain company first appears without a name, so the name-only one cannot be matched to it yet.
    const eve = await submit({
      title: 'Dark mode for the editor',
      requester: { email: 'eve@globex-fold.com' },
    });
    expect(eve.company).toMatchObject({ domain: 'globex-fold.com', name: null });
    const frank = await submit({
      title: 'Offline mode for the mobile app',
      requester: { email: 'frank@gmail.com', company: { name: 'Globex Fold' } },
    });
    expect(frank.company?.domain).toBeNull();
    // An operator names the domain company (nothing in triage runs).
    await svc.runtime.store.db
      .update(companies)
      .set({ name: 'Globex Fold' })
      .where(eq(companies.key, 'globex-fold.com'));

    await svc.runtime.queues.enqueue('rescore-features', {});
    await waitFor('the name-only company folded', async () => {
      const rows = await svc.runtime.store.db
        .select()
        .from(companies)
        .where(eq(companies.key, 'name:globex fold'));
      return rows.length === 0 ? true : undefined;
    });
    expect((await view(frank.id)).company?.id).toBe(eve.company?.id);
  });
});
