import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchBudget } from '../src/application/triage.ts';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { queryRows } from '../src/store/db.ts';
import { requests, triageDecisions } from '../src/store/schema.ts';
import { triaged } from './helpers/triage-outcomes.ts';
import { openTriageStore, PUSH, type TriageStore, UNBOUNDED_BUDGET } from './helpers/triage-store.ts';

/**
 * Triage asked for faster than it runs goes in batches (application/triage.ts): one unit of work for the requests
 * waiting, taken in the order they arrived, each decided as one-by-one triage would, every feature recounted and
 * marked for a push once; a batch that fails is triaged again request by request.
 */

const REQUESTS = [
  ['Dark mode for the dashboard', 'Our team works at night; a dark theme would help.', 'ada@acme.io'],
  ['Dark mode for the dashboard', 'Please add a dark mode, the white screen hurts.', 'bob@beta.io'],
  ['Dashboard dark theme', 'A dark theme for the dashboard, for people working at night.', 'carol@acme.io'],
  ['Export reports to CSV', 'We need the monthly reports as CSV for finance.', 'dave@gamma.io'],
  ['CSV export of reports', 'Finance wants to export every report to a CSV file.', 'eve@beta.io'],
  ['Single sign-on with Okta', 'Our IT requires SSO through Okta for every tool.', 'frank@delta.io'],
  ['SSO via Okta', 'Single sign-on with Okta is a must for our security review.', 'grace@gmail.com'],
  ['Bulk edit of tags', 'Editing tags one request at a time takes hours.', 'heidi@acme.io'],
  ['Export reports to CSV', 'Reports to CSV, please, for our accountants.', 'ivan@epsilon.io'],
  [
    'Keyboard shortcuts in the inbox',
    'Power users want to triage the inbox without a mouse.',
    'judy@beta.io',
  ],
  ['Dark mode for the dashboard', 'Dark mode would be easier on the eyes in the evening.', 'ken@zeta.io'],
  ['Two-factor authentication', 'Security asks for 2FA on every account.', 'leo@delta.io'],
  ['Bulk tag editing', 'Let us change the tags of many requests at once.', 'mia@gamma.io'],
  ['Webhook retries with backoff', 'Our endpoint is down at times; retry the webhook later.', 'ned@eta.io'],
] as const;

const opened: TriageStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

async function withRequests(
  budget: BatchBudget = UNBOUNDED_BUDGET,
): Promise<{ t: TriageStore; ids: string[] }> {
  const t = await openTriageStore({}, undefined, budget);
  opened.push(t);
  const ids: string[] = [];
  for (const [title, body, email] of REQUESTS) {
    const company = email.endsWith('@gmail.com') ? { name: 'Delta' } : undefined;
    ids.push(await t.accept({ title, body, requester: { email, ...(company ? { company } : {}) } }));
  }
  // A batch takes requests in arrival order (created_at, then id), and PGlite's clock may tie two accepts made
  // within a millisecond, which their random ids would then order: one millisecond apart, arrival is the order
  // accepted, as in the one-by-one run it is compared with.
  await t.store.db.execute(sql`
    update requests r set created_at = '2026-01-01T00:00:00Z'::timestamptz + a.n * interval '1 millisecond'
    from unnest(${sql.param(ids)}::uuid[]) with ordinality as a(id, n) where r.id = a.id`);
  return { t, ids };
}

