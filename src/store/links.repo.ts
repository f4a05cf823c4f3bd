import { and, eq, inArray, isNotNull, isNull, lt, ne, sql } from 'drizzle-orm';
import type { TrackerIssueRef } from '../connectors/tracker.ts';
import { type PushTarget, siteOf } from '../domain/tracker.ts';
import type { RouteInput } from '../rules/route.ts';
import type { Db } from './db.ts';
import { DIRTY_LINK_COLUMNS, LIVE_LINK_STATES, routeInputOf, type Tx } from './feature-writes.ts';
import { createLinkDuplicatesRepo, pushSettled } from './link-duplicates.repo.ts';
import { createLinkMarksRepo, MARK_LOST, markLostMessage } from './link-marks.repo.ts';
import { createLinkRequestsRepo } from './link-requests.repo.ts';
import { features, trackerLinks } from './schema.ts';

export type TrackerLink = typeof trackerLinks.$inferSelect;

export { MARK_LOST } from './link-marks.repo.ts';

function sameTarget(a: PushTarget, b: PushTarget): boolean {
  if (a.kind === 'jira' && b.kind === 'jira') return a.site === b.site && a.project === b.project;
  if (a.kind === 'linear' && b.kind === 'linear') return a.workspace === b.workspace && a.team === b.team;
  return false;
}

/** Deterministic per feature and target: what makes a retried create find the first issue. */
export function linkIdempotencyKey(featureId: string, target: PushTarget): string {
  return target.kind === 'jira'
    ? `f-${featureId}-jira-${target.site}-${target.project}`
    : `f-${featureId}-linear-${target.workspace}-${target.team}`;
}

