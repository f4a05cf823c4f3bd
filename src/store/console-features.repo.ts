import { and, asc, desc, eq, inArray, ne, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { listedRequestColumns } from './features.repo.ts';
import { companies, features, requesters, requests, trackerLinks } from './schema.ts';

/**
 * What the console's features pages read: a page of features ranked, filtered and searched (one query for the
 * rows, one for their links, both on indexes: no count over the whole table), and one feature's requests and
 * companies. Writes go through the application.
 */

export type ConsoleFeatureSort = 'score' | 'recent' | 'requesters' | 'revenue';

export interface ConsoleFeatureFilters {
  /** Statuses to show; empty: every status but `merged`. */
  statuses: readonly string[];
  /** `jira` or `linear` (a live link there), or `none` (no live link). */
  tracker?: 'jira' | 'linear' | 'none' | undefined;
  /** An intake source id: a request from it. */
  source?: string | undefined;
  /** A company's domain (exactly) or part of its name, case-insensitive: a request from it. */
  company?: string | undefined;
  /** A company tier, case-insensitive: a request from a company in it. */
  tier?: string | undefined;
  /** A request tag, exactly. */
  tag?: string | undefined;
  /** Word search: for each group, one of its terms in the feature's indexed requests (see feature-search.ts). */
  termGroups?: readonly (readonly string[])[] | undefined;
}

/** Keyset cursor: the sort value and id of the last row of the previous page. */
export interface ConsoleFeatureCursor {
  /** A number, or for `recent` the time as text to the microsecond (a JS Date would round it to the ms). */
  v: number | string;
  id: string;
}

/** The total revenue of the companies behind a feature, as its score breakdown last counted it. */
const revenueOf = sql<number>`coalesce((${features.scoreBreakdown} #>> '{terms,revenue,totalRevenue}')::float8, 0)`;

/** What each sort orders by (descending, then id ascending); the indexes in schema/requests.ts match these. */
function sortValue(sort: ConsoleFeatureSort): SQL<number | string> {
  if (sort === 'score') return sql<number>`${features.score}`;
  if (sort === 'recent') {
    return sql<string>`to_char(${features.lastRequestedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  }
  if (sort === 'requesters') return sql<number>`${features.requesterCount}::float8`;
  return revenueOf;
}

/** The keyset condition on the column the index holds (an expression over it would not use the index). */
function afterCursor(sort: ConsoleFeatureSort, after: ConsoleFeatureCursor): SQL {
  const column =
    sort === 'score'
      ? sql`${features.score}`
      : sort === 'recent'
        ? sql`${features.lastRequestedAt}`
        : sort === 'requesters'
          ? sql`${features.requesterCount}`
          : revenueOf;
  const value =
    sort === 'recent'
      ? sql`${String(after.v)}::timestamptz`
      : sort === 'requesters'
        ? sql`${Math.trunc(Number(after.v))}::int`
        : sql`${Number(after.v)}::float8`;
  // `column <= value` on its own lets the index start at the cursor instead of filtering every row before it.
  return sql`(${column} <= ${value} and (${column} < ${value} or ${features.id} > ${after.id}))`;
}

const liveLink = (kind?: 'jira' | 'linear') =>
  sql`exists (select 1 from ${trackerLinks} l where l.feature_id = ${features.id} and l.state <> 'unlinked'${
    kind ? sql` and l.kind = ${kind}` : sql``
  })`;

/** A request of the feature that satisfies `condition` (over `r`, the request). */
const aRequest = (condition: SQL) =>
  sql`exists (select 1 from ${requests} r where r.feature_id = ${features.id} and ${condition})`;

/**
 * Features whose indexed requests hold, for each group, one of its terms (the dedupe index's postings). One
 * semi-join per group, so the planner weighs each word: a rare one is looked up first, a common one is checked
 * row by row along the sort's index.
 */
function wordMatch(groups: readonly (readonly string[])[]): SQL {
  return sql.join(
    groups.map(
      (g) => sql`${features.id} in (select d.feature_id from dedupe_postings p
        join dedupe_documents d on d.id = p.document_id where p.term = any(${sql.param([...g])}::text[]))`,
    ),
    sql` and `,
  );
}

/** Features with a request from one of `companyIds`. */
const fromCompanies = (companyIds: readonly string[]) =>
  companyIds.length === 0
    ? sql`false`
    : sql`${features.id} in (select r.feature_id from ${requests} r
        where r.company_id = any(${sql.param([...companyIds])}::uuid[]))`;

/**
 * The companies the company and tier filters pick, looked up first: given the ids themselves, the planner knows
 * how many requests they have (a guess from a condition on companies once had it walk the whole score index).
 */
async function pickedCompanies(db: Db, f: ConsoleFeatureFilters): Promise<string[] | undefined> {
  if (!f.company && !f.tier) return undefined;
  const where: SQL[] = [];
  if (f.company) {
    const needle = f.company.trim().toLowerCase();
    const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(sql`(lower(${companies.domain}) = ${needle} or lower(${companies.name}) like ${like})`);
  }
  if (f.tier) where.push(sql`lower(${companies.tier}) = ${f.tier.trim().toLowerCase()}`);
  const rows = await db
    .select({ id: companies.id })
    .from(companies)
    .where(and(...where));
  return rows.map((r) => r.id);
}

function filterConditions(f: ConsoleFeatureFilters, companyIds: string[] | undefined): SQL[] {
  const where: SQL[] = [];
  if (f.statuses.length > 0) {
    where.push(sql`${features.status} = any(${sql.param([...f.statuses])}::text[])`);
    if (!f.statuses.includes('merged')) where.push(sql`${features.mergedIntoId} is null`);
  } else where.push(sql`${features.mergedIntoId} is null`);
  if (f.tracker === 'none') where.push(sql`not ${liveLink()}`);
  else if (f.tracker) where.push(liveLink(f.tracker));
  if (f.source) where.push(aRequest(sql`r.source = ${f.source}`));
  if (companyIds) where.push(fromCompanies(companyIds));
  if (f.tag) where.push(aRequest(sql`${f.tag} = any(r.tags)`));
  if (f.termGroups) where.push(f.termGroups.length > 0 ? wordMatch(f.termGroups) : sql`false`);
  return where;
}

export interface ConsoleFeatureRow {
  id: string;
  title: string;
  status: string;
  score: number;
  requestCount: number;
  requesterCount: number;
  companyCount: number;
  revenue: number;
  sortValue: number | string;
}

export interface ConsoleFeatureLink {
  id: string;
  featureId: string;
  kind: string;
  site: string;
  state: string;
  issueKey: string | null;
  url: string | null;
  statusName: string | null;
}

/** One page of features, in the sort's order after `after`, and the live links of those features. */
export async function listConsoleFeatures(
  db: Db,
  {
    sort,
    filters,
    after,
    limit,
  }: {
    sort: ConsoleFeatureSort;
    filters: ConsoleFeatureFilters;
    after?: ConsoleFeatureCursor | undefined;
    limit: number;
  },
): Promise<{
  rows: ConsoleFeatureRow[];
  links: ConsoleFeatureLink[];
  next: ConsoleFeatureCursor | undefined;
}> {
  const order = sortValue(sort);
  const where = filterConditions(filters, await pickedCompanies(db, filters));
  if (after) where.push(afterCursor(sort, after));
  const found = await db
    .select({
      id: features.id,
      title: features.title,
      status: features.status,
      score: features.score,
      requestCount: features.requestCount,
      requesterCount: features.requesterCount,
      companyCount: features.companyCount,
      revenue: revenueOf,
      sortValue: order,
    })
    .from(features)
    .where(and(...where))
    .orderBy(orderBy(sort), asc(features.id))
    .limit(limit + 1);
  const rows = found.slice(0, limit).map((r) => ({
    ...r,
    revenue: Number(r.revenue),
    sortValue: sort === 'recent' ? String(r.sortValue) : Number(r.sortValue),
  }));
  const last = rows.at(-1);
  const next = found.length > limit && last ? { v: last.sortValue, id: last.id } : undefined;
  const links =
    rows.length === 0
      ? []
      : await db
          .select({
            id: trackerLinks.id,
            featureId: trackerLinks.featureId,
            kind: trackerLinks.kind,
            site: trackerLinks.site,
            state: trackerLinks.state,
            issueKey: trackerLinks.issueKey,
            url: trackerLinks.url,
            statusName: trackerLinks.statusName,
          })
          .from(trackerLinks)
          .where(
            and(
              inArray(
                trackerLinks.featureId,
                rows.map((r) => r.id),
              ),
              ne(trackerLinks.state, 'unlinked'),
            ),
          )
          .orderBy(desc(trackerLinks.primary), asc(trackerLinks.createdAt));
  return { rows, links, next };
}

/** Descending as the indexes are built (drizzle writes `desc nulls last`), or the planner could not use them. */
function orderBy(sort: ConsoleFeatureSort): SQL {
  if (sort === 'score') return sql`${features.score} desc nulls last`;
  if (sort === 'recent') return sql`${features.lastRequestedAt} desc nulls last`;
  if (sort === 'requesters') return sql`${features.requesterCount} desc nulls last`;
  return sql`${revenueOf} desc`;
}

/** A feature's requests, newest first, with their requester and company (at most `limit`). */
export function featureRequests(db: Db, featureId: string, limit: number) {
  return db
    .select({
      ...listedRequestColumns,
      requester: {
        id: requesters.id,
        email: requesters.email,
        name: requesters.name,
        erasedAt: requesters.erasedAt,
      },
      company: { id: companies.id, name: companies.name, domain: companies.domain },
    })
    .from(requests)
    .leftJoin(requesters, eq(requesters.id, requests.requesterId))
    .leftJoin(companies, eq(companies.id, requests.companyId))
    .where(eq(requests.featureId, featureId))
    .orderBy(desc(requests.receivedAt), asc(requests.id))
    .limit(limit);
}

/** The companies behind a feature, with how many of its requests each sent. */
export function featureCompanies(db: Db, featureId: string) {
  return db
    .select({
      id: companies.id,
      name: companies.name,
      domain: companies.domain,
      tier: companies.tier,
      revenue: companies.revenue,
      requests: sql<number>`count(*)::int`,
    })
    .from(requests)
    .innerJoin(companies, eq(companies.id, requests.companyId))
    .where(eq(requests.featureId, featureId))
    .groupBy(companies.id)
    .orderBy(desc(sql`count(*)`), asc(companies.id));
}

/** Titles of some features by id (the page names the feature another was merged into, or may duplicate). */
export async function featureTitles(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ id: features.id, title: features.title })
    .from(features)
    .where(inArray(features.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, r.title]));
}
