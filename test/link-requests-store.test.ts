import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/db.ts';
import { createLinkRequestsRepo } from '../src/store/link-requests.repo.ts';
import { features, requesters, requests, trackerLinkRequests, trackerLinks } from '../src/store/schema.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from './helpers/database.ts';

/**
 * Which link carries each request's customer request (PGlite, or Postgres with TEST_DATABASE=postgres): one per
 * request per workspace, on the home link of the request's feature; rows follow a request a merge moved, keeping the
 * issue the need was created on, and go when its feature has no issue in the workspace.
 */

let testDb: TestDatabase;
let database: Database;
let repo: ReturnType<typeof createLinkRequestsRepo>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openTestDatabase(testDb);
  repo = createLinkRequestsRepo(database.db);
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const db = () => database.db;
const url = (id: string) => `https://suggested.example/v1/requests/${id}`;

async function feature(title: string): Promise<string> {
  const [row] = await db().insert(features).values({ title, titleKey: title.toLowerCase() }).returning();
  return row?.id ?? '';
}
async function request(featureId: string, title: string): Promise<string> {
  const [row] = await db()
    .insert(requests)
    .values({
      source: 'api',
      payloadHash: title,
      title,
      submittedRequester: { email: 'x@example.com' },
      receivedAt: new Date(),
      featureId,
    })
    .returning();
  return row?.id ?? '';
}
let issues = 0;
async function link(featureId: string, team: string, primary: boolean) {
  issues += 1;
  const issueId = `00000000-0000-4000-8000-${String(issues).padStart(12, '0')}`;
  const [row] = await db()
    .insert(trackerLinks)
    .values({
      featureId,
      kind: 'linear',
      site: 'sandbox',
      target: { kind: 'linear', workspace: 'sandbox', team },
      idempotencyKey: `k-${issueId}`,
      issueId,
      issueKey: `${team}-${issues}`,
      url: `https://linear.example/issue/${team}-${issues}`,
      state: 'linked',
      primary,
    })
    .returning();
  if (!row) throw new Error('no link');
  return { ...row, issueId };
}
const moveRequest = (requestId: string, featureId: string) =>
  db().update(requests).set({ featureId }).where(eq(requests.id, requestId));
async function rowsOf(linkId: string) {
  const rows = await db().select().from(trackerLinkRequests).where(eq(trackerLinkRequests.linkId, linkId));
  return rows.map((r) => [r.requestId, r.needIssueId]).sort();
}

describe('customer requests per workspace', () => {
  it('a feature with two issues in one workspace carries each request on its home link only', async () => {
    const f = await feature('Dark mode');
    const home = await link(f, 'SBX', true);
    const other = await link(f, 'ENG', false);
    const r1 = await request(f, 'Dark mode please');
    const r2 = await request(f, 'Night theme');
    expect(await repo.unpushedRequests(other, url)).toEqual([]);
    expect((await repo.unpushedRequests(home, url)).map((r) => r.requestId)).toEqual([r1, r2]);
    await repo.recordRequestsPushed(home.id, [r1]);
    expect((await repo.unpushedRequests(home, url)).map((r) => r.requestId)).toEqual([r2]);
    // A row another link of the workspace holds counts as carried too.
    await repo.recordRequestsPushed(other.id, [r2]);
    expect(await repo.unpushedRequests(home, url)).toEqual([]);
  });

  it('rows follow a merge to the survivor’s home link and back, keeping the issue they were created on', async () => {
    const a = await feature('Export CSV');
    const b = await feature('Export spreadsheet');
    const linkA = await link(a, 'SBX', true);
    const linkB = await link(b, 'SBX', true);
    const r1 = await request(a, 'CSV export');
    await repo.recordRequestsPushed(linkA.id, [r1]);
    await moveRequest(r1, b);

    const expected = [
      {
        from: { linkId: linkA.id, ref: expect.objectContaining({ issueId: linkA.issueId }) },
        to: { linkId: linkB.id, ref: expect.objectContaining({ issueId: linkB.issueId }) },
        requests: [{ requestId: r1, createdOnIssueId: linkA.issueId }],
      },
    ];
    // Seen from the link that holds it and from the link it belongs on.
    expect(await repo.misplacedRequests(linkA)).toEqual(expected);
    expect(await repo.misplacedRequests(linkB)).toEqual(expected);
    expect(await repo.unpushedRequests(linkB, url)).toEqual([]);

    const move = (await repo.misplacedRequests(linkB))[0];
    if (!move) throw new Error('no move');
    await repo.recordRequestsMoved(move.from.linkId, move.to, move.requests);
    await repo.recordRequestsMoved(move.from.linkId, move.to, move.requests);
    expect(await rowsOf(linkA.id)).toEqual([]);
    expect(await rowsOf(linkB.id)).toEqual([[r1, linkA.issueId]]);
    expect(await repo.misplacedRequests(linkB)).toEqual([]);

    // Its requester erased: the need to empty is named by the issue it was created on.
    const [who] = await db().insert(requesters).values({ email: 'e@x.io', emailKey: 'e@x.io' }).returning();
    await db().update(requests).set({ requesterId: who?.id }).where(eq(requests.id, r1));
    await db()
      .update(requesters)
      .set({ erasedAt: new Date(Date.now() + 60_000) });
    expect(await repo.erasedRequests(linkB.id)).toEqual([{ requestId: r1, createdOnIssueId: linkA.issueId }]);

    await moveRequest(r1, a);
    const [back] = await repo.misplacedRequests(linkA);
    expect(back?.requests).toEqual([{ requestId: r1, createdOnIssueId: linkA.issueId }]);
    if (!back) throw new Error('no move back');
    await repo.recordRequestsMoved(back.from.linkId, back.to, back.requests);
    expect(await rowsOf(linkA.id)).toEqual([[r1, null]]);
  });

  it('a closed duplicate’s rows leave it; with no home link for the request’s feature they go', async () => {
    const a = await feature('Audit log');
    const b = await feature('Admin audit trail');
    const lone = await feature('Activity history');
    const linkA = await link(a, 'SBX', true);
    const linkB = await link(b, 'SBX', true);
    const r1 = await request(b, 'Audit log please');
    const r2 = await request(b, 'Who changed what');
    await repo.recordRequestsPushed(linkA.id, [r1, r2]);
    await db().update(trackerLinks).set({ duplicateOfLinkId: linkB.id }).where(eq(trackerLinks.id, linkA.id));
    await moveRequest(r2, lone);

    const moves = await repo.misplacedRequests(linkA);
    expect(moves.map((m) => [m.to?.linkId, m.requests.map((r) => r.requestId)])).toEqual(
      expect.arrayContaining([
        [linkB.id, [r1]],
        [undefined, [r2]],
      ]),
    );
    for (const m of moves) await repo.recordRequestsMoved(m.from.linkId, m.to, m.requests);
    expect(await rowsOf(linkA.id)).toEqual([]);
    expect(await rowsOf(linkB.id)).toEqual([[r1, linkA.issueId]]);
  });
});
