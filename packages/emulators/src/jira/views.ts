import { adfToText } from './adf.ts';
import { type FieldSelection, idsOnly, selectFields } from './field-selection.ts';
import {
  ISSUE_TYPES,
  type IssueTypeDef,
  LINK_TYPES,
  type LinkTypeDef,
  PRIORITY,
  PROJECTS,
  type ProjectDef,
  RESOLUTIONS,
  SANDBOX_USER,
  STATUS_CATEGORIES,
  type StatusDef,
  statusById,
  type TransitionDef,
} from './seed.ts';
import type { CommentRecord, IssueRecord, JiraState, LinkRecord, RemoteLinkRecord } from './state.ts';

/**
 * The JSON Jira answers with. v3 carries rich text as ADF; v2 (webhook payloads, the v2 routes jira.js uses for
 * string bodies) as plain text. Only keys jira.js's schemas document, so an AUDIT_SCHEMAS run reports nothing.
 */

export type ApiVersion = 2 | 3;

/** Jira's timestamp format: `2026-11-28T05:10:00.000+0000` (the sandbox user's zone is UTC). */
export const jiraTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '+0000');

export const EXPAND = 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations';

export function apiBase(state: JiraState, v: ApiVersion = 3): string {
  return `${state.baseUrl}/rest/api/${v}`;
}

function avatars(state: JiraState, kind: string, id: string | number) {
  const url = (size: number) =>
    `${state.baseUrl}/rest/api/3/universal_avatar/view/type/${kind}/avatar/${id}?size=${size}`;
  return { '48x48': url(48), '24x24': url(24), '16x16': url(16), '32x32': url(32) };
}

export function userJson(state: JiraState, email: string, v: ApiVersion = 3) {
  return {
    self: `${apiBase(state, v)}/user?accountId=${SANDBOX_USER.accountId}`,
    accountId: SANDBOX_USER.accountId,
    emailAddress: email,
    avatarUrls: avatars(state, 'user', 10071),
    displayName: SANDBOX_USER.displayName,
    active: true,
    timeZone: SANDBOX_USER.timeZone,
    accountType: 'atlassian',
  };
}

export function statusJson(state: JiraState, status: StatusDef, v: ApiVersion = 3) {
  const category = STATUS_CATEGORIES[status.category];
  return {
    self: `${apiBase(state, v)}/status/${status.id}`,
    description: status.description,
    iconUrl: `${state.baseUrl}/`,
    name: status.name,
    id: status.id,
    statusCategory: { self: `${apiBase(state, v)}/statuscategory/${category.id}`, ...category },
  };
}

export function issueTypeJson(state: JiraState, type: IssueTypeDef, v: ApiVersion = 3) {
  return {
    self: `${apiBase(state, v)}/issuetype/${type.id}`,
    id: type.id,
    description: type.description,
    iconUrl: `${state.baseUrl}/rest/api/2/universal_avatar/view/type/issuetype/avatar/${type.avatarId}?size=medium`,
    name: type.name,
    subtask: false,
    avatarId: type.avatarId,
    hierarchyLevel: 0,
  };
}

export function projectJson(state: JiraState, project: ProjectDef, v: ApiVersion = 3) {
  return {
    self: `${apiBase(state, v)}/project/${project.id}`,
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: 'software',
    simplified: false,
    avatarUrls: avatars(state, 'project', 10400),
  };
}

export function linkTypeJson(state: JiraState, type: LinkTypeDef) {
  return {
    id: type.id,
    name: type.name,
    inward: type.inward,
    outward: type.outward,
    self: `${apiBase(state)}/issueLinkType/${type.id}`,
  };
}

function priorityJson(state: JiraState, v: ApiVersion) {
  return {
    self: `${apiBase(state, v)}/priority/${PRIORITY.id}`,
    iconUrl: `${state.baseUrl}/images/icons/priorities/medium.svg`,
    name: PRIORITY.name,
    id: PRIORITY.id,
  };
}

/** The short form of an issue inside a link: only the fields Jira puts there. */
function linkedIssueJson(state: JiraState, issue: IssueRecord, v: ApiVersion) {
  const type = ISSUE_TYPES.find((t) => t.id === issue.issueTypeId);
  return {
    id: issue.id,
    key: issue.key,
    self: `${apiBase(state, v)}/issue/${issue.id}`,
    fields: {
      summary: issue.summary,
      status: statusJson(state, statusById(issue.statusId), v),
      priority: priorityJson(state, v),
      ...(type ? { issuetype: issueTypeJson(state, type, v) } : {}),
    },
  };
}

/** `GET /issueLink/{id}`: both ends. */
export function issueLinkJson(state: JiraState, link: LinkRecord) {
  const type = LINK_TYPES.find((t) => t.id === link.typeId);
  const inward = state.issues.get(link.inwardIssueId);
  const outward = state.issues.get(link.outwardIssueId);
  return {
    id: link.id,
    self: `${apiBase(state)}/issueLink/${link.id}`,
    ...(type ? { type: linkTypeJson(state, type) } : {}),
    ...(inward ? { inwardIssue: linkedIssueJson(state, inward, 3) } : {}),
    ...(outward ? { outwardIssue: linkedIssueJson(state, outward, 3) } : {}),
  };
}

