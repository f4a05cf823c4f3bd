import type {
  BacklogIssue,
  BacklogSelection,
  FeatureDemand,
  IssueMarks,
  PushTarget,
  TrackerIssueState,
  TrackerKind,
} from '../domain/tracker.ts';
import type { LinearPriority } from '../rules/demand.ts';

/**
 * What the sync jobs need from a tracker (one Jira site or one Linear workspace). Implemented by
 * connectors/jira/tracker.ts and connectors/linear/tracker.ts over the real SDKs; every method throws only
 * ConnectorError (connectors/errors.ts).
 */

export interface TrackerIssueRef {
  kind: TrackerKind;
  site: string;
  issueId: string;
  issueKey: string;
  url: string;
}

export interface IssueContent {
  title: string;
  demand: FeatureDemand;
  /** Labels to carry (configured), by name. */
  labels: readonly string[];
  /** Linear priority from the score. */
  priority?: LinearPriority | undefined;
  /** Jira custom fields by field id (score, request count, revenue), when configured. */
  customFields?: Readonly<Record<string, number | string>> | undefined;
}

export interface CreateIssueInput extends IssueContent {
  target: PushTarget;
  featureId: string;
  /**
   * Deterministic per feature and target, so a create retried after a crash finds the first issue instead of
   * making a second: Linear uses it as the issue's client-chosen UUID; Jira as an entity property.
   */
  idempotencyKey: string;
  /**
   * The feature's requests not yet carried as customer requests: Linear creates them with the issue, in the same
   * call; Jira shows demand in the description only and ignores them.
   */
  customerRequests?: readonly CustomerRequest[] | undefined;
}

/** What a create made. */
export interface CreatedIssue {
  ref: TrackerIssueRef;
  /**
   * The new issue's first state where the create's answer names it (Linear); undefined where it does not (Jira),
   * and the push reads it. Never a guess: it reaches customers as a status.
   */
  state?: TrackerIssueState | undefined;
  /**
   * The request ids of `customerRequests` the create is known to have carried (Linear: those whose documents went
   * through; Jira: none). A request refused after the issue exists is left out, not thrown: the issue is recorded
   * first, and the push carries the rest the normal way.
   */
  carriedRequestIds: readonly string[];
}

/** One request as a Linear customer request (customer need); Jira shows demand in the description only. */
export interface CustomerRequest {
  requestId: string;
  text: string;
  url: string;
  company: {
    id: string;
    name: string | null;
    domains: string[];
    revenue: number | null;
    tier: string | null;
  } | null;
}

/**
 * A request's customer request carried earlier: the issue it was first created on names it (Linear derives the
 * need's id from that issue and the request), wherever it has moved since.
 */
export interface CarriedRequest {
  requestId: string;
  createdOnIssueId: string;
}

/** Where a closed duplicate's demand went: the surviving feature's issue. */
export interface DuplicateTarget {
  survivor: TrackerIssueRef;
  /** The surviving feature's title. */
  survivorTitle: string;
  /** The surviving feature in Suggested Sync. */
  featureUrl: string;
}

export interface TrackerCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChangedPage {
  issues: TrackerIssueState[];
  /** Where the next reconcile starts; valid once this page is applied. */
  cursor: string;
  /** Linked issues the tracker reports deleted (where it says so; Jira search simply omits them). */
  deletedIssueIds?: string[] | undefined;
}

export interface Tracker {
  readonly kind: TrackerKind;
  readonly site: string;

  /** Credentials, reachability, and that each target's project / team, issue type and workflow states exist. */
  check(targets: readonly PushTarget[]): Promise<TrackerCheck[]>;

  /** Which of these status (Jira) or workflow state (Linear) names the tracker has, compared as people read them. */
  existingStatusNames(names: readonly string[]): Promise<string[]>;

  /**
   * The issue an earlier create for this key made, if any (a create that crashed before we recorded it).
   * `attemptedAt`: when that create was last attempted. Jira searches the issues created since then (its mark, an
   * entity property, cannot be searched), so it finds nothing without it; Linear finds the issue by its id alone.
   */
  findCreated(
    input: Pick<CreateIssueInput, 'target' | 'idempotencyKey'> & { attemptedAt?: Date | undefined },
  ): Promise<TrackerIssueRef | undefined>;

  /**
   * Creates the issue with its demand, its link back and mark, and (Linear) its customer requests, in as few calls
   * as the API allows: Linear one GraphQL document, Jira the create (its mark, an entity property, in the create
   * body) and the remote link.
   */
  createIssue(input: CreateIssueInput): Promise<CreatedIssue>;

  /**
   * The link from the issue back to the feature (Jira remote link, Linear attachment), upserted, with the link's
   * mark (Jira entity property, Linear attachment metadata): safe to repeat. `createIssue` makes both; a push
   * calls it for an issue it did not just create (a create recovered after a crash, an issue linked by hand or
   * imported), after which events about the issue apply only while it carries the mark.
   */
  ensureLinkBack(
    ref: TrackerIssueRef,
    link: { featureId: string; featureUrl: string; title: string; idempotencyKey: string },
  ): Promise<void>;

  /**
   * Whether the issue carries the mark of the link with this idempotency key (what createIssue or ensureLinkBack
   * wrote): undefined when the read it came from could not tell (a webhook payload), so read it again. Pure.
   */
  carriesMark(
    issue: { issueId: string; marks?: IssueMarks | undefined },
    idempotencyKey: string,
  ): boolean | undefined;

