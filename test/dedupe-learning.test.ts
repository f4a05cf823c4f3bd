import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceOf, recordAnswer } from '../src/application/dedupe-learning.ts';
import { dedupeSchema } from '../src/config/dedupe.schema.ts';
import { reviewStats } from '../src/http/schemas.ts';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { EMPTY_EVIDENCE } from '../src/rules/dedupe/learned.ts';
import type { Candidate } from '../src/rules/dedupe/rank.ts';
import { answersForLearning, learnedAnalysis, learningState } from '../src/store/dedupe-answers.repo.ts';
import { storeDedupeIndex } from '../src/store/dedupe-index.repo.ts';
import { dedupeLearning, triageDecisions } from '../src/store/schema.ts';
import { testDatabaseKind } from './helpers/database.ts';
import { startService, type TestService, validRequest } from './helpers/service.ts';

/**
 * Dedupe learning from the team's answers, through the real service: answers given through the API are
 * remembered in the database, triage ranks and decides with what they taught, an undone merge forgets, a dismissed
 * pair is not proposed again, the thresholds leave their prior only once enough answers support it, and an erased
 * requester's words stop teaching. The team in these cases writes "tix" for tickets, a word no synonym table knows.
 */

const ADMIN = 'admin-token-dedupe-learning-0001';
let svc: TestService;
beforeAll(async () => {
  svc = await startService({ env: { ADMIN_TOKEN: ADMIN } });
});
afterAll(async () => {
  await svc?.stop();
});

/** The engine as configured (default thresholds), alone: what triage decided before any answer. */
const engine = createDedupeEngine();

interface Decision {
  decision: string;
  mergeConfidence: number;
  thresholds: { autoMerge: number; review: number };
  candidates: { featureId: string; confidence: number }[];
}

let people = 0;

async function submit(service: TestService, title: string) {
  people += 1;
  const { body: _default, ...request } = validRequest({
    title,
    requester: { email: `person${people}@company${people}.com` },
  });
  const res = await service.post('/v1/requests', request);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  const featureId = await service.featureOf(id);
  const [row] = await service.runtime.store.db
    .select()
    .from(triageDecisions)
    .where(eq(triageDecisions.requestId, id));
  return { id, featureId, decision: row?.evidence as unknown as Decision };
}

/** What the engine alone decides for this title against the service's index now (no answers, no thresholds). */
async function decidedAlone(service: TestService, title: string) {
  const index = storeDedupeIndex(service.runtime.store.db);
  const ranked = await engine.rank(engine.analyse({ title }), index, 30);
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const c of ranked) {
    const featureId = index.featureOf(c.id);
    if (!featureId || seen.has(featureId)) continue;
    seen.add(featureId);
    candidates.push({ ...c, id: featureId });
  }
  return engine.decide(candidates);
}

async function stats(service: TestService = svc) {
  const res = await service.get('/v1/review/stats');
  expect(res.status).toBe(200);
  return reviewStats.parse(await res.json());
}

/** Submits "<thing> for tix" (review against "<thing> on tickets") and merges it into its candidate by review. */
async function teach(service: TestService, thing: string, original: string) {
  const item = await submit(service, `${thing} for tix`);
  expect(item.decision.decision).toBe('review');
  expect(item.decision.candidates[0]?.featureId).toBe(original);
  const res = await service.post(`/v1/features/${item.featureId}/merge`, { into: original });
  expect(res.status).toBe(200);
  return item;
}

