import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { FEATURE_STATUSES } from '../../domain/status.ts';
import { createdAt, updatedAt } from './columns.ts';
import { features, requests } from './requests.ts';

/** Tracker links and what comes back from the trackers: status changes, webhook deliveries, cursors, merges. */

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
     * null for the feature's own issues. The rollup lets the feature's own issues speak for it (see rules/rollup).
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
    /**
     * The link whose issue this link's issue is to be closed as a duplicate of (a merge of this link's feature into
     * a feature with an issue in the same tracker); null: the issue stays open, or is to be reopened.
     */
    duplicateOfLinkId: uuid('duplicate_of_link_id'),
    /** The issue id this link's issue was closed as a duplicate of by a push; null: not closed by us. */
    closedAsDuplicateOf: text('closed_as_duplicate_of'),
    /** The issue's status name before that close, restored when the merge is undone. */
    statusBeforeClose: text('status_before_close'),
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
    /**
     * The issue the request's customer request was first created on, when that is not this link's issue (it moved
     * here with a merge): its tracker id derives from that issue. Null: created on this link's issue.
     */
    needIssueId: text('need_issue_id'),
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
