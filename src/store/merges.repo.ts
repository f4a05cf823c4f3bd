import { and, desc, eq, inArray, isNull, ne, or, sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import {
  featureDocumentId,
  lockDedupeIndex,
  requestDocumentId,
  storeDedupeIndex,
} from './dedupe-index.repo.ts';
import {
  type DirtyLink,
  LIVE_LINK_STATES,
  markLinksDirty,
  mergeChain,
  recountFeature,
  type Tx,
} from './feature-writes.ts';
import { featureMerges, features, notifications, requests, trackerLinks, unsubscribes } from './schema.ts';
import {
  inTransaction,
  lockFeatures,
  type MergeAudit,
  RetryableConflict,
  recordChange,
  type StatusCause,
  type StatusChange,
  type StatusPolicy,
  settleStatus,
} from './status-change.ts';

/**
 * Merging one feature into another and undoing it, with the audit trail of both: requests, links and stops move
 * to the survivor and back, both features are recounted and re-pushed, and the status changes are recorded as any
 * other (status-change.ts).
 */

/**
 * A merge carries the merged feature's stops (unsubscribes) over to the survivor, where its requests now are, and
 * suppresses what is queued from the survivor to those requesters; returns the stops it added, for an unmerge to
 * take back.
 */
async function copyStops(tx: Tx, fromId: string, survivorId: string): Promise<string[]> {
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

/**
 * The product owner marked one linked issue a duplicate of another that a different feature links: that
 * feature survives. The duplicate's requests (and so its requesters and companies) and its other links move to
 * the survivor, which is recounted and re-pushed; the duplicate's feature becomes `merged` into it. Safe to
 * repeat: a feature merged already is left alone.
 */
export async function mergeFeatures(
  db: Db,
  policy: StatusPolicy,
  fromId: string,
  intoId: string,
  cause: StatusCause,
  detail: { duplicateLinkId?: string; [key: string]: unknown },
  audit: MergeAudit,
): Promise<
  | { outcome: 'merged'; change: StatusChange; dirty: DirtyLink[]; intoId: string; mergeId: string }
  | { outcome: 'unchanged'; reason: string }
> {
  return inTransaction(db, policy, async (tx) => {
    // The dedupe index lock first (the order triage takes locks in): the requests' documents move too.
    await lockDedupeIndex(tx);
    // Follow the survivor's own merges to the feature that is still live.
    const survivorId = (await mergeChain(tx, intoId)).at(-1) ?? intoId;
    if (survivorId === fromId) return { outcome: 'unchanged', reason: 'same feature' } as const;
    const locked = await lockFeatures(tx, [fromId, survivorId]);
    const from = locked.get(fromId);
    const into = locked.get(survivorId);
    if (!from || !into) return { outcome: 'unchanged', reason: 'feature not found' } as const;
    if (from.mergedIntoId) return { outcome: 'unchanged', reason: 'already merged' } as const;
    // Merged between the walk and the lock: the job runs again and walks to the live survivor.
    if (into.mergedIntoId) throw new RetryableConflict('the surviving feature was merged meanwhile');

    const moved = await tx
      .update(requests)
      .set({ featureId: survivorId })
      .where(eq(requests.featureId, fromId))
      .returning({ id: requests.id });
    // The duplicate issue stays with the merged feature (it says "merged"); its other issues now carry the
    // survivor's demand, marked as come by merge so the survivor's own issues keep its status (rules/rollup).
    const movedLinks = await tx
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
          ...(detail.duplicateLinkId ? [ne(trackerLinks.id, detail.duplicateLinkId)] : []),
        ),
      )
      .returning({ id: trackerLinks.id });
    const primaryLinks = await tx
      .select({ id: trackerLinks.id })
      .from(trackerLinks)
      .where(and(eq(trackerLinks.featureId, fromId), eq(trackerLinks.primary, true)));
    await storeDedupeIndex(tx).moveFeature(fromId, survivorId);
    await recountFeature(tx, fromId, policy.scoring);
    await recountFeature(tx, survivorId, policy.scoring);
    const copiedStops = await copyStops(tx, fromId, survivorId);
    await tx
      .update(features)
      .set({
        mergedIntoId: survivorId,
        reviewedAt: sql`coalesce(${features.reviewedAt}, now())`,
        updatedAt: sql`now()`,
      })
      .where(eq(features.id, fromId));
    const [record] = await tx
      .insert(featureMerges)
      .values({
        fromFeatureId: fromId,
        intoFeatureId: survivorId,
        cause: audit.by,
        actor: audit.actor ?? null,
        fromStatus: from.status,
        requestIds: moved.map((r) => r.id),
        linkIds: movedLinks.map((l) => l.id),
        detail: { ...detail, primaryLinkIds: primaryLinks.map((l) => l.id), copiedStopIds: copiedStops },
      })
      .returning({ id: featureMerges.id });
    if (!record) throw new Error('merge record insert returned no row');
    const { duplicateLinkId, ...rest } = detail;
    const change = await recordChange(
      tx,
      policy,
      fromId,
      from.status,
      'merged',
      cause,
      {
        ...(duplicateLinkId ? { linkId: duplicateLinkId } : {}),
        ...rest,
        into: survivorId,
        movedRequestIds: moved.map((r) => r.id),
      },
      // Its requests now belong to the survivor: tell their requesters what it is called.
      {
        requestIds: moved.map((r) => r.id),
        detail: { mergedInto: { id: survivorId, title: into.title } },
      },
    );
    await settleStatus(tx, survivorId, policy, cause, { reason: 'links moved by a merge', from: fromId });
    const dirty = await markLinksDirty(tx, survivorId);
    return { outcome: 'merged', change, dirty, intoId: survivorId, mergeId: record.id } as const;
  });
}

