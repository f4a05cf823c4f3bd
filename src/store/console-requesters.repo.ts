import { and, asc, count, desc, eq, inArray, isNotNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { exportRequester } from './requester-export.ts';
import { companies, features, requesters, requests } from './schema.ts';

/**
 * What the console's requester and company pages read: a search by email, domain or name, one requester with
 * everything held about them (the export's reads, so the page and the export never disagree), one company.
 */

/** Search results per list: a search narrows, it does not page. */
export const SEARCH_LIMIT = 50;
/** Requesters and features shown on a company's page. */
const COMPANY_LIMIT = 200;

/** `value` as a LIKE prefix pattern: its own `%`, `_` and `\` match themselves. */
const prefix = (value: string) => `${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A query that reads as a domain (acme.io): no spaces, no `@`, a dot inside. */
const looksLikeDomain = (q: string) => /^[^\s@]+\.[^\s@.]+$/.test(q);

export interface RequesterHit {
  id: string;
  email: string;
  name: string | null;
  erased: boolean;
  companyId: string | null;
  companyName: string | null;
}

export interface CompanyHit {
  id: string;
  name: string | null;
  domain: string | null;
}

function requestersWhere(db: Db, where: SQL | undefined, limit = SEARCH_LIMIT) {
  return db
    .select({
      id: requesters.id,
      email: requesters.email,
      name: requesters.name,
      erasedAt: requesters.erasedAt,
      companyId: requesters.companyId,
      companyName: sql<string | null>`coalesce(${companies.name}, ${companies.domain})`,
    })
    .from(requesters)
    .leftJoin(companies, eq(companies.id, requesters.companyId))
    .where(where)
    .limit(limit);
}

function companiesWhere(db: Db, where: SQL) {
  return db
    .select({ id: companies.id, name: companies.name, domain: companies.domain })
    .from(companies)
    .where(where)
    .orderBy(asc(companies.key))
    .limit(SEARCH_LIMIT);
}

/**
 * The last word of a requester's name, lowercased: "hopper" in "Grace Hopper". Written out as SQL (not a
 * parameter) so that it is the very expression an index on it is built on.
 */
const lastNameWord = sql`lower(substring(${requesters.name} from ${sql.raw(`'[^[:space:]]+$'`)}))`;

type Found = Awaited<ReturnType<typeof requestersWhere>>;

/** Each list's requesters once, in the lists' order, at most SEARCH_LIMIT. */
function merged(lists: readonly Found[]): RequesterHit[] {
  const seen = new Map<string, RequesterHit>();
  for (const row of lists.flat()) {
    if (seen.has(row.id) || seen.size >= SEARCH_LIMIT) continue;
    const { erasedAt, ...hit } = row;
    seen.set(row.id, { ...hit, erased: erasedAt !== null });
  }
  return [...seen.values()];
}

/**
 * Requesters and companies matching `q`, case-insensitive. What `q` looks like decides what is searched, each
 * kind its own bounded query: an address (`@`) by the prefix of the lowercased `email_key`; a domain (acme.io) by
 * the company whose key it is (unique index) and that company's requesters (by company), and by address prefix;
 * anything else by address prefix, the beginning of a company's name, and the beginning of the first or the last
 * word of a requester's name. Every one is a prefix match an index can serve.
 */
export async function searchRequesters(
  db: Db,
  q: string,
): Promise<{ requesters: RequesterHit[]; companies: CompanyHit[] }> {
  const key = q.trim().toLowerCase();
  if (key === '') return { requesters: [], companies: [] };
  const like = prefix(key);
  const byEmail = requestersWhere(db, sql`${requesters.emailKey} like ${like}`).orderBy(
    asc(requesters.emailKey),
  );
  if (key.includes('@')) return { requesters: merged([await byEmail]), companies: [] };
  if (looksLikeDomain(key)) {
    const found = await companiesWhere(db, eq(companies.key, key));
    const people =
      found.length > 0
        ? requestersWhere(db, eq(requesters.companyId, found[0]?.id ?? '')).orderBy(asc(requesters.emailKey))
        : [];
    const lists = await Promise.all([people, byEmail]);
    return { requesters: merged(lists), companies: found };
  }
  const [found, ...lists] = await Promise.all([
    companiesWhere(db, sql`lower(${companies.name}) like ${like}`),
    byEmail,
    requestersWhere(db, sql`lower(${requesters.name}) like ${like}`),
    requestersWhere(db, sql`${lastNameWord} like ${like}`),
  ]);
  return { requesters: merged(lists), companies: found };
}

/** Feature ids → title and status, for the features a requester's notifications and stops name. */
async function featureTitles(db: Db, ids: readonly string[]) {
  if (ids.length === 0) return new Map<string, { title: string; status: string }>();
  const rows = await db
    .select({ id: features.id, title: features.title, status: features.status })
    .from(features)
    .where(inArray(features.id, [...new Set(ids)]));
  return new Map(rows.map((r) => [r.id, { title: r.title, status: r.status }]));
}

/** Everything held about one requester, and the titles of every feature it names; undefined when none. */
export async function requesterPageData(db: Db, requesterId: string) {
  const held = await exportRequester(db, requesterId);
  if (!held) return undefined;
  const titles = await featureTitles(db, [
    ...held.features.map((f) => f.id),
    ...held.notifications.map((n) => n.featureId),
    ...held.unsubscribes.flatMap((u) => (u.featureId ? [u.featureId] : [])),
  ]);
  return { ...held, titles };
}

/** A company, its requesters and the features they asked for (most requests first); undefined when none. */
export async function companyPageData(db: Db, companyId: string) {
  const [company] = await db.select().from(companies).where(eq(companies.id, companyId));
  if (!company) return undefined;
  const [people, asked, [total]] = await Promise.all([
    requestersWhere(db, eq(requesters.companyId, companyId), COMPANY_LIMIT),
    db
      .select({
        id: features.id,
        title: features.title,
        status: features.status,
        mergedIntoId: features.mergedIntoId,
        requests: count(requests.id),
      })
      .from(requests)
      .innerJoin(features, eq(features.id, requests.featureId))
      .where(and(eq(requests.companyId, companyId), isNotNull(requests.featureId)))
      .groupBy(features.id)
      .orderBy(desc(count(requests.id)), asc(features.title))
      .limit(COMPANY_LIMIT),
    db.select({ n: count() }).from(requesters).where(eq(requesters.companyId, companyId)),
  ]);
  return {
    company,
    requesters: people.map(({ erasedAt, ...p }) => ({ ...p, erased: erasedAt !== null })),
    requesterCount: total?.n ?? 0,
    features: asked,
  };
}
