import type { PushTarget } from '../../domain/tracker.ts';
import type { ConnectorError } from '../errors.ts';
import type { TrackerCheck } from '../tracker.ts';
import type { JiraContext } from './context.ts';
import { classifyJiraError } from './errors.ts';
import { jqlString } from './map.ts';

/**
 * `doctor` for one Jira site. Projects, issue types and status names are checked by asking `search/jql` about
 * them: Jira validates every value in a query and answers 400 "The value 'X' does not exist for the field 'project'"
 * for an unknown (or invisible) one, the same on every Cloud site and on the emulator. Issue types and statuses are
 * site-wide objects to JQL, so "Task exists" means on the site; a project that does not offer it fails at create
 * with a 400 naming `issuetype`, which the push records on the feature.
 * https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get
 */

type Probe = { ok: true } | { ok: false; failure: ConnectorError; detail: string };

/** Whether Jira accepts the query: a 400 means a value in it does not exist; anything else, that we could not tell. */
export async function probe(ctx: JiraContext, jql: string): Promise<Probe> {
  try {
    await ctx.call((api) => api.issueSearch.searchAndReconsileIssuesUsingJqlPost({ jql, maxResults: 1 }));
    return { ok: true };
  } catch (err) {
    const failure = classifyJiraError(err);
    const detail =
      failure.kind === 'invalid_input'
        ? failure.message
        : `could not check (${failure.kind}): ${failure.message}`;
    return { ok: false, failure, detail };
  }
}

/** The subset of `names` that are statuses on the site: one query when all exist, else one per name. */
export async function existingStatusNames(ctx: JiraContext, names: readonly string[]): Promise<string[]> {
  const unique = [...new Set(names.map((n) => n.trim()).filter((n) => n !== ''))];
  if (unique.length === 0) return [];
  const all = await probe(ctx, `status in (${unique.map(jqlString).join(', ')})`);
  if (all.ok) return unique;
  if (all.failure.kind !== 'invalid_input') throw all.failure;
  const known: string[] = [];
  for (const name of unique) {
    const one = await probe(ctx, `status = ${jqlString(name)}`);
    if (one.ok) known.push(name);
    else if (one.failure.kind !== 'invalid_input') throw one.failure;
  }
  return known;
}

export async function checkJiraSite(
  ctx: JiraContext,
  targets: readonly PushTarget[],
  statusNames: readonly string[],
): Promise<TrackerCheck[]> {
  const prefix = `jira ${ctx.site.site}`;
  const checks: TrackerCheck[] = [];
  try {
    const me = await ctx.call((api) => api.myself.getCurrentUser());
    checks.push({
      name: `${prefix}: credentials`,
      ok: true,
      detail: `signed in to ${ctx.site.host} as ${me.displayName ?? me.accountId ?? 'unknown'} (time zone ${me.timeZone ?? 'unknown'})`,
    });
  } catch (err) {
    checks.push({ name: `${prefix}: credentials`, ok: false, detail: classifyJiraError(err).message });
    return checks;
  }

  const issueTypes = new Map<string, Set<string>>();
  for (const t of targets) {
    if (t.kind !== 'jira' || t.site !== ctx.site.site) continue;
    issueTypes.set(t.project, (issueTypes.get(t.project) ?? new Set()).add(t.issueType));
  }
  for (const [project, types] of issueTypes) {
    const found = await probe(ctx, `project = ${jqlString(project)}`);
    checks.push({
      name: `${prefix}: project ${project}`,
      ok: found.ok,
      detail: found.ok ? 'exists and is visible to the API user' : found.detail,
    });
    if (!found.ok) continue;
    for (const type of types) {
      const typed = await probe(ctx, `project = ${jqlString(project)} AND issuetype = ${jqlString(type)}`);
      checks.push({
        name: `${prefix}: issue type ${type} (${project})`,
        ok: typed.ok,
        detail: typed.ok ? 'exists' : typed.detail,
      });
    }
  }

  if (statusNames.length > 0) {
    try {
      const known = new Set(await existingStatusNames(ctx, statusNames));
      const missing = statusNames.filter((n) => n.trim() !== '' && !known.has(n.trim()));
      checks.push({
        name: `${prefix}: mapped status names`,
        ok: missing.length === 0,
        detail:
          missing.length === 0
            ? `all exist: ${[...known].join(', ')}`
            : `not on the site: ${missing.join(', ')}`,
      });
    } catch (err) {
      checks.push({
        name: `${prefix}: mapped status names`,
        ok: false,
        detail: classifyJiraError(err).message,
      });
    }
  }
  return checks;
}
