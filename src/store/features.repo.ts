import { and, desc, eq, lt, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { companies, features, requesters, requests } from './schema.ts';

type FeatureSort = 'score' | 'recent';

/** Keyset cursor: the sort value and id of the last row of the previous page. */
/** A request as a feature's list of requests shows it (the API's view and the console's). */
export const listedRequestColumns = {
  id: requests.id,
  title: requests.title,
  source: requests.source,
  url: requests.url,
  receivedAt: requests.receivedAt,
};

export interface FeatureCursor {
  v: number | string;
  id: string;
}

export function createFeaturesRepo(db: Db) {
  return {
    async list({
      sort,
      limit,
      after,
    }: {
      sort: FeatureSort;
      limit: number;
      after: FeatureCursor | undefined;
    }) {
      const sortColumn = sort === 'score' ? features.score : features.lastRequestedAt;
      let where: SQL | undefined;
      if (after) {
        const v = sort === 'score' ? Number(after.v) : new Date(String(after.v));
        where = or(lt(sortColumn, v), and(eq(sortColumn, v), sql`${features.id} > ${after.id}`));
      }
      const rows = await db
        .select()
        .from(features)
        .where(where)
        .orderBy(desc(sortColumn), features.id)
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const next: FeatureCursor | undefined =
        rows.length > limit && last
          ? { v: sort === 'score' ? last.score : last.lastRequestedAt.toISOString(), id: last.id }
          : undefined;
      return { features: page, next };
    },

    /** A feature's title alone (what a push carries to the issues it owns). */
    async title(id: string): Promise<string | undefined> {
      const [row] = await db.select({ title: features.title }).from(features).where(eq(features.id, id));
      return row?.title;
    },

    async get(id: string, requestLimit = 50) {
      const [feature] = await db.select().from(features).where(eq(features.id, id));
      if (!feature) return undefined;
      const featureRequests = await db
        .select({
          ...listedRequestColumns,
          requester: { id: requesters.id, name: requesters.name },
          company: { id: companies.id, name: companies.name, domain: companies.domain },
        })
        .from(requests)
        .leftJoin(requesters, eq(requesters.id, requests.requesterId))
        .leftJoin(companies, eq(companies.id, requests.companyId))
        .where(eq(requests.featureId, id))
        .orderBy(desc(requests.receivedAt), requests.id)
        .limit(requestLimit);
      return { feature, requests: featureRequests };
    },
  };
}
