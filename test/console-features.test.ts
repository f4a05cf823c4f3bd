import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features } from '../src/store/schema.ts';
import { type ConsoleSession, openPage, sendRequest, signIn } from './helpers/console-session.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * The console's Features page over HTTP, signed in with a session from the database: each sort ranks by what it
 * says, each filter and the word search keep only the features that match, merged features stay out unless asked
 * for, and the pages follow one another without gaps or repeats.
 */

let svc: TestService;
// Below a score of 6 a feature is not pushed: one feature stays with no issue (tracker "none").
const YAML = 'push:\n  coalesceSeconds: 0.2\n  minScore: 6\n';
beforeAll(async () => {
  svc = await startService({ yaml: YAML });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

const send = async (request: Record<string, unknown>) => (await sendRequest(svc, request)).featureId;

const seeded: Record<'invoices' | 'darkMode' | 'slack' | 'calendar', string> = {
  invoices: '',
  darkMode: '',
  slack: '',
  calendar: '',
};

/** The feature ids a features page lists, in order. */
async function listed(session: ConsoleSession, query: string): Promise<string[]> {
  const html = await openPage(session, `/console/features${query}`);
  return [...html.matchAll(/<td><a href="\/console\/features\/([0-9a-f-]{36})">/g)].map(
    (m) => m[1] as string,
  );
}

const ours = (ids: string[]) => ids.filter((id) => Object.values(seeded).includes(id));

describe('the features page', () => {
  let session: ConsoleSession;
  beforeAll(async () => {
    session = await signIn(svc, 'viewer', 'viewer@example.com');
    // Three requesters at one (domain) company: the most requesters, the lowest score (5), so never pushed.
    for (const n of [1, 2, 3]) {
      seeded.invoices = await send(
        validRequest({
          title: 'Export invoices to spreadsheets',
          body: '',
          requester: { email: `clerk${n}@books.example` },
        }),
      );
    }
    // One requester at a big account: the highest revenue and score; tagged for Jira, from Zendesk.
    seeded.darkMode = await send(
      validRequest({
        title: 'Dark mode for the dashboard',
        body: '',
        source: 'zendesk',
        tags: ['jira'],
        requester: {
          email: 'ada@bigco.example',
          company: { name: 'BigCo', domain: 'bigco.example', revenue: 50_000_000, tier: 'Enterprise' },
        },
      }),
    );
    seeded.calendar = await send(
      validRequest({
        title: 'Calendar sync with Outlook',
        body: '',
        requester: { email: 'cal@mid.example', company: { name: 'MidCo', revenue: 20_000, tier: 'growth' } },
      }),
    );
    // The newest: a small account, tagged beta, pushed to Linear.
    seeded.slack = await send(
      validRequest({
        title: 'Slack notifications for mentions',
        body: '',
        tags: ['beta'],
        requester: {
          email: 'sam@small.example',
          company: { name: 'SmallCo', revenue: 200_000, tier: 'startup' },
        },
      }),
    );
    const merged = await svc.post(`/v1/features/${seeded.calendar}/merge`, { into: seeded.slack });
    expect(merged.status).toBe(200);
  }, 60_000);

  it('sends /console to the features page', async () => {
    const res = await fetch(`${svc.url}/console`, {
      headers: { cookie: session.cookie },
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console/features');
  });

  it('ranks by score, recency, requesters and revenue, and leaves merged features out', async () => {
    const { darkMode, slack, invoices, calendar } = seeded;
    expect(ours(await listed(session, ''))).toEqual([darkMode, slack, invoices]);
    expect(ours(await listed(session, '?sort=recent'))).toEqual([slack, darkMode, invoices]);
    expect(ours(await listed(session, '?sort=requesters'))[0]).toBe(invoices);
    expect(ours(await listed(session, '?sort=revenue'))).toEqual([darkMode, slack, invoices]);
    expect(ours(await listed(session, '?status=merged'))).toEqual([calendar]);
  });

  it('shows each row with its counts, revenue and issue', async () => {
    const html = await openPage(session, '/console/features?source=zendesk');
    expect(html).toContain('Dark mode for the dashboard');
    expect(html).toContain('50,000,000');
    const [link] = await svc.runtime.store.links.forFeature(seeded.darkMode);
    expect(link?.kind).toBe('jira');
    // Both emulators use the key SBX: each issue is named with its tracker.
    for (const [id, tracker] of [
      [seeded.darkMode, 'Jira'],
      [seeded.slack, 'Linear'],
    ] as const) {
      const pushed = await waitFor(`the ${tracker} issue`, async () => {
        const [l] = await svc.runtime.store.links.forFeature(id);
        return l?.issueKey && l.url ? l : undefined;
      });
      expect(await openPage(session, `/console/features?tracker=${pushed.kind}`)).toContain(
        `rel="noreferrer">${tracker} ${pushed.issueKey}</a>`,
      );
    }
  });

  it('filters by tracker, source, company, tier and tag', async () => {
    const { darkMode, slack, invoices } = seeded;
    expect(ours(await listed(session, '?tracker=jira'))).toEqual([darkMode]);
    expect(ours(await listed(session, '?tracker=linear'))).toEqual([slack]);
    expect(ours(await listed(session, '?tracker=none'))).toEqual([invoices]);
    expect(ours(await listed(session, '?source=zendesk'))).toEqual([darkMode]);
    expect(ours(await listed(session, '?company=bigco.example'))).toEqual([darkMode]);
    expect(ours(await listed(session, '?company=small'))).toEqual([slack]);
    expect(ours(await listed(session, '?tier=enterprise'))).toEqual([darkMode]);
    expect(ours(await listed(session, '?tag=beta'))).toEqual([slack]);
    expect(ours(await listed(session, '?tag=beta&tier=enterprise'))).toEqual([]);
  });

  it('searches by words the way triage reads them: stems and synonyms', async () => {
    const { darkMode, invoices } = seeded;
    expect(ours(await listed(session, '?q=invoice'))).toEqual([invoices]);
    expect(ours(await listed(session, `?q=${encodeURIComponent('night theme dashboards')}`))).toEqual([
      darkMode,
    ]);
    expect(ours(await listed(session, '?q=dashboard+invoices'))).toEqual([]);
    expect(await openPage(session, '/console/features?q=the')).toContain('has no words to search for');
  });

  it('answers a wrong filter or cursor with the page and a 400 naming it', async () => {
    expect(await openPage(session, '/console/features?status=done', 400)).toContain(
      'There is no status “done”',
    );
    expect(await openPage(session, '/console/features?tracker=github', 400)).toContain(
      'Tracker must be jira',
    );
    expect(await openPage(session, '/console/features?cursor=bogus', 400)).toContain('out of date');
  });

  it('pages through every feature once, in order, by its next links, in every sort', async () => {
    // Enough features for three pages, straight in the table: scores equal in threes, times in the same
    // millisecond a few microseconds apart (a cursor rounded to the millisecond would skip or repeat), requesters
    // and revenue in steps.
    const base = Date.parse('2026-01-01T00:00:00Z');
    await svc.runtime.store.db.insert(features).values(
      Array.from({ length: 120 }, (_, i) => ({
        title: `Bulk feature ${i}`,
        titleKey: `bulk feature ${i}`,
        score: 100 + Math.floor(i / 3),
        requesterCount: i % 7,
        lastRequestedAt: new Date(base + Math.floor(i / 3)),
        scoreBreakdown: { terms: { revenue: { totalRevenue: (i % 5) * 1000 } } },
      })),
    );
    await svc.runtime.store.db.execute(
      sql`update features set last_requested_at = last_requested_at + (mod(abs(hashtext(id::text)), 999) || ' microseconds')::interval
          where title like 'Bulk feature %'`,
    );
    const orders = {
      score: sql`score desc`,
      recent: sql`last_requested_at desc`,
      requesters: sql`requester_count desc`,
      revenue: sql`coalesce((score_breakdown #>> '{terms,revenue,totalRevenue}')::float8, 0) desc`,
    };
    for (const [sort, order] of Object.entries(orders)) {
      const all = await svc.runtime.store.db
        .select({ id: features.id })
        .from(features)
        .where(sql`${features.mergedIntoId} is null`)
        .orderBy(order, features.id);
      const seen: string[] = [];
      let path: string | undefined = `/console/features?sort=${sort}`;
      while (path) {
        const html = await openPage(session, path);
        seen.push(
          ...[...html.matchAll(/<td><a href="\/console\/features\/([0-9a-f-]{36})">/g)].map(
            (m) => m[1] as string,
          ),
        );
        path = /<a href="([^"]+)" rel="next">/.exec(html)?.[1]?.replaceAll('&amp;', '&');
      }
      expect([sort, seen]).toEqual([sort, all.map((r) => r.id)]);
      expect(seen.length).toBeGreaterThan(100);
    }
  });
});
