import type { FeatureStatus } from '../domain/status.ts';

/**
 * A feature linked to several tracker issues (split work, the same need filed in two teams) still shows one
 * status to its customers. How the links' mapped statuses combine is configured per deployment:
 *
 * - Progress order: `received` < `under_review` < `planned` < `in_progress` < `shipped`. `declined` and `merged`
 *   are not steps on it: they say a link will not carry the work.
 * - Links that will not carry the work are set aside first: `merged` links are ignored unless every link is
 *   merged (then `merged`); of the rest, `declined` links are ignored unless every one is declined (then
 *   `declined`). So a declined part of a split does not hold the feature back, and a feature is declined only when
 *   every issue is.
 * - `all`: the least advanced of the remaining links: customers hear "shipped" only when every issue that will be
 *   done is done.
 * - `any`: the most advanced of the remaining links: the first issue to ship ships the feature.
 * - `primary`: the primary link's status as mapped, declined or merged included (the PO chose that issue to speak
 *   for the feature). Several primaries: the most recently updated. No primary: the oldest link by `linkedAt`
 *   (input order breaks ties), usually the issue Suggested Sync created.
 *
 * Issues a merge brought from another feature count only while the feature has no live issue of its own, under
 * every rule: merging a feature whose issue sits in triage into one in progress must not take the survivor (and
 * what its customers were told) back to "under review", and the survivor's own issue keeps speaking for it.
 *
 * No links: `null`, meaning the trackers have no say and the feature keeps its own status.
 */

export type RollupRule = 'all' | 'any' | 'primary';

export interface RollupLink {
  /** The link's issue state mapped to a feature status (see status-map). */
  status: FeatureStatus;
  primary: boolean;
  /** When the link was made (ISO 8601). */
  linkedAt: string;
  /** The issue's own last update time (ISO 8601). */
  updatedAt: string;
  /** A merge moved it here from another feature. */
  viaMerge?: boolean;
}

const PROGRESS: readonly FeatureStatus[] = ['received', 'under_review', 'planned', 'in_progress', 'shipped'];

export function rollupStatus(all: readonly RollupLink[], rule: RollupRule): FeatureStatus | null {
  // Own issues that all say "merged" carry nothing: then the issues brought to the feature speak too.
  const own = all.filter((l) => !l.viaMerge);
  const links = own.some((l) => l.status !== 'merged') ? own : all;
  if (links.length === 0) return null;
  if (rule === 'primary') return primaryLink(links).status;

  const live = links.filter((l) => l.status !== 'merged');
  if (live.length === 0) return 'merged';
  const open = live.filter((l) => l.status !== 'declined');
  if (open.length === 0) return 'declined';

  const ranks = open.map((l) => PROGRESS.indexOf(l.status));
  const rank = rule === 'all' ? Math.min(...ranks) : Math.max(...ranks);
  return PROGRESS[rank] ?? 'received';
}

/** Ties keep input order (strict comparisons); an unparseable time never wins. */
function primaryLink(links: readonly RollupLink[]): RollupLink {
  const primaries = links.filter((l) => l.primary);
  if (primaries.length > 0) {
    return primaries.reduce((best, l) =>
      ms(l.updatedAt, -Infinity) > ms(best.updatedAt, -Infinity) ? l : best,
    );
  }
  return links.reduce((best, l) => (ms(l.linkedAt, Infinity) < ms(best.linkedAt, Infinity) ? l : best));
}

function ms(iso: string, invalid: number): number {
  const value = Date.parse(iso);
  return Number.isNaN(value) ? invalid : value;
}