/** A link by id or feature, its marks, and the create attempt a push records first. */
function linkRows(db: Db) {
  return {
    ...createLinkMarksRepo(db),
    async get(linkId: string): Promise<TrackerLink | undefined> {
      const [row] = await db.select().from(trackerLinks).where(eq(trackerLinks.id, linkId));
      return row;
    },
    async forFeature(featureId: string): Promise<TrackerLink[]> {
      return db
        .select()
        .from(trackerLinks)
        .where(eq(trackerLinks.featureId, featureId))
        .orderBy(trackerLinks.createdAt);
    },
    /** Written before the tracker is asked to create, so a crash after the create leaves a row that can find it. */
    async recordCreateAttempt(linkId: string): Promise<void> {
      await db
        .update(trackerLinks)
        .set({ createAttemptedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(trackerLinks.id, linkId));
    },
  };
}

/** The issue a push created or found, recorded on its link. */
function issueRecords(db: Db) {
  return {
    /**
     * The issue this link's create made (or found by its idempotency key): it carries this link's mark. Another live
     * link naming the same issue id therefore follows an issue that is gone (a tracker reset or re-created, an id
     * reused): that link is set aside as unlinked, saying why, without touching its feature's status (nothing it
     * said was wrong; its issue is simply no longer there). Returns the links set aside.
     */
    async recordIssue(
      linkId: string,
      ref: TrackerIssueRef,
    ): Promise<Array<Pick<TrackerLink, 'id' | 'featureId' | 'issueKey'>>> {
      return db.transaction((tx) => recordIssueRows(tx, linkId, ref));
    },
  };
}

/** recordIssue's writes, in the caller's transaction. */
export async function recordIssueRows(
  tx: Tx,
  linkId: string,
  ref: TrackerIssueRef,
): Promise<Array<Pick<TrackerLink, 'id' | 'featureId' | 'issueKey'>>> {
  const stale = await tx
    .update(trackerLinks)
    .set({
      state: 'unlinked',
      primary: false,
      dirtySince: null,
      markLostAt: sql`now()`,
      lastErrorKind: MARK_LOST,
      lastError: markLostMessage(ref, 'reused'),
      lastErrorAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(trackerLinks.kind, ref.kind),
        eq(trackerLinks.site, ref.site),
        eq(trackerLinks.issueId, ref.issueId),
        inArray(trackerLinks.state, LIVE_LINK_STATES),
        ne(trackerLinks.id, linkId),
      ),
    )
    .returning({
      id: trackerLinks.id,
      featureId: trackerLinks.featureId,
      issueKey: trackerLinks.issueKey,
    });
  await tx
    .update(trackerLinks)
    .set({
      issueId: ref.issueId,
      issueKey: ref.issueKey,
      url: ref.url,
      state: 'linked',
      markedAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(eq(trackerLinks.id, linkId));
  return stale;
}

/** How a push ended: what it pushed, or the error. */
function pushOutcomes(db: Db) {
  return {
    /**
     * Records a push that covered the demand as of `demandVersion` (read with the link before the demand). Changes
     * that arrived while it ran bumped the version and keep the link dirty; returns the link's push state (dirty
     * again: the caller schedules the next coalesced push).
     */
    async recordPushed(
      linkId: string,
      hash: string,
      demandVersion: number,
      /** The feature title the issue now carries (see `pushedTitle`). */
      title?: string,
    ): Promise<Pick<TrackerLink, 'id' | 'kind' | 'site' | 'pushedAt' | 'dirtySince'> | undefined> {
      const [row] = await db
        .update(trackerLinks)
        .set({
          pushedHash: hash,
          ...(title !== undefined ? { pushedTitle: title } : {}),
          pushedAt: sql`now()`,
          ...pushSettled(demandVersion),
        })
        .where(eq(trackerLinks.id, linkId))
        .returning(DIRTY_LINK_COLUMNS);
      return row;
    },
    /** The reason a push stopped, where the API shows it; `failed` stops retries until demand changes again. */
    async recordError(
      linkId: string,
      kind: string,
      message: string,
      { failed }: { failed: boolean },
    ): Promise<void> {
      await db
        .update(trackerLinks)
        .set({
          lastErrorKind: kind,
          lastError: message.slice(0, 1_000),
          lastErrorAt: sql`now()`,
          ...(failed ? { state: 'failed' as const } : {}),
          updatedAt: sql`now()`,
        })
        .where(eq(trackerLinks.id, linkId));
    },
  };
}

/** The links whose push is due (the redrive). */
function dirtyLinks(db: Db) {
  return {
    /**
     * Links with demand not yet pushed, changed before `before`, oldest first: the redrive's work list. A link
     * whose issue lost its mark stays dirty (pushed once the mark is back) but is left out: its push would only skip.
     */
    async dirty(before: Date, limit: number): Promise<Array<Pick<TrackerLink, 'id' | 'kind' | 'site'>>> {
      return db
        .select({ id: trackerLinks.id, kind: trackerLinks.kind, site: trackerLinks.site })
        .from(trackerLinks)
        .where(
          and(
            isNotNull(trackerLinks.dirtySince),
            lt(trackerLinks.dirtySince, before),
            inArray(trackerLinks.state, ['pending', 'linked']),
            isNull(trackerLinks.markLostAt),
          ),
        )
        .orderBy(trackerLinks.dirtySince)
        .limit(limit);
    },
  };
}

/** A push asked for by hand, and the pending-work count. */
function pushesByHand(db: Db) {
  return {
    /**
     * A push asked for by hand: the live link to the chosen target is marked dirty (and its content hash cleared,
     * so the push rewrites the issue even if nothing changed); without one, a link is made. A target whose
     * earlier link was unlinked (the issue deleted) gets a fresh idempotency key, so a new issue is created.
     */
    async requestPush(
      featureId: string,
      chooseTarget: (input: RouteInput) => PushTarget,
    ): Promise<
      | { outcome: 'pushed'; link: TrackerLink }
      | { outcome: 'not-found' }
      | { outcome: 'merged'; intoId: string }
    > {
      return db.transaction(async (tx) => {
        const [feature] = await tx
          .select({ mergedIntoId: features.mergedIntoId })
          .from(features)
          .where(eq(features.id, featureId))
          .for('update');
        if (!feature) return { outcome: 'not-found' } as const;
        if (feature.mergedIntoId) return { outcome: 'merged', intoId: feature.mergedIntoId } as const;
        const target = chooseTarget(await routeInputOf(tx, featureId));
        const links = await tx.select().from(trackerLinks).where(eq(trackerLinks.featureId, featureId));
        const live = links.filter((l) => l.state !== 'unlinked');
        const same = live.find((l) => sameTarget(l.target as PushTarget, target));
        // Dirty from now: a window that had closed with a push waiting for triage (rules/coalesce.ts `triageWait`)
        // reopens, and a push asked for before its window closes waits for nothing.
        const dirty = {
          dirtySince: sql`now()`,
          demandVersion: sql`${trackerLinks.demandVersion} + 1`,
          updatedAt: sql`now()`,
        };
        if (same) {
          const [row] = await tx
            .update(trackerLinks)
            .set({ ...dirty, pushedHash: null })
            .where(eq(trackerLinks.id, same.id))
            .returning();
          if (!row) throw new Error('link update returned no row');
          return { outcome: 'pushed', link: row } as const;
        }
        const base = linkIdempotencyKey(featureId, target);
        const taken = links.filter((l) => l.idempotencyKey.startsWith(base)).length;
        const [row] = await tx
          .insert(trackerLinks)
          .values({
            featureId,
            kind: target.kind,
            site: siteOf(target),
            target,
            idempotencyKey: taken === 0 ? base : `${base}-${taken + 1}`,
            primary: live.length === 0,
            dirtySince: sql`now()`,
          })
          .returning();
        if (!row) throw new Error('link insert returned no row');
        return { outcome: 'pushed', link: row } as const;
      });
    },
    /** What `dirty` would hand the redrive (the pending-work metric): mark-lost links are not pending work. */
    async countDirty(): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(trackerLinks)
        .where(
          and(
            isNotNull(trackerLinks.dirtySince),
            inArray(trackerLinks.state, ['pending', 'linked']),
            isNull(trackerLinks.markLostAt),
          ),
        );
      return row?.n ?? 0;
    },
  };
}

/** Feature ↔ tracker issue rows: the state the push job moves forward, one step at a time. */
export function createLinksRepo(db: Db) {
  return {
    ...linkRows(db),
    ...issueRecords(db),
    ...pushOutcomes(db),
    ...createLinkRequestsRepo(db),
    ...dirtyLinks(db),
    ...pushesByHand(db),
    ...createLinkDuplicatesRepo(db),
  };
}
