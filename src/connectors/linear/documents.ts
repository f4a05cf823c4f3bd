import { ATTACHMENT_TITLE, FEATURE_URL_PATH } from './map.ts';

/**
 * The GraphQL documents we send ourselves through the SDK's client (`client.client.rawRequest`), with the types of
 * what they return. The SDK's models load every relation lazily, one request each (`await issue.state`), and its
 * mutations return only ids; selecting what we need in one document keeps us inside Linear's request budget
 * (https://linear.app/developers/rate-limiting). Names follow Linear's schema; the emulator validates them.
 */

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface StateNode {
  id: string;
  name: string;
  type: string;
  position: number;
}

export interface TeamNode {
  id: string;
  key: string;
  name: string;
  triageEnabled: boolean;
  states: { nodes: StateNode[] };
}

export const TEAM_BY_KEY = /* GraphQL */ `
  query teamByKey($key: String!) {
    teams(filter: { key: { eq: $key } }, first: 1) {
      nodes { id key name triageEnabled states(first: 100) { nodes { id name type position } } }
    }
  }`;
export type TeamByKey = { teams: { nodes: TeamNode[] } };

export const STATE_NAMES = /* GraphQL */ `
  query workflowStateNames($after: String) {
    workflowStates(first: 250, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } }
  }`;
export type StateNames = { workflowStates: { nodes: Array<{ name: string }>; pageInfo: PageInfo } };

/** What we read of an issue for its state; `relations` says which issue it duplicates. */
export interface IssueNode {
  id: string;
  identifier: string;
  url: string;
  updatedAt: string;
  trashed: boolean | null;
  state: { name: string; type: string };
  relations: { nodes: Array<{ type: string; relatedIssue: { id: string } | null }> };
  /** Our link backs (by title or URL), whose metadata carries the mark of the link that wrote it. */
  attachments: {
    nodes: Array<{ metadata: Record<string, unknown> | null }>;
    pageInfo: { hasNextPage: boolean };
  };
}

/**
 * Only our link backs: an issue may hold more attachments than a page (`Issue.attachments(filter: AttachmentFilter)`,
 * https://linear.app/developers/graphql), and the mark is read from ours alone. By title or by URL, so a renamed
 * attachment or a changed PUBLIC_URL still finds it.
 */
const OUR_ATTACHMENTS = `{ or: [{ title: { eq: ${JSON.stringify(ATTACHMENT_TITLE)} } }, { url: { contains: ${JSON.stringify(FEATURE_URL_PATH)} } }] }`;

const ISSUE_FIELDS = `id identifier url updatedAt trashed state { name type }
  relations(first: 25) { nodes { type relatedIssue { id } } }
  attachments(first: 50, filter: ${OUR_ATTACHMENTS}) { nodes { metadata } pageInfo { hasNextPage } }`;

export const ISSUE_STATE = /* GraphQL */ `
  query issueState($id: String!) { issue(id: $id) { ${ISSUE_FIELDS} } }`;
export type IssueState = { issue: IssueNode };

export const CHANGED_ISSUES = /* GraphQL */ `
  query changedIssues($filter: IssueFilter, $first: Int, $after: String) {
    issues(filter: $filter, first: $first, after: $after, includeArchived: true) {
      nodes { ${ISSUE_FIELDS} }
      pageInfo { hasNextPage endCursor }
    }
  }`;
export type ChangedIssues = { issues: { nodes: IssueNode[]; pageInfo: PageInfo } };

export const BACKLOG_ISSUES = /* GraphQL */ `
  query backlogIssues($filter: IssueFilter, $first: Int, $after: String) {
    issues(filter: $filter, first: $first, after: $after) {
      nodes { ${ISSUE_FIELDS} title }
      pageInfo { hasNextPage endCursor }
    }
  }`;
export type BacklogIssues = { issues: { nodes: Array<IssueNode & { title: string }>; pageInfo: PageInfo } };

/** With our link backs' metadata: the state this read shows is applied only while the issue carries the mark. */
const FOR_UPDATE_FIELDS = `id identifier url updatedAt title description priority trashed team { id }
      state { name type } labels(first: 100) { nodes { id name } }
      attachments(first: 50, filter: ${OUR_ATTACHMENTS}) { nodes { metadata } pageInfo { hasNextPage } }`;

export const ISSUE_FOR_UPDATE = /* GraphQL */ `
  query issueForUpdate($id: String!) { issue(id: $id) { ${FOR_UPDATE_FIELDS} } }`;

/** The issue as an update needs it, and which of the needs a push would add exist already: one call. */
export const ISSUE_AND_NEEDS_FOR_UPDATE = /* GraphQL */ `
  query issueForUpdate($id: String!, $ids: [ID!], $first: Int) {
    issue(id: $id) { ${FOR_UPDATE_FIELDS} }
    customerNeeds(filter: { id: { in: $ids } }, first: $first, includeArchived: true) { nodes { id } }
  }`;

export interface IssueForUpdateNode {
  id: string;
  identifier: string;
  url: string;
  updatedAt: string;
  title: string;
  description: string | null;
  priority: number;
  trashed: boolean | null;
  team: { id: string };
  state: { name: string; type: string };
  labels: { nodes: Array<{ id: string; name: string }> };
  attachments: IssueNode['attachments'];
}
export type IssueForUpdate = { issue: IssueForUpdateNode };
export type IssueAndNeedsForUpdate = IssueForUpdate & ExistingNeeds;

/** What a create answers: the issue and its first state (`IssuePayload.issue`). */
export interface CreatedIssueNode {
  id: string;
  identifier: string;
  url: string;
  updatedAt: string;
  state: { name: string; type: string };
}
export const CREATED_ISSUE_FIELDS = 'id identifier url updatedAt state { name type }';

export const LABELS_NAMED = /* GraphQL */ `
  query labelsNamed($name: String!) {
    issueLabels(filter: { name: { eqIgnoreCase: $name } }, first: 50) { nodes { id name team { id } } }
  }`;
export type LabelsNamed = {
  issueLabels: { nodes: Array<{ id: string; name: string; team: { id: string } | null }> };
};

export const EXISTING_NEEDS = /* GraphQL */ `
  query existingNeeds($ids: [ID!], $first: Int) {
    customerNeeds(filter: { id: { in: $ids } }, first: $first, includeArchived: true) { nodes { id } }
  }`;
export type ExistingNeeds = { customerNeeds: { nodes: Array<{ id: string }> } };

/** Which issue each of these needs is on now (a need moved by a merge keeps its id). */
export const NEEDS_ON_ISSUES = /* GraphQL */ `
  query needsOnIssues($ids: [ID!], $first: Int) {
    customerNeeds(filter: { id: { in: $ids } }, first: $first, includeArchived: true) { nodes { id issue { id } } }
  }`;
export type NeedsOnIssues = { customerNeeds: { nodes: Array<{ id: string; issue: { id: string } | null }> } };

export const WEBHOOKS = /* GraphQL */ `
  query webhookUrls($after: String) {
    webhooks(first: 100, after: $after) { nodes { id url } pageInfo { hasNextPage endCursor } }
  }`;
export type Webhooks = { webhooks: { nodes: Array<{ id: string; url: string | null }>; pageInfo: PageInfo } };
