import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { companies, requesters, requests, triageDecisions } from '../src/store/schema.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.stop();
});

interface RequestView {
  id: string;
  status: string;
  triagedAt: string | null;
  requester: { id: string | null; email: string; name: string | null };
  company: { id: string; name: string | null; domain: string | null } | null;
  feature: { id: string; title: string; status: string } | null;
}

async function submit(body: Record<string, unknown>): Promise<RequestView> {
  const res = await svc.post('/v1/requests', body);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return waitFor(`request ${id} triaged`, async () => {
    const view = (await (await svc.get(`/v1/requests/${id}`)).json()) as RequestView;
    return view.triagedAt ? view : undefined;
  });
}

describe('triage', () => {
  it('resolves one requester per email, case-insensitively, and a company from the email domain', async () => {
    const a = await submit(
      validRequest({ title: 'SSO with Okta', requester: { email: 'Grace@Hopper.dev', name: 'Grace' } }),
    );
    const b = await submit(validRequest({ title: 'Audit log', requester: { email: 'grace@hopper.DEV ' } }));
    expect(a.requester.id).toBe(b.requester.id);
    expect(a.requester.name).toBe('Grace');
    expect(a.company?.domain).toBe('hopper.dev');
    expect(b.company?.id).toBe(a.company?.id);
    const rows = await svc.runtime.store.db
      .select()
      .from(requesters)
      .where(eq(requesters.emailKey, 'grace@hopper.dev'));
    expect(rows).toHaveLength(1);
  });

  it('never makes a company from a free-mail domain, but uses a given company name', async () => {
    const free = await submit(
      validRequest({ title: 'Zapier integration', requester: { email: 'someone@gmail.com' } }),
    );
    expect(free.company).toBeNull();
    const named = await submit(
      validRequest({
        title: 'Zapier integration',
        requester: { email: 'boss@gmail.com', company: { name: 'Tiny Shop', revenue: 900 } },
      }),
    );
    expect(named.company?.name).toBe('Tiny Shop');
    expect(named.company?.domain).toBeNull();
    const [company] = await svc.runtime.store.db
      .select()
      .from(companies)
      .where(eq(companies.key, 'name:tiny shop'));
    expect(company?.revenue).toBe(900);
  });

  it('a given company domain wins over the email domain; later requests update revenue and tier', async () => {
    const first = await submit(
      validRequest({
        title: 'Gantt view',
        requester: { email: 'pm@contractor.io', company: { domain: 'Bigcorp.com', name: 'BigCorp' } },
      }),
    );
    expect(first.company?.domain).toBe('bigcorp.com');
    await submit(
      validRequest({
        title: 'Gantt view',
        requester: { email: 'cto@bigcorp.com', company: { revenue: 2_000_000, tier: 'enterprise' } },
      }),
    );
    const [company] = await svc.runtime.store.db
      .select()
      .from(companies)
      .where(eq(companies.key, 'bigcorp.com'));
    expect(company).toMatchObject({ name: 'BigCorp', revenue: 2_000_000, tier: 'enterprise' });
  });

  it('attaches requests that say the same thing to one feature, and records each decision', async () => {
    const a = await submit(validRequest({ title: 'Dark Mode!', requester: { email: 'u1@alpha.com' } }));
    const b = await submit(validRequest({ title: '  dark   mode ', requester: { email: 'u2@beta.com' } }));
    const c = await submit(validRequest({ title: 'Dark mode', requester: { email: 'u1@alpha.com' } }));
    const other = await submit(validRequest({ title: 'Light mode', requester: { email: 'u3@alpha.com' } }));
    expect(a.feature?.id).toBeDefined();
    expect(b.feature?.id).toBe(a.feature?.id);
    expect(c.feature?.id).toBe(a.feature?.id);
    expect(other.feature?.id).not.toBe(a.feature?.id);
    expect(a.status).toBe('received');

    const feature = (await (await svc.get(`/v1/features/${a.feature?.id}`)).json()) as {
      title: string;
      requestCount: number;
      requesterCount: number;
      companyCount: number;
      score: number;
      requests: Array<{ id: string; requester: { id: string } }>;
    };
    expect(feature).toMatchObject({
      title: 'Dark Mode!',
      requestCount: 3,
      requesterCount: 2,
      companyCount: 2,
      // Default weights: 1 per requester, 2 per company (docs/dedupe-and-scoring.md); asked just now, so no decay yet.
      score: 6,
    });
    expect(feature.requests.map((r) => r.id).sort()).toEqual([a.id, b.id, c.id].sort());

    const decisions = await svc.runtime.store.db
      .select()
      .from(triageDecisions)
      .where(eq(triageDecisions.featureId, a.feature?.id ?? ''));
    expect(decisions.map((d) => d.action).sort()).toEqual(['attached', 'attached', 'created']);
    const joined = decisions.find((d) => d.requestId === b.id);
    expect(joined).toMatchObject({ method: 'dedupe', action: 'attached' });
    expect(joined?.score).toBeGreaterThanOrEqual(0.8);
    const evidence = joined?.evidence as {
      decision: string;
      candidates: { featureId: string; matchedTerms: string[] }[];
    };
    expect(evidence.decision).toBe('same-title');
    expect(evidence.candidates[0]).toMatchObject({ featureId: a.feature?.id });
    expect(evidence.candidates[0]?.matchedTerms).toEqual(expect.arrayContaining(['dark', 'mode']));
  });

  it('triaging the same request again changes nothing (a job that runs twice)', async () => {
    const view = await submit(validRequest({ title: 'Run twice', requester: { email: 'twice@alpha.com' } }));
    const again = await svc.runtime.application.triage(view.id);
    expect(again).toEqual({ kind: 'already-triaged', featureId: view.feature?.id });
    const rows = await svc.runtime.store.db
      .select()
      .from(triageDecisions)
      .where(eq(triageDecisions.requestId, view.id));
    expect(rows).toHaveLength(1);
    const [req] = await svc.runtime.store.db.select().from(requests).where(eq(requests.id, view.id));
    expect(req?.triagedAt?.toISOString()).toBe(view.triagedAt);
  });
});

