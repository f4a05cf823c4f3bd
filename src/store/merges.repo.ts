import { and, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import { LIVE_LINK_STATES, type Tx } from './feature-writes.ts';
import { featureMerges, features, notifications, requests, trackerLinks, unsubscribes } from './schema.ts';

/**
 * The rows a merge of one feature into another moves, and the audit trail that lets it be undone: requests, links
 * and stops go to the survivor and back. The use cases (application/merges.ts) decide and lock.
 */

/**
 * Carries the merged feature's stops (unsubscribes) over to the survivor, where its requests now are, and
 * suppresses what is queued from the survivor to those requesters; returns the stops it added, for an unmerge to
 * take back.
 */
export async function copyStops(tx: Tx, fromId: string, survivorId: string): Promise<string[]> {
  const copied = await queryRows<{ id: string; requester_id: string }>(
    tx,
    sql`insert into unsubscribes (requester_id, feature_id, via)
        select requester_id, ${survivorId}, 'merge' from unsubscribes where feature_id = ${fromId}
        on conflict do nothing
        returning id, requester_id`,
  );
  if (copied.length) {
    await tx
      .update(notifications)
      .set({ state: 'suppressed', reason: 'unsubscribed', updatedAt: sql`now()` })
      .where(
        and(
          eq(notifications.featureId, survivorId),
          eq(notifications.state, 'pending'),
          eq(notifications.channel, 'email'),
          inArray(
            notifications.requesterId,
            copied.map((c) => c.requester_id),
          ),
        ),
      );
  }
  return copied.map((c) => c.id);
}

/** Moves every request of `fromId` to the survivor; returns their ids. */
export async function moveRequests(tx: Tx, fromId: string, survivorId: string): Promise<string[]> {
  const moved = await tx
    .update(requests)
    .set({ featureId: survivorId })
    .where(eq(requests.featureId, fromId))
    .returning({ id: requests.id });
  return moved.map((r) => r.id);
}

/**
 * Moves the live links of `fromId` but the duplicate's to the survivor, marked as come by merge (so the survivor's
 * own issues keep its status); returns their ids.
 */
export async function moveLinks(
  tx: Tx,
  fromId: string,
  survivorId: string,
  duplicateLinkId: string | undefined,
): Promise<string[]> {
  const moved = await tx
    .update(trackerLinks)
    .set({
      featureId: survivorId,
      primary: false,
      mergedFromFeatureId: sql`coalesce(${trackerLinks.mergedFromFeatureId}, ${fromId}::uuid)`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(trackerLinks.featureId, fromId),
        inArray(trackerLinks.state, LIVE_LINK_STATES),
        ...(duplicateLinkId ? [ne(trackerLinks.id, duplicateLinkId)] : []),
      ),
    )
    .returning({ id: trackerLinks.id });
  return moved.map((l) => l.id);
}

/** The ids of the feature's primary links. */
export async function primaryLinkIds(tx: Tx, featureId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: trackerLinks.id })
    .from(trackerLinks)
    .where(and(eq(trackerLinks.featureId, featureId), eq(trackerLinks.primary, true)));
  return rows.map((l) => l.id);
}

/** Marks the feature merged into the survivor (and reviewed, if it was not). */
export async function markMerged(tx: Tx, fromId: string, survivorId: string): Promise<void> {
  await tx
    .update(features)
    .set({
      mergedIntoId: survivorId,
      reviewedAt: sql`coalesce(${features.reviewedAt}, now())`,
      updatedAt: sql`now()`,
    })
    .where(eq(features.id, fromId));
}

/** Records a merge for the audit trail and a later unmerge; returns its id. */
export async function insertMergeRecord(tx: Tx, record: typeof featureMerges.$inferInsert): Promise<string> {
  const [row] = await tx.insert(featureMerges).values(record).returning({ id: featureMerges.id });
  if (!row) throw new Error('merge record insert returned no row');
  return row.id;
}

/** The feature and what it is merged into, if anything. */
export async function mergeStateOf(tx: Tx, featureId: string) {
  const [feature] = await tx
    .select({ id: features.id, mergedIntoId: features.mergedIntoId })
    .from(features)
    .where(eq(features.id, featureId));
  return feature;
}

/** The feature's latest merge not undone yet. */
export async function latestMergeOf(tx: Tx, featureId: string) {
  const [merge] = await tx
    .select()
    .from(featureMerges)
    .where(and(eq(featureMerges.fromFeatureId, featureId), isNull(featureMerges.undoneAt)))
    .orderBy(desc(featureMerges.createdAt))
    .limit(1);
  return merge;
}

/** Moves back the requests among `requestIds` still in one of `chain`; returns their ids. */
export async function moveRequestsBack(
  tx: Tx,
  featureId: string,
  requestIds: readonly string[],
  chain: readonly string[],
): Promise<string[]> {
  if (!requestIds.length) return [];
  const back = await tx
    .update(requests)
    .set({ featureId })
    .where(and(inArray(requests.id, [...requestIds]), inArray(requests.featureId, [...chain])))
    .returning({ id: requests.id });
  return back.map((r) => r.id);
}

/**
 * Moves back the live links among `linkIds` still in one of `chain`: its own issues again (one an earlier merge
 * brought to it stays marked as such), the primary ones primary again. Returns their ids.
 */
export async function moveLinksBack(
  tx: Tx,
  featureId: string,
  linkIds: readonly string[],
  chain: readonly string[],
  primary: ReadonlySet<string>,
): Promise<string[]> {
  if (!linkIds.length) return [];
  const links = await tx
    .update(trackerLinks)
    .set({
      featureId,
      mergedFromFeatureId: sql`nullif(${trackerLinks.mergedFromFeatureId}, ${featureId}::uuid)`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        inArray(trackerLinks.id, [...linkIds]),
        inArray(trackerLinks.featureId, [...chain]),
        inArray(trackerLinks.state, LIVE_LINK_STATES),
      ),
    )
    .returning({ id: trackerLinks.id });
  for (const link of links) {
    if (primary.has(link.id)) {
      await tx.update(trackerLinks).set({ primary: true }).where(eq(trackerLinks.id, link.id));
    }
  }
  return links.map((l) => l.id);
}

/** The feature is live again; the merge record says who undid it; the stops the merge copied go. */
export async function recordUnmerge(
  tx: Tx,
  {
    featureId,
    mergeId,
    actor,
    copiedStopIds,
  }: {
    featureId: string;
    mergeId: string;
    actor: string | undefined;
    copiedStopIds: readonly string[];
  },
): Promise<void> {
  await tx
    .update(features)
    .set({ mergedIntoId: null, updatedAt: sql`now()` })
    .where(eq(features.id, featureId));
  if (copiedStopIds.length) {
    await tx
      .delete(unsubscribes)
      .where(and(inArray(unsubscribes.id, [...copiedStopIds]), eq(unsubscribes.via, 'merge')));
  }
  await tx
    .update(featureMerges)
    .set({ undoneAt: sql`now()`, undoneBy: actor ?? null })
    .where(eq(featureMerges.id, mergeId));
}

/** The merges of a feature, into it and out of it, newest first: the audit trail a person reads. */
export async function mergesOf(db: Db, featureId: string) {
  return db
    .select()
    .from(featureMerges)
    .where(or(eq(featureMerges.fromFeatureId, featureId), eq(featureMerges.intoFeatureId, featureId)))
    .orderBy(desc(featureMerges.createdAt));
}
