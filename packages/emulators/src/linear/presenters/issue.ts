import type { IssueRecord, RelationRecord } from '../model.ts';
import type { LinearState } from '../state.ts';
import { type ConnectionArgs, connection, filtersFor, PRIORITY_LABELS, slug, type View } from './common.ts';
import { attachmentView, commentView, customerNeedView } from './records.ts';
import { labelView, teamView, userView, workflowStateView } from './workspace.ts';

/** `Issue`, with every field the SDK's Issue fragment selects; relations and sub-connections load lazily. */
export function issueView(state: LinearState, issue: IssueRecord): View {
  const identifier = state.identifier(issue);
  const filters = () => filtersFor(state);
  const needs = () => [...state.needs.values()].filter((n) => n.issueId === issue.id);
  const relation = (r: RelationRecord) => relationView(state, r);
  return {
    id: issue.id,
    identifier,
    number: issue.number,
    title: issue.title,
    description: issue.description,
    priority: issue.priority,
    priorityLabel: PRIORITY_LABELS[issue.priority] ?? 'No priority',
    prioritySortOrder: issue.priority === 0 ? 5 : issue.priority,
    sortOrder: issue.sortOrder,
    boardOrder: 0,
    subIssueSortOrder: null,
    estimate: issue.estimate,
    dueDate: issue.dueDate,
    labelIds: issue.labelIds,
    previousIdentifiers: [],
    url: state.issueUrl(issue),
    branchName: `${state.viewer.displayName}/${identifier.toLowerCase()}-${slug(issue.title)}`,
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    archivedAt: issue.archivedAt,
    trashed: issue.trashed ? true : null,
    startedAt: issue.startedAt,
    completedAt: issue.completedAt,
    canceledAt: issue.canceledAt,
    startedTriageAt: issue.startedTriageAt,
    triagedAt: issue.triagedAt,
    addedToTeamAt: issue.createdAt,
    addedToCycleAt: null,
    addedToProjectAt: null,
    autoArchivedAt: null,
    autoClosedAt: null,
    snoozedUntilAt: null,
    slaType: null,
    slaStartedAt: null,
    slaBreachesAt: null,
    slaHighRiskAt: null,
    slaMediumRiskAt: null,
    customerTicketCount: needs().length,
    integrationSourceType: null,
    inheritsSharedAccess: false,
    reactionData: {},
    reactions: [],
    syncedWith: [],
    sharedAccess: {
      isShared: false,
      sharedWithCount: 0,
      sharedWithUsers: [],
      viewerHasOnlySharedAccess: false,
      disallowedIssueFields: [],
    },
    state: () => workflowStateView(state, state.states.get(issue.stateId)),
    team: () => {
      const team = state.teams.get(issue.teamId);
      return team ? teamView(state, team) : null;
    },
    creator: () => (issue.creatorId === state.viewer.id ? userView(state) : null),
    assignee: () => (issue.assigneeId === state.viewer.id ? userView(state) : null),
    delegate: null,
    snoozedBy: null,
    botActor: null,
    sourceComment: null,
    cycle: null,
    project: null,
    projectMilestone: null,
    parent: null,
    lastAppliedTemplate: null,
    recurringIssueTemplate: null,
    externalUserCreator: null,
    asksExternalUserRequester: null,
    asksRequester: null,
    favorite: null,
    attachments: (args: ConnectionArgs) =>
      connection(
        [...state.attachments.values()].filter((a) => a.issueId === issue.id),
        args,
        filters().attachment,
        (a) => attachmentView(state, a),
      ),
    comments: (args: ConnectionArgs) =>
      connection(
        [...state.comments.values()].filter((c) => c.issueId === issue.id),
        args,
        filters().comment,
        (c) => commentView(state, c),
      ),
    labels: (args: ConnectionArgs) =>
      connection(
        issue.labelIds.flatMap((id) => state.labels.get(id) ?? []),
        args,
        filters().label,
        (l) => labelView(state, l),
      ),
    needs: (args: ConnectionArgs) =>
      connection(needs(), args, filters().customerNeed, (n) => customerNeedView(state, n)),
    relations: (args: ConnectionArgs) =>
      connection(
        [...state.relations.values()].filter((r) => r.issueId === issue.id),
        args,
        undefined,
        relation,
      ),
    inverseRelations: (args: ConnectionArgs) =>
      connection(
        [...state.relations.values()].filter((r) => r.relatedIssueId === issue.id),
        args,
        undefined,
        relation,
      ),
  };
}

export function relationView(state: LinearState, relation: RelationRecord): View {
  const issue = (id: string) => () => {
    const found = state.issues.get(id);
    return found ? issueView(state, found) : null;
  };
  return {
    id: relation.id,
    type: relation.type,
    createdAt: relation.createdAt,
    updatedAt: relation.updatedAt,
    archivedAt: null,
    issue: issue(relation.issueId),
    relatedIssue: issue(relation.relatedIssueId),
  };
}
