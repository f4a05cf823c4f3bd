import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookDeliverer } from '../shared/webhook-deliverer.ts';
import { JqlError, matchesJql, parseJql } from './jql.ts';
import { LINK_TYPES, SANDBOX_USER } from './seed.ts';
import type { IssueRecord, JiraEvent, JiraState, WebhookRecord } from './state.ts';
import { apiBase, commentJson, issueFields, userJson } from './views.ts';

/**
 * Admin-registered webhooks (https://developer.atlassian.com/cloud/jira/platform/webhooks/): payloads in the v2
 * representation, signed `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` when the webhook has a
 * secret, one `X-Atlassian-Webhook-Identifier` per delivery that stays the same across retries.
 */

export const JIRA_WEBHOOK_EVENTS = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'issuelink_created',
  'issuelink_deleted',
  'comment_created',
] as const;

/** Jira retries on 408, 409, 425, 429, 5xx, and on connection failures and timeouts (the deliverer's catch). */
export function jiraShouldRetry(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export function signJiraWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function issueRef(state: JiraState, issue: IssueRecord, email: string) {
  return {
    id: issue.id,
    self: `${apiBase(state, 2)}/issue/${issue.id}`,
    key: issue.key,
    fields: issueFields(state, issue, email, 2),
  };
}

export function webhookPayload(state: JiraState, event: JiraEvent, email: string): Record<string, unknown> {
  const base = { timestamp: state.now(), webhookEvent: event.webhookEvent };
  switch (event.kind) {
    case 'issue':
      return {
        ...base,
        issue_event_type_name: event.eventTypeName,
        user: userJson(state, email, 2),
        issue: issueRef(state, event.issue, email),
        ...(event.changelog ? { changelog: event.changelog } : {}),
        ...(event.comment ? { comment: commentJson(state, event.issue, event.comment, email, 2) } : {}),
      };
    case 'comment':
      return {
        ...base,
        comment: commentJson(state, event.issue, event.comment, email, 2),
        issue: issueRef(state, event.issue, email),
      };
    case 'link': {
      const type = LINK_TYPES.find((t) => t.id === event.link.typeId);
      return {
        ...base,
        issueLink: {
          id: Number(event.link.id),
          sourceIssueId: Number(event.link.inwardIssueId),
          destinationIssueId: Number(event.link.outwardIssueId),
          issueLinkType: {
            id: Number(type?.id),
            name: type?.name,
            outwardName: type?.outward,
            inwardName: type?.inward,
            isSubTaskLinkType: false,
            isSystemLinkType: false,
          },
          systemLink: false,
        },
      };
    }
  }
}

/** The issues a webhook's JQL filter is checked against: the issue, or either end of a link. */
function subjects(state: JiraState, event: JiraEvent): IssueRecord[] {
  if (event.kind !== 'link') return [event.issue];
  return [event.link.inwardIssueId, event.link.outwardIssueId].flatMap((id) => state.issues.get(id) ?? []);
}

function wants(state: JiraState, webhook: WebhookRecord, event: JiraEvent): boolean {
  if (!webhook.enabled || !webhook.events.includes(event.webhookEvent)) return false;
  if (!webhook.jqlFilter?.trim()) return true;
  try {
    const query = parseJql(webhook.jqlFilter, state.now(), SANDBOX_USER.timeZone);
    return subjects(state, event).some((issue) => matchesJql(query.where, state.jqlView(issue)));
  } catch (err) {
    if (err instanceof JqlError) return false;
    throw err;
  }
}

/** Sends every state event to the webhooks that subscribe to it and whose filter matches. */
export function deliverJiraWebhooks(state: JiraState, deliverer: WebhookDeliverer, email: string): void {
  state.onEvent((event) => {
    const targets = [...state.webhooks.values()].filter((w) => wants(state, w, event));
    if (targets.length === 0) return;
    // Built now, once: retries and duplicates carry the same bytes, and later changes do not leak in.
    const json = JSON.stringify(webhookPayload(state, event, email));
    for (const webhook of targets) {
      const body = webhook.excludeBody ? '' : json;
      const deliveryId = randomUUID();
      deliverer.send({
        deliveryId,
        url: webhook.url,
        event: event.webhookEvent,
        build: (attempt) => ({
          body,
          headers: {
            'user-agent': 'Atlassian Webhook HTTP Client',
            'x-atlassian-webhook-identifier': deliveryId,
            'x-atlassian-webhook-flow': 'Primary',
            ...(attempt > 0 ? { 'x-atlassian-webhook-retry': String(attempt) } : {}),
            ...(webhook.secret ? { 'x-hub-signature': signJiraWebhook(webhook.secret, body) } : {}),
          },
        }),
      });
    }
  });
}

export function webhookJson(state: JiraState, webhook: WebhookRecord) {
  return {
    name: webhook.name,
    url: webhook.url,
    excludeBody: webhook.excludeBody,
    filters: { 'issue-related-events-section': webhook.jqlFilter ?? '' },
    events: webhook.events,
    enabled: webhook.enabled,
    self: `${state.baseUrl}/rest/webhooks/1.0/webhook/${webhook.id}`,
    lastUpdatedUser: userJson(state, '').accountId,
    lastUpdatedDisplayName: userJson(state, '').displayName,
    lastUpdated: webhook.lastUpdated,
  };
}
