import type { ChangeEvent, IssueRecord } from './model.ts';
import { PRIORITY_LABELS } from './presenters/common.ts';
import type { LinearState } from './state.ts';

/**
 * The `data` of Linear's entity webhooks (the SDK's IssueWebhookPayload, CommentWebhookPayload, ...): flat ids
 * plus small child objects, taken when the change happens so every retry sends the same data.
 */

export interface EventData {
  data: Record<string, unknown>;
  /** The team the entity belongs to; team-scoped webhooks only hear about their team. Null: workspace-wide. */
  teamId: string | null;
  url: string | null;
}

function teamChild(state: LinearState, teamId: string) {
  const team = state.teams.get(teamId);
  return team ? { id: team.id, key: team.key, name: team.name } : null;
}

function issueChild(state: LinearState, issue: IssueRecord | undefined) {
  if (!issue) return null;
  return {
    id: issue.id,
    identifier: state.identifier(issue),
    title: issue.title,
    teamId: issue.teamId,
    team: teamChild(state, issue.teamId),
    url: state.issueUrl(issue),
  };
}

export function userChild(state: LinearState) {
  const user = state.viewer;
  return { id: user.id, name: user.name, email: user.email, url: `${state.baseUrl}/`, type: 'user' };
}

function issueData(state: LinearState, issue: IssueRecord): Record<string, unknown> {
  const wf = state.states.get(issue.stateId);
  return {
    id: issue.id,
    createdAt: issue.createdAt,
    updatedAt: issue.updatedAt,
    archivedAt: issue.archivedAt,
    trashed: issue.trashed || null,
    number: issue.number,
    identifier: state.identifier(issue),
    title: issue.title,
    description: issue.description,
    priority: issue.priority,
    priorityLabel: PRIORITY_LABELS[issue.priority] ?? 'No priority',
    prioritySortOrder: issue.priority === 0 ? 5 : issue.priority,
    sortOrder: issue.sortOrder,
    estimate: issue.estimate,
    dueDate: issue.dueDate,
    url: state.issueUrl(issue),
    teamId: issue.teamId,
    team: teamChild(state, issue.teamId),
    stateId: issue.stateId,
    state: wf ? { id: wf.id, name: wf.name, type: wf.type, color: wf.color } : null,
    labelIds: issue.labelIds,
    labels: issue.labelIds.flatMap((id) => {
      const label = state.labels.get(id);
      return label ? [{ id: label.id, name: label.name, color: label.color, parentId: null }] : [];
    }),
    assigneeId: issue.assigneeId,
    creatorId: issue.creatorId,
    startedAt: issue.startedAt,
    completedAt: issue.completedAt,
    canceledAt: issue.canceledAt,
    startedTriageAt: issue.startedTriageAt,
    triagedAt: issue.triagedAt,
    addedToTeamAt: issue.createdAt,
    previousIdentifiers: [],
    subscriberIds: [issue.creatorId],
    reactionData: {},
    releases: [],
  };
}

/** The payload data for one change, or undefined when the entity is gone (nothing to say). */
export function eventData(state: LinearState, event: ChangeEvent): EventData | undefined {
  switch (event.type) {
    case 'Issue': {
      const issue = state.issues.get(event.entityId);
      return issue && { data: issueData(state, issue), teamId: issue.teamId, url: state.issueUrl(issue) };
    }
    case 'Comment': {
      const c = state.comments.get(event.entityId);
      const issue = c && state.issues.get(c.issueId);
      if (!c || !issue) return undefined;
      const { userId, ...rest } = c;
      const data = {
        ...rest,
        userId,
        user: userChild(state),
        issue: issueChild(state, issue),
        reactionData: {},
      };
      return { data, teamId: issue.teamId, url: state.issueUrl(issue) };
    }
    case 'Attachment': {
      const a = state.attachments.get(event.entityId);
      const issue = a && state.issues.get(a.issueId);
      if (!a || !issue) return undefined;
      const { iconUrl: _iconUrl, ...rest } = a;
      return {
        data: { ...rest, archivedAt: null, groupBySource: false, sourceType: 'api' },
        teamId: issue.teamId,
        url: a.url,
      };
    }
    case 'Customer': {
      const c = state.customers.get(event.entityId);
      if (!c) return undefined;
      const tier = c.tierId ? state.tiers.get(c.tierId) : undefined;
      const needs = [...state.needs.values()].filter((n) => n.customerId === c.id).length;
      const url = `${state.baseUrl}/#customer-${c.slugId}`;
      return {
        data: {
          ...c,
          archivedAt: null,
          approximateNeedCount: needs,
          statusId: state.customerStatusId,
          tier: tier
            ? { id: tier.id, name: tier.name, displayName: tier.displayName, color: tier.color }
            : null,
          url,
        },
        teamId: null,
        url,
      };
    }
    case 'CustomerNeed': {
      const n = state.needs.get(event.entityId);
      const issue = n && state.issues.get(n.issueId);
      if (!n || !issue) return undefined;
      const customer = n.customerId ? state.customers.get(n.customerId) : undefined;
      return {
        data: {
          ...n,
          archivedAt: null,
          issue: issueChild(state, issue),
          customer: customer ? { id: customer.id, name: customer.name } : null,
        },
        teamId: issue.teamId,
        url: state.issueUrl(issue),
      };
    }
    case 'IssueLabel': {
      const l = state.labels.get(event.entityId);
      return l && { data: { ...l, archivedAt: null, parentId: null }, teamId: l.teamId, url: null };
    }
  }
}
