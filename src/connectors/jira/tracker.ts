import { isDeepStrictEqual } from 'node:util';
import type { SchemaMismatchBehavior } from 'jira.js';
import { markVerdict, type PushTarget } from '../../domain/tracker.ts';
import { type AdfDoc, demandAdf, replaceDemandAdf } from '../../rules/demand.ts';
import { ConnectorError } from '../errors.ts';
import type { CreateIssueInput, IssueContent, Tracker, TrackerIssueRef } from '../tracker.ts';
import { jiraBacklog } from './backlog.ts';
import { jiraChangedSince } from './changes.ts';
import { checkJiraSite, existingStatusNames, probe } from './check.ts';
import { createJiraClient } from './client.ts';
import { createJiraContext } from './context.ts';
import {
  ISSUE_PROPERTY,
  idempotencyLabel,
  issueUrl,
  jiraSummary,
  jqlString,
  normalizeHost,
  parseIssueReference,
} from './map.ts';
import { jiraSpec } from './spec.ts';
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

export { ISSUE_PROPERTY };

/** A title as the summary a create writes it (a retitle compares the issue's summary with it). */
const summaryOf = (title: string): string => jiraSummary(title);

export const remoteLinkGlobalId = (featureId: string): string => `suggested-sync:feature:${featureId}`;

