import { type AdfDoc, adfToText } from './adf.ts';
import { badRequest, fieldErrors } from './errors.ts';
import {
  INITIAL_STATUS_ID,
  type IssueTypeDef,
  type ProjectDef,
  RESOLUTIONS,
  statusById,
  TRANSITIONS,
  type TransitionDef,
} from './seed.ts';
import {
  type ChangelogItem,
  type CommentRecord,
  checkProperty,
  type IssueRecord,
  type JiraState,
} from './state.ts';

/**
 * What people and clients do to issues. The REST routes and the emulator's page both call these, so a status change
 * made on the page fires the same signed webhook, with the same changelog, as one made through the API.
 */

export interface NewIssue {
  project: ProjectDef;
  issueType: IssueTypeDef;
  summary: string;
  description: AdfDoc | null;
  labels: string[];
  custom: Record<string, unknown>;
  properties: Array<{ key: string; value: unknown }>;
}

export function createIssue(state: JiraState, input: NewIssue): IssueRecord {
  // Properties are checked before anything exists: create-with-properties is atomic.
  for (const p of input.properties) checkProperty(p.key, p.value);
  const now = state.now();
  const { id, key } = state.allocateIssue(input.project.key);
  const issue: IssueRecord = {
    id,
    key,
    projectId: input.project.id,
    issueTypeId: input.issueType.id,
    statusId: INITIAL_STATUS_ID,
    summary: input.summary,
    description: input.description,
    labels: unique(input.labels),
    custom: { ...input.custom },
    created: now,
    updated: now,
    statusCategoryChanged: now,
    resolutionId: null,
    resolutionDate: null,
    comments: [],
    properties: new Map(input.properties.map((p) => [p.key, p.value])),
    remoteLinks: [],
  };
  state.issues.set(id, issue);
  state.emit({ kind: 'issue', webhookEvent: 'jira:issue_created', eventTypeName: 'issue_created', issue });
  return issue;
}

export interface IssueChange {
  summary?: string | undefined;
  description?: AdfDoc | null | undefined;
  labels?: string[] | undefined;
  custom?: Record<string, unknown> | undefined;
}

const item = (
  field: string,
  fromString: string | null,
  toText: string | null,
  custom = false,
): ChangelogItem => ({
  field,
  fieldtype: custom ? 'custom' : 'jira',
  fieldId: field,
  from: null,
  fromString,
  to: null,
  toString: toText,
});

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/** Applies the change; fires `jira:issue_updated` with one changelog item per field that really changed. */
export function editIssue(state: JiraState, issue: IssueRecord, change: IssueChange): ChangelogItem[] {
  const items: ChangelogItem[] = [];
  if (change.summary !== undefined && change.summary !== issue.summary) {
    items.push(item('summary', issue.summary, change.summary));
    issue.summary = change.summary;
  }
  if (
    change.description !== undefined &&
    JSON.stringify(change.description) !== JSON.stringify(issue.description)
  ) {
    items.push(
      item('description', adfToText(issue.description) || null, adfToText(change.description) || null),
    );
    issue.description = change.description;
  }
  if (change.labels !== undefined) {
    const labels = unique(change.labels);
    if (labels.join(' ') !== issue.labels.join(' ')) {
      items.push(item('labels', issue.labels.join(' '), labels.join(' ')));
      issue.labels = labels;
    }
  }
  for (const [field, value] of Object.entries(change.custom ?? {})) {
    if (JSON.stringify(value) === JSON.stringify(issue.custom[field])) continue;
    const text = (v: unknown) =>
      v === undefined || v === null ? null : typeof v === 'string' ? v : JSON.stringify(v);
    items.push(item(field, text(issue.custom[field]), text(value), true));
    issue.custom[field] = value;
  }
  if (items.length > 0) {
    state.touch(issue);
    const changelog = { id: String(state.nextId('changelog')), items };
    state.emit({
      kind: 'issue',
      webhookEvent: 'jira:issue_updated',
      eventTypeName: 'issue_updated',
      issue,
      changelog,
    });
  }
  return items;
}

