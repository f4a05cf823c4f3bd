import type { TrackerIssueRef } from '../connectors/tracker.ts';
import type { PushTarget, TrackerIssueState, TrackerKind } from '../domain/tracker.ts';
import { indexedDocument } from '../rules/dedupe/memory-index.ts';
import { titleKey } from '../rules/normalise.ts';
import { isNewerState, linkStatus } from '../rules/status-map.ts';
import { type Actor, recordAudit } from '../store/audit.repo.ts';
import { featureDocumentId, lockDedupeIndex, storeDedupeIndex } from '../store/dedupe-index.repo.ts';
import { markLinksDirty } from '../store/feature-writes.ts';
import { recordIssueRows } from '../store/links.repo.ts';
import {
  featureLinkById,
  featureOfLink,
  type IssueStateColumns,
  importedTarget,
  insertFeature,
  insertLinkedIssue,
  type LiveLink,
  liveLinkByIssue,
  lockIssueImport,
  supersedeLink,
  unlinkLink,
  writeIssueState,
} from '../store/status.repo.ts';
import {
  lockFeatures,
  RetryableConflict,
  type StatusCause,
  type StatusChange,
} from '../store/status-change.ts';
import { type DropContext, type StatusContext, type StatusPolicy, settleStatus } from './status-change.ts';
import type { Work } from './unit-of-work.ts';

/**
 * What comes back from the trackers, applied to features: a linked issue's new state, its deletion, a link made
 * or removed by hand, an issue of the backlog imported. Each runs in one unit of work that locks the feature row
 * first, applies the change, rolls the feature's links up into its status and records a status change with its
 * cause, so concurrent events for one feature serialise and the history has no gaps.
 */

type ApplyOutcome =
  | { outcome: 'not-linked' }
  | { outcome: 'stale'; featureId: string }
  | { outcome: 'applied'; featureId: string; linkId: string; change: StatusChange | undefined };

type LinkOutcome =
  | { outcome: 'linked'; linkId: string; change: StatusChange | undefined }
  | { outcome: 'taken'; featureId: string }
  | { outcome: 'feature-gone' };

type Unlinked = { featureId: string; linkId: string; change: StatusChange | undefined };

function stateColumns(state: TrackerIssueState, policy: StatusPolicy): IssueStateColumns {
  return {
    statusName: state.statusName,
    statusCategory: state.category,
    mappedStatus: linkStatus(state, policy.statusMap),
    issueUpdatedAt: new Date(state.updatedAt),
    issueKey: state.issueKey,
    url: state.url,
  };
}

/**
 * The caller checked the issue's mark against link `linkId`; the issue's live link is another one now (unlinked
 * and linked anew meanwhile): the job is retried, to check the mark again against that link.
 */
function sameLinkAsChecked(found: LiveLink, linkId: string | undefined): void {
  if (linkId !== undefined && found.id !== linkId) {
    throw new RetryableConflict('the issue was linked anew meanwhile');
  }
}

/**
 * A linked issue's state as read (webhook or reconcile); older than what we applied: nothing changes.
 * `linkId`: the link the caller checked the issue's mark against; another one found: retried, to check again.
 */
export async function applyIssueState(
  { db, unitOfWork, policy }: StatusContext,
  state: TrackerIssueState,
  cause: StatusCause,
  { linkId }: { linkId?: string | undefined } = {},
): Promise<ApplyOutcome> {
  const found = await liveLinkByIssue(db, state.kind, state.site, state.issueId);
  if (!found) return { outcome: 'not-linked' };
  sameLinkAsChecked(found, linkId);
  return unitOfWork(async (work) => {
    await lockFeatures(work.tx, [found.featureId]);
    // Re-read under the lock: another event may have applied a newer state, or moved the link.
    const link = await liveLinkByIssue(work.tx, state.kind, state.site, state.issueId);
    if (!link) return { outcome: 'not-linked' } as const;
    // A merge moved the link meanwhile: locking its new feature now could deadlock with that merge's id-ordered
    // locks; the job runs again and starts from the new feature.
    if (link.featureId !== found.featureId) throw new RetryableConflict('the link moved to another feature');
    if (!isNewerState(link.issueUpdatedAt, state.updatedAt)) {
      return { outcome: 'stale', featureId: link.featureId } as const;
    }
    const change = await writeState(work, policy, link, state, cause);
    return { outcome: 'applied', featureId: link.featureId, linkId: link.id, change } as const;
  });
}

