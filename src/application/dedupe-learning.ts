import {
  type CalibrationOptions,
  calibrateThresholds,
  DEFAULT_CALIBRATION_OPTIONS,
  type ThresholdsInUse,
  thresholdsOf,
} from '../rules/dedupe/calibrate.ts';
import type { DedupeEngine, DedupeThresholds } from '../rules/dedupe/engine.ts';
import {
  type CompiledLearning,
  compileLearning,
  type DedupeAnswer,
  type LearnedEvidence,
  learnedSummary,
  learnFrom,
} from '../rules/dedupe/learned.ts';
import type { Candidate } from '../rules/dedupe/rank.ts';
import type { Db } from '../store/db.ts';
import {
  answerCounts,
  answersForLearning,
  deleteAllAnswers,
  deleteAnswersOfMerge,
  firstRequestOf,
  insertDedupeAnswer,
  learningGeneration,
  type ReviewQuestion,
  reviewQuestionOf,
  type StoredAnswer,
} from '../store/dedupe-answers.repo.ts';
import type { Tx } from '../store/feature-writes.ts';

/**
 * What dedupe learns from the team's answers, on the service's side: each answer is a row (dedupe_answers) naming
 * requests, not texts; the evidence (rules/dedupe/learned.ts) is compiled from the rows with the requests' texts
 * now, cached per process and rebuilt when the generation the rows' writers move has changed, so every worker
 * decides the same way, a restart forgets nothing and an erased requester's words stop teaching. Triage decides
 * as the replay does (rules/dedupe/replay.ts): ranked with what merges taught, decided with the thresholds the
 * answers support.
 */

/** What triage decides with: the compiled evidence and the thresholds in use. */
export interface Learning {
  generation: number;
  evidence: LearnedEvidence;
  compiled: CompiledLearning;
  thresholds: ThresholdsInUse;
  /** `thresholds` as `decide` takes them. */
  inUse: DedupeThresholds;
}

/** A stored answer as learned.ts takes it; a merge nobody was asked about has no scores. */
export function dedupeAnswerOf(row: StoredAnswer): DedupeAnswer {
  const { confidence, own } = row.scores ?? {};
  const scored = typeof confidence === 'number' && typeof own === 'number';
  return {
    // Verbatim: whatever scores the engine asked with flow through (every field but the texts, pair and answer).
    ...(scored ? { ...row.scores, confidence, own } : {}),
    a: row.text,
    b: row.candidateText,
    featureIds: [row.requestFeatureId, row.candidateFeatureId],
    answer: row.answer,
    at: row.answeredAt.toISOString(),
  };
}

/** The evidence the stored answers teach. */
export const evidenceOf = (rows: readonly StoredAnswer[], dedupe: DedupeEngine): LearnedEvidence =>
  learnFrom(rows.map(dedupeAnswerOf), (input) => dedupe.analyse(input));

export type DedupeLearning = ReturnType<typeof createDedupeLearning>;

/** The per-process cache of what the answers teach, rebuilt when the stored generation moved. */
export function createDedupeLearning(
  dedupe: DedupeEngine,
  calibration: CalibrationOptions | undefined = DEFAULT_CALIBRATION_OPTIONS,
) {
  let cached: Learning | undefined;
  const compile = (generation: number, evidence: LearnedEvidence): Learning => {
    const thresholds = calibrateThresholds(evidence, dedupe.thresholds, calibration);
    return {
      generation,
      evidence,
      compiled: compileLearning(evidence),
      thresholds,
      inUse: thresholdsOf(thresholds),
    };
  };
  return {
    /** The learning as of now: one small read when nothing changed since this process last compiled it. */
    async current(db: Tx | Db): Promise<Learning> {
      // The generation first: answers read after it are at least as new, so the cache is never older than its key.
      const generation = await learningGeneration(db);
      if (cached?.generation === generation) return cached;
      const built = compile(generation, evidenceOf(await answersForLearning(db), dedupe));
      cached = built;
      return built;
    },
  };
}

