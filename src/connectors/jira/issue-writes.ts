import { isDeepStrictEqual } from 'node:util';
import type { PushTarget, TrackerIssueState } from '../../domain/tracker.ts';
import { type AdfDoc, demandAdf, replaceDemandAdf } from '../../rules/demand.ts';
import { ConnectorError } from '../errors.ts';
import type { CreatedIssue, CreateIssueInput, IssueContent, TrackerIssueRef } from '../tracker.ts';
import type { JiraContext } from './context.ts';
import {
  ISSUE_PROPERTY,
  issueUrl,
  JiraShapeError,
  jiraIssueState,
  jiraSummary,
  jqlString,
  legacyMarkLabel,
  markedKey,
  STATE_FIELDS,
} from './map.ts';
import { jiraSpec } from './spec.ts';

/** The Jira tracker's context plus what its writes name: the link back's label. */
export interface JiraWriteContext extends JiraContext {
  /** Names the link back in Jira: the remote link's application and the start of its title. */
  label: string;
}

/** A title as the summary a create writes it (a retitle compares the issue's summary with it). */
const summaryOf = (title: string): string => jiraSummary(title);

export const remoteLinkGlobalId = (featureId: string): string => `suggested-sync:feature:${featureId}`;

export function issueRef(ctx: JiraContext, issueId: string, issueKey: string): TrackerIssueRef {
  return { kind: 'jira', site: ctx.site.site, issueId, issueKey, url: issueUrl(ctx.site.host, issueKey) };
}

/** The target as a Jira one on this site; any other is a configuration error. */
export function jiraTarget(ctx: JiraContext, target: PushTarget) {
  if (target.kind !== 'jira' || target.site !== ctx.site.site) {
    throw new ConnectorError('config', 'jira', `target is not on Jira site ${ctx.site.site}`);
  }
  return target;
}

/**
 * Upsert by globalId: "if a remote issue link with that global ID is found it is updated"
 * (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-remote-links/).
 */
function remoteLink(
  ctx: JiraWriteContext,
  issueId: string,
  featureId: string,
  featureUrl: string,
  title: string,
) {
  return ctx.call((api) =>
    api.issueRemoteLinks.createOrUpdateRemoteIssueLink({
      issueIdOrKey: issueId,
      globalId: remoteLinkGlobalId(featureId),
      application: { type: 'suggested-sync', name: ctx.label },
      relationship: 'customer demand',
      object: { url: featureUrl, title: jiraSummary(`${ctx.label}: ${title}`) },
    }),
  );
}

/**
 * Minutes added to the age of the create attempt when searching for it: our clock, the database's (which stamped the
 * attempt) and Jira's (which stamps `created`) may differ, and the create takes a moment after the stamp.
 */
const FIND_MARGIN_MINUTES = 10;

/**
 * The issue an unrecorded create made, found by its entity property. JQL cannot search a property no app declared
 * for indexing, so this searches the target project's issues created since the attempt (a relative date, which
 * involves no time zone), asks for the property with each, and takes the oldest whose property holds this key.
 * Without an attempt time nothing can have been created.
 */
export async function findCreated(
  ctx: JiraContext,
  {
    target,
    idempotencyKey,
    attemptedAt,
  }: { target: PushTarget; idempotencyKey: string; attemptedAt?: Date | undefined },
): Promise<TrackerIssueRef | undefined> {
  const { project } = jiraTarget(ctx, target);
  if (!attemptedAt) return undefined;
  const age = Math.max(0, Math.ceil((ctx.now() - attemptedAt.getTime()) / 60_000));
  // Search is eventually consistent (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/):
  // an issue created a moment ago may not be found yet. "Not found" right after a crash is no proof of absence;
  // the push job waits a grace period after an unrecorded create attempt before creating again.
  const jql = `project = ${jqlString(project)} AND created >= -${age + FIND_MARGIN_MINUTES}m ORDER BY created ASC, key ASC`;
  let nextPageToken: string | undefined;
  do {
    const token = nextPageToken;
    const page = await ctx.call((api) =>
      api.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql,
        fields: ['created'],
        properties: [ISSUE_PROPERTY],
        maxResults: jiraSpec.pageSize.search,
        ...(token ? { nextPageToken: token } : {}),
      }),
    );
    // Only the property counts: a clone of our issue, or an issue a person labelled, does not carry it.
    const issue = (page.issues ?? []).find((i) => markedKey(i.properties) === idempotencyKey);
    if (issue?.id && issue.key) return issueRef(ctx, issue.id, issue.key);
    nextPageToken = page.nextPageToken ?? undefined;
  } while (nextPageToken);
  return undefined;
}

/**
 * Two calls: the create, whose body carries the link's mark (the entity property, `properties` in the create body:
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post), then the
 * remote link back (it needs the issue). The create answers only `{ id, key, self }`, so no state comes back: the
 * issue's status is whatever its workflow and automation made it, which only a read can tell.
 */