describe('GET /v1/features', () => {
  it('sorts by score and by recency, and pages with a cursor through every feature once', async () => {
    const local = await startService();
    try {
      const post = async (title: string, email: string, receivedAt: string) => {
        const res = await local.post(
          '/v1/requests',
          validRequest({ title, requester: { email }, receivedAt }),
        );
        expect(res.status).toBe(202);
      };
      // "Popular": 3 requesters, oldest activity; "Fresh": 1 requester, newest; 5 singles in between.
      for (const [i, email] of ['a@x.com', 'b@y.com', 'c@z.com'].entries())
        await post('Popular', email, `2026-01-0${i + 1}T00:00:00Z`);
      await post('Fresh', 'd@x.com', '2026-03-01T00:00:00Z');
      for (let i = 0; i < 5; i++) await post(`Single ${i}`, `s${i}@w.com`, `2026-02-0${i + 1}T00:00:00Z`);
      await waitFor('all triaged', async () =>
        (await local.runtime.store.requests.countUntriaged()) === 0 ? true : undefined,
      );

      const byScore = (await (await local.get('/v1/features?sort=score&limit=3')).json()) as {
        data: Array<{ title: string; score: number }>;
        nextCursor: string | null;
      };
      // Three requesters at three companies outrank one, though their requests are older (recency decays both).
      expect(byScore.data[0]?.title).toBe('Popular');
      const byRecent = (await (await local.get('/v1/features?sort=recent')).json()) as {
        data: Array<{ title: string }>;
      };
      expect(byRecent.data.map((f) => f.title)).toEqual([
        'Fresh',
        'Single 4',
        'Single 3',
        'Single 2',
        'Single 1',
        'Single 0',
        'Popular',
      ]);

      const seen: string[] = [];
      let cursor: string | null = '';
      let pages = 0;
      while (cursor !== null) {
        const page = (await (
          await local.get(`/v1/features?sort=score&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
        ).json()) as {
          data: Array<{ id: string; score: number }>;
          nextCursor: string | null;
        };
        seen.push(...page.data.map((f) => f.id));
        cursor = page.nextCursor;
        pages++;
      }
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(7);
      expect(seen).toHaveLength(7);
    } finally {
      await local.stop();
    }
  });
});
