import type { AdfDoc } from './adf.ts';
import { badRequest, issueNotFound, JiraError } from './errors.ts';
import type { JqlIssue, JqlVocabulary } from './jql.ts';
import {
  ISSUE_TYPES,
  type IssueTypeDef,
  LINK_TYPES,
  type LinkTypeDef,
  PROJECTS,
  type ProjectDef,
  RESOLUTIONS,
  STATUS_CATEGORIES,
  STATUSES,
  statusById,
} from './seed.ts';

/**
 * The emulated site's data, in memory (and on disk when the emulator is given a state file, persistence.ts):
 * issues and everything hanging off them, plus the registered webhooks.
 */

export interface CommentRecord {
  id: string;
  body: AdfDoc;
  created: number;
  updated: number;
}

export interface RemoteLinkRecord {
  id: number;
  globalId?: string | undefined;
  application?: Record<string, unknown> | undefined;
  relationship?: string | undefined;
  object: Record<string, unknown> & { url: string; title: string };
}

export interface IssueRecord {
  id: string;
  key: string;
  projectId: string;
  issueTypeId: string;
  statusId: string;
  summary: string;
  description: AdfDoc | null;
  labels: string[];
  /** `customfield_*` values as sent. */
  custom: Record<string, unknown>;
  created: number;
  updated: number;
  statusCategoryChanged: number;
  resolutionId: string | null;
  resolutionDate: number | null;
  comments: CommentRecord[];
  properties: Map<string, unknown>;
  remoteLinks: RemoteLinkRecord[];
}

/** `inwardIssue` is the link's source: with type Duplicate it is the issue that "duplicates" `outwardIssue`. */
export interface LinkRecord {
  id: string;
  typeId: string;
  inwardIssueId: string;
  outwardIssueId: string;
}

export interface WebhookRecord {
  id: number;
  name: string;
  url: string;
  events: string[];
  jqlFilter: string | undefined;
  excludeBody: boolean;
  secret: string | undefined;
  enabled: boolean;
  lastUpdated: number;
}

export interface ChangelogItem {
  field: string;
  fieldtype: 'jira' | 'custom';
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

export type JiraEvent =
  | {
      kind: 'issue';
      webhookEvent: 'jira:issue_created' | 'jira:issue_updated' | 'jira:issue_deleted';
      /** Jira's `issue_event_type_name`: issue_created, issue_updated, issue_generic (transition), issue_commented… */
      eventTypeName: string;
      issue: IssueRecord;
      changelog?: { id: string; items: ChangelogItem[] } | undefined;
      comment?: CommentRecord | undefined;
    }
  | { kind: 'comment'; webhookEvent: 'comment_created'; issue: IssueRecord; comment: CommentRecord }
  | { kind: 'link'; webhookEvent: 'issuelink_created' | 'issuelink_deleted'; link: LinkRecord };

export class JiraState {
  /** Absolute base of every `self` URL; set once the server listens. */
  baseUrl = '';
  issues = new Map<string, IssueRecord>();
  links = new Map<string, LinkRecord>();
  webhooks = new Map<number, WebhookRecord>();
  /**
   * Project keys the API user has lost permission to browse. As on a real site, their issues answer 404, search
   * leaves them out, and JQL naming the project answers 400 as for one that does not exist. Tests set it.
   */
  readonly hiddenProjects = new Set<string>();
  /**
   * Transition ids the workflow does not offer (a conditioned or removed transition): they are not listed and
   * cannot be done, as on a site whose workflow lacks them. Tests set it.
   */
  readonly unavailableTransitions = new Set<string>();
  /** Ids never reused; persisted with the issues (persistence.ts). */
  readonly counters = {
    issueId: 10001,
    comment: 10000,
    link: 10000,
    remoteLink: 10000,
    changelog: 10000,
    webhook: 1,
  };
  /** The last issue number per project key; persisted with the issues. */
  readonly issueNumbers = new Map<string, number>();
  private readonly listeners: Array<(event: JiraEvent) => void> = [];
  readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Back to the seeded site: no issues or links. Registered webhooks stay (site configuration), and ids and keys
   * keep counting: Jira never reuses an issue id or key, and a running service that linked 10001 / SBX-1 must not
   * hear of a different issue under it.
   */
  reset(): void {
    this.issues.clear();
    this.links.clear();
    this.hiddenProjects.clear();
    this.unavailableTransitions.clear();
  }

  /** Whether the API user may see the issue (its project is not hidden). */
  visible(issue: IssueRecord): boolean {
    const project = PROJECTS.find((p) => p.id === issue.projectId);
    return !project || !this.hiddenProjects.has(project.key);
  }

  onEvent(listener: (event: JiraEvent) => void): void {
    this.listeners.push(listener);
  }

