import { and, eq, inArray, sql } from 'drizzle-orm';
import type { RouteInput } from '../rules/route.ts';
import { type Db, queryRows } from './db.ts';
import { type DemandScorer, writeScores } from './feature-score.ts';
import { features, trackerLinks } from './schema.ts';

/** Writes several repositories make to a feature inside their own transaction. */

/** The link states that speak for an issue (an unlinked or merged link no longer does). */
export const LIVE_LINK_STATES = ['pending', 'linked', 'failed'] as const;

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** A link whose tracker issue needs a push. */
export interface DirtyLink {
  id: string;
  kind: 'jira' | 'linear';
  site: string;
  /** Null until a push created the issue or one was linked. */
  issueId: string | null;
  pushedAt: Date | null;
  dirtySince: Date | null;
}

/**
 * Recomputes a feature's counts and score (with its breakdown, rules/score.ts) from its requests, under the caller's
 * lock on the feature row, so they are right whatever order concurrent transactions commit in.
 */
export async function recountFeature(
  tx: Tx,
  featureId: string,
  scoreDemand: DemandScorer,
  now = new Date(),
): Promise<void> {
  await recountFeatures(tx, [featureId], scoreDemand, now);
}

/**
 * recountFeature for several features (the ones a triage batch touched): the counts of all of them in one
 * statement, then their scores. The update takes each feature's row lock, in the order given; the caller holds the
 * index lock, which whatever else locks several features takes first.
 */
export async function recountFeatures(
  tx: Tx,
  featureIds: readonly string[],
  scoreDemand: DemandScorer,
  now = new Date(),
): Promise<void> {
  if (featureIds.length === 0) return;
  await tx.execute(sql`
    update features f set
      request_count = s.requests,
      requester_count = s.requesters,
      company_count = s.companies,
      last_requested_at = coalesce(s.last_at, f.last_requested_at),
      updated_at = now()
    from unnest(${sql.param([...featureIds])}::uuid[]) as t(id)
    cross join lateral (
      select count(*)::int as requests,
             count(distinct requester_id)::int as requesters,
             count(distinct company_id)::int as companies,
             max(received_at) as last_at
      from requests where feature_id = t.id
    ) s
    where f.id = t.id`);
  await writeScores(tx, featureIds, scoreDemand, now);
}

/**
 * The feature and every feature it was merged into since, in order: the last one is live. Bounded and safe
 * against a cycle, which no merge makes but a hand-edited row could. With `lock`, each row is locked as it is read
 * (`key share` conflicts with a merge's `for update`, so a concurrent merge cannot slip past the chain).
 */
export async function mergeChain(
  tx: Tx,
  featureId: string,
  { lock }: { lock?: 'key share' } = {},
): Promise<string[]> {
  const chain = [featureId];
  for (let hops = 0; hops < 20; hops++) {
    const read = tx
      .select({ mergedIntoId: features.mergedIntoId })
      .from(features)
      .where(eq(features.id, chain[chain.length - 1] ?? featureId));
    const [row] = lock ? await read.for(lock) : await read;
    if (!row?.mergedIntoId || chain.includes(row.mergedIntoId)) break;
    chain.push(row.mergedIntoId);
  }
  return chain;
}

/** The columns a DirtyLink is returned with (for scheduling its push). */
export const DIRTY_LINK_COLUMNS = {
  id: trackerLinks.id,
  kind: trackerLinks.kind,
  site: trackerLinks.site,
  issueId: trackerLinks.issueId,
  pushedAt: trackerLinks.pushedAt,
  dirtySince: trackerLinks.dirtySince,
};

/** Marks every live link of the feature dirty (its demand changed); returns them for the caller to schedule. */
export async function markLinksDirty(tx: Tx, featureId: string): Promise<DirtyLink[]> {
  return tx
    .update(trackerLinks)
    .set({
      dirtySince: sql`coalesce(${trackerLinks.dirtySince}, now())`,
      demandVersion: sql`${trackerLinks.demandVersion} + 1`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(trackerLinks.featureId, featureId), inArray(trackerLinks.state, LIVE_LINK_STATES)))
    .returning(DIRTY_LINK_COLUMNS);
}

/** What routing looks at: the feature's requests' tags, sources, texts and company tiers. */
export async function routeInputOf(tx: Tx, featureId: string): Promise<RouteInput> {
  return (await routeInputsOf(tx, [featureId])).get(featureId) ?? NO_ROUTE_INPUT;
}

/** What routing looks at for a feature with no requests. */
export const NO_ROUTE_INPUT: RouteInput = { tags: [], sources: [], texts: [], tiers: [] };

/** routeInputOf for several features, in one statement; a feature with no requests has none in the map. */
export async function routeInputsOf(tx: Tx, featureIds: readonly string[]): Promise<Map<string, RouteInput>> {
  if (featureIds.length === 0) return new Map();
  const rows = await queryRows<{
    feature_id: string;
    tags: string[] | null;
    sources: string[] | null;
    texts: string[] | null;
    tiers: string[] | null;
  }>(
    tx,
    sql`select r.feature_id,
          array(select distinct t from requests r2, unnest(r2.tags) t where r2.feature_id = r.feature_id) as tags,
          array_agg(distinct r.source) as sources,
          array_agg(r.title || ' ' || r.body) as texts,
          array_remove(array_agg(distinct c.tier), null) as tiers
        from requests r left join companies c on c.id = r.company_id
        where r.feature_id = any(${sql.param([...featureIds])}::uuid[])
        group by r.feature_id`,
  );
  return new Map(
    rows.map((r) => [
      r.feature_id,
      { tags: r.tags ?? [], sources: r.sources ?? [], texts: r.texts ?? [], tiers: r.tiers ?? [] },
    ]),
  );
}