export function createJiraTracker(options: JiraTrackerOptions): JiraTracker {
  const host = normalizeHost(options.host);
  const site = { site: options.site, host };
  const client = createJiraClient({ ...options, host });
  const ctx = createJiraContext(client, site, options.now ?? Date.now);
  const { call } = ctx;
  const label = options.featureUrlLabel ?? 'Suggested';
  const ref = (issueId: string, issueKey: string): TrackerIssueRef => ({
    kind: 'jira',
    site: site.site,
    issueId,
    issueKey,
    url: issueUrl(host, issueKey),
  });
  const jiraTarget = (target: PushTarget) => {
    if (target.kind !== 'jira' || target.site !== site.site) {
      throw new ConnectorError('config', 'jira', `target is not on Jira site ${site.site}`);
    }
    return target;
  };

  // Upsert by globalId: "if a remote issue link with that global ID is found it is updated"
  // (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/).
  const remoteLink = (issueId: string, featureId: string, featureUrl: string, title: string) =>
    call((api) =>
      api.issueRemoteLinks.createOrUpdateRemoteIssueLink({
        issueIdOrKey: issueId,
        globalId: remoteLinkGlobalId(featureId),
        application: { type: 'suggested-sync', name: label },
        relationship: 'customer demand',
        object: { url: featureUrl, title: jiraSummary(`${label}: ${title}`) },
      }),
    );

  const tracker: JiraTracker = {
    kind: 'jira',
    site: site.site,

    check: (targets) => checkJiraSite(ctx, targets, options.statusNames ?? []),
    existingStatusNames: (names) => existingStatusNames(ctx, names),

    async findCreated({ target, idempotencyKey }) {
      const { project } = jiraTarget(target);
      // Search is eventually consistent (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/):
      // an issue created a moment ago may not be found yet. "Not found" right after a crash is no proof of absence;
      // the push job waits a grace period after an unrecorded create attempt before creating again.
      // Oldest first, and the property preferred: a clone of our issue copies its labels, not its properties.
      const page = await call((api) =>
        api.issueSearch.searchAndReconsileIssuesUsingJqlPost({
          jql: `project = ${jqlString(project)} AND labels = ${jqlString(idempotencyLabel(idempotencyKey))} ORDER BY created ASC`,
          fields: ['created'],
          properties: [ISSUE_PROPERTY],
          maxResults: jiraSpec.pageSize.search,
        }),
      );
      const found = page.issues ?? [];
      const ours = (issue: (typeof found)[number]) =>
        (issue.properties?.[ISSUE_PROPERTY] as { idempotencyKey?: unknown } | undefined)?.idempotencyKey ===
        idempotencyKey;
      const issue = found.find(ours) ?? found[0];
      return issue?.id && issue.key ? ref(issue.id, issue.key) : undefined;
    },

    async createIssue(input: CreateIssueInput) {
      const { project, issueType } = jiraTarget(input.target);
      const labels = [...new Set([...input.labels, idempotencyLabel(input.idempotencyKey)])];
      const created = await call((api) =>
        api.issues.createIssue({
          fields: {
            project: { key: project },
            issuetype: { name: issueType },
            summary: summaryOf(input.title),
            // Always ADF: a string description would make jira.js post to REST v2 (wiki markup).
            description: replaceDemandAdf(null, demandAdf(input.demand)),
            labels,
            ...input.customFields,
          },
          properties: [
            {
              key: ISSUE_PROPERTY,
              value: { featureId: input.featureId, idempotencyKey: input.idempotencyKey },
            },
          ],
        }),
      );
      const made = ref(created.id, created.key);
      await remoteLink(made.issueId, input.featureId, input.demand.featureUrl, input.title);
      return made;
    },

    async ensureLinkBack(issue, { featureId, featureUrl, title, idempotencyKey }) {
      // The mark an issue we did not create lacks: the same property a create sets (a PUT replaces it).
      await call((api) =>
        api.issueProperties.setIssueProperty({
          issueIdOrKey: issue.issueId,
          propertyKey: ISSUE_PROPERTY,
          body: { featureId, idempotencyKey },
        }),
      );
      await remoteLink(issue.issueId, featureId, featureUrl, title);
    },

    carriesMark: (issue, idempotencyKey) => markVerdict(issue.marks, idempotencyLabel(idempotencyKey)),

    async retitleIssue(issue, { featureId, featureUrl, from, to }) {
      const current = await call((api) =>
        api.issues.getIssue({ issueIdOrKey: issue.issueId, fields: ['summary'] }),
      );
      const ours = current.fields?.['summary'] === summaryOf(from) && summaryOf(to) !== summaryOf(from);
      if (ours) {
        await call((api) =>
          api.issues.editIssue({ issueIdOrKey: issue.issueId, fields: { summary: summaryOf(to) } }),
        );
      }
      await remoteLink(issue.issueId, featureId, featureUrl, to);
      return ours;
    },

    async updateIssue(issue, content: IssueContent) {
      const custom = content.customFields ?? {};
      const current = await call((api) =>
        api.issues.getIssue({
          issueIdOrKey: issue.issueId,
          fields: ['description', 'labels', ...Object.keys(custom)],
        }),
      );
      const fields: Record<string, unknown> = current.fields ?? {};
      const existing = isAdfDoc(fields['description']) ? fields['description'] : null;
      const description = replaceDemandAdf(existing, demandAdf(content.demand));
      const have = new Set(Array.isArray(fields['labels']) ? fields['labels'] : []);
      const addLabels = content.labels.filter((l) => !have.has(l));
      const change: Record<string, unknown> = {};
      // Deep equality ignores key order, which Jira need not keep when it stores ADF.
      if (!isDeepStrictEqual(description, existing)) change['description'] = description;
      for (const [id, value] of Object.entries(custom)) if (fields[id] !== value) change[id] = value;
      // No change, no call: the coalescing push relies on it (and every PUT fires a jira:issue_updated).
      if (Object.keys(change).length === 0 && addLabels.length === 0) return;
      await call((api) =>
        api.issues.editIssue({
          issueIdOrKey: issue.issueId,
          fields: change,
          ...(addLabels.length > 0 ? { update: { labels: addLabels.map((add) => ({ add })) } } : {}),
        }),
      );
    },

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
      const seen = await probe(ctx, `project = ${jqlString(jiraTarget(target).project)}`);
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
  return tracker;
}

function isAdfDoc(value: unknown): value is AdfDoc {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'doc' &&
    Array.isArray((value as { content?: unknown }).content)
  );
}
