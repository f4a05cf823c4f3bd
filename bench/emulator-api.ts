/**
 * What the tracker-sync benchmark asks of the sandbox emulators: their call logs (the `/_emulator/calls` control
 * endpoint, src/sandbox/shared/control.ts) and the moves a product owner makes through their public APIs.
 */

const TIMEOUT_MS = 10_000;

/** One entry of an emulator's call log (src/sandbox/shared/call-log.ts), the fields the bench reads. */
interface EmulatorCall {
  at: string;
  operation: string;
  status: number;
  fault?: string;
}

export async function emulatorCalls(baseUrl: string): Promise<EmulatorCall[]> {
  const res = await fetch(`${baseUrl}/_emulator/calls`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  if (!res.ok) throw new Error(`GET ${baseUrl}/_emulator/calls answered ${res.status}`);
  return ((await res.json()) as { calls: EmulatorCall[] }).calls;
}

/** Calls answered from `since` on, and whether the log (capped, oldest dropped first) may have lost some. */
export function callsSince(calls: readonly EmulatorCall[], since: string, logCapacity = 10_000) {
  const recent = calls.filter((c) => c.at >= since);
  const oldest = calls[0]?.at;
  return { calls: recent, incomplete: calls.length >= logCapacity && oldest !== undefined && oldest > since };
}

export function byOperation(calls: readonly EmulatorCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([, a], [, b]) => b - a));
}

/**
 * The service's issue creates and updates as each emulator logs them (for Linear, the operation names in the
 * service's GraphQL documents): what tells a push that makes an issue from one that rewrites it.
 */
export const ISSUE_WRITES = {
  linear: { create: 'createIssue', update: 'updateIssue' },
  jira: { create: 'POST /rest/api/3/issue', update: 'PUT /rest/api/3/issue/{issueIdOrKey}' },
} as const;

/** How many calls of `operation`, and when the first and last came, in seconds after `startMs`. */
export interface CallSpan {
  count: number;
  firstSeconds: number | null;
  lastSeconds: number | null;
}

export function callSpan(calls: readonly EmulatorCall[], operation: string, startMs: number): CallSpan {
  const times = calls
    .filter((c) => c.operation === operation)
    .map((c) => (Date.parse(c.at) - startMs) / 1000);
  return {
    count: times.length,
    firstSeconds: times.length > 0 ? Math.min(...times) : null,
    lastSeconds: times.length > 0 ? Math.max(...times) : null,
  };
}

export interface LinearAccess {
  /** The emulator's base URL; GraphQL is at `/graphql`. */
  url: string;
  apiKey: string;
}

async function linearGraphql<T>(
  linear: LinearAccess,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const res = await fetch(`${linear.url}/graphql`, {
    method: 'POST',
    // Linear takes a personal API key raw, without "Bearer".
    headers: { authorization: linear.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (!res.ok || body.errors?.length || !body.data) {
    const problem = body.errors?.map((e) => e.message).join('; ') ?? 'no data';
    throw new Error(`Linear emulator answered ${res.status}: ${problem}`);
  }
  return body.data;
}

/** The id of the first workflow state of type `started` (In Progress) of the team keyed `teamKey`. */
export async function linearStartedStateId(linear: LinearAccess, teamKey: string): Promise<string> {
  const data = await linearGraphql<{
    teams: { nodes: { key: string; states: { nodes: { id: string; name: string; type: string }[] } }[] };
  }>(linear, 'query BenchTeamStates { teams { nodes { key states { nodes { id name type } } } } }');
  const team = data.teams.nodes.find((t) => t.key === teamKey);
  const started = team?.states.nodes.find((s) => s.type === 'started');
  if (!started) throw new Error(`Linear emulator: team ${teamKey} has no state of type "started"`);
  return started.id;
}

/** The bench's own operation names, so its calls can be told from the service's in the call log. */
export const BENCH_LINEAR_OPERATIONS = ['BenchTeamStates', 'BenchMoveIssue'];

/** Moves a Linear issue (UUID or identifier such as SBX-12, as Linear accepts both) to `stateId`. */
export async function linearMoveIssue(linear: LinearAccess, issue: string, stateId: string): Promise<void> {
  const data = await linearGraphql<{ issueUpdate: { success: boolean } }>(
    linear,
    'mutation BenchMoveIssue($id: String!, $stateId: String!) { issueUpdate(id: $id, input: { stateId: $stateId }) { success } }',
    { id: issue, stateId },
  );
  if (!data.issueUpdate.success) throw new Error(`Linear emulator: issueUpdate of ${issue} did not succeed`);
}

export interface JiraAccess {
  url: string;
  email: string;
  apiToken: string;
}

/** The seeded global transition into In Progress (src/sandbox/jira/seed.ts). */
export const JIRA_IN_PROGRESS_TRANSITION = '21';
export const JIRA_TRANSITION_OPERATION = 'POST /rest/api/3/issue/{issueIdOrKey}/transitions';

/** https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post */
export async function jiraTransition(
  jira: JiraAccess,
  issueKey: string,
  transitionId: string,
): Promise<void> {
  const res = await fetch(`${jira.url}/rest/api/3/issue/${encodeURIComponent(issueKey)}/transitions`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${jira.email}:${jira.apiToken}`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ transition: { id: transitionId } }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (res.status !== 204) {
    throw new Error(`Jira emulator: transition of ${issueKey} answered ${res.status}: ${await res.text()}`);
  }
}
