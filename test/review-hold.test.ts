import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { features, triageDecisions } from '../src/store/schema.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * What reaches the tracker while triage's doubts wait for a person, end to end in sandbox mode (PGlite, or
 * Postgres with TEST_DATABASE=postgres): a feature triage starts as a possible duplicate gets no issue until it is
 * dismissed (pushed then), merged (its demand goes to the other feature's issue, it never gets its own), or its
 * `push.holdForReview` runs out (pushed by the redrive, its issue saying what it may duplicate).
 */

let svc: TestService;
// A wide review band, so the reworded pairs below land in it; a short coalescing window.
const YAML = 'dedupe:\n  autoMerge: 0.9\n  review: 0.3\npush:\n  coalesceSeconds: 1\n  holdForReview: 1h\n';
beforeAll(async () => {
  svc = await startService({ yaml: YAML });
});
afterAll(async () => {
  await svc?.stop();
});

async function submit(title: string, email: string): Promise<{ id: string; featureId: string }> {
  const { body: _default, ...request } = validRequest({ title, requester: { email } });
  const res = await svc.post('/v1/requests', request);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { id, featureId: await svc.featureOf(id) };
}

const links = (featureId: string) => svc.runtime.store.links.forFeature(featureId);

/** The feature's issue once pushed: its key and its description (Linear markdown). */
async function issueOf(featureId: string, what = 'its issue'): Promise<{ key: string; description: string }> {
  return waitFor(`feature ${featureId}: ${what}`, async () => {
    const [link] = await links(featureId);
    if (link?.state !== 'linked' || !link.issueKey || !link.issueId) return undefined;
    const issue = svc.emulators().linear.state.issues.get(link.issueId);
    return issue ? { key: link.issueKey, description: issue.description ?? '' } : undefined;
  });
}

/** A pair triage puts in the review band: the second starts a feature "possible duplicate of" the first. */
async function reviewPair(first: string, second: string, who: string) {
  const original = await submit(first, `${who}1@${who}.example`);
  const maybe = await submit(second, `${who}2@${who}.example`);
  expect(maybe.featureId).not.toBe(original.featureId);
  const [decision] = await svc.runtime.store.db
    .select()
    .from(triageDecisions)
    .where(eq(triageDecisions.requestId, maybe.id));
  expect((decision?.evidence as { decision?: string } | undefined)?.decision).toBe('review');
  return { original, maybe };
}

interface ReviewItem {
  feature: { id: string; createdAt: string };
  heldFromTracker: boolean;
  heldUntil: string | null;
}

async function reviewItem(featureId: string): Promise<ReviewItem | undefined> {
  const res = await svc.get('/v1/review?limit=100');
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ReviewItem[] }).data.find((i) => i.feature.id === featureId);
}

/** As if triage had created the feature two hours ago: its one-hour hold is over. */
async function holdRanOut(featureId: string) {
  await svc.runtime.store.db
    .update(features)
    .set({ createdAt: sql`now() - interval '2 hours'` })
    .where(eq(features.id, featureId));
}