describe('triage in batches', () => {
  it('triages waiting requests together, in arrival order, with the decisions one-by-one triage makes', async () => {
    const one = await withRequests();
    for (const id of one.ids) expect((await one.t.triage(id)).kind).toBe('triaged');
    expect(one.t.transactions.count).toBe(REQUESTS.length);

    const batched = await withRequests();
    // The first runs alone; the others wait meanwhile, asked for in the reverse of their arrival.
    const first = batched.t.triage(batched.ids[0] as string);
    const rest = [...batched.ids.slice(1)].reverse().map((id) => batched.t.triage(id));
    const outcomes = await Promise.all([first, ...rest]);
    expect(outcomes.map((o) => o.kind)).toEqual(outcomes.map(() => 'triaged'));
    // The first alone, then all the others together.
    expect(batched.t.transactions.count).toBe(2);

    const expected = await triaged(one.t, one.ids);
    // The case is worth its name: requests joined features, and some reached the tracker.
    expect(expected.filter((r) => r.action === 'attached').length).toBeGreaterThan(2);
    expect(expected.some((r) => r.links === 1)).toBe(true);
    expect(await triaged(batched.t, batched.ids)).toEqual(expected);
    const pushedFeatures = (t: TriageStore) => new Set(t.pushed.map((l) => l.id)).size;
    expect(pushedFeatures(batched.t)).toBe(pushedFeatures(one.t));
  });

  it('a request whose triage fails fails alone: the others of its batch are triaged', async () => {
    const engine = createDedupeEngine();
    const exploding = await openTriageStore(
      {
        dedupe: {
          ...engine,
          analyse: (input) => {
            if (input.title === 'Bulk edit of tags') throw new Error('analysis failed');
            return engine.analyse(input);
          },
        },
      },
      undefined,
      UNBOUNDED_BUDGET,
    );
    opened.push(exploding);
    const accepted: string[] = [];
    for (const [title, body, email] of REQUESTS.slice(0, 9)) {
      accepted.push(await exploding.accept({ title, body, requester: { email } }));
    }
    const first = exploding.triage(accepted[0] as string);
    const results = await Promise.allSettled([first, ...accepted.slice(1).map((id) => exploding.triage(id))]);
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [REQUESTS[i]?.[0]] : []));
    expect(failed).toEqual(['Bulk edit of tags']);
    const untriaged = await exploding.store.db
      .select({ title: requests.title })
      .from(requests)
      .where(sql`${requests.triagedAt} is null`);
    expect(untriaged.map((r) => r.title)).toEqual(['Bulk edit of tags']);
    // The first alone, the other eight as a batch, then each of them alone.
    expect(exploding.transactions.count).toBe(1 + 1 + 8);
  });

  it('a batch stops taking requests once its budget is spent; the rest go in the next, decided the same', async () => {
    const one = await withRequests();
    for (const id of one.ids) await one.t.triage(id);
    // A clock that moves one millisecond each time it is read, and a budget of two: a batch reads it when it
    // starts and before each request after its first, so it takes three requests.
    let ms = 0;
    const cut = await withRequests({ ms: 2, idleMs: 2, now: () => ms++ });
    const first = cut.t.triage(cut.ids[0] as string);
    const outcomes = await Promise.all([first, ...cut.ids.slice(1).map((id) => cut.t.triage(id))]);
    expect(outcomes.map((o) => o.kind)).toEqual(outcomes.map(() => 'triaged'));
    // The first alone, then the other 13 three at a time.
    expect(cut.t.transactions.count).toBe(1 + Math.ceil((REQUESTS.length - 1) / 3));
    expect(await triaged(cut.t, cut.ids)).toEqual(await triaged(one.t, one.ids));
  });

  it('past its budget a batch goes on while intake is quiet, and stops once intake wants the connection', async () => {
    let ms = 0;
    let intake = false;
    const budget = { ms: 2, idleMs: 100, now: () => ms++, intakeActive: () => intake };
    const run = async () => {
      const { t, ids } = await withRequests(budget);
      const first = t.triage(ids[0] as string);
      await Promise.all([first, ...ids.slice(1).map((id) => t.triage(id))]);
      return t.transactions.count;
    };
    // Quiet: the first alone, then the other 13 together (within the idle budget).
    expect(await run()).toBe(2);
    intake = true;
    expect(await run()).toBe(1 + Math.ceil((REQUESTS.length - 1) / 3));
  });

  it('is idempotent: a request asked for twice, or again later, is triaged once; an unknown one is missing', async () => {
    const { t, ids } = await withRequests();
    const [a, b, c] = ids as [string, string, string];
    expect((await t.triage(a)).kind).toBe('triaged');
    const unknown = randomUUID();
    const outcomes = await Promise.all([
      t.triage(b),
      t.triage(b),
      t.triage(a),
      t.triage(c),
      t.triage(unknown),
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual([
      'triaged',
      'already-triaged',
      'already-triaged',
      'triaged',
      'missing',
    ]);
    const [bTriaged, bAgain] = outcomes;
    expect(bAgain).toEqual({
      kind: 'already-triaged',
      featureId: bTriaged?.kind === 'triaged' && bTriaged.featureId,
    });
    for (const id of [a, b, c]) {
      const decisions = await t.store.db
        .select()
        .from(triageDecisions)
        .where(eq(triageDecisions.requestId, id));
      expect(decisions).toHaveLength(1);
    }
  });

  it('routes a feature that passes the bar inside a batch on its requests up to then, as one by one', async () => {
    // Mobile requests go to their own team: the route depends on the tags of the feature's requests.
    const routed = {
      ...PUSH,
      route: ({ tags }: { tags: readonly string[] }) => ({
        kind: 'linear' as const,
        workspace: 'acme',
        team: tags.includes('mobile') ? 'MOBILE' : 'ENG',
      }),
    };
    const offline = (email: string, tags: string[] = []) => ({
      title: 'Offline mode',
      body: 'Let us keep working without a connection.',
      requester: { email },
      tags,
    });
    const teams = async (budget: BatchBudget, oneByOne: boolean) => {
      const t = await openTriageStore({ push: routed }, undefined, budget);
      opened.push(t);
      const ids = [
        await t.accept({
          title: 'Bulk edit of tags',
          body: 'Many at once.',
          requester: { email: 'zed@eta.io' },
        }),
        // The second request passes the bar (two requests); the third, tagged, comes after.
        await t.accept(offline('ada@acme.io')),
        await t.accept(offline('bob@beta.io')),
        await t.accept(offline('carol@gamma.io', ['mobile'])),
      ];
      if (oneByOne) for (const id of ids) await t.triage(id);
      else await Promise.all(ids.map((id) => t.triage(id)));
      const rows = await queryRows<{ team: string }>(
        t.store.db,
        sql`select target->>'team' as team from tracker_links`,
      );
      return { teams: rows.map((r) => r.team), transactions: t.transactions.count };
    };
    const one = await teams(UNBOUNDED_BUDGET, true);
    expect(one.teams).toEqual(['ENG']);
    const batched = await teams(UNBOUNDED_BUDGET, false);
    // The first alone, the three requests of the feature in one batch.
    expect(batched.transactions).toBe(2);
    expect(batched.teams).toEqual(one.teams);
  });
});