/** A newer state on a live link whose feature the unit of work has locked: the link's columns, then its feature. */
async function writeState(
  work: Work,
  policy: StatusPolicy,
  link: LiveLink,
  state: TrackerIssueState,
  cause: StatusCause,
) {
  const columns = stateColumns(state, policy);
  await writeIssueState(work.tx, link.id, columns);
  // The issue's own move (from its last mapped status) is what may take the feature back.
  const moved = { kind: 'issue-moved', from: link.mappedStatus, to: columns.mappedStatus } as const;
  return settleStatus(
    work,
    link.featureId,
    policy,
    cause,
    { linkId: link.id, issueKey: state.issueKey, trackerStatus: state.statusName },
    moved,
  );
}

/**
 * The issue a push created, recorded on link `linkId` of `featureId` together with the state the push read of it
 * (one that showed the link's mark), in one unit of work: an event never finds the link marked and without a state,
 * which it would have to read the issue again for. A link a merge moved meanwhile gets the issue alone
 * (`applied: false`): its state is then applied as any other (applyIssueState), which locks the feature it is on now.
 */
export async function recordCreatedIssue(
  { unitOfWork, policy }: StatusContext,
  linkId: string,
  featureId: string,
  ref: TrackerIssueRef,
  state: TrackerIssueState,
) {
  return unitOfWork(async (work) => {
    await lockFeatures(work.tx, [featureId]);
    const stale = await recordIssueRows(work.tx, linkId, ref);
    const link = await liveLinkByIssue(work.tx, ref.kind, ref.site, ref.issueId);
    if (link?.id !== linkId || link.featureId !== featureId) return { stale, applied: false } as const;
    if (isNewerState(link.issueUpdatedAt, state.updatedAt))
      await writeState(work, policy, link, state, 'tracker');
    return { stale, applied: true } as const;
  });
}

async function removeLink(
  { unitOfWork, policy }: StatusContext,
  linkId: string,
  featureId: string,
  cause: StatusCause,
  detail: Record<string, unknown>,
  actor?: Actor,
): Promise<Unlinked | undefined> {
  return unitOfWork(async (work) => {
    await lockFeatures(work.tx, [featureId]);
    // Re-read under the lock: a merge may have moved the link to another feature meanwhile.
    const current = await featureOfLink(work.tx, linkId);
    if (current && current !== featureId) throw new RetryableConflict('the link moved to another feature');
    if (!(await unlinkLink(work.tx, linkId))) return undefined;
    if (actor)
      await recordAudit(work.tx, { actor, action: 'unlink', featureId, detail: { linkId, ...detail } });
    const change = await settleStatus(work, featureId, policy, cause, { linkId, ...detail });
    return { featureId, linkId, change };
  });
}

/** The issue is gone from the tracker: its link is unlinked and the feature's other links decide. */
export async function unlinkIssue(
  context: StatusContext,
  kind: TrackerKind,
  site: string,
  issueId: string,
  cause: StatusCause,
  { linkId }: { linkId?: string | undefined } = {},
): Promise<Unlinked | undefined> {
  const found = await liveLinkByIssue(context.db, kind, site, issueId);
  if (!found) return undefined;
  sameLinkAsChecked(found, linkId);
  return removeLink(context, found.id, found.featureId, cause, {
    issueKey: found.issueKey,
    reason: 'deleted',
  });
}

/** Unlinks by link id (the API, the console): `actor` is who asked, recorded with it. */
export async function unlink(
  context: StatusContext,
  featureId: string,
  linkId: string,
  actor: Actor,
): Promise<{ change: StatusChange | undefined } | 'not-found' | 'already-unlinked'> {
  const link = await featureLinkById(context.db, featureId, linkId);
  if (!link) return 'not-found';
  if (link.state === 'unlinked') return 'already-unlinked';
  const done = await removeLink(
    context,
    link.id,
    link.featureId,
    'unlink',
    { issueKey: link.issueKey, reason: 'api' },
    actor,
  );
  return done ? { change: done.change } : 'already-unlinked';
}

/**
 * Links an existing tracker issue (the API, or the original a duplicate points at) to the feature, with its
 * current state, and marks the feature's links dirty so the issue gets the demand. Refuses an issue another
 * feature already links.
 */
