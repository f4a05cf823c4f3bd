import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { FeatureDemand } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { companies, features, requesters, requests } from './schema.ts';

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
      };
    },
  };
}
