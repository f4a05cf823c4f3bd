import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needIdFor } from '../src/connectors/linear/map.ts';
import { trackerLinkRequests } from '../src/store/schema.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A merge in Suggested Sync is a merge in Linear: each request's customer request (need) shows on exactly one
 * issue of the workspace. Merging feature A into B moves A's needs (same ids) to B's issue and leaves A's issue, closed
 * as a duplicate, with none; unmerging moves them back. Through the real service: API, use cases, push job, emulator.
 */

let svc: TestService;
beforeAll(async () => {
  svc = await startService({ yaml: 'push:\n  coalesceSeconds: 1\n' });
});
afterAll(async () => {
  await svc?.stop();
});

const linear = () => svc.emulators().linear;
const db = () => svc.runtime.store.db;

async function submit(title: string, body: string, email: string) {
  const res = await svc.post(
    '/v1/requests',
    validRequest({ title, body, requester: { email, name: email, company: { name: email.split('@')[1] } } }),
  );
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { requestId: id, featureId: await svc.featureOf(id) };
}

/** The issue's need ids in Linear. */
const needsOn = (issueId: string) =>
  [...linear().state.needs.values()]
    .filter((n) => n.issueId === issueId)
    .map((n) => n.id)
    .sort();

/** The type of the issue's workflow state in Linear. */
function stateType(issueId: string): string | undefined {
  const issue = linear().state.issues.get(issueId);
  return issue ? linear().state.states.get(issue.stateId)?.type : undefined;
}

/** An issue still open: not in a duplicate, canceled or completed state. */
function isOpen(issueId: string): boolean {
  const type = stateType(issueId);
  return type !== undefined && !['duplicate', 'canceled', 'completed'].includes(type);
}

/**
 * The need of each request by its deterministic id (created on `createdOn`), waited for on `issueId`; then every
 * request has exactly one need in the workspace and the open issues hold one per request.
 */
async function needsSettle(expected: Array<{ issueId: string; requests: Array<[string, string]> }>) {
  const want = (requests: Array<[string, string]>, _issue: string) =>
    requests.map(([requestId, createdOn]) => needIdFor(createdOn, requestId)).sort();
  await waitFor(
    `needs on ${expected.map((e) => e.issueId).join(', ')}`,
    async () =>
      expected.every(
        (e) => JSON.stringify(needsOn(e.issueId)) === JSON.stringify(want(e.requests, e.issueId)),
      )
        ? true
        : undefined,
    40_000,
  );
  const requestCount = expected.reduce((n, e) => n + e.requests.length, 0);
  const all = [...linear().state.needs.values()];
  expect(all).toHaveLength(requestCount);
  expect(all.filter((n) => isOpen(n.issueId))).toHaveLength(requestCount);
}

async function linkOf(featureId: string) {
  return waitFor(`feature ${featureId} pushed`, async () => {
    const [link] = (await svc.runtime.store.links.forFeature(featureId)).filter(
      (l) => l.state === 'linked' && l.issueId && !l.dirtySince,
    );
    return link?.issueId ? { id: link.id, issueId: link.issueId } : undefined;
  });
}

/** Which link holds each request's row, and the issue its need was created on when not that link's. */
async function rowsSettle(linkIds: string[], expected: Array<[string, string, string | null]>) {
  const key = (rows: Array<[string, string, string | null]>) =>
    JSON.stringify(rows.map((r) => r.join(' ')).sort());
  await waitFor('the rows recorded', async () => {
    const rows = await db()
      .select()
      .from(trackerLinkRequests)
      .where(inArray(trackerLinkRequests.linkId, linkIds));
    const seen = rows.map((r): [string, string, string | null] => [r.linkId, r.requestId, r.needIssueId]);
    return key(seen) === key(expected) ? true : undefined;
  });
}

describe('customer requests follow a merge and an unmerge (Linear)', () => {
  it('A merged into B: A’s needs move to B’s issue, none twice; unmerged: each issue has its own again', async () => {
    const a1 = await submit(
      'Export invoices to CSV',
      'Finance wants CSV exports of invoices.',
      'ann@acme.io',
    );
    const a2 = await submit(
      'Export invoices to CSV',
      'Finance wants CSV exports of invoices.',
      'bob@beta.io',
    );
    const b1 = await submit('Audit log of admin actions', 'Security needs an audit trail.', 'cy@cyan.io');
    expect(a2.featureId).toBe(a1.featureId);
    expect(b1.featureId).not.toBe(a1.featureId);
    const A = a1.featureId;
    const B = b1.featureId;
    const linkA = await linkOf(A);
    const linkB = await linkOf(B);
    const aRequests: Array<[string, string]> = [
      [a1.requestId, linkA.issueId],
      [a2.requestId, linkA.issueId],
    ];
    await needsSettle([
      { issueId: linkA.issueId, requests: aRequests },
      { issueId: linkB.issueId, requests: [[b1.requestId, linkB.issueId]] },
    ]);

    // Watched throughout: a need is moved, never made twice, so Linear never holds more needs than requests.
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, linear().state.needs.size);
    }, 5);
    const merged = await svc.post(`/v1/features/${A}/merge`, { into: B });
    expect(merged.status).toBe(200);
    // The merge closes A's issue as a duplicate of B's, and A's needs follow A's requests.
    await waitFor('A’s issue closed as a duplicate', async () =>
      stateType(linkA.issueId) === 'duplicate' ? true : undefined,
    );
    await needsSettle([
      { issueId: linkA.issueId, requests: [] },
      { issueId: linkB.issueId, requests: [...aRequests, [b1.requestId, linkB.issueId]] },
    ]);
    // The rows followed (recorded after the tracker call), keeping the issue each need was created on.
    await rowsSettle(
      [linkA.id, linkB.id],
      [
        [linkB.id, a1.requestId, linkA.issueId],
        [linkB.id, a2.requestId, linkA.issueId],
        [linkB.id, b1.requestId, null],
      ],
    );

    // Undone: A's issue is open again, and A's requests' needs come back to it.
    const undone = await svc.post(`/v1/features/${A}/unmerge`, {});
    expect(undone.status).toBe(200);
    await waitFor('A’s issue reopened', async () => (isOpen(linkA.issueId) ? true : undefined));
    await needsSettle([
      { issueId: linkA.issueId, requests: aRequests },
      { issueId: linkB.issueId, requests: [[b1.requestId, linkB.issueId]] },
    ]);
    await rowsSettle(
      [linkA.id, linkB.id],
      [
        [linkA.id, a1.requestId, null],
        [linkA.id, a2.requestId, null],
        [linkB.id, b1.requestId, null],
      ],
    );
    clearInterval(watch);
    expect(most).toBe(3);
  });
});
