import {
  featureDocumentId,
  lockDedupeIndex,
  requestDocumentId,
  storeDedupeIndex,
} from '../store/dedupe-index.repo.ts';
import { markLinksDirty, mergeChain } from '../store/feature-writes.ts';
import {
  clearDuplicates,
  copyStops,
  type DuplicatePair,
  duplicatePairs,
  insertMergeRecord,
  latestMergeOf,
  markDuplicates,
  markMerged,
  mergeStateOf,
  moveLinks,
  moveLinksBack,
  moveRequests,
  moveRequestsBack,
  primaryLinkIds,
  recordUnmerge,
} from '../store/merges.repo.ts';
import { dismissReview } from '../store/review.repo.ts';
import {
  lockFeatures,
  RetryableConflict,
  type StatusCause,
  type StatusChange,
} from '../store/status-change.ts';
import { forgetMergeAnswer, mergeAnswerOf, recordMergeAnswer } from './dedupe-learning.ts';
import { recountFeature } from './feature-score.ts';
import { markForPush, type PushPolicy } from './push-bar.ts';
import { type MergeAudit, recordChange, type StatusContext, settleStatus } from './status-change.ts';
import type { Work } from './unit-of-work.ts';

/**
 * Merging one feature into another and undoing it, with the audit trail of both: requests, links and stops move
 * to the survivor and back, both features are recounted and their issues re-pushed (once committed), and the status
 * changes are recorded as any other. A merge is a merge in the trackers too: an issue of the merged feature on a
 * tracker where the survivor has an issue stays with the merged feature, to be closed as a duplicate of the
 * survivor's issue by its next push (`duplicate_of_link_id`); an unmerge asks for it to be reopened.
 */

type MergeOutcome =
  | { outcome: 'merged'; change: StatusChange; intoId: string; mergeId: string }
  | { outcome: 'unchanged'; reason: string };

type UnmergeOutcome =
  | {
      outcome: 'unmerged';
      mergeId: string;
      intoId: string;
      requestIds: string[];
      linkIds: string[];
      changes: StatusChange[];
    }
  | { outcome: 'not-found' }
  | { outcome: 'not-merged' };

type Locked = Awaited<ReturnType<typeof lockFeatures>> extends Map<string, infer F> ? F : never;

/** Follows the survivor's own merges to the live feature and locks both, or says why there is nothing to do. */
async function lockPair(
  work: Work,
  fromId: string,
  intoId: string,
): Promise<{ from: Locked; into: Locked } | { outcome: 'unchanged'; reason: string }> {
  const survivorId = (await mergeChain(work.tx, intoId)).at(-1) ?? intoId;
  if (survivorId === fromId) return { outcome: 'unchanged', reason: 'same feature' };
  const locked = await lockFeatures(work.tx, [fromId, survivorId]);
  const from = locked.get(fromId);
  const into = locked.get(survivorId);
  if (!from || !into) return { outcome: 'unchanged', reason: 'feature not found' };
  if (from.mergedIntoId) return { outcome: 'unchanged', reason: 'already merged' };
  // Merged between the walk and the lock: the job runs again and walks to the live survivor.
  if (into.mergedIntoId) throw new RetryableConflict('the surviving feature was merged meanwhile');
  return { from, into };
}

/**
 * The product owner marked one linked issue a duplicate of another that a different feature links (or merged by
 * hand): that feature survives. The duplicate's requests (and so its requesters and companies) and its other links
 * move to the survivor, which is recounted and re-pushed; the duplicate's feature becomes `merged` into it. Safe to
 * repeat: a feature merged already is left alone.
 */
export async function mergeFeatures(
  { unitOfWork, policy }: StatusContext,
  fromId: string,
  intoId: string,
  cause: StatusCause,
  detail: { duplicateLinkId?: string; [key: string]: unknown },
  audit: MergeAudit,
): Promise<MergeOutcome> {
  return unitOfWork(async (work) => {
    const { tx } = work;
    // The dedupe index lock first (the order triage takes locks in): the requests' documents move too.
    await lockDedupeIndex(tx);
    const pair = await lockPair(work, fromId, intoId);
    if ('outcome' in pair) return pair;
    const { from, into } = pair;
    const survivorId = into.id;
    // What the merge answers, read before anything moves (a review item's question, or the first requests).
    const answer = await mergeAnswerOf(tx, fromId, intoId, survivorId);
    const movedRequestIds = await moveRequests(tx, fromId, survivorId);
    // Its issues on a tracker where the survivor has one stay, to be closed as duplicates of the survivor's (the
    // duplicate the tracker marked among them: closing it again changes nothing); its other issues now carry the
    // survivor's demand.
    const original = typeof detail['originalLinkId'] === 'string' ? detail['originalLinkId'] : undefined;
    const pairs = await duplicatePairs(tx, fromId, survivorId, original);
    const stay = [...pairs.map((p) => p.linkId), ...(detail.duplicateLinkId ? [detail.duplicateLinkId] : [])];
    const movedLinkIds = await moveLinks(tx, fromId, survivorId, stay);
    work.after.push(await markDuplicates(tx, pairs));
    const primary = await primaryLinkIds(tx, fromId);
    await storeDedupeIndex(tx).moveFeature(fromId, survivorId);
    await recountFeature(tx, fromId, policy.scoring);
    await recountFeature(tx, survivorId, policy.scoring);
    const copiedStops = await copyStops(tx, fromId, survivorId);
    await markMerged(tx, fromId, survivorId);
    const mergeId = await insertMergeRecord(tx, {
      fromFeatureId: fromId,
      intoFeatureId: survivorId,
      cause: audit.by,
      actor: audit.actor ?? null,
      fromStatus: from.status,
      requestIds: movedRequestIds,
      linkIds: movedLinkIds,
      detail: { ...detail, primaryLinkIds: primary, copiedStopIds: copiedStops, duplicateLinks: pairs },
    });
    await recordMergeAnswer(tx, policy.dedupe, answer, {
      mergeId,
      cause: audit.by,
      actor: audit.actor ?? null,
    });
    const { duplicateLinkId, ...rest } = detail;
    const change = await recordChange(
      work,
      policy,
      { featureId: fromId, from: from.status, to: 'merged' },
      cause,
      { ...(duplicateLinkId ? { linkId: duplicateLinkId } : {}), ...rest, into: survivorId, movedRequestIds },
      // Its requests now belong to the survivor: tell their requesters what it is called.
      { requestIds: movedRequestIds, detail: { mergedInto: { id: survivorId, title: into.title } } },
    );
    await settleStatus(work, survivorId, policy, cause, { reason: 'links moved by a merge', from: fromId });
    work.after.push(await markLinksDirty(tx, survivorId));
    return { outcome: 'merged', change, intoId: survivorId, mergeId } as const;
  });
}

