import type { BacklogIssue } from '../../domain/tracker.ts';
import type { JiraContext } from './context.ts';
import { ISSUE_PROPERTY, jiraIssueState, STATE_FIELDS } from './map.ts';
import { jiraSpec } from './spec.ts';

/** Backlog import: the issues a configured JQL selects, with their summaries, page by page (`search/jql`). */
export async function* jiraBacklog(
  ctx: JiraContext,
  jql: string,
  pageSize: number = jiraSpec.pageSize.backlog,
): AsyncGenerator<BacklogIssue[]> {
  let nextPageToken: string | undefined;
  do {
    const token = nextPageToken;
    const page = await ctx.call((api) =>
      api.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql,
        fields: [...STATE_FIELDS, 'summary'],
        properties: [ISSUE_PROPERTY],
        maxResults: pageSize,
        ...(token ? { nextPageToken: token } : {}),
      }),
    );
    yield (page.issues ?? []).map((issue) => ({
      state: jiraIssueState(issue, ctx.site),
      title: String((issue.fields as { summary?: unknown } | undefined)?.summary ?? issue.key ?? ''),
    }));
    nextPageToken = page.nextPageToken ?? undefined;
  } while (nextPageToken);
}
