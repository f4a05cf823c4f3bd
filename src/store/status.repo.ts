import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { PushTarget, TrackerIssueState, TrackerKind } from '../domain/tracker.ts';
import { titleKey } from '../rules/normalise.ts';
import { isNewerState, linkStatus } from '../rules/status-map.ts';
import type { Db } from './db.ts';
import { featureDocumentId, lockDedupeIndex, storeDedupeIndex } from './dedupe-index.repo.ts';
import { type DirtyLink, LIVE_LINK_STATES, markLinksDirty, type Tx } from './feature-writes.ts';
import { mergeFeatures, mergesOf, unmergeFeature } from './merges.repo.ts';
import { featureStatusChanges, features, syncCursors, trackerLinks } from './schema.ts';
import {
  type ApplyOutcome,
  inTransaction,
  lockFeatures,
  RetryableConflict,
  type StatusCause,
  type StatusChange,
  type StatusPolicy,
  settleStatus,
} from './status-change.ts';

/**
 * What comes back from the trackers, applied to features: a linked issue's new state, its deletion, a duplicate
 * the product owner marked, a link made or removed by hand. Each runs in one transaction that locks the feature
 * row first, applies the change, rolls the feature's links up into its status and records a status change with
 * its cause, so concurrent events for one feature serialise and the history has no gaps.
 */

export {
  type ApplyOutcome,
  type MergeAudit,
  RetryableConflict,
  type StatusCause,
  type StatusChange,
  type StatusPolicy,
} from './status-change.ts';

/** A function's parameters after `db` and `policy`. */
type DropFirst2<T extends unknown[]> = T extends [unknown, unknown, ...infer R] ? R : never;

type LiveLink = typeof trackerLinks.$inferSelect;

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
        inArray(trackerLinks.state, LIVE_LINK_STATES),
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

    mergeFeatures: (...args: DropFirst2<Parameters<typeof mergeFeatures>>) =>
      mergeFeatures(db, policy, ...args),
    unmergeFeature: (...args: DropFirst2<Parameters<typeof unmergeFeature>>) =>
      unmergeFeature(db, policy, ...args),
    merges: (featureId: string) => mergesOf(db, featureId),

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
        .where(and(eq(trackerLinks.id, linkId), inArray(trackerLinks.state, LIVE_LINK_STATES)))
        .returning({ id: trackerLinks.id });
      if (!unlinked) return undefined;
      const change = await settleStatus(tx, featureId, policy, cause, { linkId, ...detail });
      return { featureId, linkId, change };
    });
  }
}

export type StatusRepo = ReturnType<typeof createStatusRepo>;
