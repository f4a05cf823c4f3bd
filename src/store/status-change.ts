import { and, asc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { Tx } from './feature-writes.ts';
import { featureStatusChanges, features, trackerLinks } from './schema.ts';

/**
 * The reads and writes every feature status change shares, whether a tracker event, a link by hand or a merge made
 * it: the feature row locks taken in id order, what a feature's links say, and the change recorded with its cause.
 * Deciding the status is the application's (application/status-change.ts).
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

/** A feature's status and whether it is merged into another. */
export async function featureStatusOf(tx: Tx, featureId: string) {
  const [feature] = await tx
    .select({ status: features.status, mergedIntoId: features.mergedIntoId })
    .from(features)
    .where(eq(features.id, featureId));
  return feature;
}

/**
 * What a feature's live links say about its status (links with a mapped status only). A link whose issue a merge
 * closes (or closed, and an unmerge has yet to reopen) as a duplicate says nothing: that done state is ours, not
 * progress on the work.
 */
export async function linkStatusesOf(tx: Tx, featureId: string) {
  return tx
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
        isNull(trackerLinks.duplicateOfLinkId),
        isNull(trackerLinks.closedAsDuplicateOf),
      ),
    );
}

/** Sets the feature's status and records the change; returns the change row's id. */
export async function writeStatusChange(
  tx: Tx,
  change: StatusChange & { cause: StatusCause; linkId: string | undefined; detail: Record<string, unknown> },
): Promise<string> {
  await tx
    .update(features)
    .set({ status: change.to, updatedAt: sql`now()` })
    .where(eq(features.id, change.featureId));
  const [row] = await tx
    .insert(featureStatusChanges)
    .values({
      featureId: change.featureId,
      fromStatus: change.from,
      toStatus: change.to,
      cause: change.cause,
      linkId: change.linkId ?? null,
      detail: change.detail,
    })
    .returning({ id: featureStatusChanges.id });
  if (!row) throw new Error('status change insert returned no row');
  return row.id;
}
