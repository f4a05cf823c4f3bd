import type { FeatureStatus } from '../domain/status.ts';
import {
  JIRA_STATUS_CATEGORIES,
  type JiraStatusCategory,
  LINEAR_STATE_TYPES,
  type LinearStateType,
  type TrackerIssueState,
} from '../domain/tracker.ts';

/**
 * Tracker state → feature status. The status category (Jira) or state type (Linear) decides, because every
 * workflow has one whatever its statuses are called; a per-name override handles the names whose category says
 * too little (Jira's "Won't Do" sits in `done` beside "Done").
 */
export interface StatusMapConfig {
  jira: {
    byCategory: Record<JiraStatusCategory, FeatureStatus>;
    /** Status name → status, matched case-insensitively after trimming. Beats the category. */
    byName: Record<string, FeatureStatus>;
  };
  linear: {
    byType: Record<LinearStateType, FeatureStatus>;
    /** State name → status, matched case-insensitively after trimming. Beats the type. */
    byName: Record<string, FeatureStatus>;
  };
}

/** The defaults: each Jira status category and Linear state type to the status customers are told. */
export function defaultStatusMap(): StatusMapConfig {
  return {
    jira: {
      byCategory: { new: 'under_review', indeterminate: 'in_progress', done: 'shipped' },
      byName: { "Won't Do": 'declined' },
    },
    linear: {
      byType: {
        triage: 'under_review',
        backlog: 'under_review',
        unstarted: 'planned',
        started: 'in_progress',
        completed: 'shipped',
        canceled: 'declined',
        duplicate: 'merged',
      },
      byName: {},
    },
  };
}

type MappedState = Pick<TrackerIssueState, 'kind' | 'statusName' | 'category'>;

/**
 * The feature status a tracker state means. A category or type we do not know falls back to the "not started"
 * one (Jira `new`, Linear `backlog`): Jira's "No Category" (`undefined`) statuses show as to-do, and a state type
 * Linear adds later should not move a feature forward.
 */
export function mapStatus(state: MappedState, config: StatusMapConfig): FeatureStatus {
  if (state.kind === 'jira') {
    const { byName, byCategory } = config.jira;
    return byNameLookup(byName, state.statusName) ?? byCategory[jiraCategory(state.category)];
  }
  const { byName, byType } = config.linear;
  return byNameLookup(byName, state.statusName) ?? byType[linearType(state.category)];
}

/**
 * A linked issue's status for the rollup: an issue the product owner marked a duplicate counts as `merged`
 * whatever state its workflow put it in (Jira often closes a duplicate as Done, which would read as shipped).
 */
export function linkStatus(
  state: MappedState & Pick<TrackerIssueState, 'duplicateOfIssueId'>,
  config: StatusMapConfig,
): FeatureStatus {
  return state.duplicateOfIssueId ? 'merged' : mapStatus(state, config);
}

/**
 * Whether an issue state read at `incoming` (the issue's own update time) is newer than the one we applied last.
 * Equal is not newer: the same version again (a duplicate delivery, a reconcile re-read) changes nothing.
 */
export function isNewerState(applied: Date | null, incoming: string): boolean {
  const at = Date.parse(incoming);
  if (Number.isNaN(at)) return false;
  return applied === null || at > applied.getTime();
}

/**
 * Configured override names that the tracker no longer has (renamed or deleted statuses silently stop mapping),
 * as `jira: <name>` / `linear: <name>` in config order. A kind left out of `known` is not checked: pass only the
 * trackers that are configured, with every status name they have.
 */
export function unknownStatusNames(
  config: StatusMapConfig,
  known: { jira?: readonly string[] | undefined; linear?: readonly string[] | undefined },
): string[] {
  const missing = (kind: 'jira' | 'linear', names: readonly string[] | undefined): string[] => {
    if (!names) return [];
    const have = new Set(names.map(nameKey));
    return Object.keys(config[kind].byName)
      .filter((name) => !have.has(nameKey(name)))
      .map((name) => `${kind}: ${name}`);
  };
  return [...missing('jira', known.jira), ...missing('linear', known.linear)];
}

/**
 * Status names compared as a person reads them: case, surrounding and repeated whitespace, and typographic
 * apostrophes do not count ("Won’t do " = "Won't Do"; YAML editors and Jira's UI differ on apostrophes).
 */
export function nameKey(name: string): string {
  return name
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .toLowerCase();
}

/** The first configured name that matches wins, so two spellings of one name cannot flip-flop. */
function byNameLookup(byName: Record<string, FeatureStatus>, statusName: string): FeatureStatus | undefined {
  const key = nameKey(statusName);
  if (key === '') return undefined;
  for (const [name, status] of Object.entries(byName)) if (nameKey(name) === key) return status;
  return undefined;
}

function jiraCategory(category: string): JiraStatusCategory {
  const key = category.trim().toLowerCase();
  return isOneOf(JIRA_STATUS_CATEGORIES, key) ? key : 'new';
}

function linearType(category: string): LinearStateType {
  const key = category.trim().toLowerCase();
  return isOneOf(LINEAR_STATE_TYPES, key) ? key : 'backlog';
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
