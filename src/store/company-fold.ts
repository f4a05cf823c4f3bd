import { and, asc, eq, inArray, like, sql } from 'drizzle-orm';
import type { ScoringModel } from '../rules/score.ts';
import { type Db, queryRows } from './db.ts';
import { type DirtyLink, markLinksDirty, recountFeature } from './feature-writes.ts';
import { domainCompanyNamed, lockCompanyName } from './identity.ts';
import { companies, features, requesters, requests } from './schema.ts';
import type { TriageRepo } from './triage.repo.ts';

/**
 * A company named in a request and the company found by its domain are one account. Triage resolves a name to the
 * domain company once one has that name; a name-only company made before that (`name:acme`) is folded into the
 * domain company here: its requesters and requests move over, what it knew of revenue and tier fills gaps, the
 * features its requests are on are recounted and their links marked dirty, and the name-only row is deleted.
 *
 * Its own transaction, after the triage that made the domain company committed (never inside triage, which
 * already holds a feature lock), taking locks in the order triage does: the company-name advisory lock, the
 * company row, requester rows, then the features in id order (as merges do).
 */

/** Requests of the name-only company moved to a feature not locked here (a merge committed meanwhile). */
class MovedMeanwhile extends Error {}

const ATTEMPTS = 5;

export interface FoldResult {
  /** The name-only company folded, and the domain company it became. */
  from: string;
  into: string;
  featureIds: string[];
  links: DirtyLink[];
}

export function createCompanyFolds(db: Db, scoring: ScoringModel) {
  async function foldOnce(nameCompanyId: string): Promise<FoldResult | undefined> {
    return db.transaction(async (tx) => {
      const [source] = await tx.select().from(companies).where(eq(companies.id, nameCompanyId));
      if (!source || source.domain || !source.name || !source.key.startsWith('name:')) return undefined;
      await lockCompanyName(tx, source.key);
      const into = await domainCompanyNamed(tx, source.name);
      if (!into) return undefined;
      // Re-read under the lock: a fold of the same company may have just committed.
      const [still] = await tx
        .select({ id: companies.id })
        .from(companies)
        .where(eq(companies.id, source.id));
      if (!still) return undefined;

      await tx
        .update(companies)
        .set({
          revenue: sql`coalesce(${companies.revenue}, ${source.revenue}::double precision)`,
          tier: sql`coalesce(${companies.tier}, ${source.tier}::text)`,
          updatedAt: sql`now()`,
        })
        .where(eq(companies.id, into));
      await tx
        .update(requesters)
        .set({ companyId: into, updatedAt: sql`now()` })
        .where(eq(requesters.companyId, source.id));

      const onFeatures = await queryRows<{ feature_id: string }>(
        tx,
        sql`select distinct feature_id from requests where company_id = ${source.id} and feature_id is not null`,
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
        .where(eq(requests.companyId, source.id))
        .returning({ featureId: requests.featureId });
      const locked = new Set(featureIds);
      if (moved.some((r) => r.featureId !== null && !locked.has(r.featureId))) throw new MovedMeanwhile();
      await tx.delete(companies).where(eq(companies.id, source.id));

      const now = new Date();
      const links: DirtyLink[] = [];
      for (const featureId of featureIds) {
        await recountFeature(tx, featureId, scoring, now);
        links.push(...(await markLinksDirty(tx, featureId)));
      }
      return { from: source.id, into, featureIds, links };
    });
  }

  async function fold(nameCompanyId: string): Promise<FoldResult | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await foldOnce(nameCompanyId);
      } catch (err) {
        if (!(err instanceof MovedMeanwhile) || attempt >= ATTEMPTS) throw err;
      }
    }
  }

  return {
    fold,

    /**
     * After a request resolved to this company: if it has a domain and a name, the name-only company of that name
     * (if any) is folded into the domain company that name stands for.
     */
    async foldNamesInto(companyId: string): Promise<FoldResult | undefined> {
      const [company] = await db
        .select({ name: companies.name, domain: companies.domain })
        .from(companies)
        .where(eq(companies.id, companyId));
      if (!company?.domain || !company.name?.trim()) return undefined;
      const [named] = await db
        .select({ id: companies.id })
        .from(companies)
        .where(eq(companies.key, `name:${company.name.trim().toLowerCase()}`));
      return named ? fold(named.id) : undefined;
    },

    /**
     * Every name-only company that a domain company's name now stands for (one whose fold after triage was lost,
     * or whose domain company got its name later): folds each. The scheduled rescore runs this.
     */
    async foldPending(limit = 100): Promise<FoldResult[]> {
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
      const out: FoldResult[] = [];
      for (const { id } of pending) {
        const done = await fold(id);
        if (done) out.push(done);
      }
      return out;
    },
  };
}

export type CompanyFolds = ReturnType<typeof createCompanyFolds>;

/**
 * Triage, then the fold its request may have made due (its company is a domain company with a name a name-only
 * company has). The fold's dirty links join the triage's, so the job queues their pushes. A fold that fails after
 * triage committed is left to the scheduled rescore (foldPending).
 */
export function withCompanyFolds(triage: TriageRepo, folds: CompanyFolds): TriageRepo {
  return {
    ...triage,
    async triage(requestId) {
      const outcome = await triage.triage(requestId);
      if (outcome.kind !== 'triaged' || !outcome.companyId) return outcome;
      const folded = await folds.foldNamesInto(outcome.companyId);
      if (!folded || folded.links.length === 0) return outcome;
      const ids = new Set(outcome.links.map((l) => l.id));
      return { ...outcome, links: [...outcome.links, ...folded.links.filter((l) => !ids.has(l.id))] };
    },
  };
}
