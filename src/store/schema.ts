import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { FEATURE_STATUSES } from '../domain/status.ts';

/**
 * The one schema for Postgres and PGlite. Changes go through `npm run db:generate`, which writes a new versioned
 * migration under src/store/migrations; never edit an applied migration.
 */

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export const companies = pgTable('companies', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The email domain when known, else `name:<lowercased name>`: one row per account. */
  key: text('key').notNull().unique(),
  name: text('name'),
  domain: text('domain'),
  revenue: doublePrecision('revenue'),
  tier: text('tier'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

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
  (t) => [index('requesters_company_idx').on(t.companyId)],
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
    /** Null until triage committed: the reconciler re-enqueues rows where this is null. */
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
 * A feature ↔ tracker issue. A row is written (state `pending`) before the tracker is asked to create the issue,
 * with an idempotency key derived from the feature and the target, so a push retried after a crash at any point
 * finds the issue the first attempt made instead of creating a second one.
 */
export const trackerLinks = pgTable(
  'tracker_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    kind: text('kind', { enum: ['jira', 'linear'] }).notNull(),
    /** The Jira site or Linear workspace id from the configuration. */
    site: text('site').notNull(),
    /** PushTarget as routed (project / issue type, or team). */
    target: jsonb('target').$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    issueId: text('issue_id'),
    issueKey: text('issue_key'),
    url: text('url'),
    state: text('state', { enum: ['pending', 'linked', 'unlinked', 'failed'] })
      .notNull()
      .default('pending'),
    origin: text('origin', { enum: ['created', 'linked', 'imported'] })
      .notNull()
      .default('created'),
    primary: boolean('primary').notNull().default(false),
    /**
     * The feature this link came from when a merge moved it here (the first such feature, if merges chained);
     * null for the feature's own issues. The rollup lets the feature's own issues speak for it (see sync/rollup).
     */
    mergedFromFeatureId: uuid('merged_from_feature_id'),
    statusName: text('status_name'),
    statusCategory: text('status_category'),
    mappedStatus: text('mapped_status', { enum: FEATURE_STATUSES }),
    /** The issue's own update time from the last state we applied: older events change nothing. */
    issueUpdatedAt: timestamp('issue_updated_at', { withTimezone: true }),
    /**
     * When a create was last sent. Jira's search is eventually consistent, so a retry that cannot find the issue an
     * earlier attempt may have made waits until this is old enough before creating again.
     */
    createAttemptedAt: timestamp('create_attempted_at', { withTimezone: true }),
    /**
     * The feature title this link last carried to its issue (the link back, and the summary while it still read the
     * one before): a changed title rewrites a summary only while it still reads this, so one a person wrote stays.
     */
    pushedTitle: text('pushed_title'),
    /**
     * When the issue was known to carry this link's mark (created by this link, or marked by its push): from then
     * on, what the tracker says about the issue applies only while the issue still carries it. Null: a link made by
     * hand or by import that no push has marked yet, trusted on the read that made it.
     */
    markedAt: timestamp('marked_at', { withTimezone: true }),
    /** Hash of the content last pushed: an unchanged demand makes no tracker call. */
    pushedHash: text('pushed_hash'),
    pushedAt: timestamp('pushed_at', { withTimezone: true }),
    /** Set when demand changed after the last push; cleared by the push that covers it. */
    dirtySince: timestamp('dirty_since', { withTimezone: true }),
    /**
     * Bumped by every demand change: a push clears `dirtySince` only if no change came in while it ran (the version
     * it read is still the current one), so a request that joins during a push gets a push of its own.
     */
    demandVersion: integer('demand_version').notNull().default(0),
    /**
     * When the issue was found without this link's mark (another issue has its id, or the mark was removed): from
     * then on nothing is pushed to it and what the tracker says of it is not applied, until the mark is back or the
     * link is unlinked. Its own column: a push or an error recorded meanwhile must not clear it.
     */
    markLostAt: timestamp('mark_lost_at', { withTimezone: true }),
    lastErrorKind: text('last_error_kind'),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One live link per issue; an unlinked row stays as history and the issue may be linked again.
    uniqueIndex('tracker_links_live_issue_key')
      .on(t.kind, t.site, t.issueId)
      .where(sql`${t.issueId} is not null and ${t.state} <> 'unlinked'`),
    index('tracker_links_feature_idx').on(t.featureId),
    index('tracker_links_dirty_idx').on(t.dirtySince).where(sql`${t.dirtySince} is not null`),
  ],
);

/** Which requests a link has carried to the tracker as customer requests (Linear), so none is sent twice. */
export const trackerLinkRequests = pgTable(
  'tracker_link_requests',
  {
    linkId: uuid('link_id')
      .notNull()
      .references(() => trackerLinks.id),
    requestId: uuid('request_id')
      .notNull()
      .references(() => requests.id),
    pushedAt: timestamp('pushed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.linkId, t.requestId] })],
);

/** Every change of a feature's customer-facing status, with its time and cause: what notifications start from. */
export const featureStatusChanges = pgTable(
  'feature_status_changes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    fromStatus: text('from_status', { enum: FEATURE_STATUSES }).notNull(),
    toStatus: text('to_status', { enum: FEATURE_STATUSES }).notNull(),
    cause: text('cause', {
      enum: ['tracker', 'reconcile', 'merge', 'unmerge', 'unlink', 'api', 'import'],
    }).notNull(),
    linkId: uuid('link_id').references(() => trackerLinks.id),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('feature_status_changes_feature_idx').on(t.featureId, t.changedAt)],
);

/** Inbound webhook deliveries, recorded before they are acknowledged; unique per delivery id (dedupe). */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    provider: text('provider', { enum: ['jira', 'linear'] }).notNull(),
    site: text('site').notNull(),
    deliveryId: text('delivery_id').notNull(),
    payload: jsonb('payload').$type<unknown>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
    outcome: text('outcome'),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_delivery_key').on(t.provider, t.site, t.deliveryId),
    index('webhook_deliveries_unprocessed_idx').on(t.receivedAt).where(sql`${t.processedAt} is null`),
  ],
);

