import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { LearnedEvidence } from '../../rules/dedupe/learned.ts';
import { features, requests } from './requests.ts';
import { featureMerges } from './trackers.ts';

/** What the team told dedupe: each answer to "are these one need?", and what the answers teach with a counter. */

/**
 * One answer: the request triage asked about (or a merged feature's first request) against the candidate's
 * request, the two features when it was given, and the engine's scores then. Texts are read from the requests
 * when what the answer teaches is added (or taken out, or everything is learned again after an erasure), so an
 * erased requester's words stop teaching. A merge answer names its merge, so an unmerge removes exactly what it
 * taught.
 */
export const dedupeAnswers = pgTable(
  'dedupe_answers',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    /** Null when the feature had no request (an imported backlog issue): its title is the text then. */
    requestId: uuid('request_id').references(() => requests.id),
    candidateRequestId: uuid('candidate_request_id').references(() => requests.id),
    requestFeatureId: uuid('request_feature_id')
      .notNull()
      .references(() => features.id),
    candidateFeatureId: uuid('candidate_feature_id')
      .notNull()
      .references(() => features.id),
    answer: text('answer', { enum: ['merge', 'dismiss'] }).notNull(),
    /** Who answered where: a review item ('review'), a merge by hand ('api'), a duplicate in the tracker. */
    cause: text('cause', { enum: ['review', 'api', 'tracker'] }).notNull(),
    /**
     * The engine's scores for the pair when the question was asked (every field of a DedupeAnswer but the texts,
     * features, answer and time, verbatim); null for a pair nobody was asked about (a merge by hand).
     */
    scores: jsonb('scores').$type<Record<string, number>>(),
    actor: text('actor'),
    mergeId: uuid('merge_id').references(() => featureMerges.id),
    answeredAt: timestamp('answered_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * For an answer on a review item: whether it accepted the candidate review proposed (merged the two, either way
     * round); false for a dismissal or a merge into another feature. Null for an answer nobody was asked.
     */
    accepted: boolean('accepted'),
  },
  (t) => [index('dedupe_answers_merge_idx').on(t.mergeId)],
);

/**
 * One row: what the answers teach (the evidence, rules/dedupe/learned.ts) and a generation, both changed by every
 * change to the answers (an answer, an unmerge, a reset, an erasure) in the transaction that makes it, so each
 * process compiles the evidence again exactly when it changed, without reading the answers.
 */
export const dedupeLearning = pgTable(
  'dedupe_learning',
  {
    id: integer('id').primaryKey().default(1),
    generation: bigint('generation', { mode: 'number' }).notNull().default(0),
    /** Null until first kept (or from before this column): learned again from the answers when next changed. */
    evidence: jsonb('evidence').$type<LearnedEvidence>(),
    /**
     * The fingerprint of the text analysis the evidence was learned with (rules/dedupe/fingerprint.ts); when the
     * analysis changes, everything is learned again from the answers at start-up.
     */
    analysis: text('analysis'),
  },
  (t) => [check('dedupe_learning_one_row', sql`${t.id} = 1`)],
);
