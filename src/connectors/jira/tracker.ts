import type { SchemaMismatchBehavior } from 'jira.js';
import { markVerdict } from '../../domain/tracker.ts';
import { ConnectorError } from '../errors.ts';
import type { Tracker } from '../tracker.ts';
import { jiraBacklog } from './backlog.ts';
import { jiraChangedSince } from './changes.ts';
import { checkJiraSite, existingStatusNames, probe } from './check.ts';
import { createJiraClient } from './client.ts';
import { createJiraContext } from './context.ts';
import { closeAsDuplicate, reopenDuplicate } from './duplicates.ts';
import {
  createIssue,
  ensureLinkBack,
  findCreated,
  type JiraWriteContext,
  jiraTarget,
  retitleIssue,
  updateIssue,
} from './issue-writes.ts';
import { ISSUE_PROPERTY, jqlString, legacyMarkLabel, normalizeHost, parseIssueReference } from './map.ts';
import { parseJiraWebhook, verifyJiraWebhook } from './webhook.ts';
import { registerJiraWebhook } from './webhook-registration.ts';

export interface JiraTrackerOptions {
  /** Our name for the site (`default`, or the YAML `trackers.jira[].site`). */
  site: string;
  host: string;
  email: string;
  apiToken: string;
  onSchemaMismatch?: SchemaMismatchBehavior | undefined;
  /** Names the link back in Jira: the remote link's application and the start of its title. Default `Suggested`. */
  featureUrlLabel?: string | undefined;
  /** Status names the status map names (overrides): `check` reports those the site does not have. */
  statusNames?: readonly string[] | undefined;
  /** Issues per reconcile search page (default 100; Jira may send fewer). */
  searchPageSize?: number | undefined;
  now?: (() => number) | undefined;
}

/** The Jira tracker, plus what only Jira has. */
export interface JiraTracker extends Tracker {
  readonly kind: 'jira';
  /** Which of `names` are statuses on the site (for `unknownStatusNames` in rules/status-map.ts). */
  existingStatusNames(names: readonly string[]): Promise<string[]>;
}

export { remoteLinkGlobalId } from './issue-writes.ts';
export { ISSUE_PROPERTY };

export function createJiraTracker(options: JiraTrackerOptions): JiraTracker {
  const host = normalizeHost(options.host);
  const site = { site: options.site, host };
  const client = createJiraClient({ ...options, host });
  const ctx: JiraWriteContext = {
    ...createJiraContext(client, site, options.now ?? Date.now),
    label: options.featureUrlLabel ?? 'Suggested',
  };
  return {
    kind: 'jira',
    site: site.site,
    check: (targets) => checkJiraSite(ctx, targets, options.statusNames ?? []),
    existingStatusNames: (names) => existingStatusNames(ctx, names),
    findCreated: (input) => findCreated(ctx, input),
    createIssue: (input) => createIssue(ctx, input),
    ensureLinkBack: (issue, link) => ensureLinkBack(ctx, issue, link),
    carriesMark: (issue, idempotencyKey) => markVerdict(issue.marks, legacyMarkLabel(idempotencyKey)),
    retitleIssue: (issue, change) => retitleIssue(ctx, issue, change),
    updateIssue: (issue, content) => updateIssue(ctx, issue, content),
    closeAsDuplicate: (issue, target) => closeAsDuplicate(ctx, issue, target),
    reopenDuplicate: (issue, undo) => reopenDuplicate(ctx, issue, undo),
    async getIssue(idKeyOrUrl) {
      const idOrKey = parseIssueReference(idKeyOrUrl, host);
      if (!idOrKey) {
        throw new ConnectorError(
          'invalid_input',
          'jira',
          `not an issue key, id or ${host}/browse/ URL: ${idKeyOrUrl}`,
        );
      }
      return ctx.getState(idOrKey);
    },
    async targetVisible(target) {
      // JQL answers 400 for a project it does not know or may not show (see check.ts).
      const seen = await probe(ctx, `project = ${jqlString(jiraTarget(ctx, target).project)}`);
      if (seen.ok) return true;
      if (seen.failure.kind === 'invalid_input') return false;
      throw seen.failure;
    },
    changedSince: (cursor, issueIds) => jiraChangedSince(ctx, cursor, issueIds, options.searchPageSize),
    listBacklog(selection) {
      if (selection.kind !== 'jira')
        throw new ConnectorError('config', 'jira', 'not a Jira backlog selection');
      return jiraBacklog(ctx, selection.jql, options.searchPageSize);
    },
    registerWebhook: (url, secret) => registerJiraWebhook(ctx, url, secret),
    verifyWebhook: (headers, rawBody, secret) => verifyJiraWebhook(headers, rawBody, secret),
    parseWebhook: (rawBody) => parseJiraWebhook(rawBody, site),
  };
}
