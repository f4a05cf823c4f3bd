import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { LIVE_LINK_STATES } from './feature-writes.ts';
import { trackerLinks } from './schema.ts';

/** `lastErrorKind` of a link whose issue no longer carries its mark (what the API shows; `markLostAt` decides). */
export const MARK_LOST = 'mark_lost';

/** The issue a link followed, as a mark-lost message names it. */
interface MarkedIssue {
  kind: string;
  site: string;
  issueKey: string;
  issueId: string;
}

/**
 * What a link whose issue lost its mark says on its `lastError`: `reused`, a push of another link created (or
 * found) an issue under this link's issue id, so this link was set aside as unlinked; `missing`, an event or read
 * showed the issue without this link's mark.
 */
export function markLostMessage(issue: MarkedIssue, why: 'reused' | 'missing'): string {
  const named = `${issue.kind} ${issue.site} issue ${issue.issueKey} (${issue.issueId})`;
  return why === 'reused'
    ? `${named} now carries another link's mark, not this one's: the issue this link followed is gone, so the link was set aside as unlinked`
    : `${named} no longer carries this link's mark (another issue has its id now, or the mark was removed): nothing is pushed to it and what the tracker says of it is not applied; unlink it, or link the right issue`;
}

/**
 * A link's mark on its issue: written by a push (`recordMarked`), found missing by an event or a read
 * (`recordMarkLost`), found again (`clearMarkLost`). Lost is its own column: a push or an error recorded meanwhile
 * leaves it alone, so nothing of the feature reaches an issue that is not its own.
 */
export function createLinkMarksRepo(db: Db) {
  return {
    /** The push wrote this link's mark on an issue it did not create (linked by hand, imported). */
    async recordMarked(linkId: string): Promise<void> {
      await db
        .update(trackerLinks)
        .set({ markedAt: sql`now()`, updatedAt: sql`now()` })
        .where(eq(trackerLinks.id, linkId));
    },

    /**
     * The issue no longer carries this link's mark: what the tracker says of it is not applied and nothing is
     * pushed to it until it does again or the link is unlinked. True when this is news (not already recorded).
     */
    async recordMarkLost(linkId: string, message: string): Promise<boolean> {
      const [before] = await db
        .select({ at: trackerLinks.markLostAt })
        .from(trackerLinks)
        .where(eq(trackerLinks.id, linkId));
      await db
        .update(trackerLinks)
        .set({
          markLostAt: sql`coalesce(${trackerLinks.markLostAt}, now())`,
          lastErrorKind: MARK_LOST,
          lastError: message.slice(0, 1_000),
          lastErrorAt: sql`now()`,
          updatedAt: sql`now()`,
        })
        .where(eq(trackerLinks.id, linkId));
      return !before?.at;
    },

    /** Read again right before a push writes to the issue: a webhook may have found the mark gone meanwhile. */
    async markLost(linkId: string): Promise<boolean> {
      const [row] = await db
        .select({ at: trackerLinks.markLostAt })
        .from(trackerLinks)
        .where(eq(trackerLinks.id, linkId));
      return Boolean(row?.at);
    },

    /** The issue carries the mark again (a label put back, a property restored). */
    async clearMarkLost(linkId: string): Promise<void> {
      await db
        .update(trackerLinks)
        .set({
          markLostAt: null,
          lastErrorKind: sql`case when ${trackerLinks.lastErrorKind} = ${MARK_LOST} then null else ${trackerLinks.lastErrorKind} end`,
          lastError: sql`case when ${trackerLinks.lastErrorKind} = ${MARK_LOST} then null else ${trackerLinks.lastError} end`,
          lastErrorAt: sql`case when ${trackerLinks.lastErrorKind} = ${MARK_LOST} then null else ${trackerLinks.lastErrorAt} end`,
          updatedAt: sql`now()`,
        })
        .where(and(eq(trackerLinks.id, linkId), isNotNull(trackerLinks.markLostAt)));
    },

    /** Live links whose issue lost their mark: /readyz reports them. */
    async countMarkLost(): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(trackerLinks)
        .where(and(isNotNull(trackerLinks.markLostAt), inArray(trackerLinks.state, LIVE_LINK_STATES)));
      return row?.n ?? 0;
    },
  };
}
