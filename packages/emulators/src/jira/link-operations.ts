import { badRequest } from './errors.ts';
import type { LinkTypeDef } from './seed.ts';
import type { IssueRecord, JiraState, LinkRecord, RemoteLinkRecord } from './state.ts';

/** Links between issues (firing issuelink_created / issuelink_deleted) and remote links out of Jira. */

/**
 * `inward` is the link's source: Duplicate with inward A and outward B reads "A duplicates B" (Jira's REST naming,
 * https://developer.atlassian.com/cloud/jira/platform/issue-linking-model/). Linking the same pair twice with the same
 * type answers "created" again without a second link, as Jira does.
 */
export function linkIssues(
  state: JiraState,
  type: LinkTypeDef,
  inward: IssueRecord,
  outward: IssueRecord,
): LinkRecord {
  if (inward.id === outward.id) throw badRequest('You cannot link an issue to itself.');
  for (const link of state.links.values()) {
    if (link.typeId === type.id && link.inwardIssueId === inward.id && link.outwardIssueId === outward.id)
      return link;
  }
  const link: LinkRecord = {
    id: String(state.nextId('link')),
    typeId: type.id,
    inwardIssueId: inward.id,
    outwardIssueId: outward.id,
  };
  state.links.set(link.id, link);
  state.touch(inward);
  state.touch(outward);
  state.emit({ kind: 'link', webhookEvent: 'issuelink_created', link });
  return link;
}

export function deleteLink(state: JiraState, link: LinkRecord): void {
  state.links.delete(link.id);
  for (const id of [link.inwardIssueId, link.outwardIssueId]) {
    const issue = state.issues.get(id);
    if (issue) state.touch(issue);
  }
  state.emit({ kind: 'link', webhookEvent: 'issuelink_deleted', link });
}

/** Upsert by globalId: a second POST with the same globalId replaces the link (fields left out become empty). */
export function upsertRemoteLink(
  state: JiraState,
  issue: IssueRecord,
  input: Omit<RemoteLinkRecord, 'id'>,
): { link: RemoteLinkRecord; created: boolean } {
  const existing = input.globalId ? issue.remoteLinks.find((l) => l.globalId === input.globalId) : undefined;
  if (existing) {
    const link: RemoteLinkRecord = { ...input, id: existing.id };
    issue.remoteLinks[issue.remoteLinks.indexOf(existing)] = link;
    return { link, created: false };
  }
  const link: RemoteLinkRecord = { ...input, id: state.nextId('remoteLink') };
  issue.remoteLinks.push(link);
  return { link, created: true };
}
