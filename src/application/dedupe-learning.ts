import type { AnalysedText, TextInput } from '../rules/dedupe/analyse.ts';
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
  EMPTY_EVIDENCE,
  type LearnedEvidence,
  learnedSummary,
  learnFrom,
  withAnswer,
  withoutAnswer,
} from '../rules/dedupe/learned.ts';
import type { Db } from '../store/db.ts';
import {
  answerCounts,
  answersForLearning,
  answersUseRequests,
  answersUseTitleOf,
  deleteAllAnswers,
  deleteAnswersOfMerge,
  insertDedupeAnswer,
  keepLearnedEvidence,
  learnedAnalysis,
  learningGeneration,
  learningState,
  mergedFeaturesOf,
  moveLearningGeneration,
  type NewDedupeAnswer,
  type ReviewQuestion,
  reviewQuestionOf,
  type StoredAnswer,
  titleRequestOf,
} from '../store/dedupe-answers.repo.ts';
import type { Tx } from '../store/feature-writes.ts';

/**
 * What dedupe learns from the team's answers, on the service's side: each answer is a row (dedupe_answers) naming
 * requests, not texts; the evidence (rules/dedupe/learned.ts) is kept beside them (dedupe_learning), changed in the
 * transaction of each answer and each unmerge by that answer alone (withAnswer / withoutAnswer, read with the
 * requests' texts), and learned again from every row after an erasure. Each process compiles the kept evidence
 * when the generation moved, so every worker decides the same way, a restart forgets nothing and an erased
 * requester's words stop teaching. Triage decides as the replay does (rules/dedupe/replay.ts): ranked with what
 * merges taught, decided with the thresholds the answers support.
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

const analyser = (dedupe: DedupeEngine) => (input: DedupeAnswer['a']) => dedupe.analyse(input);

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
  learnFrom(rows.map(dedupeAnswerOf), analyser(dedupe));

/**
 * At start-up, with the analysis this process triages with: when the kept evidence was learned with another
 * analysis (a new analysis version, probes or synonym table: see rules/dedupe/fingerprint.ts), or none is
 * recorded, everything is learned again from the answers and kept with this fingerprint. Returns whether it was.
 */
export const learnUnderAnalysis = (
  db: Db,
  analyse: (input: TextInput) => AnalysedText,
  fingerprint: string,
): Promise<boolean> =>
  db.transaction(async (tx) => {
    if ((await learnedAnalysis(tx)) === fingerprint) return false;
    await moveLearningGeneration(tx);
    if ((await learnedAnalysis(tx)) === fingerprint) return false;
    const evidence = learnFrom((await answersForLearning(tx)).map(dedupeAnswerOf), analyse);
    await keepLearnedEvidence(tx, evidence, fingerprint);
    return true;
  });

export type DedupeLearning = ReturnType<typeof createDedupeLearning>;

/** The per-process cache of what the answers teach, rebuilt when the stored generation moved. */
export function createDedupeLearning(
  dedupe: DedupeEngine,
  calibration: CalibrationOptions | undefined = DEFAULT_CALIBRATION_OPTIONS,
) {
  let cached: Learning | undefined;
  const compile = (
    generation: number,
    evidence: LearnedEvidence,
    survivorOf: (featureId: string) => string,
  ): Learning => {
    const thresholds = calibrateThresholds(evidence, dedupe.thresholds, calibration);
    return {
      generation,
      evidence,
      compiled: compileLearning(evidence, survivorOf),
      thresholds,
      inUse: thresholdsOf(thresholds),
    };
  };
  return {
    /**
     * The learning as of now: one small read when nothing changed since this process last compiled it, else the
     * kept evidence (learned from the answers only when none was kept: a store from before it was).
     */
    async current(db: Tx | Db): Promise<Learning> {
      if (cached?.generation === (await learningGeneration(db))) return cached;
      const state = await learningState(db);
      const evidence = state.evidence ?? evidenceOf(await answersForLearning(db), dedupe);
      const built = compile(state.generation, evidence, await survivorsOf(db, evidence));
      cached = built;
      return built;
    },
  };
}

/**
 * The live end of each dismissed feature's merge chain. Every merge records an answer and every unmerge moves the
 * generation, so this is read again exactly when it may have changed.
 */
async function survivorsOf(db: Tx | Db, evidence: LearnedEvidence): Promise<(featureId: string) => string> {
  const into = await mergedFeaturesOf(
    db,
    evidence.dismissed.flatMap(([x, y]) => [x, y]),
  );
  return (featureId) => {
    let live = featureId;
    const seen = new Set<string>();
    for (let next = into.get(live); next !== undefined && !seen.has(next); next = into.get(live)) {
      seen.add(live);
      live = next;
    }
    return live;
  };
}

/**
 * An answer about to be recorded: the pair, its scores when review asked about this pair, and whether it answered
 * a review item: accepting the candidate asked about, or merging the item into (or with) another feature.
 */
interface PendingAnswer extends ReviewQuestion {
  requestFeatureId: string;
  candidateFeatureId: string;
  review: 'accepted' | 'elsewhere' | undefined;
}

const asked = (question: ReviewQuestion, itemId: string, candidateId: string): PendingAnswer => ({
  ...question,
  requestFeatureId: itemId,
  candidateFeatureId: candidateId,
  review: 'accepted',
});