/** The merge's requests, links and documents back in the feature; the feature live again. */
async function moveBack(
  work: Work,
  featureId: string,
  merge: NonNullable<Awaited<ReturnType<typeof latestMergeOf>>>,
  chain: readonly string[],
  actor: string | undefined,
) {
  const { tx } = work;
  const requestIds = await moveRequestsBack(tx, featureId, merge.requestIds, chain);
  const primary = new Set((merge.detail['primaryLinkIds'] as string[] | undefined) ?? []);
  const linkIds = await moveLinksBack(tx, featureId, merge.linkIds, chain, primary);
  await storeDedupeIndex(tx).moveDocuments(
    [...requestIds.map((id) => requestDocumentId(id)), featureDocumentId(featureId)],
    featureId,
  );
  // The stops this merge copied to the survivor go (the restored feature kept its own). Stops said since
  // through a link stay on every feature they name; a copy a later merge of the survivor made stays too.
  const copiedStopIds = (merge.detail['copiedStopIds'] as string[] | undefined) ?? [];
  // The issues this merge asked to close as duplicates are to be reopened (their links were marked dirty below).
  await clearDuplicates(tx, featureId, (merge.detail['duplicateLinks'] as DuplicatePair[] | undefined) ?? []);
  await recordUnmerge(tx, { featureId, mergeId: merge.id, actor, copiedStopIds });
  return { requestIds, linkIds };
}

/**
 * Undoes the latest merge of `featureId`: the requests and links that merge moved (and that are still in the
 * survivor, or in whatever the survivor was merged into since) come back, the feature is live again with the
 * status it had, both features are recounted and their issues re-pushed. The merge record says who undid it.
 */
export async function unmergeFeature(
  { unitOfWork, policy, push }: StatusContext & { push?: PushPolicy | undefined },
  featureId: string,
  actor: string | undefined,
): Promise<UnmergeOutcome> {
  return unitOfWork(async (work) => {
    const { tx } = work;
    await lockDedupeIndex(tx);
    const feature = await mergeStateOf(tx, featureId);
    if (!feature) return { outcome: 'not-found' } as const;
    if (!feature.mergedIntoId) return { outcome: 'not-merged' } as const;
    const merge = await latestMergeOf(tx, featureId);
    // Merged before merges were recorded: nothing says what to move back.
    if (!merge) return { outcome: 'not-merged' } as const;
    // Where the moved requests may be now: the survivor, and every feature it was merged into since.
    const chain = await mergeChain(tx, merge.intoFeatureId);
    const live = chain.at(-1) ?? merge.intoFeatureId;
    await lockFeatures(tx, [featureId, ...chain]);
    const { requestIds, linkIds } = await moveBack(work, featureId, merge, chain, actor);
    // What the merge taught dedupe goes with it.
    await forgetMergeAnswer(tx, policy.dedupe, merge.id);
    await recountFeature(tx, featureId, policy.scoring);
    await recountFeature(tx, live, policy.scoring);
    const detail = { mergeId: merge.id, from: live };
    const restored = { featureId, from: 'merged', to: merge.fromStatus } as const;
    const changes: StatusChange[] = [await recordChange(work, policy, restored, 'unmerge', detail)];
    // Its links may have moved on while it was merged: let them decide its status again.
    const settled = await settleStatus(work, featureId, policy, 'unmerge', detail);
    if (settled) changes.push(settled);
    const survivorSettled = await settleStatus(work, live, policy, 'unmerge', {
      mergeId: merge.id,
      reason: 'links moved back',
    });
    if (survivorSettled) changes.push(survivorSettled);
    // An unmerge forgets what the merge taught dedupe; it records no "not a duplicate" (the two may be proposed
    // again). A feature held for review as a possible duplicate is held no longer, and one that never reached a
    // tracker gets its link now if it passes the bar.
    await dismissReview(tx, featureId);
    const own = push ? await markForPush(tx, featureId, push) : [];
    work.after.push([
      ...(own.length > 0 ? own : await markLinksDirty(tx, featureId)),
      ...(await markLinksDirty(tx, live)),
    ]);
    return { outcome: 'unmerged', mergeId: merge.id, intoId: live, requestIds, linkIds, changes } as const;
  });
}
