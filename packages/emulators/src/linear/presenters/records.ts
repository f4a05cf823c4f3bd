import type {
  AttachmentRecord,
  CommentRecord,
  CustomerNeedRecord,
  CustomerRecord,
  CustomerTierRecord,
  WebhookRecord,
} from '../model.ts';
import type { LinearState } from '../state.ts';
import type { View } from './common.ts';
import { issueView } from './issue.ts';
import { teamView, userView } from './workspace.ts';

/** Attachments, comments, customers, customer needs, tiers and webhooks as Linear's types. */

function issueRef(state: LinearState, id: string | null) {
  return () => {
    const issue = id ? state.issues.get(id) : undefined;
    return issue ? issueView(state, issue) : null;
  };
}

export function attachmentView(state: LinearState, a: AttachmentRecord): View {
  return {
    id: a.id,
    url: a.url,
    title: a.title,
    subtitle: a.subtitle,
    metadata: a.metadata,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    archivedAt: null,
    bodyData: null,
    groupBySource: false,
    source: { type: 'api', imageUrl: a.iconUrl },
    sourceType: 'api',
    issue: issueRef(state, a.issueId),
    originalIssue: null,
    creator: () => userView(state),
    externalUserCreator: null,
  };
}

export function commentView(state: LinearState, c: CommentRecord): View {
  const issue = state.issues.get(c.issueId);
  return {
    id: c.id,
    body: c.body,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archivedAt: null,
    editedAt: null,
    resolvedAt: null,
    quotedText: null,
    reactionData: {},
    reactions: [],
    syncedWith: [],
    url: issue ? `${state.issueUrl(issue)}-comment-${c.id.slice(0, 8)}` : `${state.baseUrl}/`,
    issueId: c.issueId,
    issue: issueRef(state, c.issueId),
    user: () => userView(state),
    parent: null,
    parentId: null,
    agentSession: null,
    botActor: null,
    documentContent: null,
    documentContentId: null,
    externalThread: null,
    externalUser: null,
    initiative: null,
    initiativeId: null,
    initiativeUpdate: null,
    initiativeUpdateId: null,
    project: null,
    projectId: null,
    projectUpdate: null,
    projectUpdateId: null,
    resolvingComment: null,
    resolvingCommentId: null,
    resolvingUser: null,
  };
}

export function tierView(tier: CustomerTierRecord): View {
  return { ...tier, archivedAt: null };
}

export function customerView(state: LinearState, c: CustomerRecord): View {
  const needs = [...state.needs.values()].filter((n) => n.customerId === c.id);
  const tier = c.tierId ? state.tiers.get(c.tierId) : undefined;
  return {
    id: c.id,
    name: c.name,
    slugId: c.slugId,
    domains: c.domains,
    externalIds: c.externalIds,
    revenue: c.revenue,
    size: c.size,
    logoUrl: c.logoUrl,
    slackChannelId: c.slackChannelId,
    mainSourceId: null,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    archivedAt: null,
    approximateNeedCount: needs.length,
    url: `${state.baseUrl}/#customer-${c.slugId}`,
    status: { id: state.customerStatusId },
    tier: tier ? tierView(tier) : null,
    owner: null,
    integration: null,
    needs: () => needs.map((n) => customerNeedView(state, n)),
  };
}

export function customerNeedView(state: LinearState, n: CustomerNeedRecord): View {
  const attachment = n.attachmentId ? state.attachments.get(n.attachmentId) : undefined;
  return {
    id: n.id,
    body: n.body,
    content: n.body,
    priority: n.priority,
    createdAt: n.createdAt,
    updatedAt: n.updatedAt,
    archivedAt: null,
    url: attachment?.url ?? null,
    issue: issueRef(state, n.issueId),
    originalIssue: null,
    customer: () => {
      const customer = n.customerId ? state.customers.get(n.customerId) : undefined;
      return customer ? customerView(state, customer) : null;
    },
    attachment: () => (attachment ? attachmentView(state, attachment) : null),
    comment: null,
    project: null,
    projectAttachment: null,
    creator: () => userView(state),
  };
}

/** The signing secret is readable, as Linear shows it to admins. */
export function webhookView(state: LinearState, w: WebhookRecord): View {
  return {
    id: w.id,
    url: w.url,
    label: w.label,
    enabled: w.enabled,
    allPublicTeams: w.allPublicTeams,
    resourceTypes: w.resourceTypes,
    secret: w.secret,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    archivedAt: null,
    creator: () => userView(state),
    team: () => {
      const team = w.teamId ? state.teams.get(w.teamId) : undefined;
      return team ? teamView(state, team) : null;
    },
  };
}
