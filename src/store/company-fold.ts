import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import { type Db, queryRows } from './db.ts';
import { lockDedupeIndex } from './dedupe-index.repo.ts';
import type { DemandScorer } from './feature-score.ts';
import { type DirtyLink, markLinksDirty, recountFeature, type Tx } from './feature-writes.ts';
import { domainCompanyNamed, lockCompanyName } from './identity.ts';
import { companies, features, requesters, requests } from './schema.ts';

/**
 * The rows a company fold moves (application/company-folds.ts runs it): a company named in a request and the
 * company found by its domain are one account. Triage resolves a name to the
 * domain company once one has that name; a name-only company made before that (`name:acme`) is folded into the
 * domain company here: its requesters and requests move over, what it knew of revenue and tier fills gaps, the
 * features its requests are on are recounted and their links marked dirty, and the name-only row is deleted.
 *
 * Its own unit of work, after the triage that made the domain company committed (never inside triage, which
 * already holds a feature lock), taking locks in the order triage does: the dedupe index lock first (as triage,
 * merges and erasure do: a triage batch takes identity locks and feature locks interleaved, request by request,
 * so without it a batch and a fold could each wait for the other), then the company-name advisory lock, the
 * company row, requester rows, then the features in id order (as merges do).
 */

/** Requests of the name-only company moved to a feature not locked here (a merge committed meanwhile). */
export class MovedMeanwhile extends Error {}

export interface FoldResult {
  /** The name-only company folded, and the domain company it became. */
  from: string;
  into: string;
  featureIds: string[];
  links: DirtyLink[];
}

/** Moves the name-only company's requesters and requests to the domain company (the features locked first). */
async function moveToDomainCompany(tx: Tx, sourceId: string, into: string): Promise<string[]> {
  await tx
    .update(requesters)
    .set({ companyId: into, updatedAt: sql`now()` })
    .where(eq(requesters.companyId, sourceId));
  const onFeatures = await queryRows<{ feature_id: string }>(
    tx,
    sql`select distinct feature_id from requests where company_id = ${sourceId} and feature_id is not null`,
  );
  const featureIds = onFeatures.map((r) => r.feature_id).sort();
  if (featureIds.length > 0) {
    await tx
      .select({ id: features.id })
      .from(features)
      .where(inArray(features.id, featureIds))
      .orderBy(asc(features.id))
      .for('update');
  }
  const moved = await tx
    .update(requests)
    .set({ companyId: into })
    .where(eq(requests.companyId, sourceId))
    .returning({ featureId: requests.featureId });
  const locked = new Set(featureIds);
  if (moved.some((r) => r.featureId !== null && !locked.has(r.featureId))) throw new MovedMeanwhile();
  return featureIds;
}

/**
 * Folds the name-only company into the domain company its name stands for; undefined when there is nothing to
 * fold (no such company any more, or no domain company of that name). Throws MovedMeanwhile to be run again.
 */
export async function foldNameCompany(
  tx: Tx,
  nameCompanyId: string,
  scoreDemand: DemandScorer,
): Promise<FoldResult | undefined> {
  await lockDedupeIndex(tx);
  const [source] = await tx.select().from(companies).where(eq(companies.id, nameCompanyId));
  if (!source || source.domain || !source.name || !source.key.startsWith('name:')) return undefined;
  await lockCompanyName(tx, source.key);
  const into = await domainCompanyNamed(tx, source.name);
  if (!into) return undefined;
  // Re-read under the lock: a fold of the same company may have just committed.
  const [still] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.id, source.id));
  if (!still) return undefined;
  await tx
    .update(companies)
    .set({
      revenue: sql`coalesce(${companies.revenue}, ${source.revenue}::double precision)`,
      tier: sql`coalesce(${companies.tier}, ${source.tier}::text)`,
      updatedAt: sql`now()`,
    })
    .where(eq(companies.id, into));
  const featureIds = await moveToDomainCompany(tx, source.id, into);
  await tx.delete(companies).where(eq(companies.id, source.id));
  const now = new Date();
  const links: DirtyLink[] = [];
  for (const featureId of featureIds) {
    await recountFeature(tx, featureId, scoreDemand, now);
    links.push(...(await markLinksDirty(tx, featureId)));
  }
  return { from: source.id, into, featureIds, links };
}

/** The name-only company of this domain company's name, if any. */
export async function nameCompanyFor(db: Db, companyId: string): Promise<string | undefined> {
  const [company] = await db
    .select({ name: companies.name, domain: companies.domain })
    .from(companies)
    .where(eq(companies.id, companyId));
  if (!company?.domain || !company.name?.trim()) return undefined;
  const [named] = await db
    .select({ id: companies.id })
    .from(companies)
    .where(eq(companies.key, `name:${company.name.trim().toLowerCase()}`));
  return named?.id;
}

/** Name-only companies that a domain company's name now stands for. */
export async function pendingNameCompanies(db: Db, limit: number): Promise<string[]> {
  const pending = await db
    .selectDistinct({ id: companies.id })
    .from(companies)
    .where(
      and(
        like(companies.key, 'name:%'),
        sql`exists (select 1 from ${companies} d where d.domain is not null and lower(d.name) = lower(${companies.name}))`,
      ),
    )
    .limit(limit);
  return pending.map((p) => p.id);
}
