import type { FeatureStatus } from './status.ts';

/** Shared shapes of the tracker sync: where a feature goes, what its issue shows, what comes back. No I/O. */

export type TrackerKind = 'jira' | 'linear';

/** Jira status category keys (`fields.status.statusCategory.key`); "No Category" (`undefined`) is folded into `new`. */
export const JIRA_STATUS_CATEGORIES = ['new', 'indeterminate', 'done'] as const;
export type JiraStatusCategory = (typeof JIRA_STATUS_CATEGORIES)[number];

/** Linear `WorkflowState.type` values, `duplicate` included (it is not creatable but does occur). */
export const LINEAR_STATE_TYPES = [
  'triage',
  'backlog',
  'unstarted',
  'started',
  'completed',
  'canceled',
  'duplicate',
] as const;
export type LinearStateType = (typeof LINEAR_STATE_TYPES)[number];

/** Where a feature's issue is created: a Jira site + project + issue type, or a Linear workspace + team. */
export type PushTarget =
  | { kind: 'jira'; site: string; project: string; issueType: string }
  | { kind: 'linear'; workspace: string; team: string };

/** The Jira site or Linear workspace a target is in: the `site` of its links and its tracker's queue. */
export const siteOf = (target: PushTarget): string =>
  target.kind === 'jira' ? target.site : target.workspace;

/** What a tracker issue shows about a feature's customer demand. Times are ISO 8601 strings. */
export interface FeatureDemand {
  featureId: string;
  title: string;
  status: FeatureStatus;
  score: number;
  requestCount: number;
  requesterCount: number;
  companyCount: number;
  /** Sum of the known revenues of the companies; no currency is assumed. */
  totalRevenue: number;
  tiers: Array<{ tier: string; companies: number }>;
  companies: Array<{
    id: string;
    name: string | null;
    domain: string | null;
    revenue: number | null;
    tier: string | null;
    requests: number;
  }>;
  /** Candidate quotes, most telling first; the renderer shows the first few. */
  quotes: Array<{
    requestId: string;
    text: string;
    requesterName: string | null;
    companyName: string | null;
    url: string | null;
    receivedAt: string;
  }>;
  /** Link back to the feature in Suggested. */
  featureUrl: string;
  /**
   * Set while triage's "possible duplicate of" another feature waits for a person (pushed because the review hold
   * ran out): that feature, by its issue when it has one (key and link), else by its title.
   */
  possibleDuplicateOf?: { title: string; issueKey: string | null; url: string | null };
}

/** The state of a linked tracker issue as last read (webhook, reconcile or link). */
export interface TrackerIssueState {
  kind: TrackerKind;
  /** Jira site or Linear workspace. */
  site: string;
  issueId: string;
  /** Jira key (`SBX-12`) or Linear identifier (`SBX-12`). */
  issueKey: string;
  url: string;
  statusName: string;
  /** Jira status category key (`new|indeterminate|done`) or Linear state type (`triage|…|duplicate`). */
  category: string;
  /** The issue's own update time: an event older than the stored one changes nothing. */
  updatedAt: string;
  /** Set when the tracker marked this issue a duplicate of another (Linear duplicate, Jira `Duplicate` link). */
  duplicateOfIssueId?: string;
  /** The marks our pushes write that this read could see (absent: the read saw none of them). */
  marks?: IssueMarks;
}

/**
 * The marks a push leaves on an issue to say which link it belongs to, as tokens the connector defines (Jira: the
 * idempotency label, also derived from the entity property; Linear: the idempotency key in our attachment's
 * metadata). `complete` says the read could see every kind of mark (a webhook sees labels but not properties).
 */
export interface IssueMarks {
  seen: readonly string[];
  complete: boolean;
}

/**
 * Whether an issue carries the mark `own`: yes when seen; no when the read saw every mark and not this one;
 * undefined when the read could not tell (read the issue again to know).
 */
export function markVerdict(marks: IssueMarks | undefined, own: string): boolean | undefined {
  if (marks?.seen.includes(own)) return true;
  return marks?.complete ? false : undefined;
}

/** Which open issues of a tracker the backlog import brings in as features. */
export type BacklogSelection =
  | { kind: 'jira'; jql: string }
  | { kind: 'linear'; team: string; labels: readonly string[] };

/** One open issue the backlog import found. */
export interface BacklogIssue {
  state: TrackerIssueState;
  title: string;
}
