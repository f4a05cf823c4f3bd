import type { FaultSpec } from '@suggested-sync/emulators';
import {
  type JiraAccess,
  jiraTransition,
  type LinearAccess,
  linearMoveIssue,
} from '../bench/emulator-api.ts';
import { freePort } from '../support/private-redis.ts';
import { retrying } from './poll.ts';
import { type ServiceProcess, spawnService, waitReady } from './processes.ts';

/**
 * The Jira and Linear emulators as their own process (`npm run emulators`), standing in for real
 * trackers: the service's API and workers reach them through JIRA_HOST and LINEAR_API_URL as they would reach
 * Atlassian and Linear. What the suite does to them goes through their public APIs (webhooks, moves, as a site
 * admin and a product owner would) and their control endpoints (`/_emulator/faults`, `/_emulator/state`).
 */

export type TrackerKind = 'jira' | 'linear';
export const TRACKER_KINDS: readonly TrackerKind[] = ['jira', 'linear'];

/** The sandbox credentials (docs/sandbox.md). */
const JIRA_EMAIL = 'sandbox@example.com';
const JIRA_API_TOKEN = 'sandbox';
const LINEAR_API_KEY = 'lin_api_sandbox';
/** The seeded global transition into Done (packages/emulators/src/jira/seed.ts). */
const JIRA_DONE_TRANSITION = '31';

/** One issue as the emulator holds it: enough to tell which feature it was made for, and to move it. */
export interface EmulatorIssue {
  kind: TrackerKind;
  /** Jira: the issue key; Linear: the issue's UUID (the client-chosen id the service derives from its link). */
  id: string;
  /** The issue with everything attached to it (labels, description, attachments, remote links), as JSON. */
  text: string;
}

export interface Emulators {
  jira: JiraAccess;
  linear: LinearAccess;
  process: ServiceProcess;
  /** Registers the service's webhook on both, signed with `secrets` (what a site admin does once). */
  registerWebhooks(apiUrl: string, secrets: Record<TrackerKind, string>): Promise<void>;
  setFaults(kind: TrackerKind, spec: FaultSpec): Promise<void>;
  clearFaults(): Promise<void>;
  issues(): Promise<EmulatorIssue[]>;
  /** Moves the issue to its tracker's done state through the public API (the webhook tells the service). */
  moveToDone(issue: EmulatorIssue): Promise<void>;
  stop(): Promise<void>;
}

async function json<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

interface JiraSnapshot {
  issues: Array<{ key: string }>;
}
interface LinearSnapshot {
  issues: Array<{ id: string; trashed: boolean }>;
  attachments: Array<{ issueId: string; url: string }>;
  workflowStates: Array<{ id: string; type: string }>;
}

/** `dataDir`: where the emulators keep their state; a fresh one per run, so no issue of an earlier run is seen. */
export async function startEmulatorsProcess(dataDir: string): Promise<Emulators> {
  const jiraPort = await freePort();
  let linearPort = await freePort();
  while (linearPort === jiraPort) linearPort = await freePort();
  const proc = spawnService('emulators', ['emulators'], {
    JIRA_EMULATOR_PORT: String(jiraPort),
    LINEAR_EMULATOR_PORT: String(linearPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  const jira: JiraAccess = {
    url: `http://127.0.0.1:${jiraPort}`,
    email: JIRA_EMAIL,
    apiToken: JIRA_API_TOKEN,
  };
  const linear: LinearAccess = { url: `http://127.0.0.1:${linearPort}`, apiKey: LINEAR_API_KEY };
  const base = { jira: jira.url, linear: linear.url };
  try {
    await waitReady(proc, `${jira.url}/_emulator/state`);
    await waitReady(proc, `${linear.url}/_emulator/state`);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  const jiraAuth = `Basic ${Buffer.from(`${JIRA_EMAIL}:${JIRA_API_TOKEN}`).toString('base64')}`;

  const linearSnapshot = () => json<LinearSnapshot>(`${linear.url}/_emulator/state`);

  return {
    jira,
    linear,
    process: proc,
    async registerWebhooks(apiUrl, secrets) {
      // https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api--other-integrations-
      await json(`${jira.url}/rest/webhooks/1.0/webhook`, {
        method: 'POST',
        headers: { authorization: jiraAuth, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Suggested Sync (chaos)',
          url: `${apiUrl}/webhooks/jira`,
          events: ['jira:issue_created', 'jira:issue_updated', 'jira:issue_deleted'],
          filters: { 'issue-related-events-section': '' },
          excludeBody: false,
          secret: secrets.jira,
        }),
      });
      const created = await json<{ data?: { webhookCreate: { success: boolean } } }>(
        `${linear.url}/graphql`,
        {
          method: 'POST',
          headers: { authorization: LINEAR_API_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({
            query:
              'mutation ChaosWebhook($input: WebhookCreateInput!) { webhookCreate(input: $input) { success } }',
            variables: {
              input: {
                url: `${apiUrl}/webhooks/linear`,
                secret: secrets.linear,
                resourceTypes: ['Issue'],
                allPublicTeams: true,
              },
            },
          }),
        },
      );
      if (!created.data?.webhookCreate.success)
        throw new Error('Linear emulator: webhookCreate did not succeed');
    },
    async setFaults(kind, spec) {
      await json(`${base[kind]}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(spec),
      });
    },
    async clearFaults() {
      for (const kind of TRACKER_KINDS) await json(`${base[kind]}/_emulator/faults`, { method: 'DELETE' });
    },
    async issues() {
      const jiraState = await json<JiraSnapshot>(`${jira.url}/_emulator/state`);
      const linearState = await linearSnapshot();
      return [
        ...jiraState.issues.map((issue) => ({
          kind: 'jira' as const,
          id: issue.key,
          text: JSON.stringify(issue),
        })),
        ...linearState.issues
          .filter((issue) => !issue.trashed)
          .map((issue) => ({
            kind: 'linear' as const,
            id: issue.id,
            text: JSON.stringify({
              issue,
              attachments: linearState.attachments.filter((a) => a.issueId === issue.id),
            }),
          })),
      ];
    },
    async moveToDone(issue) {
      if (issue.kind === 'jira') {
        await retrying(`move ${issue.id} to Done`, () =>
          jiraTransition(jira, issue.id, JIRA_DONE_TRANSITION),
        );
        return;
      }
      const done = (await linearSnapshot()).workflowStates.find((s) => s.type === 'completed');
      if (!done) throw new Error('Linear emulator: no workflow state of type "completed"');
      await retrying(`move ${issue.id} to Done`, () => linearMoveIssue(linear, issue.id, done.id));
    },
    stop: () => proc.stop(),
  };
}