/** Where each tracker's reconcile resumes. */
export const syncCursors = pgTable(
  'sync_cursors',
  {
    kind: text('kind', { enum: ['jira', 'linear'] }).notNull(),
    site: text('site').notNull(),
    cursor: text('cursor').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.site] })],
);

/**
 * Every merge of one feature into another (review, API, tracker duplicate), with what it moved, so it can be undone:
 * unmerge moves back exactly the requests and links listed here.
 */
export const featureMerges = pgTable(
  'feature_merges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    fromFeatureId: uuid('from_feature_id')
      .notNull()
      .references(() => features.id),
    intoFeatureId: uuid('into_feature_id')
      .notNull()
      .references(() => features.id),
    cause: text('cause', { enum: ['review', 'api', 'tracker'] }).notNull(),
    /** Who asked (the API key's label), or the tracker issue that said so. */
    actor: text('actor'),
    fromStatus: text('from_status', { enum: FEATURE_STATUSES }).notNull(),
    requestIds: uuid('request_ids').array().notNull(),
    linkIds: uuid('link_ids').array().notNull(),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    undoneBy: text('undone_by'),
  },
  (t) => [
    index('feature_merges_from_idx').on(t.fromFeatureId, t.createdAt),
    index('feature_merges_into_idx').on(t.intoFeatureId),
  ],
);

/**
 * The dedupe index, kept in the database so it survives restarts and every worker process shares it. A document is
 * one request's text (`r:<request id>`) or the title of a feature that has no request yet (`f:<feature id>`,
 * an imported backlog issue); it belongs to the feature its request is in, and moves with it on merge.
 */
export const dedupeDocuments = pgTable(
  'dedupe_documents',
  {
    id: text('id').primaryKey(),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
    /** term → [title tf, body tf]: the full vector, so leaders are scored exactly whatever retrieval fetched. */
    terms: jsonb('terms').$type<Record<string, [number, number]>>().notNull(),
    titleGrams: text('title_grams').array().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('dedupe_documents_feature_idx').on(t.featureId)],
);

/** Postings: which documents contain a term, with the field lengths the BM25 norm needs (no join to rank). */
export const dedupePostings = pgTable(
  'dedupe_postings',
  {
    term: text('term').notNull(),
    documentId: text('document_id')
      .notNull()
      .references(() => dedupeDocuments.id, { onDelete: 'cascade' }),
    titleTf: integer('title_tf').notNull(),
    bodyTf: integer('body_tf').notNull(),
    titleLength: integer('title_length').notNull(),
    bodyLength: integer('body_length').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.term, t.documentId] }),
    index('dedupe_postings_document_idx').on(t.documentId),
    // Covers retrieval: an index-only scan per term instead of one table page per posting (needs vacuum).
    index('dedupe_postings_term_cover_idx').on(
      t.term,
      t.documentId,
      t.titleTf,
      t.bodyTf,
      t.titleLength,
      t.bodyLength,
    ),
  ],
);

