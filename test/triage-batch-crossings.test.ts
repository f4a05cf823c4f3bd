import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { queryRows } from '../src/store/db.ts';
import type { SubmittedRequester } from '../src/store/schema.ts';
import { triaged } from './helpers/triage-outcomes.ts';
import { openTriageStore, PUSH, type TriageStore, UNBOUNDED_BUDGET } from './helpers/triage-store.ts';

/**
 * A feature a triage batch creates at the push bar waits for the batch's end to be recounted and linked, with the
 * others (application/triage-crossings.ts), unless a later request of the batch joins it or may change a company
 * it routes on: either way it is routed and counted as one-by-one triage would.
 */

const opened: TriageStore[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

/** Routes enterprise accounts to their own team. */
const BY_TIER = {
  ...PUSH,
  minRequests: 1,
  route: ({ tiers }: { tiers: readonly string[] }) => ({
    kind: 'linear' as const,
    workspace: 'acme',
    team: tiers.includes('enterprise') ? 'ENT' : 'ENG',
  }),
};

describe('new needs at a one-request bar, in a batch', () => {
  /** Counts the statements that recount features (each sets request_count), in a table the test reads. */
  async function countRecounts(t: TriageStore) {
    await t.store.db.execute(sql`create table recount_statements (n int not null)`);
    await t.store.db.execute(sql`insert into recount_statements values (0)`);
    await t.store.db.execute(sql`
      create function count_recount() returns trigger language plpgsql as $$
      begin update recount_statements set n = n + 1; return null; end $$`);
    await t.store.db.execute(sql`
      create trigger count_recount after update of request_count on features
      for each statement execute function count_recount()`);
    return async () =>
      (await queryRows<{ n: number }>(t.store.db, sql`select n from recount_statements`))[0]?.n;
  }

  /** Accepts the requests, triages them (one by one, or the first alone and the rest as one batch). */
  async function triageAll(
    push: typeof PUSH,
    list: { title: string; body: string; requester: SubmittedRequester; tags?: string[] }[],
    oneByOne: boolean,
  ) {
    const t = await openTriageStore({ push }, undefined, UNBOUNDED_BUDGET);
    opened.push(t);
    const recounts = await countRecounts(t);
    const ids: string[] = [];
    for (const r of list) ids.push(await t.accept(r));
    if (oneByOne) for (const id of ids) await t.triage(id);
    else {
      const first = t.triage(ids[0] as string);
      await Promise.all([first, ...ids.slice(1).map((id) => t.triage(id))]);
    }
    const teams = await queryRows<{ title: string; team: string }>(
      t.store.db,
      sql`select f.title, l.target->>'team' as team from tracker_links l join features f on f.id = l.feature_id
          order by f.title`,
    );
    return { t, ids, teams, recounts: await recounts() };
  }

  const need = (
    title: string,
    email: string,
    extra: Partial<SubmittedRequester> = {},
    tags: string[] = [],
  ) => ({
    title,
    body: `${title}, please: our team asks for it every week.`,
    requester: { email, ...extra },
    tags,
  });

  it('recounts the batch’s new features once, at its end, decided and routed as one by one', async () => {
    const push = { ...PUSH, minRequests: 1 };
    const list = [
      need('Offline mode', 'ada@acme.io'),
      need('Export invoices as PDF', 'bob@beta.io'),
      need('Calendar sync with Outlook', 'carol@gamma.io'),
      need('Custom domains for the help center', 'dave@delta.io'),
      need('Audit log retention settings', 'eve@epsilon.io'),
    ];
    const one = await triageAll(push, list, true);
    const batched = await triageAll(push, list, false);
    expect(one.teams).toHaveLength(5);
    expect(batched.teams).toEqual(one.teams);
    expect(await triaged(batched.t, batched.ids)).toEqual(await triaged(one.t, one.ids));
    // One by one: one recount a request. Batched: the first alone, then one for the other four together.
    expect(one.recounts).toBe(5);
    expect(batched.recounts).toBe(2);
  });

  it('settles a waiting crossing before a later request of the batch joins its feature', async () => {
    // Mobile requests go to their own team: a request joining later must not move the first link.
    const push = {
      ...PUSH,
      minRequests: 1,
      route: ({ tags }: { tags: readonly string[] }) => ({
        kind: 'linear' as const,
        workspace: 'acme',
        team: tags.includes('mobile') ? 'MOBILE' : 'ENG',
      }),
    };
    const list = [
      need('Bulk edit of tags', 'zed@eta.io'),
      need('Offline mode', 'ada@acme.io'),
      need('Offline mode', 'bob@beta.io', {}, ['mobile']),
    ];
    const one = await triageAll(push, list, true);
    expect(one.teams).toEqual([
      { title: 'Bulk edit of tags', team: 'ENG' },
      { title: 'Offline mode', team: 'ENG' },
    ]);
    const batched = await triageAll(push, list, false);
    expect(batched.teams).toEqual(one.teams);
    expect(await triaged(batched.t, batched.ids)).toEqual(await triaged(one.t, one.ids));
  });

  it('settles a waiting crossing before a later request of the batch changes a company it routes on', async () => {
    // The second request from acme.io says acme is enterprise.
    const push = BY_TIER;
    const list = [
      need('Bulk edit of tags', 'zed@eta.io'),
      need('Offline mode', 'ada@acme.io'),
      need('Export invoices as PDF', 'bob@acme.io', { company: { name: 'Acme', tier: 'enterprise' } }),
    ];
    const one = await triageAll(push, list, true);
    expect(one.teams).toEqual([
      { title: 'Bulk edit of tags', team: 'ENG' },
      { title: 'Export invoices as PDF', team: 'ENT' },
      { title: 'Offline mode', team: 'ENG' },
    ]);
    const batched = await triageAll(push, list, false);
    expect(batched.teams).toEqual(one.teams);
  });

  it('settles a waiting crossing before a later request writes the domain company its name-only one is', async () => {
    // acme.io is named Acme first; Ann's name-only "Acme" is that company, which Bob then says is enterprise.
    const list = [
      need('Bulk edit of tags', 'zed@acme.io', { company: { name: 'Acme' } }),
      need('Offline mode', 'ann@gmail.com', { company: { name: 'Acme' } }),
      need('Export invoices as PDF', 'bob@acme.io', { company: { tier: 'enterprise' } }),
    ];
    const one = await triageAll(BY_TIER, list, true);
    expect(one.teams).toEqual([
      { title: 'Bulk edit of tags', team: 'ENG' },
      { title: 'Export invoices as PDF', team: 'ENT' },
      { title: 'Offline mode', team: 'ENG' },
    ]);
    const batched = await triageAll(BY_TIER, list, false);
    expect(batched.teams).toEqual(one.teams);
  });

  it('lets crossings wait through later requests of their companies that write nothing to them', async () => {
    // Every request from acme.io, none saying anything about the company: nothing to settle before.
    const list = [
      'Offline mode',
      'Export invoices as PDF',
      'Calendar sync with Outlook',
      'Audit log retention',
    ].map((title, i) => need(title, `user${i}@acme.io`));
    const one = await triageAll(BY_TIER, list, true);
    const batched = await triageAll(BY_TIER, list, false);
    expect(batched.teams).toEqual(one.teams);
    expect(batched.teams).toHaveLength(4);
    expect(batched.recounts).toBe(2);
  });
});