  emit(event: JiraEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  nextId(counter: 'comment' | 'link' | 'remoteLink' | 'changelog' | 'webhook'): number {
    return this.counters[counter]++;
  }

  findIssue(idOrKey: string): IssueRecord | undefined {
    const key = idOrKey.toUpperCase();
    let found = this.issues.get(idOrKey);
    if (!found) for (const issue of this.issues.values()) if (issue.key === key) found = issue;
    return found && this.visible(found) ? found : undefined;
  }

  requireIssue(idOrKey: string): IssueRecord {
    const issue = this.findIssue(idOrKey);
    if (!issue) throw issueNotFound();
    return issue;
  }

  findProject(ref: { id?: string | undefined; key?: string | undefined }): ProjectDef | undefined {
    const project = PROJECTS.find((p) => p.id === ref.id || p.key === ref.key?.toUpperCase());
    return project && !this.hiddenProjects.has(project.key) ? project : undefined;
  }

  findIssueType(ref: { id?: string | undefined; name?: string | undefined }): IssueTypeDef | undefined {
    return ISSUE_TYPES.find((t) => t.id === ref.id || t.name.toLowerCase() === ref.name?.toLowerCase());
  }

  findLinkType(ref: { id?: string | undefined; name?: string | undefined }): LinkTypeDef | undefined {
    return LINK_TYPES.find((t) => t.id === ref.id || t.name.toLowerCase() === ref.name?.toLowerCase());
  }

  linksOf(issue: IssueRecord): LinkRecord[] {
    return [...this.links.values()].filter(
      (l) => l.inwardIssueId === issue.id || l.outwardIssueId === issue.id,
    );
  }

  allocateIssue(projectKey: string): { id: string; key: string } {
    const n = (this.issueNumbers.get(projectKey) ?? 0) + 1;
    this.issueNumbers.set(projectKey, n);
    return { id: String(this.counters.issueId++), key: `${projectKey}-${n}` };
  }

  /** Bumps `updated`, strictly increasing per issue so "updated since" is never ambiguous within one millisecond. */
  touch(issue: IssueRecord): number {
    issue.updated = Math.max(this.now(), issue.updated + 1);
    return issue.updated;
  }

  /** What JQL reads of an issue. */
  jqlView(issue: IssueRecord): JqlIssue {
    const project = PROJECTS.find((p) => p.id === issue.projectId) ?? {
      id: issue.projectId,
      key: '',
      name: '',
    };
    const status = statusById(issue.statusId);
    const category = STATUS_CATEGORIES[status.category];
    const type = ISSUE_TYPES.find((t) => t.id === issue.issueTypeId);
    const resolution = RESOLUTIONS.find((r) => r.id === issue.resolutionId);
    return {
      id: issue.id,
      key: issue.key,
      project,
      labels: issue.labels,
      status: { id: status.id, name: status.name },
      statusCategory: category,
      issuetype: { id: issue.issueTypeId, name: type?.name ?? '' },
      resolution: resolution ? { id: resolution.id, name: resolution.name } : null,
      created: issue.created,
      updated: issue.updated,
    };
  }

  readonly vocabulary: JqlVocabulary = {
    knows: (field, value) => {
      const v = value.toLowerCase();
      const lists: Record<typeof field, string[][]> = {
        project: PROJECTS.filter((p) => !this.hiddenProjects.has(p.key)).map((p) => [p.id, p.key, p.name]),
        status: STATUSES.map((s) => [s.id, s.name]),
        statusCategory: Object.values(STATUS_CATEGORIES).map((c) => [String(c.id), c.key, c.name]),
        issuetype: ISSUE_TYPES.map((t) => [t.id, t.name]),
        resolution: RESOLUTIONS.map((r) => [r.id, r.name]),
      };
      return lists[field].some((names) => names.some((n) => n.toLowerCase() === v));
    },
    issueExists: (key) => this.findIssue(key) !== undefined,
  };

  registerWebhook(input: Omit<WebhookRecord, 'id' | 'lastUpdated'>): WebhookRecord {
    const webhook: WebhookRecord = { ...input, id: this.nextId('webhook'), lastUpdated: this.now() };
    this.webhooks.set(webhook.id, webhook);
    return webhook;
  }

  requireWebhook(id: string): WebhookRecord {
    const webhook = this.webhooks.get(Number(id));
    if (!webhook) throw new JiraError(404, [`Webhook with id '${id}' does not exist.`]);
    return webhook;
  }

  requireComment(issue: IssueRecord, id: string): CommentRecord {
    const comment = issue.comments.find((c) => c.id === id);
    if (!comment) throw new JiraError(404, [`Can not find a comment for the id: ${id}.`]);
    return comment;
  }

  requireLink(id: string): LinkRecord {
    const link = this.links.get(id);
    if (!link) throw new JiraError(404, [`No issue link with id '${id}' exists.`]);
    return link;
  }

  requireRemoteLink(issue: IssueRecord, id: string): RemoteLinkRecord {
    const link = issue.remoteLinks.find((l) => String(l.id) === id);
    if (!link) throw new JiraError(404, ['No remote link exists with the given id.']);
    return link;
  }
}

/** Entity property limits (https://developer.atlassian.com/cloud/jira/platform/jira-entity-properties/). */
export function checkProperty(key: string, value: unknown): void {
  if (key.length === 0 || key.length > 255)
    throw badRequest('The property key must be between 1 and 255 characters.');
  if (value === undefined) throw badRequest('The property value cannot be empty.');
  if (JSON.stringify(value).length > 32_768) {
    throw badRequest('The property value cannot be longer than 32768 characters.');
  }
}
