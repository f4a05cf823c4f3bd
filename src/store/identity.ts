import { and, asc, isNotNull, sql } from 'drizzle-orm';
import type { CompanyIdentity } from '../rules/normalise.ts';
import type { Tx } from './feature-writes.ts';
import { companies, requesters } from './schema.ts';

/**
 * The requester and company rows a request resolves to (application/identity.ts decides which), created or
 * updated in triage. A name-only company whose name a domain company has is that domain company (the oldest, if
 * several have it); name-only companies made before the domain company got the name are folded into it
 * (company-fold.ts).
 *
 * Lock order, shared with the fold: the dedupe index lock (lockDedupeIndex: triage, folds, merges and erasure take
 * it first), then the company-name advisory lock, then the company row, then the requester row. Within that, a
 * triage batch resolves its requests one after another, each's identity rows then its feature's, so a fold or
 * anything else that locks identity rows and features in another order holds the index lock first.
 */

/** Serialises everything that resolves a name-only company or folds it (the key is the company's `name:` key). */
export async function lockCompanyName(tx: Tx, nameKey: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`company-name:${nameKey}`}))`);
}

/** The domain company a name stands for: the oldest with that name (case-insensitive). */
export async function domainCompanyNamed(tx: Tx, name: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ id: companies.id })
    .from(companies)
    .where(and(isNotNull(companies.domain), sql`lower(${companies.name}) = lower(${name.trim()})`))
    .orderBy(asc(companies.createdAt), asc(companies.id))
    .limit(1);
  return row?.id;
}

/** Creates the company by its key, or (name-only) finds the domain company of that name; fills in revenue and tier. */
export async function upsertCompany(tx: Tx, c: CompanyIdentity): Promise<string> {
  if (!c.domain && c.name) {
    await lockCompanyName(tx, c.key);
    const known = await domainCompanyNamed(tx, c.name);
    if (known) {
      // What the latest request says about the account wins; what it leaves out is kept.
      await tx
        .update(companies)
        .set({
          revenue: sql`coalesce(${c.revenue ?? null}::double precision, ${companies.revenue})`,
          tier: sql`coalesce(${c.tier ?? null}::text, ${companies.tier})`,
          updatedAt: sql`now()`,
        })
        .where(sql`${companies.id} = ${known}`);
      return known;
    }
  }
  const [row] = await tx
    .insert(companies)
    .values({
      key: c.key,
      name: c.name ?? null,
      domain: c.domain ?? null,
      revenue: c.revenue ?? null,
      tier: c.tier ?? null,
    })
    .onConflictDoUpdate({
      target: companies.key,
      set: {
        name: sql`coalesce(excluded.name, ${companies.name})`,
        revenue: sql`coalesce(excluded.revenue, ${companies.revenue})`,
        tier: sql`coalesce(excluded.tier, ${companies.tier})`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: companies.id });
  if (!row) throw new Error('company upsert returned no row');
  return row.id;
}

/** Creates the requester by its email key, or fills in what the request adds (name, external id, company). */
export async function upsertRequester(
  tx: Tx,
  requester: {
    email: string;
    emailKey: string;
    name: string | null;
    externalId: string | null;
    companyId: string | null;
  },
): Promise<string> {
  const [row] = await tx
    .insert(requesters)
    .values(requester)
    .onConflictDoUpdate({
      target: requesters.emailKey,
      set: {
        name: sql`coalesce(excluded.name, ${requesters.name})`,
        externalId: sql`coalesce(excluded.external_id, ${requesters.externalId})`,
        companyId: sql`coalesce(excluded.company_id, ${requesters.companyId})`,
        updatedAt: sql`now()`,
      },
    })
    .returning({ id: requesters.id });
  if (!row) throw new Error('requester upsert returned no row');
  return row.id;
}
