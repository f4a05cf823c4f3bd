import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { FEATURE_STATUSES } from '../../domain/status.ts';
import { createdAt, updatedAt } from './columns.ts';

/** Who asks, what they asked, the features requests are grouped into, and the sources requests come from. */

export const companies = pgTable(
  'companies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The email domain when known, else `name:<lowercased name>`: one row per account. */
    key: text('key').notNull().unique(),
    name: text('name'),
    domain: text('domain'),
    revenue: doublePrecision('revenue'),
    tier: text('tier'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  // The console's search: a name's start, in any case (text_pattern_ops: the collation is not C, so a plain
  // btree cannot serve `like 'q%'`).
  (t) => [index('companies_name_prefix_idx').using('btree', sql`lower(${t.name}) text_pattern_ops`)],
);

export const requesters = pgTable(
  'requesters',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    /** Lowercased, trimmed email: the identity key. */
    emailKey: text('email_key').notNull().unique(),
    name: text('name'),
    externalId: text('external_id'),
    companyId: uuid('company_id').references(() => companies.id),
    /** Bumped to revoke every status-page and unsubscribe token issued to this requester. */
    tokenVersion: integer('token_version').notNull().default(0),
    /** Status mail as one daily digest instead of one message per change. */
    notifyDigest: boolean('notify_digest').notNull().default(false),
    /** Set when the requester's personal data was erased (the row stays, anonymous, so counts stay right). */
    erasedAt: timestamp('erased_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('requesters_company_idx').on(t.companyId),
    // The console's search by the start of an address, of a name, or of a name's last word.
    index('requesters_email_key_prefix_idx').using('btree', sql`${t.emailKey} text_pattern_ops`),
    index('requesters_name_prefix_idx').using('btree', sql`lower(${t.name}) text_pattern_ops`),
    index('requesters_name_last_word_idx').using(
      'btree',
      sql`lower(substring(${t.name} from '[^[:space:]]+$')) text_pattern_ops`,
    ),
  ],
);

export { FEATURE_STATUSES };

export const features = pgTable(
  'features',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    title: text('title').notNull(),
    /**
     * The request whose title this is (triage names a new feature after its first request); null when the title
     * is no requester's words (an imported issue's, or a placeholder after erasure). Erasure retitles by it.
     */
    titleRequestId: uuid('title_request_id'),
    /** What exact-title matching compares; the similarity engine will index more than this. */
    titleKey: text('title_key').notNull(),
    status: text('status', { enum: FEATURE_STATUSES }).notNull().default('received'),
    score: doublePrecision('score').notNull().default(0),
    requestCount: integer('request_count').notNull().default(0),
    requesterCount: integer('requester_count').notNull().default(0),
    companyCount: integer('company_count').notNull().default(0),
    lastRequestedAt: timestamp('last_requested_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when this feature was merged into another (a tracker-side duplicate, or a merge in review). */
    mergedIntoId: uuid('merged_into_id'),
    /** How the score was made up (each demand component and its weight), as last computed. */
    scoreBreakdown: jsonb('score_breakdown').$type<Record<string, unknown>>().notNull().default({}),
    scoredAt: timestamp('scored_at', { withTimezone: true }),
    /**
     * Triage found this feature close to another, but not close enough to merge on its own: a person decides.
     * Pending while `reviewedAt` is null.
     */
    possibleDuplicateOfId: uuid('possible_duplicate_of_id'),
    possibleDuplicateScore: doublePrecision('possible_duplicate_score'),
    possibleDuplicateEvidence: jsonb('possible_duplicate_evidence').$type<Record<string, unknown>>(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('features_title_key_idx').on(t.titleKey),
    index('features_score_idx').on(t.score.desc(), t.id),
    index('features_recent_idx').on(t.lastRequestedAt.desc(), t.id),
    // The console's other sorts: by requesters, and by the revenue the score breakdown last counted.
    index('features_requesters_idx').on(t.requesterCount.desc(), t.id),
    index('features_revenue_idx').on(
      sql`(coalesce((${t.scoreBreakdown} #>> '{terms,revenue,totalRevenue}')::float8, 0)) desc`,
      t.id,
    ),
    index('features_review_idx')
      .on(t.createdAt)
      .where(
        sql`${t.possibleDuplicateOfId} is not null and ${t.reviewedAt} is null and ${t.mergedIntoId} is null`,
      ),
  ],
);

/** What the requester sent, kept as sent: requests are immutable, identity is resolved in triage. */
export interface SubmittedRequester {
  email: string;
  name?: string | undefined;
  externalId?: string | undefined;
  company?:
    | {
        name?: string | undefined;
        domain?: string | undefined;
        revenue?: number | undefined;
        tier?: string | undefined;
      }
    | undefined;
}

export const requests = pgTable(
  'requests',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    source: text('source').notNull(),
    sourceRef: text('source_ref'),
    /** Scope of the Idempotency-Key: the API key that sent it (a hash prefix, never the key). */
    idempotencyScope: text('idempotency_scope'),
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the normalised payload, to tell an idempotent repeat from a reused key. */
    payloadHash: text('payload_hash').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull().default(''),
    url: text('url'),
    /**
     * Where a reply in the source goes (the ticket, conversation, Slack thread or email Message-ID), as the
     * source's connector wrote it; null for sources that cannot be answered in place.
     */
    sourceThread: jsonb('source_thread').$type<Record<string, unknown>>(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Marked important by whoever sent it (an account manager escalating): weighs more in the score. */
    important: boolean('important').notNull().default(false),
    submittedRequester: jsonb('submitted_requester').$type<SubmittedRequester>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    createdAt: createdAt(),
    requesterId: uuid('requester_id').references(() => requesters.id),
    companyId: uuid('company_id').references(() => companies.id),
    featureId: uuid('feature_id').references(() => features.id),
    /** Null until triage committed: the redrive re-enqueues rows where this is null. */
    triagedAt: timestamp('triaged_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('requests_source_ref_key').on(t.source, t.sourceRef).where(sql`${t.sourceRef} is not null`),
    uniqueIndex('requests_idempotency_key')
      .on(t.idempotencyScope, t.idempotencyKey)
      .where(sql`${t.idempotencyKey} is not null`),
    index('requests_untriaged_idx').on(t.createdAt).where(sql`${t.triagedAt} is null`),
    index('requests_feature_idx').on(t.featureId),
    index('requests_requester_idx').on(t.requesterId),
    // The console's company and tier filters: a company's requests, then their features.
    index('requests_company_idx').on(t.companyId, t.featureId),
  ],
);

/** One row per triage decision: why a request joined or started a feature. Unique per request. */
export const triageDecisions = pgTable('triage_decisions', {
  id: uuid('id').primaryKey().defaultRandom(),
  requestId: uuid('request_id')
    .notNull()
    .unique()
    .references(() => requests.id),
  featureId: uuid('feature_id')
    .notNull()
    .references(() => features.id),
  action: text('action', { enum: ['attached', 'created'] }).notNull(),
  method: text('method').notNull(),
  score: doublePrecision('score').notNull(),
  evidence: jsonb('evidence').$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

/**
 * One row per configured intake source (`sources:` in YAML): where its pull resumes and whether its credentials
 * last worked. The cursor is written in the transaction that stored the page it covers.
 */
export const intakeSources = pgTable('intake_sources', {
  id: text('id').primaryKey(),
  kind: text('kind').notNull(),
  cursor: text('cursor'),
  healthy: boolean('healthy').notNull().default(true),
  lastError: text('last_error'),
  consecutiveFailures: integer('consecutive_failures').notNull().default(0),
  lastPullAt: timestamp('last_pull_at', { withTimezone: true }),
  lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
  updatedAt: updatedAt(),
});