const admin = (path: string, token = ADMIN) =>
  fetch(`${svc.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

describe('what dedupe learns from the team', () => {
  it('GET /v1/review/stats needs an API key, and before any answer shows the configured thresholds as the prior', async () => {
    expect((await fetch(`${svc.url}/v1/review/stats`)).status).toBe(401);
    const before = await stats();
    expect(before).toMatchObject({ answers: 0, merges: 0, dismissals: 0, firstCandidateAccepted: null });
    expect(before.thresholds.autoMerge).toMatchObject({ value: 0.8, prior: 0.8, source: 'prior' });
    expect(before.thresholds.review).toMatchObject({ value: 0.5, prior: 0.5, source: 'prior' });
    expect(before.learned).toMatchObject({ associations: 0, dismissedPairs: 0 });
  });

  it('review merges teach that two words mean one thing; triage merges with it; undoing the merges forgets it', async () => {
    const originals = new Map<string, string>();
    for (const thing of ['custom fields', 'time tracking', 'bulk edit', 'due dates']) {
      originals.set(thing, (await submit(svc, `${thing} on tickets`)).featureId);
    }
    const taught = [
      await teach(svc, 'custom fields', originals.get('custom fields') ?? ''),
      await teach(svc, 'time tracking', originals.get('time tracking') ?? ''),
    ];
    const learned = await stats();
    expect(learned).toMatchObject({ answers: 2, merges: 2, reviewAnswers: 2, firstCandidateAccepted: 1 });
    expect(learned.learned.strongest[0]).toMatchObject({ a: 'ticket', b: 'tix', merges: 2 });

    // The engine alone would ask; with what the merges taught, triage merges without a question.
    expect((await decidedAlone(svc, 'bulk edit for tix')).action).toBe('review');
    const merged = await submit(svc, 'bulk edit for tix');
    expect(merged.decision.decision).toBe('merge');
    expect(merged.featureId).toBe(originals.get('bulk edit'));

    for (const item of taught) {
      expect((await svc.post(`/v1/features/${item.featureId}/unmerge`, {})).status).toBe(200);
    }
    const forgotten = await stats();
    expect(forgotten).toMatchObject({ answers: 0, merges: 0 });
    expect(forgotten.learned.associations).toBe(0);
    // As before the merges: the same decision as the engine alone, to the digit.
    const alone = await decidedAlone(svc, 'due dates for tix');
    const probe = await submit(svc, 'due dates for tix');
    expect(probe.decision.decision).toBe(alone.action);
    expect(probe.decision.decision).toBe('review');
    expect(probe.decision.mergeConfidence).toBeCloseTo(alone.confidence, 9);
  });

  it('a pair answered "not a duplicate" is never proposed again, nor a request of that feature against the other', async () => {
    const original = await submit(svc, 'priority field on tickets');
    const item = await submit(svc, 'priority field for tix');
    expect(item.decision.decision).toBe('review');
    expect(item.decision.candidates[0]?.featureId).toBe(original.featureId);
    expect((await svc.post(`/v1/review/${item.featureId}/dismiss`, {})).status).toBe(204);
    expect(await stats()).toMatchObject({ dismissals: 1, learned: { dismissedPairs: 1 } });

    // Nearest to the dismissed feature: the feature it was dismissed against is no candidate of it.
    const again = await submit(svc, 'priority field for tix on mobile');
    expect(again.decision.candidates[0]?.featureId).toBe(item.featureId);
    expect(again.decision.candidates.map((c) => c.featureId)).not.toContain(original.featureId);
    const queue = (await (await svc.get('/v1/review?limit=100')).json()) as {
      data: { feature: { id: string }; possibleDuplicateOf: { id: string } }[];
    };
    const reviewItem = queue.data.find((r) => r.feature.id === again.featureId);
    expect(again.decision.decision).toBe('review');
    expect(reviewItem?.possibleDuplicateOf.id).toBe(item.featureId);

    // The other direction: nearest to the original, the dismissed feature is no candidate of it.
    const nearOriginal = await submit(svc, 'priority field on tickets, please');
    expect(nearOriginal.decision.candidates[0]?.featureId).toBe(original.featureId);
    expect(nearOriginal.decision.candidates.map((c) => c.featureId)).not.toContain(item.featureId);
  });

  it('a dismissal follows the dismissed feature into the feature it was merged into', async () => {
    const original = await submit(svc, 'roadmap view on tickets');
    const item = await submit(svc, 'roadmap view for tix');
    expect(item.decision.decision).toBe('review');
    expect(item.decision.candidates[0]?.featureId).toBe(original.featureId);
    expect((await svc.post(`/v1/review/${item.featureId}/dismiss`, {})).status).toBe(204);
    // The dismissed feature joins another: its request (and what it was dismissed against) goes with it.
    const survivor = await submit(svc, 'gantt chart export');
    const merge = await svc.post(`/v1/features/${item.featureId}/merge`, { into: survivor.featureId });
    expect(merge.status).toBe(200);

    const nearSurvivor = await submit(svc, 'roadmap view for tix');
    expect(nearSurvivor.decision.candidates[0]?.featureId).toBe(survivor.featureId);
    expect(nearSurvivor.decision.candidates.map((c) => c.featureId)).not.toContain(original.featureId);
  });

  it('thresholds keep their prior until enough answers exist, then move; a reset forgets everything; merges move auto-merge', async () => {
    const a = await submit(svc, 'sprint burndown chart');
    const b = await submit(svc, 'velocity report for sprints');
    // Answers whose candidate confidences run from 0.5 up: every one "not a duplicate".
    const seed = async (n: number) =>
      svc.runtime.store.db.transaction(async (tx) => {
        for (let i = 0; i < n; i += 1) {
          await recordAnswer(tx, engine, {
            requestId: a.id,
            candidateRequestId: b.id,
            requestFeatureId: a.featureId,
            candidateFeatureId: b.featureId,
            answer: 'dismiss',
            cause: 'review',
            scores: { confidence: 0.2 + i / 1000, own: 0.5 + i / 500 },
            actor: 'seed',
          });
        }
      });
    const before = (await stats()).thresholds.answers;
    const minimum = (await stats()).thresholds.minimumAnswers;
    await seed(minimum - 1 - before);
    const few = await stats();
    expect(few.thresholds.answers).toBe(minimum - 1);
    expect(few.thresholds.review).toMatchObject({ value: 0.5, source: 'prior' });

    await seed(20);
    const enough = await stats();
    expect(enough.thresholds.review.source).toBe('answers');
    expect(enough.thresholds.review.value).toBeGreaterThan(0.5);
    expect(enough.thresholds.autoMerge).toMatchObject({ value: 0.8, source: 'prior' });
    // Triage decides with the thresholds in use.
    const next = await submit(svc, 'dark mode for the mobile app');
    expect(next.decision.thresholds).toEqual({ autoMerge: 0.8, review: enough.thresholds.review.value });

    expect((await admin('/v1/admin/dedupe/forget', svc.apiKey)).status).toBe(403);
    const reset = await admin('/v1/admin/dedupe/forget');
    expect(reset.status).toBe(200);
    expect(((await reset.json()) as { forgotten: number }).forgotten).toBe(enough.answers);
    const after = await stats();
    expect(after).toMatchObject({ answers: 0, learned: { dismissedPairs: 0, associations: 0 } });
    expect(after.thresholds.review).toMatchObject({ value: 0.5, source: 'prior' });

    // Merges answered below the auto-merge prior, confidences from 0.79 down: one fewer than the minimum keeps it.
    const merged = (i: number) => Math.round((0.79 - i / 1000) * 1000) / 1000;
    let seeded = 0;
    const seedMerges = async (n: number) =>
      svc.runtime.store.db.transaction(async (tx) => {
        for (let i = 0; i < n; i += 1, seeded += 1) {
          await recordAnswer(tx, engine, {
            requestId: a.id,
            candidateRequestId: b.id,
            requestFeatureId: a.featureId,
            candidateFeatureId: b.featureId,
            answer: 'merge',
            cause: 'review',
            scores: { confidence: merged(seeded), own: 0.9 },
            actor: 'seed',
          });
        }
      });
    await seedMerges(minimum - 1);
    const fewMerges = await stats();
    expect(fewMerges.thresholds).toMatchObject({ answers: minimum - 1, merges: minimum - 1 });
    expect(fewMerges.thresholds.autoMerge).toMatchObject({ value: 0.8, source: 'prior' });
    const beforeMinimum = await submit(svc, 'offline mode for the desktop app');
    expect(beforeMinimum.decision.thresholds.autoMerge).toBe(0.8);

    // At the minimum, every one a merge: auto-merge moves down to the lowest of them.
    await seedMerges(1);
    const atMinimum = await stats();
    expect(atMinimum.thresholds.autoMerge).toMatchObject({
      value: merged(minimum - 1),
      source: 'answers',
      measuredOn: minimum,
    });
    const afterMinimum = await submit(svc, 'keyboard shortcuts for the editor');
    expect(afterMinimum.decision.thresholds.autoMerge).toBe(merged(minimum - 1));
    expect((await admin('/v1/admin/dedupe/forget')).status).toBe(200);
  });

  it('"merge the other way" answers the review item; a merge by hand teaches words but not the thresholds', async () => {
    const before = await stats();
    const original = await submit(svc, 'attachments on tickets');
    const item = await submit(svc, 'attachments for tix');
    expect(item.decision.decision).toBe('review');
    // The candidate joins the item, which survives.
    expect(
      (await svc.post(`/v1/features/${original.featureId}/merge`, { into: item.featureId })).status,
    ).toBe(200);
    const otherWay = await stats();
    expect(otherWay.reviewAnswers).toBe(before.reviewAnswers + 1);
    expect(otherWay.thresholds.merges).toBe(before.thresholds.merges + 1);

    const a = await submit(svc, 'kanban swimlanes');
    const b = await submit(svc, 'board lanes');
    expect((await svc.post(`/v1/features/${a.featureId}/merge`, { into: b.featureId })).status).toBe(200);
    const byHand = await stats();
    expect(byHand.merges).toBe(otherWay.merges + 1);
    expect(byHand.reviewAnswers).toBe(otherWay.reviewAnswers);
    expect(byHand.thresholds.answers).toBe(otherWay.thresholds.answers);
    expect(byHand.learned.associations).toBeGreaterThan(otherWay.learned.associations);

    // A review item merged into a feature other than its candidate: answered, the candidate not accepted.
    const asked = await submit(svc, 'comments on tickets');
    const waiting = await submit(svc, 'comments for tix');
    expect(waiting.decision.decision).toBe('review');
    expect(waiting.decision.candidates[0]?.featureId).toBe(asked.featureId);
    const elsewhere = await submit(svc, 'threaded replies');
    const moved = await svc.post(`/v1/features/${waiting.featureId}/merge`, { into: elsewhere.featureId });
    expect(moved.status).toBe(200);
    const other = await stats();
    expect(other.reviewAnswers).toBe(byHand.reviewAnswers + 1);
    const accepted = (byHand.firstCandidateAccepted ?? 0) * byHand.reviewAnswers;
    expect(accepted).toBeGreaterThan(0);
    expect(other.firstCandidateAccepted).toBeCloseTo(accepted / (byHand.reviewAnswers + 1), 3);
    // No scores for a pair nobody asked about: the thresholds count it for nothing.
    expect(other.thresholds.answers).toBe(byHand.thresholds.answers);
  });

  it("an erased requester's words stop teaching", async () => {
    const tix = async () =>
      (await learningState(svc.runtime.store.db)).evidence?.associations.find(
        (p) => p.a === 'ticket' && p.b === 'tix',
      )?.merges ?? 0;
    const before = await tix();
    const labels = await submit(svc, 'labels on tickets');
    const filters = await submit(svc, 'filters on tickets');
    const taught = [
      await teach(svc, 'labels', labels.featureId),
      await teach(svc, 'filters', filters.featureId),
    ];
    expect(await tix()).toBe(before + 2);
    const view = (await (await svc.get(`/v1/requests/${taught[0]?.id}`)).json()) as {
      requester: { id: string };
    };
    const erase = await fetch(`${svc.url}/v1/requesters/${view.requester.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(erase.status).toBe(200);
    // The merge is still an answer; the erased words teach nothing.
    expect(await tix()).toBe(before + 1);
  });
});