/**
 * A request is taken to be about the need of its nearest feature (the first candidate, in rank order): a feature
 * the team said is a different need from that one is no candidate for it, so a dismissed pair is never proposed
 * again, through a new request of either feature either.
 */
export function withoutDismissed<C extends Candidate>(
  candidates: readonly C[],
  learned: CompiledLearning,
): C[] {
  const nearest = candidates[0];
  if (!nearest) return [];
  return candidates.filter((c) => c === nearest || !learned.dismissed(nearest.id, c.id));
}

/** An answer about to be recorded: the pair, its scores when review asked, and whether review asked. */
interface PendingAnswer extends ReviewQuestion {
  requestFeatureId: string;
  candidateFeatureId: string;
  fromReview: boolean;
}

const asked = (question: ReviewQuestion, itemId: string, candidateId: string): PendingAnswer => ({
  ...question,
  requestFeatureId: itemId,
  candidateFeatureId: candidateId,
  fromReview: true,
});

/**
 * The pair a merge of `fromId` into `intoId` (merged into `survivorId`, the live end of its chain) answers, read
 * before the merge moves anything: a review item answered either way round (the survivor's question when the
 * candidate was merged into it), or else the two features' first requests, with no scores.
 */
export async function mergeAnswerOf(
  tx: Tx,
  fromId: string,
  intoId: string,
  survivorId: string,
): Promise<PendingAnswer> {
  const merged = await reviewQuestionOf(tx, fromId, intoId);
  if (merged) return asked(merged, fromId, intoId);
  const otherWay = await reviewQuestionOf(tx, survivorId, fromId);
  if (otherWay) return asked(otherWay, survivorId, fromId);
  return {
    requestId: await firstRequestOf(tx, fromId),
    candidateRequestId: await firstRequestOf(tx, survivorId),
    scores: null,
    requestFeatureId: fromId,
    candidateFeatureId: survivorId,
    fromReview: false,
  };
}

/** Records a merge's answer, naming the merge so that undoing it forgets what it taught. */
export async function recordMergeAnswer(
  tx: Tx,
  pending: PendingAnswer,
  merge: { mergeId: string; cause: 'review' | 'api' | 'tracker'; actor: string | null },
): Promise<void> {
  const { fromReview, ...pair } = pending;
  await insertDedupeAnswer(tx, {
    ...pair,
    answer: 'merge',
    cause: fromReview ? 'review' : merge.cause,
    actor: merge.actor,
    mergeId: merge.mergeId,
  });
}

/** "Not a duplicate" on a review item (read before its answer ends the wait); nothing when it was not one. */
export async function recordDismissAnswer(
  tx: Tx,
  question: { itemId: string; candidateId: string; actor: string },
  asked: ReviewQuestion | undefined,
): Promise<void> {
  if (!asked) return;
  await insertDedupeAnswer(tx, {
    ...asked,
    requestFeatureId: question.itemId,
    candidateFeatureId: question.candidateId,
    answer: 'dismiss',
    cause: 'review',
    actor: question.actor,
  });
}

/** An undone merge: what it taught goes, in the unmerge's transaction. */
export const forgetMergeAnswer = (tx: Tx, mergeId: string) => deleteAnswersOfMerge(tx, mergeId);

/** Everything learned goes: the answers are deleted and every process decides as configured again. */
export const forgetEverything = (db: Db) => db.transaction((tx) => deleteAllAnswers(tx));

/** What `GET /v1/review/stats` shows: the answers, the thresholds in use and why, and what the evidence holds. */
export async function learningStats(db: Db, learning: DedupeLearning) {
  const current = await learning.current(db);
  const counts = await answerCounts(db);
  return {
    answers: counts.answers,
    merges: counts.merges,
    dismissals: counts.answers - counts.merges,
    reviewAnswers: counts.reviewAnswers,
    firstCandidateAccepted:
      counts.reviewAnswers > 0 ? round(counts.reviewMerges / counts.reviewAnswers) : null,
    thresholds: current.thresholds,
    learned: learnedSummary(current.evidence),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
