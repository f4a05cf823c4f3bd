import { and, asc, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { PushTarget, TrackerIssueState, TrackerKind } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { LIVE_LINK_STATES, type Tx } from './feature-writes.ts';
import { mergesOf } from './merges.repo.ts';
import { featureStatusChanges, features, syncCursors, trackerLinks } from './schema.ts';

/**
 * Tracker links as what comes back from the trackers sees them: a linked issue's state, links made and removed,
 * the backlog import's features, reconcile's cursors, and a feature's status history. The use cases that apply
 * those to features (application/link-state.ts) lock and decide; these are their reads and writes.
 */

export { RetryableConflict } from './status-change.ts';

export type LiveLink = typeof trackerLinks.$inferSelect;

/** The columns a tracker issue's state is kept in on its link. */
export interface IssueStateColumns {
  statusName: string;
  statusCategory: TrackerIssueState['category'];
  mappedStatus: FeatureStatus | null;
  issueUpdatedAt: Date;
  issueKey: string;
  url: string;
}

/** The live link of an issue, if any. */
export async function liveLinkByIssue(
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

/** The issue key's prefix is its Jira project or Linear team key. */
export function importedTarget(state: TrackerIssueState): PushTarget {
  const prefix = state.issueKey.split('-')[0] ?? state.issueKey;
  return state.kind === 'jira'
    ? { kind: 'jira', site: state.site, project: prefix, issueType: '' }
    : { kind: 'linear', workspace: state.site, team: prefix };
}

export async function writeIssueState(tx: Tx, linkId: string, columns: IssueStateColumns): Promise<void> {
  await tx
    .update(trackerLinks)
    .set({ ...columns, updatedAt: sql`now()` })
    .where(eq(trackerLinks.id, linkId));
}

/** A link of the feature whose issue was marked a duplicate of another: it now says `merged`. */
export async function supersedeLink(tx: Tx, featureId: string, linkId: string): Promise<void> {
  await tx
    .update(trackerLinks)
    .set({ mappedStatus: 'merged', primary: false, updatedAt: sql`now()` })
    .where(and(eq(trackerLinks.id, linkId), eq(trackerLinks.featureId, featureId)));
}

/** Writes a link to an existing issue, with its state; returns its id. */
export async function insertLinkedIssue(
  tx: Tx,
  link: {
    featureId: string;
    state: TrackerIssueState;
    target: PushTarget;
    idempotencyKey: string;
    origin: 'linked' | 'imported';
    primary: boolean;
    columns: IssueStateColumns;
  },
): Promise<string> {
  const [row] = await tx
    .insert(trackerLinks)
    .values({
      featureId: link.featureId,
      kind: link.state.kind,
      site: link.state.site,
      target: link.target,
      idempotencyKey: link.idempotencyKey,
      issueId: link.state.issueId,
      state: 'linked',
      origin: link.origin,
      primary: link.primary,
      ...link.columns,
      updatedAt: sql`now()`,
    })
    .returning({ id: trackerLinks.id });
  if (!row) throw new Error('link insert returned no row');
  return row.id;
}

/** A feature's link by id, whatever its state. */
export async function featureLinkById(
  db: Db,
  featureId: string,
  linkId: string,
): Promise<LiveLink | undefined> {
  const [link] = await db
    .select()
    .from(trackerLinks)
    .where(and(eq(trackerLinks.id, linkId), eq(trackerLinks.featureId, featureId)));
  return link;
}

/** The feature a link belongs to now. */
export async function featureOfLink(tx: Tx, linkId: string): Promise<string | undefined> {
  const [current] = await tx
    .select({ featureId: trackerLinks.featureId })
    .from(trackerLinks)
    .where(eq(trackerLinks.id, linkId));
  return current?.featureId;
}

/** Unlinks a live link; false when it was not live. */
export async function unlinkLink(tx: Tx, linkId: string): Promise<boolean> {
  const [unlinked] = await tx
    .update(trackerLinks)
    .set({ state: 'unlinked', dirtySince: null, primary: false, markLostAt: null, updatedAt: sql`now()` })
    .where(and(eq(trackerLinks.id, linkId), inArray(trackerLinks.state, LIVE_LINK_STATES)))
    .returning({ id: trackerLinks.id });
  return unlinked !== undefined;
}

/** Serialises imports of one issue (two import runs at once) so it becomes one feature. */
export async function lockIssueImport(tx: Tx, state: TrackerIssueState): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtext(${`import:${state.kind}:${state.site}:${state.issueId}`}))`,
  );
}

/** A new feature with no requests yet; returns its id. */
export async function insertFeature(tx: Tx, title: string, titleKey: string): Promise<string> {
  const [feature] = await tx.insert(features).values({ title, titleKey }).returning({ id: features.id });
  if (!feature) throw new Error('feature insert returned no row');
  return feature.id;
}

export function createStatusRepo(db: Db) {
  return {
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

    /** The merges of a feature, into it and out of it, newest first. */
    merges: (featureId: string) => mergesOf(db, featureId),
  };
}