describe('precisionTarget', () => {
  it('is at least 0.8: lower would move a threshold on a handful of answers', () => {
    const low = dedupeSchema.safeParse({ precisionTarget: 0.79 });
    expect(low.success).toBe(false);
    expect(low.error?.issues[0]?.message).toContain('precisionTarget must be at least 0.8');
    expect(dedupeSchema.parse({ precisionTarget: 0.8 }).precisionTarget).toBe(0.8);
    expect(dedupeSchema.safeParse({ precisionTarget: 1 }).success).toBe(false);
  });
});

describe('learning kept in the database', () => {
  it('the evidence kept with each change equals learning again from every answer', async () => {
    const db = svc.runtime.store.db;
    const keptMatchesAnswers = async () => {
      const { evidence } = await learningState(db);
      expect(evidence).toEqual(evidenceOf(await answersForLearning(db), engine));
      return evidence;
    };
    // Earlier cases taught "tix": these say "projs" for projects.
    const reports = await submit(svc, 'export reports on projects');
    const invoices = await submit(svc, 'invoices on projects');
    const slack = await submit(svc, 'slack alerts on projects');
    // A review merge.
    const taught = await submit(svc, 'export reports for projs');
    expect(taught.decision.decision).toBe('review');
    expect(taught.decision.candidates[0]?.featureId).toBe(reports.featureId);
    const reviewMerge = await svc.post(`/v1/features/${taught.featureId}/merge`, { into: reports.featureId });
    expect(reviewMerge.status).toBe(200);
    await keptMatchesAnswers();
    // A dismissal.
    const item = await submit(svc, 'invoices for projs');
    expect(item.decision.candidates[0]?.featureId).toBe(invoices.featureId);
    expect((await svc.post(`/v1/review/${item.featureId}/dismiss`, {})).status).toBe(204);
    await keptMatchesAnswers();
    // A merge by hand: words, no scores.
    const byHand = await submit(svc, 'slack pings for projs');
    const merged = await svc.post(`/v1/features/${byHand.featureId}/merge`, { into: slack.featureId });
    expect(merged.status).toBe(200);
    const withAll = await keptMatchesAnswers();
    expect(withAll?.associations.length).toBeGreaterThan(0);
    // The stats page shows only associations more than one merge confirmed (one merge can pair any names).
    const shown = (await stats()).learned.strongest;
    expect(withAll?.associations.some((p) => p.merges === 1)).toBe(true);
    expect(shown.every((p) => p.merges >= 2)).toBe(true);
    expect(withAll?.dismissed.length).toBeGreaterThan(0);
    // Undoing the review merge takes out what it added: its score among them.
    expect((await svc.post(`/v1/features/${taught.featureId}/unmerge`, {})).status).toBe(200);
    const undone = await keptMatchesAnswers();
    expect(undone?.scores.length).toBe((withAll?.scores.length ?? 0) - 1);
  });

  it("an answer that taught from an imported issue's title is learned again when that title is edited", async () => {
    const db = svc.runtime.store.db;
    const imported = await svc.runtime.application.backlog.importIssue(
      {
        kind: 'jira',
        site: 'sandbox',
        issueId: '90417',
        issueKey: 'SBX-417',
        url: 'https://sandbox.example/browse/SBX-417',
        statusName: 'To Do',
        category: 'new',
        updatedAt: new Date().toISOString(),
      },
      'Gantt timeline export',
    );
    if (imported.outcome !== 'imported') throw new Error('the issue was not imported');
    const request = await submit(svc, 'timeline export for tix');
    const merged = await svc.post(`/v1/features/${request.featureId}/merge`, { into: imported.featureId });
    expect(merged.status).toBe(200);
    const learned = (await learningState(db)).evidence;
    expect(learned?.associations).toContainEqual(expect.objectContaining({ a: 'gantt', b: 'tix' }));

    await svc.runtime.application.features.editTitle(imported.featureId, 'Timeline export to PDF', 'tester');
    const { evidence } = await learningState(db);
    expect(evidence).toEqual(evidenceOf(await answersForLearning(db), engine));
    expect(evidence?.associations).not.toContainEqual(expect.objectContaining({ a: 'gantt', b: 'tix' }));
    expect(evidence?.associations).toContainEqual(expect.objectContaining({ a: 'pdf', b: 'tix' }));
  });

  it("a merge of a feature that absorbed another teaches the feature's own words, not the absorbed one's", async () => {
    const db = svc.runtime.store.db;
    // Received first: after the merge below, the earliest request in the survivor is this one.
    const absorbed = await submit(svc, 'zeta widget colours');
    const named = await submit(svc, 'alpha gizmo sizes');
    const first = await svc.post(`/v1/features/${absorbed.featureId}/merge`, { into: named.featureId });
    expect(first.status).toBe(200);
    const other = await submit(svc, 'omega trinket weights');
    const second = await svc.post(`/v1/features/${named.featureId}/merge`, { into: other.featureId });
    expect(second.status).toBe(200);
    const answer = (await answersForLearning(db)).at(-1);
    expect(answer).toMatchObject({ requestId: named.id, candidateRequestId: other.id });
    expect(answer?.text.title).toBe('alpha gizmo sizes');
  });

  it('a restarted service decides with what the answers taught before', async () => {
    const yaml = 'dedupe:\n  precisionTarget: 0.9\n';
    const first = await startService({ yaml, keepDatabase: true });
    let second: TestService | undefined;
    try {
      const custom = await submit(first, 'custom fields on tickets');
      const time = await submit(first, 'time tracking on tickets');
      const bulk = await submit(first, 'bulk edit on tickets');
      await teach(first, 'custom fields', custom.featureId);
      await teach(first, 'time tracking', time.featureId);
      await first.stop();
      second = await startService({ yaml, database: first.database });
      const remembered = await stats(second);
      expect(remembered.learned.strongest[0]).toMatchObject({ a: 'ticket', b: 'tix', merges: 2 });
      // The configured target: a lower one needs fewer answers before a threshold moves.
      expect(remembered.thresholds).toMatchObject({ target: 0.9, minimumAnswers: 25 });
      const probe = await submit(second, 'bulk edit for tix');
      expect(probe.decision.decision).toBe('merge');
      expect(probe.featureId).toBe(bulk.featureId);
    } finally {
      await second?.stop();
      if (!second) await first.stop();
    }
  });

  it('evidence learned with another text analysis is learned again at start-up', async () => {
    const first = await startService({ keepDatabase: true });
    let second: TestService | undefined;
    try {
      const custom = await submit(first, 'custom fields on tickets');
      await teach(first, 'custom fields', custom.featureId);
      const db = first.runtime.store.db;
      const analysis = await learnedAnalysis(db);
      expect(analysis).not.toBeNull();
      // As a release with another analysis would find it: evidence learned otherwise, another fingerprint.
      await db
        .update(dedupeLearning)
        .set({ evidence: EMPTY_EVIDENCE, analysis: 'an-older-analysis' })
        .where(eq(dedupeLearning.id, 1));
      await first.stop();
      second = await startService({ database: first.database });
      const kept = second.runtime.store.db;
      expect(await learnedAnalysis(kept)).toBe(analysis);
      const { evidence } = await learningState(kept);
      expect(evidence?.associations.length).toBeGreaterThan(0);
      expect(evidence).toEqual(evidenceOf(await answersForLearning(kept), engine));
    } finally {
      await second?.stop();
      if (!second) await first.stop();
    }
  });

  // Two processes at once on one database: PGlite is one process's, so only on Postgres.
  it.skipIf(testDatabaseKind !== 'postgres')(
    'a second process on the same database decides with answers given through the first',
    async () => {
      const first = await startService({ keepDatabase: true });
      const second = await startService({ database: first.database, keepDatabase: true });
      try {
        const custom = await submit(first, 'custom fields on tickets');
        const time = await submit(first, 'time tracking on tickets');
        const bulk = await submit(first, 'bulk edit on tickets');
        // The second process has compiled what it knew before the answers (nothing).
        expect((await stats(second)).answers).toBe(0);
        await teach(first, 'custom fields', custom.featureId);
        await teach(first, 'time tracking', time.featureId);
        const probe = await submit(second, 'bulk edit for tix');
        expect(probe.decision.decision).toBe('merge');
        expect(probe.featureId).toBe(bulk.featureId);
      } finally {
        await second.stop();
        await first.stop();
        await first.database.drop();
      }
    },
  );
});