export async function linkIssue(
  { unitOfWork, policy }: StatusContext,
  featureId: string,
  state: TrackerIssueState,
  target: PushTarget,
  {
    cause,
    supersedes,
    actor,
  }: {
    cause: StatusCause;
    /** A link of this feature whose issue was marked a duplicate of this one: it now says `merged`. */
    supersedes?: string | undefined;
    /** Who linked it by hand (recorded with it); absent when the trackers' news linked it. */
    actor?: Actor | undefined;
  },
): Promise<LinkOutcome> {
  return unitOfWork(async (work) => {
    const feature = (await lockFeatures(work.tx, [featureId])).get(featureId);
    if (!feature || feature.mergedIntoId) return { outcome: 'feature-gone' } as const;
    const existing = await liveLinkByIssue(work.tx, state.kind, state.site, state.issueId);
    if (existing) return { outcome: 'taken', featureId: existing.featureId } as const;
    if (supersedes) await supersedeLink(work.tx, featureId, supersedes);
    const linkId = await insertLinkedIssue(work.tx, {
      featureId,
      state,
      target,
      idempotencyKey: `l-${featureId}-${state.kind}-${state.site}-${state.issueId}-${Date.now().toString(36)}`,
      origin: 'linked',
      primary: supersedes !== undefined,
      columns: stateColumns(state, policy),
    });
    const change = await settleStatus(work, featureId, policy, cause, {
      linkId,
      issueKey: state.issueKey,
      trackerStatus: state.statusName,
    });
    if (actor) {
      const detail = { linkId, tracker: state.kind, site: state.site, issueKey: state.issueKey };
      await recordAudit(work.tx, { actor, action: 'link', featureId, detail });
    }
    work.after.push(await markLinksDirty(work.tx, featureId));
    return { outcome: 'linked', linkId, change } as const;
  });
}

/**
 * Backlog import: an open issue nobody linked becomes a feature (no requests yet) linked to it, so requests
 * that match it later join it and its issue gets their demand. An issue linked already is left alone.
 */
export async function importIssue(
  { unitOfWork, policy }: StatusContext,
  state: TrackerIssueState,
  title: string,
): Promise<{ outcome: 'imported'; featureId: string } | { outcome: 'linked-already' }> {
  return unitOfWork(async (work) => {
    await lockIssueImport(work.tx, state);
    if (await liveLinkByIssue(work.tx, state.kind, state.site, state.issueId)) {
      return { outcome: 'linked-already' } as const;
    }
    const featureId = await insertFeature(work.tx, title, titleKey(title));
    // Its title is what requests are compared with until some join it.
    await lockDedupeIndex(work.tx);
    await storeDedupeIndex(work.tx).add(
      featureDocumentId(featureId),
      featureId,
      indexedDocument(policy.dedupe.analyse({ title })),
    );
    const linkId = await insertLinkedIssue(work.tx, {
      featureId,
      state,
      target: importedTarget(state),
      idempotencyKey: `i-${state.kind}-${state.site}-${state.issueId}-${featureId}`,
      origin: 'imported',
      primary: true,
      columns: stateColumns(state, policy),
    });
    await settleStatus(work, featureId, policy, 'import', {
      linkId,
      issueKey: state.issueKey,
      trackerStatus: state.statusName,
    });
    return { outcome: 'imported', featureId } as const;
  });
}

/** The link-state use cases, bound to their context. */
export function createLinkState(context: StatusContext) {
  return {
    /** The live link of an issue, if any (a read). */
    linkOf: (kind: TrackerKind, site: string, issueId: string) =>
      liveLinkByIssue(context.db, kind, site, issueId),
    applyIssueState: (...args: DropContext<typeof applyIssueState>) => applyIssueState(context, ...args),
    recordCreatedIssue: (...args: DropContext<typeof recordCreatedIssue>) =>
      recordCreatedIssue(context, ...args),
    unlinkIssue: (...args: DropContext<typeof unlinkIssue>) => unlinkIssue(context, ...args),
    unlink: (...args: DropContext<typeof unlink>) => unlink(context, ...args),
    linkIssue: (...args: DropContext<typeof linkIssue>) => linkIssue(context, ...args),
  };
}

export type LinkState = ReturnType<typeof createLinkState>;
