/**
 * Who may use the console, and as what, from the `console:` rules: an entry is an email address or a domain (every
 * address at exactly that domain, not its look-alikes or subdomains), and OpenID Connect groups map to roles by
 * name. A member may change things, a viewer only reads; someone matched both ways is a member.
 */

export type ConsoleRoleName = 'member' | 'viewer';

export interface ConsoleRoleRules {
  members: readonly string[];
  viewers: readonly string[];
  groups: { members: readonly string[]; viewers: readonly string[] };
}

export interface ConsolePerson {
  email: string;
  /** The person's groups as the identity provider names them; empty for an emailed link. */
  groups: readonly string[];
}

/** Whether `entry` (an address or a domain, already lowercase) names `email` (lowercase). */
function entryMatches(entry: string, email: string): boolean {
  if (entry.includes('@')) return entry === email;
  const at = email.lastIndexOf('@');
  return at > 0 && email.slice(at + 1) === entry;
}

function listed(entries: readonly string[], person: ConsolePerson, groups: readonly string[]): boolean {
  const email = person.email.trim().toLowerCase();
  return (
    entries.some((entry) => entryMatches(entry.trim().toLowerCase(), email)) ||
    person.groups.some((group) => groups.includes(group))
  );
}

/** The person's role, or undefined when no rule lets them in. */
export function roleFor(person: ConsolePerson, rules: ConsoleRoleRules): ConsoleRoleName | undefined {
  if (listed(rules.members, person, rules.groups.members)) return 'member';
  if (listed(rules.viewers, person, rules.groups.viewers)) return 'viewer';
  return undefined;
}

/** Whether an emailed link can sign anyone in: some address or domain is listed (groups need the provider). */
export function emailSignInPossible(rules: ConsoleRoleRules): boolean {
  return rules.members.length > 0 || rules.viewers.length > 0;
}
