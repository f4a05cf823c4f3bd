import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { PushTarget } from '../domain/tracker.ts';
import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import type { Candidate } from '../rules/dedupe/rank.ts';
import { titleKey } from '../rules/normalise.ts';
import type { RouteInput } from '../rules/route.ts';
import type { ScoringModel } from '../rules/score.ts';
import type { Db } from './db.ts';
import {
  lockDedupeIndex,
  requestDocumentId,
  type StoreDedupeIndex,
  storeDedupeIndex,
} from './dedupe-index.repo.ts';
import { type DirtyLink, markLinksDirty, recountFeature, routeInputOf, type Tx } from './feature-writes.ts';
import { type IdentityOptions, resolveIdentity } from './identity.ts';
import { linkIdempotencyKey } from './links.repo.ts';
import { features, requests, trackerLinks, triageDecisions } from './schema.ts';

export interface TriageDeps {
  dedupe: DedupeEngine;
  identity: IdentityOptions;
  scoring: ScoringModel;
  /** When a feature goes to a tracker, and where; absent: nothing is pushed. */
  push?: PushPolicy | undefined;
}

export interface PushPolicy {
  minRequests: number;
  minScore: number;
  route: (input: RouteInput) => PushTarget;
}

export type TriageOutcome =
  | { kind: 'missing' }
  | { kind: 'already-triaged'; featureId: string | null }
  | {
      kind: 'triaged';
      featureId: string;
      action: 'attached' | 'created';
      requesterId: string;
      companyId: string | null;
      /** Links to push now that the feature's demand changed (and passes the bar). */
      links: DirtyLink[];
    };

/** Documents ranked per request: enough that the best few features are among them. */
const CANDIDATE_DOCUMENTS = 30;

/** A candidate feature: its best-matching document's scores (a feature is as close as its closest request). */
export interface FeatureCandidate extends Candidate {
  documentId: string;
}

function featureCandidates(ranked: readonly Candidate[], index: StoreDedupeIndex): FeatureCandidate[] {
  const seen = new Set<string>();
  const result: FeatureCandidate[] = [];
  for (const c of ranked) {
    const featureId = index.featureOf(c.id);
    if (!featureId || seen.has(featureId)) continue;
    seen.add(featureId);
    result.push({ ...c, id: featureId, documentId: c.id });
  }
  return result;
}

