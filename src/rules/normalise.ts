import { isFreeMailDomain } from '../domain/free-mail.ts';

/** Pure text and identity normalisation used by triage. No I/O. */

/** Lowercase, accents folded, punctuation dropped, whitespace collapsed: "Dark-mode, please!" → "dark mode please". */
export function titleKey(title: string): string {
  return (
    title
      .normalize('NFKD')
      // Fold Latin accents only (U+0300–U+036F); other scripts' marks carry meaning (ド is not ト).
      .replace(/[\u0300-\u036f]+/g, '')
      .normalize('NFC')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, ' ')
      .trim()
  );
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return undefined;
  return email
    .slice(at + 1)
    .trim()
    .toLowerCase()
    .replace(/\.$/, '');
}

interface CompanyInputLike {
  name?: string | undefined;
  domain?: string | undefined;
  revenue?: number | undefined;
  tier?: string | undefined;
}

export interface CompanyIdentity {
  /** Unique key of the company row: its domain, or `name:<lowercased name>` when no domain is known. */
  key: string;
  name: string | undefined;
  domain: string | undefined;
  revenue: number | undefined;
  tier: string | undefined;
}

/**
 * Which company a requester belongs to: the given company's domain, else the email's domain unless it is a
 * free-mail provider, else the given company's name. Free-mail domains never make a company.
 */
export function resolveCompany(
  email: string,
  company: CompanyInputLike | undefined,
  extraFreeMail: readonly string[] = [],
): CompanyIdentity | undefined {
  const given = company?.domain?.toLowerCase();
  const fromEmail = emailDomain(email);
  const domain =
    given && !isFreeMailDomain(given, extraFreeMail)
      ? given
      : fromEmail && !isFreeMailDomain(fromEmail, extraFreeMail)
        ? fromEmail
        : undefined;
  const name = company?.name?.trim() || undefined;
  const details = { name, revenue: company?.revenue, tier: company?.tier };
  if (domain) return { key: domain, domain, ...details };
  if (name) return { key: `name:${name.toLowerCase()}`, domain: undefined, ...details };
  return undefined;
}