/** `fields.issuelinks` of one issue: each link names the other end, under the side that describes it. */
function issueLinksField(state: JiraState, issue: IssueRecord, v: ApiVersion) {
  return state.linksOf(issue).flatMap((link) => {
    const type = LINK_TYPES.find((t) => t.id === link.typeId);
    const source = link.inwardIssueId === issue.id;
    const other = state.issues.get(source ? link.outwardIssueId : link.inwardIssueId);
    if (!type || !other) return [];
    return [
      {
        id: link.id,
        self: `${apiBase(state, v)}/issueLink/${link.id}`,
        type: linkTypeJson(state, type),
        [source ? 'outwardIssue' : 'inwardIssue']: linkedIssueJson(state, other, v),
      },
    ];
  });
}

export function commentJson(
  state: JiraState,
  issue: IssueRecord,
  comment: CommentRecord,
  email: string,
  v: ApiVersion = 3,
) {
  const author = userJson(state, email, v);
  return {
    self: `${apiBase(state, v)}/issue/${issue.id}/comment/${comment.id}`,
    id: comment.id,
    author,
    body: v === 3 ? comment.body : adfToText(comment.body),
    updateAuthor: author,
    created: jiraTime(comment.created),
    updated: jiraTime(comment.updated),
    jsdPublic: true,
  };
}

export function commentsPage(state: JiraState, issue: IssueRecord, email: string, v: ApiVersion = 3) {
  return {
    comments: issue.comments.map((c) => commentJson(state, issue, c, email, v)),
    maxResults: issue.comments.length,
    total: issue.comments.length,
    startAt: 0,
  };
}

export function remoteLinkJson(state: JiraState, issue: IssueRecord, link: RemoteLinkRecord) {
  return {
    id: link.id,
    self: `${apiBase(state)}/issue/${issue.key}/remotelink/${link.id}`,
    ...(link.globalId !== undefined ? { globalId: link.globalId } : {}),
    application: link.application ?? {},
    ...(link.relationship !== undefined ? { relationship: link.relationship } : {}),
    object: link.object,
  };
}

export function transitionJson(
  state: JiraState,
  transition: TransitionDef,
  { withFields = false }: { withFields?: boolean } = {},
) {
  return {
    id: transition.id,
    name: transition.name,
    to: statusJson(state, statusById(transition.toStatusId)),
    hasScreen: transition.resolutionScreen === true,
    ...(withFields
      ? { fields: transition.resolutionScreen ? { resolution: resolutionField(state) } : {} }
      : {}),
    isGlobal: true,
    isInitial: false,
    isAvailable: true,
    isConditional: false,
  };
}

/** The Resolution field as a transition screen shows it (`expand=transitions.fields`): the site's resolutions. */
function resolutionField(state: JiraState) {
  return {
    required: false,
    schema: { type: 'resolution', system: 'resolution' },
    name: 'Resolution',
    key: 'resolution',
    hasDefaultValue: false,
    operations: ['set'],
    allowedValues: RESOLUTIONS.map((r) => ({ self: `${apiBase(state)}/resolution/${r.id}`, ...r })),
  };
}

/** Every field of an issue, as get-issue returns them with no `fields` filter. */
export function issueFields(state: JiraState, issue: IssueRecord, email: string, v: ApiVersion = 3) {
  const project = PROJECTS.find((p) => p.id === issue.projectId);
  const type = ISSUE_TYPES.find((t) => t.id === issue.issueTypeId);
  const resolution = RESOLUTIONS.find((r) => r.id === issue.resolutionId);
  const user = userJson(state, email, v);
  return {
    statuscategorychangedate: jiraTime(issue.statusCategoryChanged),
    issuetype: type ? issueTypeJson(state, type, v) : null,
    project: project ? projectJson(state, project, v) : null,
    resolution: resolution
      ? { self: `${apiBase(state, v)}/resolution/${resolution.id}`, ...resolution }
      : null,
    resolutiondate: issue.resolutionDate === null ? null : jiraTime(issue.resolutionDate),
    created: jiraTime(issue.created),
    updated: jiraTime(issue.updated),
    priority: priorityJson(state, v),
    labels: [...issue.labels],
    issuelinks: issueLinksField(state, issue, v),
    assignee: null,
    status: statusJson(state, statusById(issue.statusId), v),
    creator: user,
    reporter: user,
    summary: issue.summary,
    description: v === 3 ? issue.description : issue.description ? adfToText(issue.description) : null,
    // The field carries a self link that the comments endpoint's page (PageOfComments) does not.
    comment: {
      ...commentsPage(state, issue, email, v),
      self: `${apiBase(state, v)}/issue/${issue.id}/comment`,
    },
    ...issue.custom,
  };
}

export interface IssueViewOptions {
  fields: FieldSelection;
  properties?: readonly string[];
  email: string;
  v?: ApiVersion;
}

export function issueJson(state: JiraState, issue: IssueRecord, options: IssueViewOptions) {
  const v = options.v ?? 3;
  const properties = (options.properties ?? []).filter((k) => issue.properties.has(k));
  return {
    expand: EXPAND,
    id: issue.id,
    self: `${apiBase(state, v)}/issue/${issue.id}`,
    key: issue.key,
    fields: selectFields(issueFields(state, issue, options.email, v), options.fields),
    ...(options.properties?.length
      ? { properties: Object.fromEntries(properties.map((k) => [k, issue.properties.get(k)])) }
      : {}),
  };
}

/** One issue in search/jql results: `{id}` alone when only ids were asked for (the default). */
export function searchIssueJson(state: JiraState, issue: IssueRecord, options: IssueViewOptions) {
  if (idsOnly(options.fields) && !options.properties?.length) return { id: issue.id };
  return issueJson(state, issue, options);
}
