import { and, asc, count, eq, inArray, isNotNull, isNull, or, type SQLWrapper, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { LearnedEvidence } from '../rules/dedupe/learned.ts';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { dedupeAnswers, dedupeLearning, features, requesters, requests, triageDecisions } from './schema.ts';

/**
 * The team's answers to "are these one need?" (`dedupe_answers`), and what they teach with the generation that moves
 * with every change to them (`dedupe_learning`). Reads and writes only: application/dedupe-learning keeps the two
 * in step.
 */

export type NewDedupeAnswer = Omit<typeof dedupeAnswers.$inferInsert, 'id' | 'answeredAt'>;

/** One answer with the texts it teaches from: empty when the requester was erased (their words teach nothing). */
export interface StoredAnswer {
  /** Null: that side's text is its feature's title (a feature without requests). */
  requestId: string | null;
  candidateRequestId: string | null;
  requestFeatureId: string;
  candidateFeatureId: string;
  answer: 'merge' | 'dismiss';
  scores: Record<string, number> | null;
  answeredAt: Date;
  text: { title: string; body: string };
  candidateText: { title: string; body: string };
}

/**
 * Moves the generation, in the caller's transaction, and returns the evidence kept with it (null: none kept yet).
 * The row stays locked until the transaction ends, so changes to the evidence are applied one after another.
 */
export async function moveLearningGeneration(tx: Tx): Promise<LearnedEvidence | null> {
  const [row] = await tx
    .insert(dedupeLearning)
    .values({ id: 1, generation: 1 })
    .onConflictDoUpdate({
      target: dedupeLearning.id,
      set: { generation: sql`${dedupeLearning.generation} + 1` },
    })
    .returning({ evidence: dedupeLearning.evidence });
  return row?.evidence ?? null;
}

/**
 * Keeps the evidence the answers now teach, and with `analysis` the fingerprint of the analysis it was learned
 * with; the caller moved the generation in this transaction.
 */
export async function keepLearnedEvidence(
  tx: Tx,
  evidence: LearnedEvidence,
  analysis: string | undefined = undefined,
): Promise<void> {
  await tx
    .update(dedupeLearning)
    .set(analysis === undefined ? { evidence } : { evidence, analysis })
    .where(eq(dedupeLearning.id, 1));
}

/** The fingerprint of the analysis the kept evidence was learned with (null: none recorded, or no row yet). */
export async function learnedAnalysis(db: Tx | Db): Promise<string | null> {
  const [row] = await db
    .select({ analysis: dedupeLearning.analysis })
    .from(dedupeLearning)
    .where(eq(dedupeLearning.id, 1));
  return row?.analysis ?? null;
}

/** The generation now; 0 before the first answer. */
export async function learningGeneration(db: Tx | Db): Promise<number> {
  const [row] = await db
    .select({ generation: dedupeLearning.generation })
    .from(dedupeLearning)
    .where(eq(dedupeLearning.id, 1));
  return row?.generation ?? 0;
}

/** The generation and the evidence kept with it, read together (null evidence: none kept). */
export async function learningState(
  db: Tx | Db,
): Promise<{ generation: number; evidence: LearnedEvidence | null }> {
  const [row] = await db
    .select({ generation: dedupeLearning.generation, evidence: dedupeLearning.evidence })
    .from(dedupeLearning)
    .where(eq(dedupeLearning.id, 1));
  return row ?? { generation: 0, evidence: null };
}

/**
 * Each merged feature a dismissal names and the feature it was merged into (one step of its chain), read with the
 * evidence so that the dismissal is compared against the live end of the chain.
 */
export async function mergedFeaturesOf(
  db: Tx | Db,
  featureIds: readonly string[],
): Promise<Map<string, string>> {
  const into = new Map<string, string>();
  let next = [...new Set(featureIds)];
  // One read per step of the longest chain.
  while (next.length > 0) {
    const rows = await db
      .select({ id: features.id, mergedIntoId: features.mergedIntoId })
      .from(features)
      .where(and(inArray(features.id, next), isNotNull(features.mergedIntoId)));
    next = [];
    for (const { id, mergedIntoId } of rows) {
      if (!mergedIntoId || into.has(id)) continue;
      into.set(id, mergedIntoId);
      if (!into.has(mergedIntoId)) next.push(mergedIntoId);
    }
  }
  return into;
}

/** Stores one answer; returns its id. What it teaches is the caller's (application/dedupe-learning.ts). */
export async function insertDedupeAnswer(tx: Tx, answer: NewDedupeAnswer): Promise<number> {
  const [row] = await tx.insert(dedupeAnswers).values(answer).returning({ id: dedupeAnswers.id });
  if (!row) throw new Error('dedupe answer insert returned no row');
  return row.id;
}

/** Deletes the answer a merge recorded (the merge was undone); returns how many rows went. */
export async function deleteAnswersOfMerge(tx: Tx, mergeId: string): Promise<number> {
  const gone = await tx
    .delete(dedupeAnswers)
    .where(eq(dedupeAnswers.mergeId, mergeId))
    .returning({ id: dedupeAnswers.id });
  return gone.length;
}

/** Deletes every answer; returns how many there were. */
export async function deleteAllAnswers(tx: Tx): Promise<number> {
  const gone = await tx.delete(dedupeAnswers).returning({ id: dedupeAnswers.id });
  return gone.length;
}

/** Whether an answer used the words of any of these requests. */
export async function answersUseRequests(tx: Tx, requestIds: readonly string[]): Promise<boolean> {
  if (requestIds.length === 0) return false;
  const [used] = await tx
    .select({ id: dedupeAnswers.id })
    .from(dedupeAnswers)
    .where(
      or(
        inArray(dedupeAnswers.requestId, [...requestIds]),
        inArray(dedupeAnswers.candidateRequestId, [...requestIds]),
      ),
    )
    .limit(1);
  return used !== undefined;
}

/** Whether an answer teaches from this feature's title (a side without a request: see `answersForLearning`). */
export async function answersUseTitleOf(tx: Tx, featureId: string): Promise<boolean> {
  const [used] = await tx
    .select({ id: dedupeAnswers.id })
    .from(dedupeAnswers)
    .where(
      or(
        and(isNull(dedupeAnswers.requestId), eq(dedupeAnswers.requestFeatureId, featureId)),
        and(isNull(dedupeAnswers.candidateRequestId), eq(dedupeAnswers.candidateFeatureId, featureId)),
      ),
    )
    .limit(1);
  return used !== undefined;
}

const candidateRequest = alias(requests, 'candidate_request');
const requester = alias(requesters, 'requester');
const candidateRequester = alias(requesters, 'candidate_requester');
const requestFeature = alias(features, 'request_feature');
const candidateFeature = alias(features, 'candidate_feature');

/**
 * A side's text: its request's words unless its requester was erased (erasure blanks them too; this also holds
 * for an erasure committed between the two), or `fallback` (its feature's title) when the side had no request.
 */
const sideText = (requestId: SQLWrapper, erasedAt: SQLWrapper, words: SQLWrapper, fallback: SQLWrapper) =>
  sql<string>`case when ${requestId} is null then ${fallback} when ${erasedAt} is not null then '' else ${words} end`;

const answersWhere = (which: { id: number } | { mergeId: string } | undefined) =>
  which === undefined
    ? undefined
    : 'id' in which
      ? eq(dedupeAnswers.id, which.id)
      : eq(dedupeAnswers.mergeId, which.mergeId);

/** The answers (all, or those `which` selects) in the order given, with the texts they teach from. */
export async function answersForLearning(
  db: Tx | Db,
  which: { id: number } | { mergeId: string } | undefined = undefined,
): Promise<StoredAnswer[]> {
  const rows = await db
    .select({
      requestId: dedupeAnswers.requestId,
      candidateRequestId: dedupeAnswers.candidateRequestId,
      requestFeatureId: dedupeAnswers.requestFeatureId,
      candidateFeatureId: dedupeAnswers.candidateFeatureId,
      answer: dedupeAnswers.answer,
      scores: dedupeAnswers.scores,
      answeredAt: dedupeAnswers.answeredAt,
      title: sideText(requests.id, requester.erasedAt, requests.title, requestFeature.title),
      body: sideText(requests.id, requester.erasedAt, requests.body, sql`''`),
      candidateTitle: sideText(
        candidateRequest.id,
        candidateRequester.erasedAt,
        candidateRequest.title,
        candidateFeature.title,
      ),
      candidateBody: sideText(
        candidateRequest.id,
        candidateRequester.erasedAt,
        candidateRequest.body,
        sql`''`,
      ),
    })
    .from(dedupeAnswers)
    .innerJoin(requestFeature, eq(requestFeature.id, dedupeAnswers.requestFeatureId))
    .innerJoin(candidateFeature, eq(candidateFeature.id, dedupeAnswers.candidateFeatureId))
    .leftJoin(requests, eq(requests.id, dedupeAnswers.requestId))
    .leftJoin(requester, eq(requester.id, requests.requesterId))
    .leftJoin(candidateRequest, eq(candidateRequest.id, dedupeAnswers.candidateRequestId))
    .leftJoin(candidateRequester, eq(candidateRequester.id, candidateRequest.requesterId))
    .where(answersWhere(which))
    .orderBy(asc(dedupeAnswers.id));
  return rows.map(({ title, body, candidateTitle, candidateBody, ...row }) => ({
    ...row,
    text: { title, body },
    candidateText: { title: candidateTitle, body: candidateBody },
  }));
}

/** The question a review item asked: the request triage decided on, the candidate's request, and the scores. */
export interface ReviewQuestion {
  requestId: string | null;
  candidateRequestId: string | null;
  scores: Record<string, number> | null;
}

/** The request id of a dedupe document (`r:<id>`); a backlog issue's title (`f:<id>`) has none. */
const requestOfDocument = (documentId: unknown) =>
  typeof documentId === 'string' && documentId.startsWith('r:') ? documentId.slice(2) : null;

/**
 * What review asked about feature `itemId` while it waits as a possible duplicate of `candidateId` (undefined: of
 * any feature); undefined when it is not such an item. The scores are the decision's merge confidence and the candidate's own confidence.
 */
export async function reviewQuestionOf(
  tx: Tx,
  itemId: string,
  candidateId: string | undefined,
): Promise<ReviewQuestion | undefined> {
  const [row] = await tx
    .select({
      own: features.possibleDuplicateScore,
      evidence: features.possibleDuplicateEvidence,
      requestId: triageDecisions.requestId,
      decided: triageDecisions.evidence,
      score: triageDecisions.score,
    })
    .from(features)
    .leftJoin(
      triageDecisions,
      and(eq(triageDecisions.featureId, features.id), eq(triageDecisions.action, 'created')),
    )
    .where(
      and(
        eq(features.id, itemId),
        candidateId === undefined
          ? isNotNull(features.possibleDuplicateOfId)
          : eq(features.possibleDuplicateOfId, candidateId),
        isNull(features.reviewedAt),
        isNull(features.mergedIntoId),
      ),
    )
    .limit(1);
  if (!row) return undefined;
  const confidence = row.decided?.['mergeConfidence'];
  const scored = typeof confidence === 'number' && row.own !== null;
  return {
    requestId: row.requestId,
    candidateRequestId: requestOfDocument(row.evidence?.['documentId']),
    scores: scored ? { confidence, own: row.own ?? 0 } : null,
  };
}

/**
 * The request the feature is named after (the one that started it), if its title is a request's: not the earliest
 * request in it, which may be one an earlier merge moved in (and would teach another feature's words).
 */
export async function titleRequestOf(tx: Tx, featureId: string): Promise<string | null> {
  const [row] = await tx
    .select({ id: features.titleRequestId })
    .from(features)
    .where(eq(features.id, featureId));
  return row?.id ?? null;
}

/**
 * Answers by kind, how many of them answered a review item (the rest are merges nobody was asked about), and how
 * many of those accepted the candidate review proposed.
 */
export async function answerCounts(db: Db) {
  const [row] = await db
    .select({
      answers: count(),
      merges: count(sql`case when ${dedupeAnswers.answer} = 'merge' then 1 end`),
      reviewAnswers: count(sql`case when ${dedupeAnswers.cause} = 'review' then 1 end`),
      reviewMerges: count(
        sql`case when ${dedupeAnswers.cause} = 'review' and ${dedupeAnswers.accepted} then 1 end`,
      ),
    })
    .from(dedupeAnswers);
  return row ?? { answers: 0, merges: 0, reviewAnswers: 0, reviewMerges: 0 };
}
