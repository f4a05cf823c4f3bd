import type { PushTarget } from '../domain/tracker.ts';

/**
 * Routing: which tracker project or team a feature's issue is created in. Ordered rules, first match wins, else
 * the default. The zod schema for the YAML is written from these types; it should reject empty condition lists
 * (here an empty list can never match, so a slip in the YAML cannot turn a rule into a catch-all).
 */

interface RoutingConditions {
  /** Any of these tags (case-insensitive). */
  tags?: readonly string[] | undefined;
  /** Any of these intake sources, e.g. `api`, `zendesk` (case-insensitive). */
  sources?: readonly string[] | undefined;
  /** Any of these words or phrases, whole-word and case-insensitive, in a request's title or body. */
  keywords?: readonly string[] | undefined;
  /** Any of these company tiers (case-insensitive). */
  tiers?: readonly string[] | undefined;
}

interface RoutingRule {
  name?: string | undefined;
  /** Every condition kind given must hold (AND); within one kind any value is enough (OR). None given: always. */
  when: RoutingConditions;
  target: PushTarget;
}

export interface RoutingConfig {
  rules: readonly RoutingRule[];
  default: PushTarget;
}

/**
 * What is known about a feature when it is first pushed, aggregated over the requests that triggered the push: a
 * condition holds when any of those requests satisfies it (so `tags` and `tiers` may be met by different requests).
 */
export interface RouteInput {
  tags: readonly string[];
  sources: readonly string[];
  /** Titles and bodies. */
  texts: readonly string[];
  tiers: readonly string[];
}

interface RouteDecision {
  target: PushTarget;
  /** The rule's name, `rule #n` (1-based) for an unnamed rule, or `default`. Recorded as the routing reason. */
  rule: string;
}

export function routeFeature(input: RouteInput, config: RoutingConfig): RouteDecision {
  for (const [index, rule] of config.rules.entries()) {
    if (matches(rule.when, input))
      return { target: rule.target, rule: rule.name?.trim() || `rule #${index + 1}` };
  }
  return { target: config.default, rule: 'default' };
}

/** The sandbox's routing: requests tagged `jira` go to the Jira emulator's project SBX, the rest to Linear team SBX. */
export function sandboxRouting(): RoutingConfig {
  return {
    rules: [
      {
        name: 'sandbox: tagged jira',
        when: { tags: ['jira'] },
        target: { kind: 'jira', site: 'sandbox', project: 'SBX', issueType: 'Task' },
      },
    ],
    default: { kind: 'linear', workspace: 'sandbox', team: 'SBX' },
  };
}

function matches(when: RoutingConditions, input: RouteInput): boolean {
  const checks: boolean[] = [];
  if (when.tags) checks.push(anyEqual(when.tags, input.tags));
  if (when.sources) checks.push(anyEqual(when.sources, input.sources));
  if (when.tiers) checks.push(anyEqual(when.tiers, input.tiers));
  if (when.keywords) checks.push(when.keywords.some((k) => input.texts.some((t) => containsWord(t, k))));
  return checks.every(Boolean);
}

function anyEqual(wanted: readonly string[], have: readonly string[]): boolean {
  const haveKeys = new Set(have.map(fold));
  return wanted.some((w) => fold(w) !== '' && haveKeys.has(fold(w)));
}

/** Case-, width- and Latin-accent-insensitive form, as triage's title key folds them ("Café" = "cafe"). */
function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]+/g, '')
    .normalize('NFC')
    .toLowerCase()
    .trim();
}

/**
 * Whole-word, case-insensitive: "sso" matches "SSO, please" but not "lasso". A phrase's inner whitespace matches
 * any whitespace, and punctuation inside a keyword is literal ("c++", "node.js"). Letters and digits on either
 * side of the keyword break the match, so in scripts written without spaces (Japanese, Chinese) a keyword only
 * matches next to a space or punctuation.
 */
export function containsWord(text: string, keyword: string): boolean {
  const words = fold(keyword).split(/\s+/).filter(Boolean);
  if (words.length === 0) return false;
  const body = words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}\\p{M}])${body}(?![\\p{L}\\p{N}\\p{M}])`, 'u').test(fold(text));
}