describe('review hold: what reaches the tracker, and when', () => {
  it('a feature made outside the review band gets its link at once, as before', async () => {
    const plain = await submit('Audit log export for admins', 'ann@alpha.example');
    // The link is written in triage's own transaction: there when triage is.
    expect(await links(plain.featureId)).toHaveLength(1);
    expect(await reviewItem(plain.featureId)).toBeUndefined();
    await issueOf(plain.featureId);
  });

  it('a possible duplicate gets no link while held, nor when more requests join it; the list says until when', async () => {
    const { maybe } = await reviewPair('Export reports to CSV', 'Export invoices to CSV', 'bob');
    expect(await links(maybe.featureId)).toEqual([]);
    // The same title again joins the held feature: it stays held.
    const again = await submit('Export invoices to CSV', 'bob3@bob.example');
    expect(again.featureId).toBe(maybe.featureId);
    await svc.runtime.reconcile();
    expect(await links(maybe.featureId)).toEqual([]);

    const item = await reviewItem(maybe.featureId);
    expect(item?.heldFromTracker).toBe(true);
    const createdAt = Date.parse(item?.feature.createdAt ?? '');
    expect(Date.parse(item?.heldUntil ?? '') - createdAt).toBe(3_600_000);
  });

  it('"not a duplicate" pushes it at once, as its own issue with no duplicate note', async () => {
    const { maybe } = await reviewPair(
      'Slack notifications for new tickets',
      'Slack notifications for comments',
      'cat',
    );
    expect(await links(maybe.featureId)).toEqual([]);
    expect((await svc.post(`/v1/review/${maybe.featureId}/dismiss`, {})).status).toBe(204);
    // Made in the dismissal's own unit of work.
    expect(await links(maybe.featureId)).toHaveLength(1);
    const issue = await issueOf(maybe.featureId);
    expect(issue.description).not.toContain('Possible duplicate');
  });

  it("a merge sends its demand to the other feature's issue and never pushes it", async () => {
    const { original, maybe } = await reviewPair('Dark mode', 'Please add a dark theme', 'dan');
    const before = await issueOf(original.featureId);
    expect(before.description).toContain('**1 request**');
    expect(await links(maybe.featureId)).toEqual([]);
    const merged = await svc.post(`/v1/features/${maybe.featureId}/merge`, { into: original.featureId });
    expect(merged.status).toBe(200);
    await waitFor('the survivor issue to count both requests', async () =>
      (await issueOf(original.featureId)).description.includes('**2 requests**') ? true : undefined,
    );
    await holdRanOut(maybe.featureId);
    await svc.runtime.reconcile();
    expect(await links(maybe.featureId)).toEqual([]);
    expect(await reviewItem(maybe.featureId)).toBeUndefined();
    // One issue for the need: the survivor's, never one of the merged feature's own.
    expect(await links(original.featureId)).toHaveLength(1);
    const titles = [...svc.emulators().linear.state.issues.values()].map((i) => i.title);
    expect(titles).toContain('Dark mode');
    expect(titles).not.toContain('Please add a dark theme');
  });

  it('an unmerge is an answer too: the feature leaves the queue and gets its own issue at once', async () => {
    const { original, maybe } = await reviewPair('Gantt chart', 'Please add a Gantt chart view', 'eve');
    expect(await links(maybe.featureId)).toEqual([]);
    const merged = await svc.post(`/v1/features/${maybe.featureId}/merge`, { into: original.featureId });
    expect(merged.status).toBe(200);
    const unmerged = await svc.post(`/v1/features/${maybe.featureId}/unmerge`, {});
    expect(unmerged.status).toBe(200);
    // Made in the unmerge's own unit of work, not when the hold runs out.
    expect(await links(maybe.featureId)).toHaveLength(1);
    expect(await reviewItem(maybe.featureId)).toBeUndefined();
    const issue = await issueOf(maybe.featureId);
    expect(issue.description).not.toContain('Possible duplicate');
  });

  it("once its hold runs out the redrive pushes it, saying it may duplicate the other feature's issue", async () => {
    const { original, maybe } = await reviewPair(
      'Calendar sync with Google Calendar',
      'Calendar sync with Outlook',
      'eve',
    );
    const other = await issueOf(original.featureId);
    await svc.runtime.reconcile();
    expect(await links(maybe.featureId)).toEqual([]);

    await holdRanOut(maybe.featureId);
    const run = (await svc.runtime.reconcile()) as { holdsReleased: number };
    expect(run.holdsReleased).toBe(1);
    expect(await links(maybe.featureId)).toHaveLength(1);
    const issue = await issueOf(maybe.featureId);
    expect(issue.description).toContain(`**Possible duplicate of** [${other.key}](`);
    expect(issue.description).toContain('(Calendar sync with Google Calendar)');
    // Still in the queue (nobody decided), no longer held.
    expect(await reviewItem(maybe.featureId)).toMatchObject({ heldFromTracker: false, heldUntil: null });
    // Released once: the next run finds nothing to release.
    expect(((await svc.runtime.reconcile()) as { holdsReleased: number }).holdsReleased).toBe(0);
  });
});
