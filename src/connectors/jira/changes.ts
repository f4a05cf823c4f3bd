import type { TrackerIssueState } from '../../domain/tracker.ts';
import { ConnectorError } from '../errors.ts';
import type { ChangedPage } from '../tracker.ts';
import type { JiraContext } from './context.ts';
import { classifyJiraError } from './errors.ts';
import { ISSUE_ID, ISSUE_KEY, ISSUE_PROPERTY, jiraIssueState, jqlDateLiteral, STATE_FIELDS } from './map.ts';
import { jiraSpec } from './spec.ts';

/**
 * Reconcile's read: the linked issues Jira changed since a cursor, through `search/jql` (the only search left, see
 * https://developer.atlassian.com/changelog/#CHANGE-2046).
 *
 * The cursor is an ISO instant: the time the previous run started. Each run looks back `LAG_MS` before it, because
 * Jira's search index trails writes (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/)
 * and our clock is not Jira's. Every page but the last hands back the cursor it started from (the ids are searched
 * in chunks, each in `updated` order, so there is no safe point inside the run); the last page, empty when nothing
 * changed, hands back this run's start.
 *
 * Deleted issues never come back from a search. Finding them is the caller's job: `getIssue` each linked issue
 * that was not seen for a while (it answers undefined for a deleted one), or act on `jira:issue_deleted`.
 */

const LAG_MS = 2 * 60_000;
/** Ids per `key in (…)` clause: JQL has no documented cap, but long queries fail and cost more to run. */
const CHUNK_SIZE = jiraSpec.pageSize.changedKeysPerQuery;

export async function* jiraChangedSince(
  ctx: JiraContext,
  cursor: string | undefined,
  issueIds: readonly string[],
  pageSize: number = jiraSpec.pageSize.changes,
): AsyncGenerator<ChangedPage> {
  const runStart = new Date(ctx.now()).toISOString();
  const since = cursor === undefined ? undefined : Date.parse(cursor);
  if (since !== undefined && Number.isNaN(since)) {
    throw new ConnectorError('invalid_input', 'jira', `reconcile cursor is not an ISO instant: '${cursor}'`);
  }
  const from = since === undefined ? undefined : since - LAG_MS;
  const resume = cursor ?? new Date(0).toISOString();
  // Only ids and keys reach the JQL: anything else cannot name a Jira issue (and must not become query text).
  const wanted = [...new Set(issueIds.map((id) => id.trim().toUpperCase()))].filter(
    (id) => ISSUE_ID.test(id) || ISSUE_KEY.test(id),
  );
  let held: TrackerIssueState[] | undefined;
  for (let i = 0; i < wanted.length; i += CHUNK_SIZE) {
    for await (const issues of chunkChanges(ctx, wanted.slice(i, i + CHUNK_SIZE), from, pageSize)) {
      if (held) yield { issues: held, cursor: resume };
      held = issues;
    }
  }
  yield { issues: held ?? [], cursor: runStart };
}

/** `key in (…)` for keys, `id in (…)` for ids (the emulator, like JQL's `key`, wants keys there). */
function idClause(ids: readonly string[]): string {
  const keys = ids.filter((id) => ISSUE_KEY.test(id));
  const numeric = ids.filter((id) => ISSUE_ID.test(id));
  const clauses = [
    ...(keys.length > 0 ? [`key in (${keys.join(', ')})`] : []),
    ...(numeric.length > 0 ? [`id in (${numeric.join(', ')})`] : []),
  ];
  return clauses.length > 1 ? `(${clauses.join(' OR ')})` : (clauses[0] ?? '');
}

async function* chunkChanges(
  ctx: JiraContext,
  ids: readonly string[],
  from: number | undefined,
  pageSize: number,
): AsyncGenerator<TrackerIssueState[]> {
  const since = from === undefined ? '' : ` AND updated >= ${jqlDateLiteral(from, await ctx.timeZone())}`;
  const jql = `${idClause(ids)}${since} ORDER BY updated ASC`;
  let nextPageToken: string | undefined;
  try {
    do {
      const token = nextPageToken;
      const page = await ctx.call((api) =>
        api.issueSearch.searchAndReconsileIssuesUsingJqlPost({
          jql,
          fields: [...STATE_FIELDS],
          // Read with the issue, so the marks each event is checked against cost no extra call.
          properties: [ISSUE_PROPERTY],
          maxResults: pageSize,
          ...(token ? { nextPageToken: token } : {}),
        }),
      );
      yield (page.issues ?? []).map((issue) => jiraIssueState(issue, ctx.site));
      // Absent on the last page.
      nextPageToken = page.nextPageToken ?? undefined;
    } while (nextPageToken);
  } catch (err) {
    // A key that no longer exists (deleted, moved) fails the whole query with 400 "An issue with key 'X' does not
    // exist for field 'key'": read this chunk one issue at a time instead (a re-read issue is applied idempotently).
    const failure = classifyJiraError(err);
    if (failure.kind !== 'invalid_input') throw failure;
    yield await oneByOne(ctx, ids, from);
  }
}

async function oneByOne(
  ctx: JiraContext,
  ids: readonly string[],
  from: number | undefined,
): Promise<TrackerIssueState[]> {
  const states: TrackerIssueState[] = [];
  for (const id of ids) {
    const state = await ctx.getState(id);
    if (state && (from === undefined || Date.parse(state.updatedAt) >= from)) states.push(state);
  }
  return states.sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
}
