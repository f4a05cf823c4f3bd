import { savedShape } from '../shared/state-file.ts';
import type { IssueRecord, JiraState, LinkRecord, WebhookRecord } from './state.ts';

/**
 * The Jira site's data as JSON and back: issues (comments, entity properties, remote links included), issue
 * links, registered webhooks, and the id and key counters, so a restarted emulator never hands out SBX-1 again.
 * Which projects are hidden is test scaffolding, not site data, and is not kept.
 */

type SavedIssue = Omit<IssueRecord, 'properties'> & { properties: Record<string, unknown> };

export function saveJira(state: JiraState) {
  return {
    version: 1 as const,
    counters: { ...state.counters },
    issueNumbers: Object.fromEntries(state.issueNumbers),
    issues: [...state.issues.values()].map(
      (issue): SavedIssue => ({ ...issue, properties: Object.fromEntries(issue.properties) }),
    ),
    links: [...state.links.values()],
    webhooks: [...state.webhooks.values()],
  };
}

export function restoreJira(state: JiraState, data: unknown, file: string): void {
  const saved = savedShape(data, file, ['issues', 'links', 'webhooks']);
  const issues = saved.issues as SavedIssue[];
  state.issues.clear();
  for (const issue of issues) {
    state.issues.set(issue.id, { ...issue, properties: new Map(Object.entries(issue.properties ?? {})) });
  }
  state.links.clear();
  for (const link of saved.links as LinkRecord[]) state.links.set(link.id, link);
  state.webhooks.clear();
  for (const webhook of saved.webhooks as WebhookRecord[]) state.webhooks.set(webhook.id, webhook);
  const counters = (saved['counters'] ?? {}) as Partial<JiraState['counters']>;
  for (const name of Object.keys(state.counters) as Array<keyof JiraState['counters']>) {
    const value = counters[name];
    if (typeof value === 'number') state.counters[name] = Math.max(state.counters[name], value);
  }
  state.issueNumbers.clear();
  for (const [key, n] of Object.entries((saved['issueNumbers'] ?? {}) as Record<string, unknown>)) {
    if (typeof n === 'number') state.issueNumbers.set(key, n);
  }
}
