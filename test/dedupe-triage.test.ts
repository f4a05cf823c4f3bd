import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDedupeIndex } from '../src/application/dedupe-index-rebuild.ts';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { storeDedupeIndex } from '../src/store/dedupe-index.repo.ts';
import { featureMerges, triageDecisions } from '../src/store/schema.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

/**
 * Triage through the similarity engine, end to end: a request joins, starts a feature under review, or starts a
 * feature; a product owner merges, undoes and dismisses through the API; the index follows every move.
 */

let svc: TestService;
// Wide review band so the partial matches below land in it whatever the engine's fine tuning.
const YAML = 'dedupe:\n  autoMerge: 0.9\n  review: 0.3\n';
beforeAll(async () => {
  svc = await startService({ yaml: YAML });
});
afterAll(async () => {
  await svc?.stop();
});

interface Decision {
  decision: string;
  thresholds: { autoMerge: number; review: number };
  candidates: { featureId: string; confidence: number; matchedTerms: string[] }[];
}

async function submit(
  title: string,
  email: string,
  body?: string,
): Promise<{ id: string; featureId: string }> {
  // No default body: what a request says is what these cases are about.
  const { body: _default, ...request } = validRequest({ title, requester: { email } });
  const res = await svc.post('/v1/requests', body ? { ...request, body } : request);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { id, featureId: await svc.featureOf(id) };
}

async function decisionOf(requestId: string) {
  const [row] = await svc.runtime.store.db
    .select()
    .from(triageDecisions)
    .where(eq(triageDecisions.requestId, requestId));
  if (!row) throw new Error(`no decision for ${requestId}`);
  return { ...row, evidence: row.evidence as unknown as Decision };
}

