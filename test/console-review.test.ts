import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, featureMerges, features, triageDecisions } from '../src/store/schema.ts';
import { type ConsoleSession, openPage, sendRequest, signIn, submitForm } from './helpers/console-session.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

/**
 * The console's Review page over HTTP, signed in with a session from the database: each possible duplicate beside
 * its candidate with the words triage matched, and the three answers, which do what the API's merge and dismiss do,
 * as the signed-in person, once.
 */

let svc: TestService;
// A wide review band, so the reworded pairs below land in it; a hold so the page has something to say about it.
const YAML = 'dedupe:\n  autoMerge: 0.9\n  review: 0.3\npush:\n  coalesceSeconds: 1\n  holdForReview: 1h\n';
beforeAll(async () => {
  svc = await startService({ yaml: YAML });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
});

const MEMBER = 'po@example.com';

const reviewPage = (session: ConsoleSession, query = '') => openPage(session, `/console/review${query}`);

const answer = (session: ConsoleSession, featureId: string, form: Record<string, string>) =>
  submitForm(session, `/console/review/${featureId}`, form);

function submit(title: string, email: string): Promise<{ id: string; featureId: string }> {
  const { body: _default, ...request } = validRequest({ title, requester: { email } });
  return sendRequest(svc, request);
}

/** A pair triage puts in the review band: the second starts a feature "possible duplicate of" the first. */
async function reviewPair(first: string, second: string, who: string) {
  const original = await submit(first, `${who}1@${who}.example`);
  const maybe = await submit(second, `${who}2@${who}.example`);
  const [decision] = await svc.runtime.store.db
    .select()
    .from(triageDecisions)
    .where(eq(triageDecisions.requestId, maybe.id));
  expect((decision?.evidence as { decision?: string } | undefined)?.decision).toBe('review');
  return { original: original.featureId, maybe: maybe.featureId };
}

interface ReviewItem {
  feature: { id: string };
  confidence: number;
}

async function queue(): Promise<ReviewItem[]> {
  const res = await svc.get('/v1/review?limit=100');
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ReviewItem[] }).data;
}

const inQueue = async (featureId: string) => (await queue()).some((i) => i.feature.id === featureId);

async function featureRow(id: string) {
  const [row] = await svc.runtime.store.db.select().from(features).where(eq(features.id, id));
  return row;
}

const mergesFrom = (id: string) =>
  svc.runtime.store.db.select().from(featureMerges).where(eq(featureMerges.fromFeatureId, id));

/** The item's article, from its opening tag to its end. */
function itemHtml(html: string, featureId: string): string {
  const at = html.indexOf(`<article class="review-item card" id="item-${featureId}" tabindex="-1"`);
  expect(at, `an item for ${featureId}`).toBeGreaterThan(-1);
  return html.slice(at, html.indexOf('</article>', at));
}

