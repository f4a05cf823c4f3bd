import { emailKey, resolveCompany } from '../rules/normalise.ts';
import { canonicalEmail, NO_PEOPLE, type PeopleDirectory } from '../rules/people.ts';
import type { Tx } from '../store/feature-writes.ts';
import { upsertCompany, upsertRequester } from '../store/identity.ts';
import type { SubmittedRequester } from '../store/schema.ts';

/**
 * Who a request is from: the requester and company rows it resolves to, created or updated in triage.
 *
 * - A person is one requester by email (case-insensitive), or by `identity.people`: a listed address or source id
 *   resolves to the person's canonical email, and their company comes from that address.
 * - A company is found by domain (the given one, else the email's unless free-mail), else by the given name (the
 *   store's `upsertCompany` maps a name-only company to the domain company of that name).
 */

export interface IdentityOptions {
  extraFreeMailDomains: readonly string[];
  people?: PeopleDirectory | undefined;
}

/** The canonical email and company identity a request resolves to, before any row is read or written. */
function identityOf(submitted: SubmittedRequester, options: IdentityOptions, source: string | undefined) {
  const email = canonicalEmail(options.people ?? NO_PEOPLE, submitted, source);
  return { email, company: resolveCompany(email, submitted.company, options.extraFreeMailDomains) };
}

/**
 * The company a request names, as its key, before any row is read or written: `nameOnly` when it has no domain (it
 * may turn out to be the domain company of that name), `writes` when resolving it may change the company's row (it
 * brings a name, revenue or tier: what the request leaves out is kept). Pure.
 */
export function companyKeyOf(
  submitted: SubmittedRequester,
  options: IdentityOptions,
  source?: string,
): { company: string | undefined; nameOnly: boolean; writes: boolean } {
  const { company } = identityOf(submitted, options, source);
  if (!company) return { company: undefined, nameOnly: false, writes: false };
  const writes = company.name !== undefined || company.revenue != null || company.tier != null;
  return { company: company.key, nameOnly: !company.domain, writes };
}

/** Resolves (creating or updating) the requester and company of a request, inside the triage transaction. */
export async function resolveIdentity(
  tx: Tx,
  submitted: SubmittedRequester,
  options: IdentityOptions,
  source?: string,
): Promise<{ requesterId: string; companyId: string | null }> {
  const { email, company } = identityOf(submitted, options, source);
  const companyId = company ? await upsertCompany(tx, company) : null;
  const requesterId = await upsertRequester(tx, {
    email,
    emailKey: emailKey(email),
    name: submitted.name ?? null,
    externalId: submitted.externalId ?? null,
    companyId,
  });
  return { requesterId, companyId };
}
