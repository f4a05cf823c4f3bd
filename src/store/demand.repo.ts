import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { FeatureDemand } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { LIVE_LINK_STATES } from './feature-writes.ts';
import { companies, features, requesters, requests, trackerLinks } from './schema.ts';

/**
 * What a feature still waiting for review may duplicate: the candidate (or the feature it was merged into since),
 * by its issue when it has one (the primary first), else by its title.
 */
async function possibleDuplicateOf(
  db: Db,
  feature: { possibleDuplicateOfId: string | null; reviewedAt: Date | null; mergedIntoId: string | null },
): Promise<FeatureDemand['possibleDuplicateOf']> {
  if (!feature.possibleDuplicateOfId || feature.reviewedAt || feature.mergedIntoId) return undefined;
  let id = feature.possibleDuplicateOfId;
  let candidate: { title: string; mergedIntoId: string | null } | undefined;
  // Bounded: no merge makes a cycle, but a hand-edited row could.
  for (let hops = 0; hops < 20; hops++) {
    [candidate] = await db
      .select({ title: features.title, mergedIntoId: features.mergedIntoId })
      .from(features)
      .where(eq(features.id, id));
    if (!candidate?.mergedIntoId) break;
    id = candidate.mergedIntoId;
  }
  if (!candidate) return undefined;
  const [issue] = await db
    .select({ issueKey: trackerLinks.issueKey, url: trackerLinks.url })
    .from(trackerLinks)
    .where(
      and(
        eq(trackerLinks.featureId, id),
        inArray(trackerLinks.state, LIVE_LINK_STATES),
        isNotNull(trackerLinks.issueKey),
      ),
    )
    .orderBy(desc(trackerLinks.primary), trackerLinks.createdAt, trackerLinks.id)
    .limit(1);
  return { title: candidate.title, issueKey: issue?.issueKey ?? null, url: issue?.url ?? null };
}

/**
 * Reads what a tracker issue shows about a feature: counts, the companies behind it with revenue and tier, and the
 * candidate quotes (requests with a body first, newest first). One feature's worth of rows; the rendering is pure
 * (rules/demand.ts).
 */
export function createDemandRepo(db: Db) {
  return {
    async load(
      featureId: string,
      { featureUrl, maxQuotes = 10 }: { featureUrl: string; maxQuotes?: number },
    ): Promise<FeatureDemand | undefined> {
      const [feature] = await db.select().from(features).where(eq(features.id, featureId));
      if (!feature) return undefined;

      const byCompany = await db
        .select({
          id: companies.id,
          name: companies.name,
          domain: companies.domain,
          revenue: companies.revenue,
          tier: companies.tier,
          requests: sql<number>`count(*)::int`,
        })
        .from(requests)
        .innerJoin(companies, eq(companies.id, requests.companyId))
        .where(eq(requests.featureId, featureId))
        .groupBy(companies.id)
        .orderBy(sql`${companies.revenue} desc nulls last`, desc(sql`count(*)`), companies.id);

      const quoteRows = await db
        .select({
          requestId: requests.id,
          title: requests.title,
          body: requests.body,
          url: requests.url,
          receivedAt: requests.receivedAt,
          requesterName: requesters.name,
          companyName: companies.name,
        })
        .from(requests)
        .leftJoin(requesters, eq(requesters.id, requests.requesterId))
        .leftJoin(companies, eq(companies.id, requests.companyId))
        // An erased requester's words and name are gone; their request still counts above.
        .where(and(eq(requests.featureId, featureId), isNull(requesters.erasedAt)))
        // The customer's own words say most: requests with a body first, then the newest.
        .orderBy(sql`(${requests.body} = '')`, desc(requests.receivedAt), requests.id)
        .limit(maxQuotes);

      const duplicateOf = await possibleDuplicateOf(db, feature);
      const tiers = new Map<string, number>();
      for (const c of byCompany) if (c.tier) tiers.set(c.tier, (tiers.get(c.tier) ?? 0) + 1);
      return {
        featureId: feature.id,
        title: feature.title,
        status: feature.status,
        score: feature.score,
        requestCount: feature.requestCount,
        requesterCount: feature.requesterCount,
        companyCount: feature.companyCount,
        totalRevenue: byCompany.reduce((sum, c) => sum + (c.revenue ?? 0), 0),
        tiers: [...tiers]
          .map(([tier, n]) => ({ tier, companies: n }))
          .sort((a, b) => b.companies - a.companies || a.tier.localeCompare(b.tier)),
        companies: byCompany,
        quotes: quoteRows.map((q) => ({
          requestId: q.requestId,
          text: q.body.trim() ? q.body : q.title,
          requesterName: q.requesterName,
          companyName: q.companyName,
          url: q.url,
          receivedAt: q.receivedAt.toISOString(),
        })),
        featureUrl,
        ...(duplicateOf ? { possibleDuplicateOf: duplicateOf } : {}),
      };
    },
  };
}