/** What a person reviewing the decision sees about one candidate. */
function candidateEvidence(c: FeatureCandidate): Record<string, unknown> {
  return {
    featureId: c.id,
    documentId: c.documentId,
    confidence: round(c.confidence),
    similarity: round(c.similarity),
    matchedTerms: c.evidence.matchedTerms,
    typos: c.evidence.typos,
    opposites: c.evidence.opposites,
    bm25: round(c.evidence.bm25Norm),
    titleTerms: round(c.evidence.titleTerms),
    titleGrams: round(c.evidence.titleGrams),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Once a feature passes the push bar, it gets a link to the routed target (written before any tracker call, with
 * its idempotency key), and every live link is marked dirty: the same transaction as the demand change, so the
 * redrive finds the work even if the enqueue after commit is lost.
 */
async function markForPush(tx: Tx, featureId: string, policy: PushPolicy): Promise<DirtyLink[]> {
  const [feature] = await tx
    .select({ requestCount: features.requestCount, score: features.score })
    .from(features)
    .where(eq(features.id, featureId));
  if (!feature || feature.requestCount < policy.minRequests || feature.score < policy.minScore) return [];
  const [existing] = await tx
    .select({ id: trackerLinks.id })
    .from(trackerLinks)
    .where(eq(trackerLinks.featureId, featureId))
    .limit(1);
  if (!existing) {
    const target = policy.route(await routeInputOf(tx, featureId));
    const site = target.kind === 'jira' ? target.site : target.workspace;
    await tx
      .insert(trackerLinks)
      .values({
        featureId,
        kind: target.kind,
        site,
        target,
        idempotencyKey: linkIdempotencyKey(featureId, target),
        primary: true,
      })
      .onConflictDoNothing();
  }
  return markLinksDirty(tx, featureId);
}

/**
 * Triage one request in one transaction: resolve the requester and company, pick or create its feature, record the
 * decision, recount the feature. Idempotent: a request already triaged is left as it is, so a job that runs twice
 * (a retry, a stalled job, a redrive re-enqueue) ends where one clean run would.
 */
export function createTriageRepo(db: Db, deps: TriageDeps) {
  return {
    async triage(requestId: string): Promise<TriageOutcome> {
      return db.transaction(async (tx) => {
        // First: every triage decision and index change is serialised (see lockDedupeIndex), and taking it before
        // any row lock keeps one lock order with merges.
        await lockDedupeIndex(tx);
        const [request] = await tx.select().from(requests).where(eq(requests.id, requestId)).for('update');
        if (!request) return { kind: 'missing' };
        if (request.triagedAt) return { kind: 'already-triaged', featureId: request.featureId };

        const { requesterId, companyId } = await resolveIdentity(
          tx,
          request.submittedRequester,
          deps.identity,
          request.source,
        );

        const dedupe = deps.dedupe;
        const index = storeDedupeIndex(tx);
        const text = dedupe.analyse({ title: request.title, body: request.body });
        const candidates = featureCandidates(await dedupe.rank(text, index, CANDIDATE_DOCUMENTS), index);
        const decision = dedupe.decide(candidates);
        // decide() returns one of the candidates it was given: the same object, with its document id.
        const best = candidates.find((c) => c === decision.candidate);
        // The same title, once normalised, as a live feature's: one need, however little the index knows yet
        // (with a handful of documents every word looks common and the engine alone may only ask for review).
        const key = titleKey(request.title);
        const [sameTitle] = key
          ? await tx
              .select({ id: features.id })
              .from(features)
              .where(and(eq(features.titleKey, key), isNull(features.mergedIntoId)))
              .orderBy(desc(features.requestCount), features.id)
              .limit(1)
          : [];
        const action = sameTitle ? 'merge' : decision.action;

        let featureId: string;
        if (action === 'merge') {
          // Live: both were read under the index lock, which every merge takes before it moves documents.
          featureId = sameTitle?.id ?? best?.id ?? '';
        } else {
          const review = decision.action === 'review' && best;
          const [created] = await tx
            .insert(features)
            .values({
              title: request.title,
              titleRequestId: request.id,
              titleKey: titleKey(request.title),
              lastRequestedAt: request.receivedAt,
              ...(review
                ? {
                    possibleDuplicateOfId: best.id,
                    possibleDuplicateScore: best.confidence,
                    possibleDuplicateEvidence: candidateEvidence(best),
                  }
                : {}),
            })
            .returning({ id: features.id });
          if (!created) throw new Error('feature insert returned no row');
          featureId = created.id;
        }
        await index.add(requestDocumentId(requestId), featureId, text);

        await tx
          .update(requests)
          .set({ requesterId, companyId, featureId, triagedAt: sql`now()` })
          .where(eq(requests.id, requestId));
        const outcome = action === 'merge' ? 'attached' : 'created';
        await tx.insert(triageDecisions).values({
          requestId,
          featureId,
          action: outcome,
          method: 'dedupe',
          // How sure the decision is that the request belongs to the best feature rather than to another or to
          // none (the engine's calibrated share); each candidate's own confidence is in the evidence.
          score: sameTitle ? 1 : decision.confidence,
          evidence: {
            decision: sameTitle ? 'same-title' : decision.action,
            mergeConfidence: decision.confidence,
            runnerUp: decision.runnerUp?.id ?? null,
            thresholds: dedupe.thresholds,
            candidates: candidates.slice(0, 5).map(candidateEvidence),
          },
        });
        await recountFeature(tx, featureId, deps.scoring);
        const links = deps.push ? await markForPush(tx, featureId, deps.push) : [];
        return { kind: 'triaged', featureId, action: outcome, requesterId, companyId, links };
      });
    },
  };
}

export type TriageRepo = ReturnType<typeof createTriageRepo>;