export async function createIssue(ctx: JiraWriteContext, input: CreateIssueInput): Promise<CreatedIssue> {
  const { project, issueType } = jiraTarget(ctx, input.target);
  // The team's configured labels only: the link's mark is the entity property, which people do not see.
  const labels = [...new Set(input.labels)];
  const created = await ctx.call((api) =>
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
  const made = issueRef(ctx, created.id, created.key);
  await remoteLink(ctx, made.issueId, input.featureId, input.demand.featureUrl, input.title);
  return { ref: made, carriedRequestIds: [] };
}

export async function ensureLinkBack(
  ctx: JiraWriteContext,
  issue: TrackerIssueRef,
  link: { featureId: string; featureUrl: string; title: string; idempotencyKey: string },
): Promise<void> {
  // The mark an issue we did not create lacks: the same property a create sets (a PUT replaces it).
  await ctx.call((api) =>
    api.issueProperties.setIssueProperty({
      issueIdOrKey: issue.issueId,
      propertyKey: ISSUE_PROPERTY,
      body: { featureId: link.featureId, idempotencyKey: link.idempotencyKey },
    }),
  );
  await remoteLink(ctx, issue.issueId, link.featureId, link.featureUrl, link.title);
}

export async function retitleIssue(
  ctx: JiraWriteContext,
  issue: TrackerIssueRef,
  { featureId, featureUrl, from, to }: { featureId: string; featureUrl: string; from: string; to: string },
): Promise<boolean> {
  const current = await ctx.call((api) =>
    api.issues.getIssue({ issueIdOrKey: issue.issueId, fields: ['summary'] }),
  );
  const ours = current.fields?.['summary'] === summaryOf(from) && summaryOf(to) !== summaryOf(from);
  if (ours) {
    await ctx.call((api) =>
      api.issues.editIssue({ issueIdOrKey: issue.issueId, fields: { summary: summaryOf(to) } }),
    );
  }
  await remoteLink(ctx, issue.issueId, featureId, featureUrl, to);
  return ours;
}

/**
 * Rewrites the demand section, custom fields and labels when they changed (one read, at most one PUT); the read
 * also shows the issue's state, which is returned. An issue created before the mark became the entity property
 * alone loses its old mark label here: only the label of the key its property names (this link's), never another.
 */
export async function updateIssue(
  ctx: JiraContext,
  issue: TrackerIssueRef,
  content: IssueContent,
): Promise<TrackerIssueState | undefined> {
  const custom = content.customFields ?? {};
  const current = await ctx.call((api) =>
    api.issues.getIssue({
      issueIdOrKey: issue.issueId,
      fields: [...new Set(['description', 'labels', ...STATE_FIELDS, ...Object.keys(custom)])],
      properties: [ISSUE_PROPERTY],
    }),
  );
  const state = stateOrUndefined(current, ctx);
  const fields: Record<string, unknown> = current.fields ?? {};
  const existing = isAdfDoc(fields['description']) ? fields['description'] : null;
  const description = replaceDemandAdf(existing, demandAdf(content.demand));
  const have = new Set(Array.isArray(fields['labels']) ? fields['labels'] : []);
  const key = markedKey(current.properties);
  const oldMark = key === undefined ? undefined : legacyMarkLabel(key);
  const labels = [
    ...content.labels.filter((l) => !have.has(l)).map((add) => ({ add })),
    ...(oldMark !== undefined && have.has(oldMark) && !content.labels.includes(oldMark)
      ? [{ remove: oldMark }]
      : []),
  ];
  const change: Record<string, unknown> = {};
  // Deep equality ignores key order, which Jira need not keep when it stores ADF.
  if (!isDeepStrictEqual(description, existing)) change['description'] = description;
  for (const [id, value] of Object.entries(custom)) if (fields[id] !== value) change[id] = value;
  // No change, no call: the coalescing push relies on it (and every PUT fires a jira:issue_updated).
  if (Object.keys(change).length === 0 && labels.length === 0) return state;
  await ctx.call((api) =>
    api.issues.editIssue({
      issueIdOrKey: issue.issueId,
      fields: change,
      ...(labels.length > 0 ? { update: { labels } } : {}),
    }),
  );
  return state;
}

/**
 * The state an issue read shows; undefined when the read lacks its status or update time (`JiraShapeError`): the
 * write goes ahead all the same, and the state is left to the next read (the push reads a new link's issue again,
 * where a failure is logged; webhooks and reconcile bring the rest). Any other error is a bug and is thrown.
 */
function stateOrUndefined(issue: unknown, ctx: JiraContext): TrackerIssueState | undefined {
  try {
    return jiraIssueState(issue, ctx.site);
  } catch (error) {
    if (error instanceof JiraShapeError) return undefined;
    throw error;
  }
}

function isAdfDoc(value: unknown): value is AdfDoc {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { type?: unknown }).type === 'doc' &&
    Array.isArray((value as { content?: unknown }).content)
  );
}
