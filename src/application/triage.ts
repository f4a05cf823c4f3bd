import type { CalibrationOptions } from '../rules/dedupe/calibrate.ts';
import { candidatesToWeigh, type DecideContext, type DedupeEngine } from '../rules/dedupe/engine.ts';
import { indexedDocument } from '../rules/dedupe/memory-index.ts';
import type { Candidate } from '../rules/dedupe/rank.ts';
import { titleKey } from '../rules/normalise.ts';
import type { ScoringModel } from '../rules/score.ts';
import {
  lockDedupeIndex,
  requestDocumentId,
  type StoreDedupeIndex,
  storeDedupeIndex,
} from '../store/dedupe-index.repo.ts';
import type { DirtyLink, Tx } from '../store/feature-writes.ts';
import {
  insertRequestFeature,
  liveFeatureByTitleKey,
  lockRequest,
  recordTriage,
  type TriagedRequest,
} from '../store/triage.repo.ts';
import type { CompanyFolds } from './company-folds.ts';
import type { DedupeLearning, Learning } from './dedupe-learning.ts';
import { recountFeature } from './feature-score.ts';
import { type IdentityOptions, resolveIdentity } from './identity.ts';
import { markForPush, type PushPolicy } from './push-bar.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/**
 * Triage of one request in one unit of work: resolve the requester and company, pick or create its feature, record
 * the decision, recount the feature, and mark its links for a push once it passes the bar (queued once it commits;
 * a feature triage starts as a possible duplicate is held from the tracker while a person reviews it, push-bar.ts).
 * Idempotent: a request already triaged is left as it is, so a job that runs twice (a retry, a stalled job, a
 * redrive re-enqueue) ends where one clean run would. Then the company fold the request may have made due.
 */

export interface TriageDeps {
  dedupe: DedupeEngine;
  identity: IdentityOptions;
  scoring: ScoringModel;
  /** When a feature goes to a tracker, and where; absent: nothing is pushed. */
  push?: PushPolicy | undefined;
  /** The share of right answers thresholds read off the team's answers keep; absent: the default (0.95). */
  learning?: CalibrationOptions | undefined;
}

type TriageOutcome =
  | { kind: 'missing' }
  | { kind: 'already-triaged'; featureId: string | null }
  | {
      kind: 'triaged';
      featureId: string;
      action: 'attached' | 'created';
      requesterId: string;
      companyId: string | null;
      /** Links whose push the triage (and the company fold after it) queued: the feature's demand changed. */
      links: DirtyLink[];
    };

/** Documents ranked per request: enough that the best few features are among them. */
const CANDIDATE_DOCUMENTS = 30;

/** A candidate feature: its best-matching document's scores (a feature is as close as its closest request). */
interface FeatureCandidate extends Candidate {
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

const round = (x: number) => Math.round(x * 1000) / 1000;

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

/**
 * Ranks the request against the index and decides: the feature it joins, or the new one it makes. With what the
 * team's answers taught: terms merges associated count as shared, a feature dismissed against the nearest one is no
 * candidate (engine.ts `candidatesToWeigh`), and the thresholds are those the answers support.
 */
async function chooseFeature(
  tx: Tx,
  deps: TriageDeps,
  request: TriagedRequest,
  index: StoreDedupeIndex,
  learning: Learning,
) {
  const { dedupe } = deps;
  const text = dedupe.analyse({ title: request.title, body: request.body });
  const ranked = await dedupe.rank(text, index, CANDIDATE_DOCUMENTS, learning.compiled);
  const candidates = featureCandidates(ranked, index);
  const context: DecideContext = { thresholds: learning.inUse, learned: learning.compiled };
  const decision = dedupe.decide(candidates, context);
  // decide() returns one of the candidates it was given: the same object, with its document id.
  const best = candidates.find((c) => c === decision.candidate);
  // The same title, once normalised, as a live feature's: one need, however little the index knows yet
  // (with a handful of documents every word looks common and the engine alone may only ask for review).
  const key = titleKey(request.title);
  const sameTitle = key ? await liveFeatureByTitleKey(tx, key) : undefined;
  const evidence = {
    // How sure the decision is that the request belongs to the best feature rather than to another or to none
    // (the engine's calibrated share); each candidate's own confidence is in the evidence.
    score: sameTitle ? 1 : decision.confidence,
    evidence: {
      decision: sameTitle ? 'same-title' : decision.action,
      mergeConfidence: decision.confidence,
      runnerUp: decision.runnerUp?.id ?? null,
      thresholds: learning.inUse,
      candidates: candidatesToWeigh(candidates, context).slice(0, 5).map(candidateEvidence),
    },
  };
  // Live: both were read under the index lock, which every merge takes before it moves documents.
  if (sameTitle || decision.action === 'merge') {
    return { text, featureId: sameTitle ?? best?.id ?? '', action: 'attached' as const, ...evidence };
  }
  const review = decision.action === 'review' && best;
  const featureId = await insertRequestFeature(tx, {
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
  });
  return { text, featureId, action: 'created' as const, ...evidence };
}

async function triageInTransaction(
  tx: Tx,
  deps: TriageDeps,
  learning: DedupeLearning,
  requestId: string,
): Promise<TriageOutcome> {
  // First: every triage decision and index change is serialised (see lockDedupeIndex), and taking it before
  // any row lock keeps one lock order with merges.
  await lockDedupeIndex(tx);
  const request = await lockRequest(tx, requestId);
  if (!request) return { kind: 'missing' };
  if (request.triagedAt) return { kind: 'already-triaged', featureId: request.featureId };
  const { requesterId, companyId } = await resolveIdentity(
    tx,
    request.submittedRequester,
    deps.identity,
    request.source,
  );
  const index = storeDedupeIndex(tx);
  const chosen = await chooseFeature(tx, deps, request, index, await learning.current(tx));
  const { featureId, action } = chosen;
  await index.add(requestDocumentId(requestId), featureId, indexedDocument(chosen.text));
  await recordTriage(
    tx,
    { requestId, requesterId, companyId, featureId },
    { action, method: 'dedupe', score: chosen.score, evidence: chosen.evidence },
  );
  await recountFeature(tx, featureId, deps.scoring);
  const links = deps.push ? await markForPush(tx, featureId, deps.push) : [];
  return { kind: 'triaged', featureId, action, requesterId, companyId, links };
}

/**
 * Triage, then the fold its request may have made due (its company is a domain company with a name a name-only
 * company has), each in its unit of work. A fold that fails after triage committed is left to the scheduled
 * rescore (foldPending).
 */
export function createTriage({
  unitOfWork,
  folds,
  deps,
  learning,
}: {
  unitOfWork: UnitOfWork;
  folds: CompanyFolds;
  deps: TriageDeps;
  /** What the team's answers taught, shared with the review stats. */
  learning: DedupeLearning;
}) {
  return async function triage(requestId: string): Promise<TriageOutcome> {
    const outcome = await unitOfWork(async (work) => {
      const done = await triageInTransaction(work.tx, deps, learning, requestId);
      if (done.kind === 'triaged') work.after.push(done.links);
      return done;
    });
    if (outcome.kind !== 'triaged' || !outcome.companyId) return outcome;
    const folded = await folds.foldNamesInto(outcome.companyId);
    if (!folded || folded.links.length === 0) return outcome;
    const ids = new Set(outcome.links.map((l) => l.id));
    return { ...outcome, links: [...outcome.links, ...folded.links.filter((l) => !ids.has(l.id))] };
  };
}
