import { and, eq, inArray, isNotNull, lte, or, sql } from 'drizzle-orm';
import type { TrackerKind } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { LIVE_LINK_STATES } from './feature-writes.ts';
import { features, trackerLinks } from './schema.ts';

/** What the console's Health page reads of the tracker links: counts per tracker, and the latest failures. */

export interface TrackerLinkCounts {
  kind: TrackerKind;
  site: string;
  /** Live links whose last push failed (the failure is cleared by the next push that works). */
  failing: number;
  /** Of those, links whose push stopped for good until the demand changes (state `failed`). */
  stopped: number;
  /** Links with demand not yet pushed: what the redrive would push (issues that lost our mark left out). */
  waiting: number;
  /** Live links whose issue no longer carries our mark: nothing is pushed to it or read from it. */
  markLost: number;
}

export interface FailingLink {
  kind: TrackerKind;
  site: string;
  featureId: string;
  featureTitle: string;
  issueKey: string | null;
  errorKind: string | null;
  error: string;
  at: Date | null;
}

/**
 * Per tracker (kind and site) with links needing attention: how many fail, are stopped, wait for a push, or lost
 * their mark. A tracker whose links are all in step has no row.
 */
export async function trackerLinkCounts(db: Db): Promise<TrackerLinkCounts[]> {
  const live = inArray(trackerLinks.state, LIVE_LINK_STATES);
  return (
    db
      .select({
        kind: trackerLinks.kind,
        site: trackerLinks.site,
        failing: sql<number>`(count(*) filter (where ${trackerLinks.lastError} is not null and ${trackerLinks.markLostAt} is null))::int`,
        stopped: sql<number>`(count(*) filter (where ${trackerLinks.state} = 'failed'))::int`,
        waiting: sql<number>`(count(*) filter (where ${trackerLinks.dirtySince} is not null and ${trackerLinks.state} <> 'failed' and ${trackerLinks.markLostAt} is null))::int`,
        markLost: sql<number>`(count(*) filter (where ${trackerLinks.markLostAt} is not null))::int`,
      })
      .from(trackerLinks)
      // Only rows that count for something: the aggregate skips the many links that are simply in step.
      .where(
        and(
          live,
          or(
            isNotNull(trackerLinks.lastError),
            isNotNull(trackerLinks.dirtySince),
            isNotNull(trackerLinks.markLostAt),
            eq(trackerLinks.state, 'failed'),
          ),
        ),
      )
      .groupBy(trackerLinks.kind, trackerLinks.site)
  );
}

/** The newest push failures of each tracker (at most `perTracker` each), with the feature each belongs to. */
export async function latestFailingLinks(db: Db, perTracker: number): Promise<FailingLink[]> {
  const ranked = db
    .select({
      kind: trackerLinks.kind,
      site: trackerLinks.site,
      featureId: trackerLinks.featureId,
      featureTitle: features.title,
      issueKey: trackerLinks.issueKey,
      errorKind: trackerLinks.lastErrorKind,
      error: trackerLinks.lastError,
      at: trackerLinks.lastErrorAt,
      rank: sql<number>`row_number() over (partition by ${trackerLinks.kind}, ${trackerLinks.site} order by ${trackerLinks.lastErrorAt} desc nulls last)`.as(
        'rank',
      ),
    })
    .from(trackerLinks)
    .innerJoin(features, eq(features.id, trackerLinks.featureId))
    .where(and(inArray(trackerLinks.state, LIVE_LINK_STATES), isNotNull(trackerLinks.lastError)))
    .as('ranked');
  const rows = await db
    .select()
    .from(ranked)
    .where(lte(ranked.rank, perTracker))
    .orderBy(ranked.kind, ranked.site, ranked.rank);
  return rows.map(({ rank: _rank, ...r }) => ({ ...r, error: r.error ?? '' }));
}
