import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreBreakdown } from '../src/rules/score.ts';
import { features, requests, trackerLinks } from '../src/store/schema.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * The scoring model through the real service: requests in through the intake API, triaged by the worker, the score
 * and its breakdown read back from `GET /v1/features/:id`; `sort=score` ranks by it; the scheduled rescore applies
 * recency decay and account changes without pushing to trackers.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({
    yaml: [
      'push: { coalesceSeconds: 1 }',
      'scoring:',
      '  requester: 1',
      '  company: 2',
      '  revenue: { weight: 1, unit: 10000 }',
      '  tiers: { enterprise: 2 }',
      '  important: 3',
      '  halfLifeDays: 180',
    ].join('\n'),
  });
});
afterAll(async () => {
  await svc?.stop();
});

const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(Date.now() - d * DAY).toISOString();

interface FeatureView {
  id: string;
  title: string;
  score: number;
  requesterCount: number;
  companyCount: number;
  scoredAt: string | null;
  scoreBreakdown: ScoreBreakdown | null;
}

async function submit(body: Record<string, unknown>): Promise<{ id: string; featureId: string }> {
  const res = await svc.post('/v1/requests', body);
  expect(res.status, await res.clone().text()).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { id, featureId: await svc.featureOf(id) };
}

async function feature(id: string): Promise<FeatureView> {
  const res = await svc.get(`/v1/features/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as FeatureView;
}

async function rescoreAndWait(featureId: string): Promise<FeatureView> {
  const before = (await feature(featureId)).scoredAt;
  await svc.runtime.queues.enqueue('rescore-features', {});
  return waitFor(`feature ${featureId} rescored`, async () => {
    const f = await feature(featureId);
    return f.scoredAt !== before ? f : undefined;
  });
}

const log2 = Math.log2;

describe('scoring', () => {
  it('scores a feature from its demand and shows why in GET /v1/features/:id', async () => {
    const text = {
      title: 'Export invoices to CSV',
      body: 'Finance needs invoices as CSV for the monthly close.',
    };
    const acme = { name: 'Acme', revenue: 120_000, tier: 'Enterprise' };
    const first = await submit({ ...text, requester: { email: 'ann@acme-corp.io', company: acme } });
    const fid = first.featureId;
    await submit({ ...text, requester: { email: 'bob@acme-corp.io' }, important: true });
    await submit({ ...text, requester: { email: 'cara@gmail.com' }, receivedAt: daysAgo(180) });
    // Ann again: still one requester, one company.
    const again = await submit({ ...text, requester: { email: 'ANN@acme-corp.io' }, source: 'email' });
    expect(again.featureId).toBe(fid);

    const f = await feature(fid);
    expect(f).toMatchObject({ requesterCount: 3, companyCount: 1 });
    // Ann 1 + Bob (1 + important 3) + Cara half (180 days, one half-life); Acme: 2 + log2(13) revenue, doubled by
    // its enterprise tier.
    const expected = 1 + 4 + 0.5 + 2 * (2 + log2(13));
    expect(f.score).toBeCloseTo(expected, 1);
    const b = f.scoreBreakdown;
    expect(b?.score).toBe(f.score);
    expect(b?.terms.requesters).toMatchObject({ count: 3, weight: 1, undecayed: 3 });
    expect(b?.terms.requesters.points).toBeCloseTo(2.5, 1);
    expect(b?.terms.important).toMatchObject({ count: 1, weight: 3, undecayed: 3 });
    expect(b?.terms.companies).toMatchObject({ count: 1, weight: 2 });
    expect(b?.terms.revenue).toMatchObject({ count: 1, totalRevenue: 120_000, unit: 10_000 });
    expect(b?.terms.revenue.points).toBeCloseTo(log2(13), 1);
    expect(b?.terms.tiers).toMatchObject({
      count: 1,
      companiesByTier: { enterprise: 1 },
      multipliers: { enterprise: 2 },
    });
    expect(b?.recency).toMatchObject({ halfLifeDays: 180, newestRequestDays: 0 });
    expect(b?.recency.oldestRequestDays).toBeCloseTo(180, 0);
    expect(b?.topCompanies[0]).toMatchObject({
      name: 'Acme',
      tier: 'Enterprise',
      revenue: 120_000,
      multiplier: 2,
    });
    expect(f.scoredAt).not.toBeNull();

    const stored = (await (await svc.get(`/v1/requests/${first.id}`)).json()) as { important: boolean };
    expect(stored.important).toBe(false);
  });

  it('stores `important` from the intake body and refuses a value that is not a boolean', async () => {
    const ok = await submit({
      title: 'Bulk archive projects',
      requester: { email: 'am@initech.io' },
      important: true,
    });
    const view = (await (await svc.get(`/v1/requests/${ok.id}`)).json()) as { important: boolean };
    expect(view.important).toBe(true);
    const [row] = await svc.runtime.store.db.select().from(requests).where(eq(requests.id, ok.id));
    expect(row?.important).toBe(true);

    const bad = await svc.post('/v1/requests', {
      title: 'Bulk archive projects',
      requester: { email: 'am@initech.io' },
      important: 'yes',
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { errors: Array<{ field: string; detail: string }> };
    expect(problem.errors).toEqual([
      expect.objectContaining({ field: 'important', detail: 'important must be true or false' }),
    ]);
  });

  it('sort=score ranks one big enterprise account above two people at free-mail addresses', async () => {
    const big = await submit({
      title: 'SAML single sign-on with Azure AD',
      requester: { email: 'cio@megacorp-ranking.com', company: { revenue: 5_000_000, tier: 'enterprise' } },
    });
    const small = await submit({
      title: 'Keyboard shortcut to duplicate a row',
      body: 'Cmd+D should duplicate the selected row.',
      requester: { email: 'x1@gmail.com' },
    });
    await submit({
      title: 'Keyboard shortcut to duplicate a row',
      body: 'Cmd+D should duplicate the selected row.',
      requester: { email: 'x2@yahoo.com' },
    });
    expect((await feature(small.featureId)).requesterCount).toBe(2);
    const page = (await (await svc.get('/v1/features?sort=score&limit=100')).json()) as {
      data: Array<{ id: string; score: number }>;
    };
    const order = page.data.map((f) => f.id);
    expect(order.indexOf(big.featureId)).toBeLessThan(order.indexOf(small.featureId));
    expect(page.data.find((f) => f.id === small.featureId)?.score).toBeCloseTo(2, 1);
    expect(page.data.find((f) => f.id === big.featureId)?.score).toBeCloseTo(1 + 2 * (2 + log2(501)), 1);
    const scores = page.data.map((f) => f.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('the scheduled rescore applies recency decay and account changes, and pushes nothing for them', async () => {
    const { featureId } = await submit({
      title: 'Webhooks for invoice events',
      requester: { email: 'dev@hooli-rescore.io' },
    });
    expect((await feature(featureId)).score).toBeCloseTo(3, 1);
    const link = await waitFor('the feature pushed to its issue', async () => {
      const [l] = await svc.runtime.store.db
        .select()
        .from(trackerLinks)
        .where(eq(trackerLinks.featureId, featureId));
      // Its first state read too (after the push is recorded): that may change the feature's status.
      return l?.state === 'linked' && l.pushedAt && !l.dirtySince && l.statusName ? l : undefined;
    });

    const [beforeRow] = await svc.runtime.store.db.select().from(features).where(eq(features.id, featureId));
    // Time passes: the request is now one half-life old.
    await svc.runtime.store.db
      .update(requests)
      .set({ receivedAt: sql`${requests.receivedAt} - interval '180 days'` })
      .where(eq(requests.featureId, featureId));
    const decayed = await rescoreAndWait(featureId);
    expect(decayed.score).toBeCloseTo(1.5, 1);
    expect(decayed.scoreBreakdown?.recency.undecayedScore).toBeCloseTo(3, 1);

    // The account's revenue and tier arrive with a request on another feature; this feature's score follows at the
    // next rescore.
    await submit({
      title: 'Audit log retention settings',
      requester: { email: 'cfo@hooli-rescore.io', company: { revenue: 1_000_000, tier: 'enterprise' } },
    });
    expect((await feature(featureId)).score).toBeCloseTo(1.5, 1);
    const grown = await rescoreAndWait(featureId);
    expect(grown.score).toBeCloseTo((1 + 2 * (2 + log2(101))) / 2, 1);

    const [after] = await svc.runtime.store.db
      .select()
      .from(trackerLinks)
      .where(eq(trackerLinks.id, link.id));
    expect(after?.demandVersion).toBe(link.demandVersion);
    expect(after?.dirtySince).toBeNull();
    // A rescore is not a change of the feature: its updated time stays.
    const [afterRow] = await svc.runtime.store.db.select().from(features).where(eq(features.id, featureId));
    expect(afterRow?.updatedAt.toISOString()).toBe(beforeRow?.updatedAt.toISOString());
  });

  it('a feature merged into another is not rescored', async () => {
    const { featureId } = await submit({
      title: 'Gantt chart view',
      requester: { email: 'pm@umbrella-merge.io' },
    });
    const { featureId: survivor } = await submit({
      title: 'Calendar sync with Outlook',
      requester: { email: 'pm2@umbrella-merge.io' },
    });
    // What a merge leaves behind, stated directly (merges themselves are tested with review): a merged feature's
    // score stays as the merge left it.
    await svc.runtime.store.db
      .update(features)
      .set({ mergedIntoId: survivor, score: 42 })
      .where(eq(features.id, featureId));
    await rescoreAndWait(survivor);
    expect((await feature(featureId)).score).toBe(42);
  });

  // PGlite has one connection: another transaction holding a lock can only be shown on Postgres.
  it.runIf(process.env['TEST_DATABASE'] === 'postgres')(
    'a rescore pass skips a feature another transaction holds, and rescores it once that commits',
    async () => {
      const { featureId: held } = await submit({
        title: 'Slack notifications for mentions',
        requester: { email: 'a@held.io' },
      });
      const { featureId: free } = await submit({
        title: 'Import from Trello boards',
        requester: { email: 'b@free.io' },
      });
      const client = new pg.Client({ connectionString: svc.database.url });
      await client.connect();
      try {
        await client.query('begin');
        await client.query('select id from features where id = $1 for update', [held]);
        const page = await svc.runtime.store.rescore.rescorePage(undefined, 1000);
        // (A push of another feature may hold that one too at this moment.)
        expect(page.skipped).toContain(held);
        expect(page.rescored).toBe(page.scanned - page.skipped.length);
        const waiting = svc.runtime.store.rescore.rescoreFeature(held);
        await client.query('commit');
        expect(await waiting).toMatchObject({ rescored: 1 });
      } finally {
        await client.end();
      }
      expect((await feature(free)).scoredAt).not.toBeNull();
    },
  );
});