/** Label operations of an edit's `update` (`[{add}, {remove}, {set}]`), applied in order. */
export function applyLabelOps(
  labels: readonly string[],
  ops: ReadonlyArray<Record<string, unknown>>,
): string[] {
  let result = [...labels];
  for (const op of ops) {
    if (Array.isArray(op['set'])) result = op['set'].map(String);
    if (typeof op['add'] === 'string' && !result.includes(op['add'])) result.push(op['add']);
    if (typeof op['remove'] === 'string') result = result.filter((l) => l !== op['remove']);
  }
  return result;
}

/** Every status is reachable from every other through its global transition, unless the workflow withholds it. */
export function availableTransitions(state: JiraState, issue: IssueRecord): TransitionDef[] {
  return TRANSITIONS.filter(
    (t) => t.toStatusId !== issue.statusId && !state.unavailableTransitions.has(t.id),
  );
}

export function transitionIssue(
  state: JiraState,
  issue: IssueRecord,
  transitionId: string,
  options: { resolutionName?: string | undefined } = {},
): ChangelogItem[] {
  const transition = availableTransitions(state, issue).find((t) => t.id === transitionId);
  if (!transition) throw badRequest(`Transition id '${transitionId}' is not valid for this issue.`);
  if (options.resolutionName !== undefined && !transition.resolutionScreen) {
    throw fieldErrors({
      resolution: "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown.",
    });
  }
  const from = statusById(issue.statusId);
  const to = statusById(transition.toStatusId);
  let resolutionId: string | null = null;
  if (to.category === 'done') {
    const named = options.resolutionName;
    const resolution = named
      ? RESOLUTIONS.find((r) => r.name.toLowerCase() === named.toLowerCase())
      : undefined;
    if (named && !resolution) throw fieldErrors({ resolution: `Resolution '${named}' does not exist.` });
    resolutionId = resolution?.id ?? to.resolutionId ?? null;
  }
  const now = state.touch(issue);
  const items: ChangelogItem[] = [];
  if (resolutionId !== issue.resolutionId) {
    const name = (id: string | null) => RESOLUTIONS.find((r) => r.id === id)?.name ?? null;
    items.push({
      ...item('resolution', name(issue.resolutionId), name(resolutionId)),
      from: issue.resolutionId,
      to: resolutionId,
    });
    issue.resolutionDate = resolutionId ? now : null;
    issue.resolutionId = resolutionId;
  }
  items.push({ ...item('status', from.name, to.name), from: from.id, to: to.id });
  if (from.category !== to.category) issue.statusCategoryChanged = now;
  issue.statusId = to.id;
  const changelog = { id: String(state.nextId('changelog')), items };
  state.emit({
    kind: 'issue',
    webhookEvent: 'jira:issue_updated',
    eventTypeName: 'issue_generic',
    issue,
    changelog,
  });
  return items;
}

/** Fires `jira:issue_deleted` (with the issue as it was), then drops it and its links. */
export function deleteIssue(state: JiraState, issue: IssueRecord): void {
  state.emit({ kind: 'issue', webhookEvent: 'jira:issue_deleted', eventTypeName: 'issue_deleted', issue });
  for (const link of state.linksOf(issue)) state.links.delete(link.id);
  state.issues.delete(issue.id);
}

export function addComment(state: JiraState, issue: IssueRecord, body: AdfDoc): CommentRecord {
  if (body.content.length === 0) {
    throw fieldErrors({ comment: 'Comment body can not be empty!' });
  }
  const now = state.now();
  const comment: CommentRecord = { id: String(state.nextId('comment')), body, created: now, updated: now };
  issue.comments.push(comment);
  state.touch(issue);
  state.emit({
    kind: 'issue',
    webhookEvent: 'jira:issue_updated',
    eventTypeName: 'issue_commented',
    issue,
    comment,
  });
  state.emit({ kind: 'comment', webhookEvent: 'comment_created', issue, comment });
  return comment;
}
