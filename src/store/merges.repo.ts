import { and, desc, eq, inArray, isNotNull, isNull, notInArray, or, sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import { DIRTY_LINK_COLUMNS, type DirtyLink, LIVE_LINK_STATES, type Tx } from './feature-writes.ts';
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

/** A link of the merged feature whose issue is to be closed as a duplicate of the survivor's link's issue. */
export interface DuplicatePair {
  linkId: string;
  duplicateOfLinkId: string;
}

/**
 * Pairs each live link of `fromId` that has an issue with a live link of the survivor on the same tracker (kind and
 * site) whose issue can take the demand: it has one, is not itself closed (or to be closed) as a duplicate, and its
 * mark is not lost. The survivor's primary link first, then its oldest; `preferred` (the original issue of a merge
 * the tracker made) before either.
 */
export async function duplicatePairs(
  tx: Tx,
  fromId: string,
  survivorId: string,
  preferred?: string,
): Promise<DuplicatePair[]> {
  const live = (featureId: string) =>
    and(
      eq(trackerLinks.featureId, featureId),
      inArray(trackerLinks.state, LIVE_LINK_STATES),
      isNotNull(trackerLinks.issueId),
    );
  const columns = { id: trackerLinks.id, kind: trackerLinks.kind, site: trackerLinks.site };
  const from = await tx.select(columns).from(trackerLinks).where(live(fromId));
  const survivors = await tx
    .select(columns)
    .from(trackerLinks)
    .where(
      and(
        live(survivorId),
        isNull(trackerLinks.duplicateOfLinkId),
        isNull(trackerLinks.closedAsDuplicateOf),
        isNull(trackerLinks.markLostAt),
      ),
    )
    .orderBy(
      sql`${trackerLinks.id} = ${preferred ?? null} desc nulls last`,
      desc(trackerLinks.primary),
      trackerLinks.createdAt,
    );
  return from.flatMap((link) => {
    const survivor = survivors.find((s) => s.kind === link.kind && s.site === link.site);
    return survivor ? [{ linkId: link.id, duplicateOfLinkId: survivor.id }] : [];
  });
}

/** Records the pairs on the merged feature's links and marks them dirty; returns them for the caller to schedule. */
export async function markDuplicates(tx: Tx, pairs: readonly DuplicatePair[]): Promise<DirtyLink[]> {
  const dirty: DirtyLink[] = [];
  for (const pair of pairs) {
    dirty.push(
      ...(await tx
        .update(trackerLinks)
        .set({
          duplicateOfLinkId: pair.duplicateOfLinkId,
          dirtySince: sql`coalesce(${trackerLinks.dirtySince}, now())`,
          demandVersion: sql`${trackerLinks.demandVersion} + 1`,
          updatedAt: sql`now()`,
        })
        .where(eq(trackerLinks.id, pair.linkId))
        .returning(DIRTY_LINK_COLUMNS)),
    );
  }
  return dirty;
}

/**
 * Undoes `markDuplicates` for an unmerge: each link still wanting the close this merge asked for wants none (its
 * next push reopens the issue). Returns their ids.
 */
export async function clearDuplicates(
  tx: Tx,
  featureId: string,
  pairs: readonly DuplicatePair[],
): Promise<string[]> {
  const cleared: string[] = [];
  for (const pair of pairs) {
    const rows = await tx
      .update(trackerLinks)
      .set({ duplicateOfLinkId: null, updatedAt: sql`now()` })
      .where(
        and(
          eq(trackerLinks.id, pair.linkId),
          eq(trackerLinks.featureId, featureId),
          eq(trackerLinks.duplicateOfLinkId, pair.duplicateOfLinkId),
        ),
      )
      .returning({ id: trackerLinks.id });
    cleared.push(...rows.map((r) => r.id));
  }
  return cleared;
}

/**
 * Moves the live links of `fromId` but those in `stay` (the duplicate's, the ones to be closed as duplicates) to the
 * survivor, marked as come by merge (so the survivor's own issues keep its status); returns their ids.
 */
export async function moveLinks(
  tx: Tx,
  fromId: string,
  survivorId: string,
  stay: readonly string[],
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
        ...(stay.length > 0 ? [notInArray(trackerLinks.id, [...stay])] : []),
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
