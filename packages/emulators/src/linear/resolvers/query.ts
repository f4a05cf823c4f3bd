import { requireIssue } from '../commands/common.ts';
import { notFound } from '../errors.ts';
import { type ConnectionArgs, connection, filtersFor, type View } from '../presenters/common.ts';
import { issueView, relationView } from '../presenters/issue.ts';
import {
  attachmentView,
  commentView,
  customerNeedView,
  customerView,
  tierView,
  webhookView,
} from '../presenters/records.ts';
import {
  labelView,
  organizationView,
  teamView,
  userView,
  workflowStateView,
} from '../presenters/workspace.ts';
import type { LinearState } from '../state.ts';

/** What `rateLimitStatus` reports: the emulator's own request budget for the current window. */
export interface RateLimitSnapshot {
  limit: number;
  remaining: number;
  resetAtMs: number;
  periodMs: number;
}

function byId<T>(map: ReadonlyMap<string, T>, id: string | null | undefined, entity: string): T {
  const found = id ? map.get(id) : undefined;
  if (found === undefined) throw notFound(entity);
  return found;
}

/** Root `Query` fields (graphql-js calls each with the field's arguments). */
export function queryRoot(state: LinearState, rateLimit: () => RateLimitSnapshot): Record<string, unknown> {
  const filters = () => filtersFor(state);
  return {
    viewer: () => userView(state),
    user: ({ id }: { id: string }) => {
      if (id !== state.viewer.id && id !== 'me') throw notFound('User');
      return userView(state);
    },
    organization: () => organizationView(state),
    teams: (args: ConnectionArgs) =>
      connection(
        [...state.teams.values()].filter((t) => !state.hiddenTeams.has(t.key.toUpperCase())),
        args,
        filters().team,
        (t) => teamView(state, t),
      ),
    team: ({ id }: { id: string }) => {
      const team = state.findTeam(id);
      if (!team || state.hiddenTeams.has(team.key.toUpperCase())) throw notFound('Team');
      return teamView(state, team);
    },
    workflowStates: (args: ConnectionArgs) =>
      connection(
        [...state.teams.keys()].flatMap((id) => state.teamStates(id)),
        args,
        filters().workflowState,
        (s) => workflowStateView(state, s) as View,
        true,
      ),
    workflowState: ({ id }: { id: string }) =>
      workflowStateView(state, byId(state.states, id, 'WorkflowState')),
    issue: ({ id }: { id: string }) => issueView(state, requireIssue(state, id)),
    issues: (args: ConnectionArgs) =>
      connection(
        [...state.issues.values()].filter((i) => state.visible(i)),
        args,
        filters().issue,
        (i) => issueView(state, i),
      ),
    issueRelation: ({ id }: { id: string }) =>
      relationView(state, byId(state.relations, id, 'IssueRelation')),
    issueLabel: ({ id }: { id: string }) => labelView(state, byId(state.labels, id, 'IssueLabel')),
    issueLabels: (args: ConnectionArgs) =>
      connection(state.labels.values(), args, filters().label, (l) => labelView(state, l)),
    attachment: ({ id }: { id: string }) => attachmentView(state, byId(state.attachments, id, 'Attachment')),
    attachments: (args: ConnectionArgs) =>
      connection(state.attachments.values(), args, filters().attachment, (a) => attachmentView(state, a)),
    attachmentsForURL: ({ url, ...args }: ConnectionArgs & { url: string }) =>
      connection(
        [...state.attachments.values()].filter((a) => a.url === url),
        args,
        undefined,
        (a) => attachmentView(state, a),
      ),
    comment: ({ id }: { id?: string | null }) => commentView(state, byId(state.comments, id, 'Comment')),
    customer: ({ id }: { id: string }) => {
      const customer =
        state.customers.get(id) ??
        [...state.customers.values()].find((c) => c.slugId === id || c.externalIds.includes(id));
      if (!customer) throw notFound('Customer');
      return customerView(state, customer);
    },
    customers: (args: ConnectionArgs) =>
      connection(state.customers.values(), args, filters().customer, (c) => customerView(state, c)),
    customerNeed: ({ id }: { id?: string | null }) =>
      customerNeedView(state, byId(state.needs, id, 'CustomerNeed')),
    customerNeeds: (args: ConnectionArgs) =>
      connection(state.needs.values(), args, filters().customerNeed, (n) => customerNeedView(state, n)),
    customerTier: ({ id }: { id: string }) => tierView(byId(state.tiers, id, 'CustomerTier')),
    customerTiers: (args: ConnectionArgs) =>
      connection(
        [...state.tiers.values()].sort((a, b) => a.position - b.position),
        args,
        undefined,
        tierView,
        true,
      ),
    webhook: ({ id }: { id: string }) => webhookView(state, byId(state.webhooks, id, 'Webhook')),
    webhooks: (args: ConnectionArgs) =>
      connection(state.webhooks.values(), args, undefined, (w) => webhookView(state, w)),
    rateLimitStatus: () => {
      const limit = rateLimit();
      return {
        identifier: 'api-key',
        kind: 'api',
        limits: [
          {
            type: 'requestLimit',
            allowedAmount: limit.limit,
            remainingAmount: limit.remaining,
            requestedAmount: 1,
            period: limit.periodMs,
            reset: limit.resetAtMs,
          },
        ],
      };
    },
  };
}
