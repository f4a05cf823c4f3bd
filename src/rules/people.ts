import { emailKey } from './normalise.ts';

/**
 * The people configured under `identity.people`: one person known by several email addresses or by ids in other
 * sources (a Zendesk user id, a Slack member id) is one requester, the one of their canonical email. Pure.
 */

/** One person as the YAML lists them. */
interface PersonMapping {
  /** The canonical address: the requester every listed address and id resolves to. */
  email: string;
  /** Other addresses of the same person. */
  emails?: readonly string[] | undefined;
  /** Ids in sources, as `<source>:<id>` (matched against a request from that source) or a bare id (any source). */
  externalIds?: readonly string[] | undefined;
}

export interface PeopleDirectory {
  byEmail: ReadonlyMap<string, string>;
  byExternalId: ReadonlyMap<string, string>;
}

export const NO_PEOPLE: PeopleDirectory = { byEmail: new Map(), byExternalId: new Map() };

/** Builds the look-up; the config schema has already refused an address or id listed for two people. */
export function peopleDirectory(people: readonly PersonMapping[]): PeopleDirectory {
  const byEmail = new Map<string, string>();
  const byExternalId = new Map<string, string>();
  for (const p of people) {
    const canonical = p.email.trim();
    byEmail.set(emailKey(canonical), canonical);
    for (const e of p.emails ?? []) byEmail.set(emailKey(e), canonical);
    for (const id of p.externalIds ?? []) byExternalId.set(id.trim(), canonical);
  }
  return { byEmail, byExternalId };
}

/**
 * The email a request's requester is known by: the canonical address of the configured person whose address
 * matches (checked first: an address is what the person themself gave), else whose id matches as
 * `<source>:<externalId>`, else as the bare `externalId`; otherwise the address as submitted.
 */
export function canonicalEmail(
  directory: PeopleDirectory,
  submitted: { email: string; externalId?: string | undefined },
  source: string | undefined,
): string {
  const byEmail = directory.byEmail.get(emailKey(submitted.email));
  if (byEmail) return byEmail;
  const id = submitted.externalId?.trim();
  if (id) {
    const found =
      (source ? directory.byExternalId.get(`${source}:${id}`) : undefined) ?? directory.byExternalId.get(id);
    if (found) return found;
  }
  return submitted.email.trim();
}
