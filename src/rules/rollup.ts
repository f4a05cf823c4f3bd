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
 *
 * The roll-up says where the links stand; `settleFeatureStatus` decides whether the feature moves there. Forward,
 * always. Back, only for a reason a person took: an issue that speaks for the feature went back in its own workflow
 * (reopened), or the feature was unmerged. Linking an issue, importing one, a merge bringing issues in or an unlink
 * never takes a requester's status back.
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

/**
 * How far along a status is for its requesters, to tell forward from back. `declined` is a decision taken after
 * review: after `received` and `under_review`, before `planned` (a plan taken back is a step back). `merged` is no
 * step: nothing moves a feature to or from it here.
 */
const STAGE: Partial<Record<FeatureStatus, number>> = {
  received: 0,
  under_review: 1,
  declined: 2,
  planned: 3,
  in_progress: 4,
  shipped: 5,
};

/** Whether `to` is a step back from `from` (both on the stages). */
export function isStepBack(from: FeatureStatus, to: FeatureStatus): boolean {
  const a = STAGE[from];
  const b = STAGE[to];
  return a !== undefined && b !== undefined && b < a;
}

/** Why the feature's links were rolled up again. */
export type StatusEvent =
  /** An issue linked already moved in its own workflow: its mapped status before and after. */
  | { kind: 'issue-moved'; from: FeatureStatus | null; to: FeatureStatus | null }
  /** The feature was unmerged (its links came back), or issues went back from it to the feature unmerged. */
  | { kind: 'unmerged' }
  /** Anything else: an issue linked, imported, brought by a merge, or unlinked. Never a step back. */
  | { kind: 'other' };

/** The status the feature moves to, and, for a step back, the reason its requesters are told. */
export interface StatusDecision {
  status: FeatureStatus;
  back?: 'reopened' | 'unmerged' | undefined;
}

/**
 * Where the feature's status goes, given its status now, what its links roll up to and what happened; `null`: it
 * stays. Forward moves follow the roll-up. A step back follows it only
 * - when an issue that carried the feature's status (its own status was at least the feature's) went back: down to
 *   that new status at most (other links the feature had moved past do not pull it further back), or to
 *   what the links say when that is higher; the issue declined: to what the other links say;
 * - when the feature was unmerged: to what the links say.
 */
export function settleFeatureStatus(
  current: FeatureStatus,
  rolled: FeatureStatus | null,
  happened: StatusEvent,
): StatusDecision | null {
  if (rolled === null || rolled === 'merged' || rolled === current) return null;
  if (!isStepBack(current, rolled)) return { status: rolled };
  if (happened.kind === 'unmerged') return { status: rolled, back: 'unmerged' };
  if (happened.kind !== 'issue-moved') return null;
  const { from, to } = happened;
  if (from === null || to === null || !isStepBack(from, to) || isStepBack(current, from)) return null;
  // The reopened issue's own new status is the floor; a declined issue sets none.
  const floor = to !== 'declined' && isStepBack(to, rolled) ? to : rolled;
  return isStepBack(current, floor) ? { status: floor, back: 'reopened' } : null;
}
