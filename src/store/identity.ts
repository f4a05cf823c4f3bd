import { sql } from 'drizzle-orm';
import { type CompanyIdentity, emailKey, resolveCompany } from '../sync/normalise.ts';
import type { Tx } from './feature-writes.ts';
import { companies, requesters, type SubmittedRequester } from './schema.ts';

/** Who a request is from: the requester and company rows it resolves to, created or updated in triage. */

export interface IdentityOptions {
  extraFreeMailDomains: readonly string[];
}

async function upsertCompany(tx: Tx, c: CompanyIdentity): Promise<string> {
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
      // What the latest request says about the account wins; what it leaves out is kept.
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

/** Resolves (creating or updating) the requester and company of a request, inside the triage transaction. */
export async function resolveIdentity(
  tx: Tx,
  submitted: SubmittedRequester,
  options: IdentityOptions,
): Promise<{ requesterId: string; companyId: string | null }> {
  const company = resolveCompany(submitted.email, submitted.company, options.extraFreeMailDomains);
  const companyId = company ? await upsertCompany(tx, company) : null;

  const [requester] = await tx
    .insert(requesters)
    .values({
      email: submitted.email.trim(),
      emailKey: emailKey(submitted.email),
      name: submitted.name ?? null,
      externalId: submitted.externalId ?? null,
      companyId,
    })
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
  if (!requester) throw new Error('requester upsert returned no row');
  return { requesterId: requester.id, companyId };
}