/**
 * Undoes the latest merge of `featureId`: the requests and links that merge moved (and that are still in the
 * survivor, or in whatever the survivor was merged into since) come back, the feature is live again with the
 * status it had, both features are recounted and their issues re-pushed. The merge record says who undid it.
 */
export async function unmergeFeature(
  db: Db,
  policy: StatusPolicy,
  featureId: string,
  actor: string | undefined,
): Promise<
  | {
      outcome: 'unmerged';
      mergeId: string;
      intoId: string;
      requestIds: string[];
      linkIds: string[];
      changes: StatusChange[];
      dirty: DirtyLink[];
    }
  | { outcome: 'not-found' }
  | { outcome: 'not-merged' }
> {
  return inTransaction(db, policy, async (tx) => {
    await lockDedupeIndex(tx);
    const [feature] = await tx
      .select({ id: features.id, mergedIntoId: features.mergedIntoId })
      .from(features)
      .where(eq(features.id, featureId));
    if (!feature) return { outcome: 'not-found' } as const;
    if (!feature.mergedIntoId) return { outcome: 'not-merged' } as const;
    const [merge] = await tx
      .select()
      .from(featureMerges)
      .where(and(eq(featureMerges.fromFeatureId, featureId), isNull(featureMerges.undoneAt)))
      .orderBy(desc(featureMerges.createdAt))
      .limit(1);
    // Merged before merges were recorded: nothing says what to move back.
    if (!merge) return { outcome: 'not-merged' } as const;

    // Where the moved requests may be now: the survivor, and every feature it was merged into since.
    const chain = await mergeChain(tx, merge.intoFeatureId);
    const live = chain.at(-1) ?? merge.intoFeatureId;
    await lockFeatures(tx, [featureId, ...chain]);

    const back = merge.requestIds.length
      ? await tx
          .update(requests)
          .set({ featureId })
          .where(and(inArray(requests.id, merge.requestIds), inArray(requests.featureId, chain)))
          .returning({ id: requests.id })
      : [];
    const primary = new Set((merge.detail['primaryLinkIds'] as string[] | undefined) ?? []);
    const links = merge.linkIds.length
      ? await tx
          .update(trackerLinks)
          // Its own issues again; one an earlier merge brought to it stays marked as such.
          .set({
            featureId,
            mergedFromFeatureId: sql`nullif(${trackerLinks.mergedFromFeatureId}, ${featureId}::uuid)`,
            updatedAt: sql`now()`,
          })
          .where(
            and(
              inArray(trackerLinks.id, merge.linkIds),
              inArray(trackerLinks.featureId, chain),
              inArray(trackerLinks.state, LIVE_LINK_STATES),
            ),
          )
          .returning({ id: trackerLinks.id })
      : [];
    for (const link of links) {
      if (primary.has(link.id)) {
        await tx.update(trackerLinks).set({ primary: true }).where(eq(trackerLinks.id, link.id));
      }
    }
    await storeDedupeIndex(tx).moveDocuments(
      [...back.map((r) => requestDocumentId(r.id)), featureDocumentId(featureId)],
      featureId,
    );
    await tx
      .update(features)
      .set({ mergedIntoId: null, updatedAt: sql`now()` })
      .where(eq(features.id, featureId));
    // The stops this merge copied to the survivor go (the restored feature kept its own). Stops said since
    // through a link stay on every feature they name; a copy a later merge of the survivor made stays too.
    const copiedStopIds = (merge.detail['copiedStopIds'] as string[] | undefined) ?? [];
    if (copiedStopIds.length) {
      await tx
        .delete(unsubscribes)
        .where(and(inArray(unsubscribes.id, copiedStopIds), eq(unsubscribes.via, 'merge')));
    }
    await tx
      .update(featureMerges)
      .set({ undoneAt: sql`now()`, undoneBy: actor ?? null })
      .where(eq(featureMerges.id, merge.id));
    await recountFeature(tx, featureId, policy.scoring);
    await recountFeature(tx, live, policy.scoring);
    const changes: StatusChange[] = [];
    const detail = { mergeId: merge.id, from: live };
    const restored = await recordChange(tx, policy, featureId, 'merged', merge.fromStatus, 'unmerge', detail);
    changes.push(restored);
    // Its links may have moved on while it was merged: let them decide its status again.
    const settled = await settleStatus(tx, featureId, policy, 'unmerge', detail);
    if (settled) changes.push(settled);
    const survivorSettled = await settleStatus(tx, live, policy, 'unmerge', {
      mergeId: merge.id,
      reason: 'links moved back',
    });
    if (survivorSettled) changes.push(survivorSettled);
    const dirty = [...(await markLinksDirty(tx, featureId)), ...(await markLinksDirty(tx, live))];
    return {
      outcome: 'unmerged',
      mergeId: merge.id,
      intoId: live,
      requestIds: back.map((r) => r.id),
      linkIds: links.map((l) => l.id),
      changes,
      dirty,
    } as const;
  });
}

/** The merges of a feature, into it and out of it, newest first: the audit trail a person reads. */
export async function mergesOf(db: Db, featureId: string) {
  return db
    .select()
    .from(featureMerges)
    .where(or(eq(featureMerges.fromFeatureId, featureId), eq(featureMerges.intoFeatureId, featureId)))
    .orderBy(desc(featureMerges.createdAt));
}