/**
 * The pair a merge of `fromId` into `intoId` (merged into `survivorId`, the live end of its chain) answers, read
 * before the merge moves anything: a review item answered either way round (the survivor's question when the
 * candidate was merged into it), or else the requests the two features are named after (their titles when none), with no scores: still an answer on a
 * review item, not accepting its candidate, when either waited for review as a duplicate of a third feature.
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
  const waiting =
    (await reviewQuestionOf(tx, fromId, undefined)) ?? (await reviewQuestionOf(tx, survivorId, undefined));
  return {
    requestId: await titleRequestOf(tx, fromId),
    candidateRequestId: await titleRequestOf(tx, survivorId),
    scores: null,
    requestFeatureId: fromId,
    candidateFeatureId: survivorId,
    review: waiting ? 'elsewhere' : undefined,
  };
}

/**
 * Moves the generation and keeps `changed(kept)`: the evidence with this transaction's change. With none kept yet,
 * the evidence is learned from the answers as they now stand (the change is in them already).
 */
async function changeEvidence(
  tx: Tx,
  dedupe: DedupeEngine,
  changed: (kept: LearnedEvidence) => LearnedEvidence,
): Promise<void> {
  const kept = await moveLearningGeneration(tx);
  const evidence = kept ? changed(kept) : evidenceOf(await answersForLearning(tx), dedupe);
  await keepLearnedEvidence(tx, evidence);
}

/** Stores an answer and adds what it teaches to the kept evidence, in the caller's transaction. */
export async function recordAnswer(tx: Tx, dedupe: DedupeEngine, answer: NewDedupeAnswer): Promise<void> {
  const id = await insertDedupeAnswer(tx, answer);
  const [stored] = await answersForLearning(tx, { id });
  await changeEvidence(tx, dedupe, (kept) =>
    stored ? withAnswer(kept, dedupeAnswerOf(stored), analyser(dedupe)) : kept,
  );
}

/** Records a merge's answer, naming the merge so that undoing it forgets what it taught. */
export async function recordMergeAnswer(
  tx: Tx,
  dedupe: DedupeEngine,
  pending: PendingAnswer,
  merge: { mergeId: string; cause: 'review' | 'api' | 'tracker'; actor: string | null },
): Promise<void> {
  const { review, ...pair } = pending;
  await recordAnswer(tx, dedupe, {
    ...pair,
    answer: 'merge',
    cause: review ? 'review' : merge.cause,
    accepted: review ? review === 'accepted' : null,
    actor: merge.actor,
    mergeId: merge.mergeId,
  });
}

/** "Not a duplicate" on a review item (read before its answer ends the wait); nothing when it was not one. */
export async function recordDismissAnswer(
  tx: Tx,
  dedupe: DedupeEngine,
  question: { itemId: string; candidateId: string; actor: string },
  asked: ReviewQuestion | undefined,
): Promise<void> {
  if (!asked) return;
  await recordAnswer(tx, dedupe, {
    ...asked,
    requestFeatureId: question.itemId,
    candidateFeatureId: question.candidateId,
    answer: 'dismiss',
    cause: 'review',
    accepted: false,
    actor: question.actor,
  });
}

/**
 * An undone merge: what it taught goes, in the unmerge's transaction. Taken out with the texts it was learned
 * from: a request's words change only by an erasure (which learns everything again); a side without a request
 * was read from its feature's title, which may have been edited since, so then everything is learned again.
 */
export async function forgetMergeAnswer(tx: Tx, dedupe: DedupeEngine, mergeId: string): Promise<void> {
  const taught = await answersForLearning(tx, { mergeId });
  if ((await deleteAnswersOfMerge(tx, mergeId)) === 0) {
    // Nothing taught to take out, but a dismissal of the feature now points at it again: every process recompiles.
    await moveLearningGeneration(tx);
    return;
  }
  if (taught.some((row) => row.requestId === null || row.candidateRequestId === null)) {
    await relearnEverything(tx, dedupe);
    return;
  }
  await changeEvidence(tx, dedupe, (kept) =>
    taught.reduce((evidence, row) => withoutAnswer(evidence, dedupeAnswerOf(row), analyser(dedupe)), kept),
  );
}

async function relearnEverything(tx: Tx, dedupe: DedupeEngine): Promise<void> {
  await moveLearningGeneration(tx);
  await keepLearnedEvidence(tx, evidenceOf(await answersForLearning(tx), dedupe));
}

/** After an erasure of these requests' words: when an answer used them, everything is learned again without them. */
export async function relearnWithoutRequests(
  tx: Tx,
  dedupe: DedupeEngine,
  requestIds: readonly string[],
): Promise<void> {
  if (await answersUseRequests(tx, requestIds)) await relearnEverything(tx, dedupe);
}

/** After a feature's title changed: when an answer teaches from that title, everything is learned again with it. */
export async function relearnAfterTitleEdit(tx: Tx, dedupe: DedupeEngine, featureId: string): Promise<void> {
  if (await answersUseTitleOf(tx, featureId)) await relearnEverything(tx, dedupe);
}

/** Everything learned goes: the answers are deleted and every process decides as configured again. */
export const forgetEverything = (db: Db) =>
  db.transaction(async (tx) => {
    const forgotten = await deleteAllAnswers(tx);
    await moveLearningGeneration(tx);
    await keepLearnedEvidence(tx, EMPTY_EVIDENCE);
    return forgotten;
  });

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
