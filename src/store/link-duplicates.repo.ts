import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { trackerLinks } from './schema.ts';

/**
 * A link's issue closed as a duplicate by a push (a merge in Suggested Sync) and reopened (the merge undone): what
 * the push did, recorded after the tracker call, so a push repeated after a crash asks the tracker again (its close
 * and reopen are safe to repeat) and then records the same.
 */
/**
 * What a push that covered the demand as of `demandVersion` leaves on its link: clean unless a change came in
 * meanwhile, and any failure an earlier attempt recorded cleared.
 */
export function pushSettled(demandVersion: number) {
  return {
    dirtySince: sql`case when ${trackerLinks.demandVersion} = ${demandVersion} then null else ${trackerLinks.dirtySince} end`,
    lastErrorKind: null,
    lastError: null,
    lastErrorAt: null,
    state: sql`case when ${trackerLinks.state} = 'failed' then 'linked' else ${trackerLinks.state} end`,
    updatedAt: sql`now()`,
  } as const;
}

export function createLinkDuplicatesRepo(db: Db) {
  return {
    /**
     * The issue is closed as a duplicate of `issueId`, having had `statusBefore`. The push that did it covered the
     * demand as of `demandVersion` (a closed issue carries no demand of its own): the link is clean unless a change
     * came in meanwhile, and a failure recorded by an earlier attempt is cleared.
     */
    async recordClosedAsDuplicate(
      linkId: string,
      {
        issueId,
        statusBefore,
        demandVersion,
      }: { issueId: string; statusBefore: string; demandVersion: number },
    ): Promise<void> {
      await db
        .update(trackerLinks)
        .set({
          closedAsDuplicateOf: issueId,
          statusBeforeClose: sql`case when ${trackerLinks.closedAsDuplicateOf} = ${issueId} then coalesce(${trackerLinks.statusBeforeClose}, ${statusBefore}) else ${statusBefore} end`,
          ...pushSettled(demandVersion),
        })
        .where(eq(trackerLinks.id, linkId));
    },
    /**
     * The issue is open again (reopened after an unmerge): the close is forgotten, and the hash of the demand last
     * pushed too, so this push writes the feature's own demand over the duplicate note.
     */
    async recordReopened(linkId: string, closedAgainst: string): Promise<void> {
      await db
        .update(trackerLinks)
        .set({ closedAsDuplicateOf: null, statusBeforeClose: null, pushedHash: null, updatedAt: sql`now()` })
        .where(and(eq(trackerLinks.id, linkId), eq(trackerLinks.closedAsDuplicateOf, closedAgainst)));
    },
  };
}