  /**
   * Rewrites only our demand section (the product owner's text around it stays), and labels, priority, fields: one
   * read and at most one write. Linear carries `customerRequests` in the same two calls (those it already has are
   * skipped); Jira ignores them. Returns the issue's state as that read showed it.
   */
  updateIssue(
    ref: TrackerIssueRef,
    content: IssueContent,
    customerRequests?: readonly CustomerRequest[],
  ): Promise<TrackerIssueState | undefined>;

  /**
   * The feature's title changed (erasure renamed it): the issue's title (Jira summary) becomes `to` only while it
   * still reads `from`, the title we gave it, so a title the product owner wrote stays; the link back (Jira's
   * remote link for `featureId`) is named `to` either way. True when the title was rewritten.
   */
  retitleIssue(
    ref: TrackerIssueRef,
    change: { featureId: string; featureUrl: string; from: string; to: string },
  ): Promise<boolean>;

  /**
   * Closes the issue as a duplicate of the survivor's issue (a merge in Suggested Sync): Jira, a "Duplicate" issue
   * link and a transition to a done status (resolution "Duplicate" where the workflow offers one); Linear, a
   * duplicate relation and the team's duplicate state. Its demand section is rewritten to say where the demand went.
   * Safe to repeat: an issue already closed as this duplicate is left as it is. Returns the status name it had
   * before, for `reopenDuplicate`. When the workflow forbids a step, throws `invalid_input` naming it, having
   * changed nothing it could check first.
   */
  closeAsDuplicate(ref: TrackerIssueRef, target: DuplicateTarget): Promise<{ statusBefore: string }>;

  /**
   * Undoes `closeAsDuplicate` (the merge was undone): the duplicate link or relation removed and the issue moved back
   * to `statusBefore` (or, when that status is gone, an open one). Safe to repeat. The next push rewrites its demand.
   */
  reopenDuplicate(
    ref: TrackerIssueRef,
    undo: { survivor: TrackerIssueRef; statusBefore: string | null },
  ): Promise<void>;

  /** Linear: customers upserted and customer requests added in as few calls as the API allows. Jira: absent. */
  addCustomerRequests?(ref: TrackerIssueRef, requests: readonly CustomerRequest[]): Promise<void>;

  /**
   * Linear: the customer requests carried for these requests (their requester was erased) lose their text and
   * source link but stay, so the customer count is unchanged. Needs that no longer exist are skipped. Jira: absent.
   */
  eraseCustomerRequests?(ref: TrackerIssueRef, requests: readonly CarriedRequest[]): Promise<void>;

  /**
   * Linear: these customer requests move (same ids) to `to`, the issue of their request's feature now; with `to`
   * undefined (that feature has no issue in this workspace) they are deleted. Needs that no longer exist are
   * skipped and needs already on `to` left alone, so a repeat changes nothing. Jira: absent.
   */
  moveCustomerRequests?(requests: readonly CarriedRequest[], to: TrackerIssueRef | undefined): Promise<void>;

  /** The issue's current state by id, key or URL; undefined when it does not exist (deleted). */
  getIssue(idKeyOrUrl: string): Promise<TrackerIssueState | undefined>;

  /**
   * Whether the project (Jira) or team (Linear) a target names is visible to our credentials now, read fresh. An
   * issue that reads as missing is taken for deleted only while its target is visible: credentials that lost
   * access to a whole project see every issue in it as missing, and unlinking them all would lose the links.
   */
  targetVisible(target: PushTarget): Promise<boolean>;

  /** Issues changed since the cursor (with a lag window), page by page; `issueIds` limits it to linked issues. */
  changedSince(cursor: string | undefined, issueIds: readonly string[]): AsyncIterable<ChangedPage>;

  /** The open issues a backlog selection picks (Jira: a JQL; Linear: a team's open issues with any of the labels). */
  listBacklog(selection: BacklogSelection): AsyncIterable<BacklogIssue[]>;

  /** Registers our webhook endpoint with the tracker (sandbox mode and setup). */
  registerWebhook(url: string, secret: string): Promise<void>;

  /** Checks a delivery's signature over the raw body (and, for Linear, its timestamp window). Pure. */
  verifyWebhook(headers: WebhookHeaders, rawBody: Buffer, secret: string, nowMs: number): WebhookVerdict;

  /** What a verified delivery means for us. Pure. */
  parseWebhook(rawBody: Buffer | string): TrackerEvent[];
}

/** Request headers as node gives them (lower-case names). */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A header by name, whatever its case (Node lowercases; other frameworks may not); the first of repeats. */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

/** What one webhook delivery means for us, parsed by the connector's pure webhook.ts. */
export type TrackerEvent =
  | { type: 'issue-changed'; state: TrackerIssueState }
  /** `marks`: what the delivery shows of the deleted issue's marks, where it shows any (Jira's labels). */
  | { type: 'issue-deleted'; issueId: string; at: string; marks?: IssueMarks }
  /** The product owner marked `issueId` a duplicate of `duplicateOfIssueId` (Jira Duplicate link, Linear relation). */
  | { type: 'duplicate-marked'; issueId: string; duplicateOfIssueId: string; at: string }
  | { type: 'ignored'; reason: string };

export type WebhookVerdict = { ok: true } | { ok: false; reason: string };
