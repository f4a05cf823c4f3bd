import { and, asc, desc, eq, inArray, isNotNull, isNull, ne, or, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { PushTarget, TrackerIssueState, TrackerKind } from '../domain/tracker.ts';
import type { DedupeEngine } from '../sync/dedupe/engine.ts';
import { titleKey } from '../sync/normalise.ts';
import { type RollupRule, rollupStatus } from '../sync/rollup.ts';
import type { ScoringModel } from '../sync/score.ts';
import { isNewerState, linkStatus, type StatusMapConfig } from '../sync/status-map.ts';
import { type Db, queryRows } from './db.ts';
import {
  featureDocumentId,
  lockDedupeIndex,
  requestDocumentId,
  storeDedupeIndex,
} from './dedupe-index.repo.ts';
import { type DirtyLink, markLinksDirty, mergeChain, recountFeature, type Tx } from './feature-writes.ts';
import { type FanOutOutcome, fanOutNotifications, type NotifyPolicy } from './notify-outbox.repo.ts';
import {
  featureMerges,
  featureStatusChanges,
  features,
  notifications,
  requests,
  syncCursors,
  trackerLinks,
  unsubscribes,
} from './schema.ts';

/**
 * What comes back from the trackers, applied to features: a linked issue's new state, its deletion, a duplicate
 * the product owner marked, a link made or removed by hand. Each runs in one transaction that locks the feature
 * row first, applies the change, rolls the feature's links up into its status and records a status change with
 * its cause, so concurrent events for one feature serialise and the history has no gaps.
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

type LiveLink = typeof trackerLinks.$inferSelect;

const LIVE = ['pending', 'linked', 'failed'] as const;

async function liveLinkByIssue(
  db: Db | Tx,
  kind: TrackerKind,
  site: string,
  issueId: string,
): Promise<LiveLink | undefined> {
  const [link] = await db
    .select()
    .from(trackerLinks)
    .where(
      and(
        eq(trackerLinks.kind, kind),
        eq(trackerLinks.site, site),
        eq(trackerLinks.issueId, issueId),
        inArray(trackerLinks.state, LIVE),
      ),
    );
  return link;
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

/** Locks the features in id order (two merges of the same pair cannot deadlock) and returns them by id. */
async function lockFeatures(tx: Tx, ids: readonly string[]) {
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
async function settleStatus(
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
async function inTransaction<T>(db: Db, policy: StatusPolicy, work: (tx: Tx) => Promise<T>): Promise<T> {
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

async function recordChange(
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

function stateColumns(state: TrackerIssueState, policy: StatusPolicy) {
  return {
    statusName: state.statusName,
    statusCategory: state.category,
    mappedStatus: linkStatus(state, policy.statusMap),
    issueUpdatedAt: new Date(state.updatedAt),
    issueKey: state.issueKey,
    url: state.url,
    updatedAt: sql`now()`,
  };
}

/** The issue key's prefix is its Jira project or Linear team key. */
export function importedTarget(state: TrackerIssueState): PushTarget {
  const prefix = state.issueKey.split('-')[0] ?? state.issueKey;
  return state.kind === 'jira'
    ? { kind: 'jira', site: state.site, project: prefix, issueType: '' }
    : { kind: 'linear', workspace: state.site, team: prefix };
}

export function createStatusRepo(db: Db, policy: StatusPolicy) {
  return {
    /**
     * A linked issue's state as read (webhook or reconcile); older than what we applied: nothing changes.
     * `linkId`: the link the caller checked the issue's mark against; another one found: retried, to check again.
     */
    async applyIssueState(
      state: TrackerIssueState,
      cause: StatusCause,
      { linkId }: { linkId?: string | undefined } = {},
    ): Promise<ApplyOutcome> {
      const found = await liveLinkByIssue(db, state.kind, state.site, state.issueId);
      if (!found) return { outcome: 'not-linked' };
      sameLinkAsChecked(found, linkId);
      return inTransaction(db, policy, async (tx) => {
        await lockFeatures(tx, [found.featureId]);
        // Re-read under the lock: another event may have applied a newer state, or moved the link.
        const link = await liveLinkByIssue(tx, state.kind, state.site, state.issueId);
        if (!link) return { outcome: 'not-linked' } as const;
        // A merge moved the link meanwhile: locking its new feature now could deadlock with that merge's id-ordered
        // locks; the job runs again and starts from the new feature.
        if (link.featureId !== found.featureId)
          throw new RetryableConflict('the link moved to another feature');
        if (!isNewerState(link.issueUpdatedAt, state.updatedAt)) {
          return { outcome: 'stale', featureId: link.featureId } as const;
        }
        await tx.update(trackerLinks).set(stateColumns(state, policy)).where(eq(trackerLinks.id, link.id));
        const change = await settleStatus(tx, link.featureId, policy, cause, {
          linkId: link.id,
          issueKey: state.issueKey,
          trackerStatus: state.statusName,
        });
        return { outcome: 'applied', featureId: link.featureId, linkId: link.id, change } as const;
      });
    },

    /** The issue is gone from the tracker: its link is unlinked and the feature's other links decide. */
    async unlinkIssue(
      kind: TrackerKind,
      site: string,
      issueId: string,
      cause: StatusCause,
      { linkId }: { linkId?: string | undefined } = {},
    ): Promise<{ featureId: string; linkId: string; change: StatusChange | undefined } | undefined> {
      const found = await liveLinkByIssue(db, kind, site, issueId);
      if (!found) return undefined;
      sameLinkAsChecked(found, linkId);
      return removeLink(found.id, found.featureId, cause, { issueKey: found.issueKey, reason: 'deleted' });
    },

    /** Unlinks by link id (the API). */
    async unlink(
      featureId: string,
      linkId: string,
    ): Promise<{ change: StatusChange | undefined } | 'not-found' | 'already-unlinked'> {
      const [link] = await db
        .select()
        .from(trackerLinks)
        .where(and(eq(trackerLinks.id, linkId), eq(trackerLinks.featureId, featureId)));
      if (!link) return 'not-found';
      if (link.state === 'unlinked') return 'already-unlinked';
      const done = await removeLink(link.id, featureId, 'unlink', { issueKey: link.issueKey, reason: 'api' });
      return done ? { change: done.change } : 'already-unlinked';
    },

    /**
     * Links an existing tracker issue (the API, or the original a duplicate points at) to the feature, with its
     * current state, and marks the feature's links dirty so the issue gets the demand. Refuses an issue another
     * feature already links.
     */
    async linkIssue(
      featureId: string,
      state: TrackerIssueState,
      target: PushTarget,
      {
        cause,
        origin = 'linked',
        supersedes,
      }: {
        cause: StatusCause;
        origin?: 'linked' | 'imported';
        /** A link of this feature whose issue was marked a duplicate of this one: it now says `merged`. */
        supersedes?: string | undefined;
      },
    ): Promise<
      | { outcome: 'linked'; linkId: string; change: StatusChange | undefined; dirty: DirtyLink[] }
      | { outcome: 'taken'; featureId: string }
      | { outcome: 'feature-gone' }
    > {
      return inTransaction(db, policy, async (tx) => {
        const locked = await lockFeatures(tx, [featureId]);
        const feature = locked.get(featureId);
        if (!feature || feature.mergedIntoId) return { outcome: 'feature-gone' } as const;
        const existing = await liveLinkByIssue(tx, state.kind, state.site, state.issueId);
        if (existing) return { outcome: 'taken', featureId: existing.featureId } as const;
        if (supersedes) {
          await tx
            .update(trackerLinks)
            .set({ mappedStatus: 'merged', primary: false, updatedAt: sql`now()` })
            .where(and(eq(trackerLinks.id, supersedes), eq(trackerLinks.featureId, featureId)));
        }
        const [row] = await tx
          .insert(trackerLinks)
          .values({
            featureId,
            kind: state.kind,
            site: state.site,
            target,
            idempotencyKey: `l-${featureId}-${state.kind}-${state.site}-${state.issueId}-${Date.now().toString(36)}`,
            issueId: state.issueId,
            state: 'linked',
            origin,
            primary: supersedes !== undefined,
            createAttemptedAt: null,
            ...stateColumns(state, policy),
          })
          .returning({ id: trackerLinks.id });
        if (!row) throw new Error('link insert returned no row');
        const change = await settleStatus(tx, featureId, policy, cause, {
          linkId: row.id,
          issueKey: state.issueKey,
          trackerStatus: state.statusName,
        });
        const dirty = await markLinksDirty(tx, featureId);
        return { outcome: 'linked', linkId: row.id, change, dirty } as const;
      });
    },

    /**
     * The product owner marked one linked issue a duplicate of another that a different feature links: that
     * feature survives. The duplicate's requests (and so its requesters and companies) and its other links move to
     * the survivor, which is recounted and re-pushed; the duplicate's feature becomes `merged` into it. Safe to
     * repeat: a feature merged already is left alone.
     */
    async mergeFeatures(
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
        // survivor's demand, marked as come by merge so the survivor's own issues keep its status (sync/rollup).
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
              inArray(trackerLinks.state, LIVE),
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
    },

    /**
     * Undoes the latest merge of `featureId`: the requests and links that merge moved (and that are still in the
     * survivor, or in whatever the survivor was merged into since) come back, the feature is live again with the
     * status it had, both features are recounted and their issues re-pushed. The merge record says who undid it.
     */
    async unmergeFeature(
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
                  inArray(trackerLinks.state, LIVE),
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
        const restored = await recordChange(
          tx,
          policy,
          featureId,
          'merged',
          merge.fromStatus,
          'unmerge',
          detail,
        );
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
    },

    /** The merges of a feature, into it and out of it, newest first: the audit trail a person reads. */
    async merges(featureId: string) {
      return db
        .select()
        .from(featureMerges)
        .where(or(eq(featureMerges.fromFeatureId, featureId), eq(featureMerges.intoFeatureId, featureId)))
        .orderBy(desc(featureMerges.createdAt));
    },

    /**
     * Backlog import: an open issue nobody linked becomes a feature (no requests yet) linked to it, so requests
     * that match it later join it and its issue gets their demand. An issue linked already is left alone.
     */
    async importIssue(
      state: TrackerIssueState,
      title: string,
    ): Promise<{ outcome: 'imported'; featureId: string } | { outcome: 'linked-already' }> {
      return inTransaction(db, policy, async (tx) => {
        // Serialises imports of one issue (two import runs at once) so it becomes one feature.
        await tx.execute(
          sql`select pg_advisory_xact_lock(hashtext(${`import:${state.kind}:${state.site}:${state.issueId}`}))`,
        );
        if (await liveLinkByIssue(tx, state.kind, state.site, state.issueId)) {
          return { outcome: 'linked-already' } as const;
        }
        const [feature] = await tx
          .insert(features)
          .values({ title, titleKey: titleKey(title) })
          .returning({ id: features.id });
        if (!feature) throw new Error('feature insert returned no row');
        // Its title is what requests are compared with until some join it.
        await lockDedupeIndex(tx);
        await storeDedupeIndex(tx).add(
          featureDocumentId(feature.id),
          feature.id,
          policy.dedupe.analyse({ title }),
        );
        const [link] = await tx
          .insert(trackerLinks)
          .values({
            featureId: feature.id,
            kind: state.kind,
            site: state.site,
            target: importedTarget(state),
            idempotencyKey: `i-${state.kind}-${state.site}-${state.issueId}-${feature.id}`,
            issueId: state.issueId,
            state: 'linked',
            origin: 'imported',
            primary: true,
            ...stateColumns(state, policy),
          })
          .returning({ id: trackerLinks.id });
        if (!link) throw new Error('link insert returned no row');
        await settleStatus(tx, feature.id, policy, 'import', {
          linkId: link.id,
          issueKey: state.issueKey,
          trackerStatus: state.statusName,
        });
        return { outcome: 'imported', featureId: feature.id } as const;
      });
    },

    /** The live link of an issue, if any. */
    linkOf: (kind: TrackerKind, site: string, issueId: string) => liveLinkByIssue(db, kind, site, issueId),

    /** Issue ids of this tracker's live links: what reconcile reads. */
    async linkedIssueIds(kind: TrackerKind, site: string): Promise<string[]> {
      const rows = await db
        .select({ issueId: trackerLinks.issueId })
        .from(trackerLinks)
        .where(
          and(
            eq(trackerLinks.kind, kind),
            eq(trackerLinks.site, site),
            inArray(trackerLinks.state, ['linked', 'failed']),
            isNotNull(trackerLinks.issueId),
          ),
        );
      return rows.flatMap((r) => (r.issueId ? [r.issueId] : []));
    },

    async cursor(kind: TrackerKind, site: string): Promise<string | undefined> {
      const [row] = await db
        .select({ cursor: syncCursors.cursor })
        .from(syncCursors)
        .where(and(eq(syncCursors.kind, kind), eq(syncCursors.site, site)));
      return row?.cursor;
    },

    async saveCursor(kind: TrackerKind, site: string, cursor: string): Promise<void> {
      await db
        .insert(syncCursors)
        .values({ kind, site, cursor })
        .onConflictDoUpdate({
          target: [syncCursors.kind, syncCursors.site],
          set: { cursor, updatedAt: sql`now()` },
        });
    },

    /** A feature's status history, oldest first. */
    async changes(featureId: string) {
      return db
        .select()
        .from(featureStatusChanges)
        .where(eq(featureStatusChanges.featureId, featureId))
        .orderBy(asc(featureStatusChanges.changedAt), asc(featureStatusChanges.id));
    },
  };

  async function removeLink(
    linkId: string,
    featureId: string,
    cause: StatusCause,
    detail: Record<string, unknown>,
  ): Promise<{ featureId: string; linkId: string; change: StatusChange | undefined } | undefined> {
    return inTransaction(db, policy, async (tx) => {
      await lockFeatures(tx, [featureId]);
      // Re-read under the lock: a merge may have moved the link to another feature meanwhile.
      const [current] = await tx
        .select({ featureId: trackerLinks.featureId })
        .from(trackerLinks)
        .where(eq(trackerLinks.id, linkId));
      if (current && current.featureId !== featureId) {
        throw new RetryableConflict('the link moved to another feature');
      }
      const [unlinked] = await tx
        .update(trackerLinks)
        .set({ state: 'unlinked', dirtySince: null, primary: false, markLostAt: null, updatedAt: sql`now()` })
        .where(and(eq(trackerLinks.id, linkId), inArray(trackerLinks.state, LIVE)))
        .returning({ id: trackerLinks.id });
      if (!unlinked) return undefined;
      const change = await settleStatus(tx, featureId, policy, cause, { linkId, ...detail });
      return { featureId, linkId, change };
    });
  }
}

export type StatusRepo = ReturnType<typeof createStatusRepo>;