describe('the review page', () => {
  it('shows a possible duplicate beside its candidate, the matched words marked, and how sure triage was', async () => {
    const { original, maybe } = await reviewPair('Export reports to CSV', 'Export invoices to CSV', 'ann');
    const member = await signIn(svc, 'member');
    const item = itemHtml(await reviewPage(member), maybe);
    expect(item).toContain(`href="/console/features/${maybe}"`);
    expect(item).toContain(`href="/console/features/${original}"`);
    // Both titles, the words they share marked and the others not.
    expect(item).toContain('<mark>Export</mark> invoices to <mark>CSV</mark>');
    expect(item).toContain('<mark>Export</mark> reports to <mark>CSV</mark>');
    const listed = (await queue()).find((i) => i.feature.id === maybe);
    expect(item).toContain(`<dd>${Math.round((listed?.confidence ?? -1) * 100)}%</dd>`);
    expect(item).toContain('<dt>Matched words</dt><dd>export, csv</dd>');
    expect(item).toMatch(/Held from the tracker until \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    for (const key of ['m', 'o', 'n']) expect(item).toContain(`data-key="${key}"`);
    expect(item).toContain(`name="_csrf" value="${member.csrf}"`);
  });

  it('merge: the feature joins its candidate, recorded as a review by the signed-in person, once', async () => {
    const { original, maybe } = await reviewPair('Gantt chart', 'Please add a Gantt chart view', 'bob');
    const member = await signIn(svc, 'member');
    const res = await answer(member, maybe, { answer: 'merge' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/console\/review\?done=merged(#item-[0-9a-f-]+)?$/);
    expect((await featureRow(maybe))?.mergedIntoId).toBe(original);
    expect(await mergesFrom(maybe)).toMatchObject([
      { intoFeatureId: original, cause: 'review', actor: MEMBER },
    ]);
    expect(await inQueue(maybe)).toBe(false);
    expect(await reviewPage(member, '?done=merged')).toContain('<p class="flash" role="status">Merged:');

    // A second answer (someone else's, from a page loaded before) changes nothing.
    for (const again of ['merge', 'merge-other', 'dismiss']) {
      const second = await answer(member, maybe, { answer: again });
      expect(second.status).toBe(303);
      expect(second.headers.get('location')).toMatch(/^\/console\/review\?error=already-answered/);
    }
    expect(await mergesFrom(maybe)).toHaveLength(1);
    expect(await mergesFrom(original)).toHaveLength(0);
    expect((await featureRow(original))?.mergedIntoId).toBeNull();
    const page = await reviewPage(member, '?error=already-answered');
    expect(page).toContain('<p class="alert" role="alert">Someone answered that one already');
  });

  it('merge the other way: the candidate joins this feature, which leaves the queue', async () => {
    const { original, maybe } = await reviewPair('Dark mode', 'Please add a dark theme', 'cat');
    const member = await signIn(svc, 'member', 'lead@example.com');
    const res = await answer(member, maybe, { answer: 'merge-other' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/console\/review\?done=merged-other/);
    expect((await featureRow(original))?.mergedIntoId).toBe(maybe);
    expect((await featureRow(maybe))?.mergedIntoId).toBeNull();
    expect(await mergesFrom(original)).toMatchObject([
      { intoFeatureId: maybe, cause: 'review', actor: 'lead@example.com' },
    ]);
    expect(await inQueue(maybe)).toBe(false);
    const second = await answer(member, maybe, { answer: 'merge-other' });
    expect(second.headers.get('location')).toMatch(/^\/console\/review\?error=already-answered/);
    expect(await mergesFrom(original)).toHaveLength(1);
    expect(await mergesFrom(maybe)).toHaveLength(0);
  });

  it('not a duplicate: the feature leaves the queue, and the dismissal names who, with both features', async () => {
    const { original, maybe } = await reviewPair(
      'Slack notifications for new tickets',
      'Slack notifications for comments',
      'dan',
    );
    const member = await signIn(svc, 'member');
    const res = await answer(member, maybe, { answer: 'dismiss' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/console\/review\?done=dismissed/);
    const row = await featureRow(maybe);
    expect(row?.reviewedAt).not.toBeNull();
    expect(row?.mergedIntoId).toBeNull();
    expect(await inQueue(maybe)).toBe(false);
    expect(await mergesFrom(maybe)).toHaveLength(0);
    const audit = await svc.runtime.store.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.featureId, maybe), eq(auditEvents.action, 'dismiss')));
    expect(audit).toMatchObject([{ actor: MEMBER, detail: { candidateId: original } }]);
  });

  it("the API's dismissal is recorded too, as its API key", async () => {
    const { maybe } = await reviewPair('Webhook retries with backoff', 'Retry failed webhooks', 'eve');
    expect((await svc.post(`/v1/review/${maybe}/dismiss`, {})).status).toBe(204);
    const audit = await svc.runtime.store.db
      .select()
      .from(auditEvents)
      .where(eq(auditEvents.featureId, maybe));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.actor).toMatch(/^api key [0-9a-f]{12}$/);
  });

  it('after an answer, focus lands on the item that was next in the queue', async () => {
    const first = await reviewPair('Audit log for admins', 'Audit log export for admins', 'fay');
    const second = await reviewPair('Two factor login', 'Two factor login with an app', 'gus');
    const ids = (await queue()).map((i) => i.feature.id);
    const at = ids.indexOf(first.maybe);
    expect(at).toBeGreaterThan(-1);
    expect(ids.indexOf(second.maybe)).toBeGreaterThan(at);
    const member = await signIn(svc, 'member');
    const res = await answer(member, first.maybe, { answer: 'dismiss' });
    expect(res.headers.get('location')).toBe(`/console/review?done=dismissed#item-${ids[at + 1]}`);
  });

  it('a viewer sees the questions without the answers, and may not answer', async () => {
    const { original, maybe } = await reviewPair('Bulk edit tags', 'Bulk edit tags on tickets', 'hal');
    const viewer = await signIn(svc, 'viewer');
    const page = await reviewPage(viewer);
    const item = itemHtml(page, maybe);
    expect(item).not.toContain('data-key');
    expect(item).not.toContain('<form');
    expect(page).toContain('Your role is viewer');
    const res = await answer(viewer, maybe, { answer: 'merge' });
    expect(res.status).toBe(403);
    expect((await featureRow(maybe))?.mergedIntoId).toBeNull();
    expect(await inQueue(maybe)).toBe(true);
    expect((await featureRow(original))?.mergedIntoId).toBeNull();
  });

  it('an answer without the form token is refused and changes nothing', async () => {
    const { maybe } = await reviewPair(
      'Custom fields on tickets',
      'Custom fields for tickets and users',
      'ivy',
    );
    const member = await signIn(svc, 'member');
    for (const form of [{ answer: 'merge' }, { answer: 'dismiss', _csrf: 'not-the-token' }]) {
      const res = await submitForm(member, `/console/review/${maybe}`, form, { csrf: false });
      expect(res.status).toBe(403);
    }
    expect(await inQueue(maybe)).toBe(true);
    expect(await mergesFrom(maybe)).toHaveLength(0);
    const bad = await answer(member, maybe, { answer: 'maybe' });
    expect(bad.headers.get('location')).toBe(`/console/review?error=bad-answer#item-${maybe}`);
    expect(await inQueue(maybe)).toBe(true);
  });

  it('an empty queue says so, and what triage does', async () => {
    for (const item of await queue()) {
      expect((await svc.post(`/v1/review/${item.feature.id}/dismiss`, {})).status).toBe(204);
    }
    const page = await reviewPage(await signIn(svc, 'viewer'));
    expect(page).toContain('<h2>Nothing to review</h2>');
    expect(page).toContain('Triage reads every request as it arrives');
    expect(page).not.toContain('class="review-item');
  });

  it('says which thresholds triage decides with, and that the answers have not moved them yet', async () => {
    const member = await signIn(svc, 'member');
    const page = await reviewPage(member);
    expect(page).toMatch(
      /Triage merges on its own at 0\.9 \(as configured\) and asks here from 0\.3 \(as configured\); \d+ answers? so far, 52 needed before they move\./,
    );
  });
});