/** Document frequency per term, and the vocabulary typo look-ups search (pg_trgm). */
export const dedupeTerms = pgTable(
  'dedupe_terms',
  {
    term: text('term').primaryKey(),
    df: integer('df').notNull(),
  },
  // No pending list (fastupdate off): a queued entry is scanned by every look-up until something flushes it.
  (t) => [index('dedupe_terms_trgm_idx').using('gin', t.term.op('gin_trgm_ops')).with({ fastupdate: false })],
);

/** Corpus totals (one row): how many documents, and their summed field lengths for the BM25 averages. */
export const dedupeCorpus = pgTable('dedupe_corpus', {
  id: integer('id').primaryKey(),
  documents: integer('documents').notNull(),
  titleLengthSum: doublePrecision('title_length_sum').notNull(),
  bodyLengthSum: doublePrecision('body_length_sum').notNull(),
  /** Fingerprint of the analysis the documents were indexed with: a different one at start rebuilds the index. */
  analysis: text('analysis').notNull().default(''),
});

export const NOTIFICATION_CHANNELS = ['email', 'source'] as const;
/** `sending`: claimed by a send job and handed to SMTP (or the source); settled `sent` or `failed` after it. */
export const NOTIFICATION_STATES = [
  'pending',
  'sending',
  'sent',
  'failed',
  'suppressed',
  'cancelled',
] as const;

/**
 * The notification outbox: one row per requester, feature, announced status and channel, written in the transaction
 * that changed the status. The partial unique index is what makes a message go out at most once whatever retries,
 * redelivered webhooks or crashed workers do; `cancelled` rows (a change coalesced away or undone) do not count.
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => requesters.id),
    featureId: uuid('feature_id')
      .notNull()
      .references(() => features.id),
    /** The requester's request on this feature, quoted in the message. */
    requestId: uuid('request_id').references(() => requests.id),
    statusChangeId: uuid('status_change_id').references(() => featureStatusChanges.id),
    channel: text('channel', { enum: NOTIFICATION_CHANNELS }).notNull(),
    status: text('status', { enum: FEATURE_STATUSES }).notNull(),
    state: text('state', { enum: NOTIFICATION_STATES }).notNull().default('pending'),
    /** Why it failed, was suppressed or cancelled (an SMTP reply, "unsubscribed", "undone within window"). */
    reason: text('reason'),
    /** Stable for the row's life, so a resend after a crash between sending and recording is recognisable. */
    messageId: text('message_id').notNull(),
    /** Not sent before this (the coalescing window, or the next digest). */
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('notifications_once_key')
      .on(t.requesterId, t.featureId, t.status, t.channel)
      .where(sql`${t.state} <> 'cancelled'`),
    index('notifications_due_idx').on(t.dueAt).where(sql`${t.state} = 'pending'`),
    // The reconciler looks for sends that never finished (a worker died mid-send).
    index('notifications_sending_idx').on(t.updatedAt).where(sql`${t.state} = 'sending'`),
    index('notifications_feature_idx').on(t.featureId),
    index('notifications_requester_idx').on(t.requesterId),
  ],
);

/** A requester's "stop": for one feature, or (feature null) for all mail. */
export const unsubscribes = pgTable(
  'unsubscribes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    requesterId: uuid('requester_id')
      .notNull()
      .references(() => requesters.id),
    featureId: uuid('feature_id').references(() => features.id),
    /** How: the unsubscribe page, RFC 8058 one-click, or the API. */
    via: text('via').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('unsubscribes_key').on(t.requesterId, t.featureId).nullsNotDistinct()],
);

/** Addresses no mail goes to (a hard bounce, a complaint), by lowercased email. */
export const mailSuppressions = pgTable('mail_suppressions', {
  emailKey: text('email_key').primaryKey(),
  reason: text('reason').notNull(),
  createdAt: createdAt(),
});

/** Secrets the service makes for itself on first start (the token signing key), shared by every process. */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: createdAt(),
});

/** Without SMTP_URL (development) messages are rendered here and shown at /dev/mail. */
export const devMail = pgTable(
  'dev_mail',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: text('message_id').notNull().unique(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    /** The whole RFC 5322 message as it would have been sent. */
    raw: text('raw').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('dev_mail_created_idx').on(t.createdAt)],
);

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
