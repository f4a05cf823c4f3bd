import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { DedupeEngine } from '../rules/dedupe/engine.ts';
import { type RollupRule, rollupStatus } from '../rules/rollup.ts';
import type { ScoringModel } from '../rules/score.ts';
import type { StatusMapConfig } from '../rules/status-map.ts';
import type { Db } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { type FanOutOutcome, fanOutNotifications, type NotifyPolicy } from './notify-outbox.repo.ts';
import { featureStatusChanges, features, trackerLinks } from './schema.ts';

/**
 * What every feature status change shares, whether a tracker event, a link by hand or a merge made it: the
 * policy, the feature row locks taken in id order, the roll-up of a feature's links into its status, and the
 * change recorded with its notifications in the same transaction (queued once it commits).
 */

/** A concurrent change got in first (a merge moved a link): nothing was written; the job is retried. */
export class RetryableConflict extends Error {
  override readonly name = 'RetryableConflict';
}

export type StatusCause = (typeof featureStatusChanges.$inferInsert)['cause'];

export interface StatusChange {
  featureId: string;
  from: FeatureStatus;
  to: FeatureStatus;
}

export interface StatusPolicy {
  statusMap: StatusMapConfig;
  rollup: RollupRule;
  /** A merge rescores both features. */
  scoring: ScoringModel;
  /** Imported issues' titles are indexed for dedupe. */
  dedupe: DedupeEngine;
  /** Who hears about a change (the notification outbox); absent: nobody is notified. */
  notify?: NotifyPolicy | undefined;
}

/** Who merged, for the audit trail (feature_merges). */
export interface MergeAudit {
  by: 'tracker' | 'review' | 'api';
  actor?: string | undefined;
}

export type ApplyOutcome =
  | { outcome: 'not-linked' }
  | { outcome: 'stale'; featureId: string }
  | { outcome: 'applied'; featureId: string; linkId: string; change: StatusChange | undefined };

/** Locks the features in id order (two merges of the same pair cannot deadlock) and returns them by id. */
export async function lockFeatures(tx: Tx, ids: readonly string[]) {
  const rows = await tx
    .select({
      id: features.id,
      status: features.status,
      mergedIntoId: features.mergedIntoId,
      title: features.title,
    })
    .from(features)
    .where(inArray(features.id, [...new Set(ids)]))
    .orderBy(asc(features.id))
    .for('update');
  return new Map(rows.map((r) => [r.id, r]));
}

/**
 * Rolls the feature's links up into its status and records the change. A feature merged into another keeps
 * `merged`; links that only say "merged" (a duplicate whose original we could not read) leave the status alone
 * until the merge itself runs. The caller holds the feature's row lock.
 */
export async function settleStatus(
  tx: Tx,
  featureId: string,
  policy: StatusPolicy,
  cause: StatusCause,
  detail: { linkId?: string; [key: string]: unknown },
): Promise<StatusChange | undefined> {
  const [feature] = await tx
    .select({ status: features.status, mergedIntoId: features.mergedIntoId })
    .from(features)
    .where(eq(features.id, featureId));
  if (!feature || feature.mergedIntoId) return undefined;
  const links = await tx
    .select({
      status: trackerLinks.mappedStatus,
      primary: trackerLinks.primary,
      createdAt: trackerLinks.createdAt,
      issueUpdatedAt: trackerLinks.issueUpdatedAt,
      mergedFrom: trackerLinks.mergedFromFeatureId,
    })
    .from(trackerLinks)
    .where(
      and(
        eq(trackerLinks.featureId, featureId),
        inArray(trackerLinks.state, ['linked', 'failed']),
        isNotNull(trackerLinks.mappedStatus),
      ),
    );
  const next = rollupStatus(
    links.map((l) => ({
      status: l.status ?? 'received',
      primary: l.primary,
      linkedAt: l.createdAt.toISOString(),
      updatedAt: (l.issueUpdatedAt ?? l.createdAt).toISOString(),
      viaMerge: l.mergedFrom !== null,
    })),
    policy.rollup,
  );
  if (next === null || next === feature.status || next === 'merged') return undefined;
  return recordChange(tx, policy, featureId, feature.status, next, cause, detail);
}

/** The notification outbox rows each open transaction made, queued once it commits (see `inTransaction`). */
const outboxOf = new WeakMap<Tx, FanOutOutcome>();

/** A transaction whose status changes' notifications are handed to `policy.notify.afterCommit` once it commits. */
export async function inTransaction<T>(
  db: Db,
  policy: StatusPolicy,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const outbox: FanOutOutcome = { created: [], cancelled: 0 };
  const result = await db.transaction(async (tx) => {
    outboxOf.set(tx, outbox);
    return work(tx);
  });
  if (policy.notify?.afterCommit && (outbox.created.length > 0 || outbox.cancelled > 0)) {
    await policy.notify.afterCommit(outbox);
  }
  return result;
}

export async function recordChange(
  tx: Tx,
  policy: StatusPolicy,
  featureId: string,
  from: FeatureStatus,
  to: FeatureStatus,
  cause: StatusCause,
  { linkId, ...detail }: { linkId?: string; [key: string]: unknown },
  notify: { requestIds?: readonly string[]; detail?: Record<string, unknown> } = {},
): Promise<StatusChange> {
  await tx.update(features).set({ status: to, updatedAt: sql`now()` }).where(eq(features.id, featureId));
  const [row] = await tx
    .insert(featureStatusChanges)
    .values({
      featureId,
      fromStatus: from,
      toStatus: to,
      cause,
      linkId: linkId ?? null,
      detail,
    })
    .returning({ id: featureStatusChanges.id });
  // The news goes into the outbox in this same transaction: a committed change always has its notifications.
  if (policy.notify && row) {
    const outcome = await fanOutNotifications(tx, policy.notify, {
      featureId,
      from,
      to,
      statusChangeId: row.id,
      requestIds: notify.requestIds,
      detail: notify.detail,
    });
    const outbox = outboxOf.get(tx);
    outbox?.created.push(...outcome.created);
    if (outbox) outbox.cancelled += outcome.cancelled;
  }
  return { featureId, from, to };
}