async function feature(id: string) {
  const res = await svc.get(`/v1/features/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    id: string;
    status: string;
    requestCount: number;
    mergedInto: string | null;
    requests: { id: string }[];
  };
}

async function reviewList() {
  const res = await svc.get('/v1/review?limit=100');
  expect(res.status).toBe(200);
  return (
    (await res.json()) as {
      data: {
        feature: { id: string; title: string };
        possibleDuplicateOf: { id: string; title: string };
        confidence: number;
        evidence: { matchedTerms: string[] };
      }[];
    }
  ).data;
}

describe('triage with the dedupe engine', () => {
  it('a reworded request joins its feature; the decision keeps the score and the evidence', async () => {
    const a = await submit('Dark mode for the dashboard', 'ann@alpha.com', 'The white UI hurts at night.');
    const b = await submit('dark mode for the dashboard!', 'bob@beta.com');
    expect(b.featureId).toBe(a.featureId);
    const decision = await decisionOf(b.id);
    expect(decision).toMatchObject({ action: 'attached', method: 'dedupe' });
    expect(decision.score).toBeGreaterThanOrEqual(0.9);
    // The same title once normalised joins whatever the engine's calibration says.
    expect(decision.evidence.decision).toBe('same-title');
    expect(decision.evidence.thresholds).toEqual({ autoMerge: 0.9, review: 0.3 });
    expect(decision.evidence.candidates[0]).toMatchObject({ featureId: a.featureId });
    expect(decision.evidence.candidates[0]?.matchedTerms).toEqual(
      expect.arrayContaining(['dark', 'dashboard']),
    );
    expect((await feature(a.featureId)).requestCount).toBe(2);
  });

  it('an unrelated request starts a new feature, not under review', async () => {
    const c = await submit('Offline mode for the mobile app', 'cy@gamma.com');
    const decision = await decisionOf(c.id);
    expect(decision.action).toBe('created');
    expect(decision.evidence.decision).toBe('new');
    expect((await reviewList()).map((r) => r.feature.id)).not.toContain(c.featureId);
  });

  it('a partial match starts a feature under review; merge moves its requests, unmerge brings them back', async () => {
    const original = await submit(
      'Export reports to CSV',
      'dee@delta.com',
      'Finance needs the monthly numbers.',
    );
    const maybe = await submit('Export invoices to CSV', 'eve@epsilon.com');
    expect(maybe.featureId).not.toBe(original.featureId);
    const decision = await decisionOf(maybe.id);
    expect(decision.evidence.decision).toBe('review');
    expect(decision.score).toBeLessThan(0.9);
    expect(decision.evidence.candidates[0]?.confidence).toBeGreaterThanOrEqual(0.3);

    const queued = (await reviewList()).find((r) => r.feature.id === maybe.featureId);
    expect(queued).toMatchObject({
      feature: { title: 'Export invoices to CSV' },
      possibleDuplicateOf: { id: original.featureId, title: 'Export reports to CSV' },
    });
    expect(queued?.confidence).toBeCloseTo(decision.evidence.candidates[0]?.confidence ?? -1, 3);
    expect(queued?.evidence.matchedTerms).toEqual(expect.arrayContaining(['export', 'csv']));

    const detail = (await (await svc.get(`/v1/features/${maybe.featureId}`)).json()) as {
      possibleDuplicate: { of: string; reviewedAt: string | null; evidence: { matchedTerms: string[] } };
    };
    expect(detail.possibleDuplicate).toMatchObject({ of: original.featureId, reviewedAt: null });
    expect(detail.possibleDuplicate.evidence.matchedTerms).toEqual(expect.arrayContaining(['csv']));

    const merged = await svc.post(`/v1/features/${maybe.featureId}/merge`, { into: original.featureId });
    expect(merged.status).toBe(200);
    expect(await merged.json()).toMatchObject({ featureId: maybe.featureId, intoId: original.featureId });
    const survivor = await feature(original.featureId);
    expect(survivor.requestCount).toBe(2);
    expect(survivor.requests.map((r) => r.id)).toContain(maybe.id);
    expect(await feature(maybe.featureId)).toMatchObject({
      status: 'merged',
      mergedInto: original.featureId,
    });
    expect((await reviewList()).map((r) => r.feature.id)).not.toContain(maybe.featureId);
    const trail = (await (await svc.get(`/v1/features/${original.featureId}`)).json()) as {
      merges: { from: string; into: string; cause: string; requestIds: string[]; undoneAt: string | null }[];
    };
    expect(trail.merges).toEqual([
      expect.objectContaining({
        from: maybe.featureId,
        into: original.featureId,
        cause: 'review',
        requestIds: [maybe.id],
        undoneAt: null,
      }),
    ]);
    const [audit] = await svc.runtime.store.db
      .select()
      .from(featureMerges)
      .where(eq(featureMerges.fromFeatureId, maybe.featureId));
    expect(audit).toMatchObject({ cause: 'review', requestIds: [maybe.id], undoneAt: null });

    // The merged request's text now speaks for the survivor.
    const again = await submit('Export invoices to CSV', 'fay@zeta.com');
    expect(again.featureId).toBe(original.featureId);

    const undone = await svc.post(`/v1/features/${maybe.featureId}/unmerge`, {});
    expect(undone.status).toBe(200);
    expect(await undone.json()).toMatchObject({ from: original.featureId, requestIds: [maybe.id] });
    // Only what the merge moved comes back; the request that joined afterwards stays.
    const restored = await feature(maybe.featureId);
    expect(restored).toMatchObject({ mergedInto: null, requestCount: 1 });
    expect(restored.status).not.toBe('merged');
    expect((await feature(original.featureId)).requestCount).toBe(2);
    const [after] = await svc.runtime.store.db
      .select()
      .from(featureMerges)
      .where(eq(featureMerges.fromFeatureId, maybe.featureId));
    expect(after?.undoneAt).not.toBeNull();
    const reader = storeDedupeIndex(svc.runtime.store.db);
    await reader.documents([`r:${maybe.id}`, `r:${again.id}`]);
    expect(reader.featureOf(`r:${maybe.id}`)).toBe(maybe.featureId);
    expect(reader.featureOf(`r:${again.id}`)).toBe(original.featureId);

    const history = (await (await svc.get(`/v1/features/${maybe.featureId}`)).json()) as {
      statusHistory: { from: string; to: string; cause: string }[];
    };
    const moves = history.statusHistory.map((h) => `${h.from}>${h.to}:${h.cause}`);
    // Live again with the status it had when merged (its own issue's status, if it was pushed meanwhile).
    const mergedFrom = moves.find((m) => m.endsWith('>merged:merge'))?.split('>')[0];
    expect(mergedFrom).toBeDefined();
    expect(moves).toContain(`merged>${mergedFrom}:unmerge`);
  });

  it('dismissing a possible duplicate takes it off the review list', async () => {
    await submit('Slack notifications for new tickets', 'gil@eta.com');
    const maybe = await submit('Slack notifications for comments', 'hal@theta.com');
    const queued = (await reviewList()).find((r) => r.feature.id === maybe.featureId);
    expect(queued).toBeDefined();
    expect((await svc.post(`/v1/review/${maybe.featureId}/dismiss`, {})).status).toBe(204);
    expect((await reviewList()).map((r) => r.feature.id)).not.toContain(maybe.featureId);
    expect((await svc.post(`/v1/review/${maybe.featureId}/dismiss`, {})).status).toBe(404);
  });

  it('merge and unmerge refuse what cannot be done, naming why', async () => {
    const a = await submit('Gantt chart for projects', 'ian@iota.com');
    const self = await svc.post(`/v1/features/${a.featureId}/merge`, { into: a.featureId });
    expect(self.status).toBe(400);
    expect(JSON.stringify(await self.json())).toContain('cannot be merged into itself');
    const missing = await svc.post(`/v1/features/${a.featureId}/merge`, {});
    expect(missing.status).toBe(400);
    expect(JSON.stringify(await missing.json())).toContain('into is required');
    const unknown = await svc.post(`/v1/features/${a.featureId}/merge`, {
      into: '00000000-0000-4000-8000-000000000000',
    });
    expect(unknown.status).toBe(400);
    const notMerged = await svc.post(`/v1/features/${a.featureId}/unmerge`, {});
    expect(notMerged.status).toBe(409);
    const b = await submit('Calendar view of deadlines', 'jo@kappa.com');
    expect((await svc.post(`/v1/features/${b.featureId}/merge`, { into: a.featureId })).status).toBe(200);
    const twice = await svc.post(`/v1/features/${b.featureId}/merge`, { into: a.featureId });
    expect(twice.status).toBe(409);
    expect(JSON.stringify(await twice.json())).toContain(`already merged into ${a.featureId}`);
    const [audit] = await svc.runtime.store.db
      .select()
      .from(featureMerges)
      .where(eq(featureMerges.fromFeatureId, b.featureId));
    expect(audit?.cause).toBe('api');
  });

  it('a rebuild of the index (new analysis) gives back the same index', async () => {
    const db = svc.runtime.store.db;
    const engine = createDedupeEngine();
    const query = engine.analyse({ title: 'dark theme for dashboards' });
    const before = await engine.rank(query, storeDedupeIndex(db), 10);
    const statsBefore = await storeDedupeIndex(db).stats();
    const rebuilt = await ensureDedupeIndex(db, engine.analyse, 'a-different-analysis');
    expect(rebuilt).toEqual({ rebuilt: true, documents: statsBefore.documents });
    expect(await storeDedupeIndex(db).stats()).toEqual(statsBefore);
    expect(await engine.rank(query, storeDedupeIndex(db), 10)).toEqual(before);
    expect(await ensureDedupeIndex(db, engine.analyse, 'a-different-analysis')).toMatchObject({
      rebuilt: false,
    });
  });
});
