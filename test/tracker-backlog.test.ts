import { LinearClient } from '@linear/sdk';
import {
  type JiraEmulator,
  type LinearEmulator,
  startJiraEmulator,
  startLinearEmulator,
} from '@suggested-sync/emulators';
import { type CloudClient, createCloudClient } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * Backlog import against a Jira site and a Linear workspace configured like real ones (the emulators on their
 * own ports): the open issues the configuration selects become features before any customer asks, and a request
 * for one of them joins it, so its issue gets the demand instead of a second issue being made.
 */

const JIRA = { email: 'po@acme.test', apiToken: 'jira-token' };
const LINEAR_KEY = 'lin_api_backlog';
let jiraEmulator: JiraEmulator;
let linearEmulator: LinearEmulator;
let jira: CloudClient;
let linear: LinearClient;
let svc: TestService;
const issues: Record<string, string> = {};

beforeAll(async () => {
  jiraEmulator = await startJiraEmulator({ port: 0, ...JIRA });
  linearEmulator = await startLinearEmulator({ port: 0, apiKeys: [LINEAR_KEY] });
  jira = createCloudClient({
    host: jiraEmulator.url,
    auth: { type: 'basic', ...JIRA },
    onSchemaMismatch: 'throw',
  });
  linear = new LinearClient({ apiKey: LINEAR_KEY, apiUrl: linearEmulator.apiUrl });

  // The product owner's backlog before Suggested Sync arrives.
  const jiraIssue = async (summary: string) =>
    (
      await jira.issues.createIssue({
        fields: { project: { key: 'SBX' }, summary, issuetype: { name: 'Task' } },
      })
    ).key ?? '';
  issues['dark'] = await jiraIssue('Dark mode');
  issues['done'] = await jiraIssue('Old request, shipped');
  await jira.issues.doTransition({ issueIdOrKey: issues['done'], transition: { id: '31' } });
  const team = linearEmulator.state.findTeam('SBX')?.id ?? '';
  const label = await (await linear.createIssueLabel({ name: 'feature', teamId: team })).issueLabel;
  const linearIssue = async (title: string, labelled: boolean) =>
    (
      await (
        await linear.createIssue({
          teamId: team,
          title,
          ...(labelled ? { labelIds: [label?.id ?? ''] } : {}),
        })
      ).issue
    )?.identifier ?? '';
  issues['gantt'] = await linearIssue('Gantt chart', true);
  issues['bug'] = await linearIssue('Crash on login', false);

  svc = await startService({
    env: {
      JIRA_HOST: jiraEmulator.url,
      JIRA_EMAIL: JIRA.email,
      JIRA_API_TOKEN: JIRA.apiToken,
      LINEAR_API_KEY: LINEAR_KEY,
      LINEAR_API_URL: linearEmulator.apiUrl,
    },
    yaml: [
      'routing:',
      '  rules:',
      '    - when: { tags: [jira] }',
      '      target: { jira: { project: SBX } }',
      '  default: { linear: { team: SBX } }',
      'push: { coalesceSeconds: 1 }',
      'backlog:',
      '  jira:',
      '    - jql: project = SBX AND statusCategory != Done',
      '  linear:',
      '    - team: SBX',
      '      labels: [feature]',
    ].join('\n'),
  });
});
afterAll(async () => {
  await svc?.stop();
  await jiraEmulator?.close();
  await linearEmulator?.close();
});

async function features(): Promise<
  Array<{ id: string; title: string; status: string; requestCount: number }>
> {
  const res = await svc.get('/v1/features?sort=recent&limit=100');
  return (
    (await res.json()) as { data: Array<{ id: string; title: string; status: string; requestCount: number }> }
  ).data;
}

describe('backlog import', () => {
  it('imports the selected open issues as features linked to them, and nothing else', async () => {
    const imported = await waitFor('both backlogs imported', async () => {
      const all = await features();
      return all.length >= 2 ? all : undefined;
    });
    expect(imported.map((f) => f.title).sort()).toEqual(['Dark mode', 'Gantt chart']);
    for (const f of imported) {
      expect(f.requestCount).toBe(0);
      expect(f.status).toBe('under_review');
      const [link] = await svc.runtime.store.links.forFeature(f.id);
      expect(link).toMatchObject({ state: 'linked', origin: 'imported' });
      expect(link?.issueKey).toBe(f.title === 'Dark mode' ? issues['dark'] : issues['gantt']);
    }
  });

  it('a request for an imported feature joins it: its issue gets the demand and no second issue is made', async () => {
    const jiraIssuesBefore = jiraEmulator.state.issues.size;
    const linearIssuesBefore = linearEmulator.state.issues.size;
    const res = await svc.post(
      '/v1/requests',
      validRequest({
        title: 'Dark mode',
        tags: ['jira'],
        requester: { email: 'zoe@omega.io', company: { name: 'Omega' } },
      }),
    );
    const { id } = (await res.json()) as { id: string };
    const dark = (await features()).find((f) => f.title === 'Dark mode');
    const joined = await svc.featureOf(id);
    expect(joined).toBe(dark?.id);
    await waitFor('the demand on the imported Jira issue', async () => {
      const issue = [...jiraEmulator.state.issues.values()].find((i) => i.key === issues['dark']);
      return JSON.stringify(issue?.description ?? '').includes('Omega') ? true : undefined;
    });
    expect(jiraEmulator.state.issues.size).toBe(jiraIssuesBefore);
    expect(linearEmulator.state.issues.size).toBe(linearIssuesBefore);
  });

  it('running the import again adds nothing', async () => {
    const before = (await features()).length;
    const calls = jiraEmulator.calls.list().length;
    await svc.runtime.queues.enqueue('tracker-import', { kind: 'jira', site: 'default' });
    await waitFor('the import ran again and finished', async () => {
      const searched = jiraEmulator.calls
        .list()
        .slice(calls)
        .some((c) => c.operation.includes('search'));
      const queue = svc.runtime.queues.queue('tracker-jira-default');
      const pending = (await queue.getJobs(['waiting', 'active'])).filter((j) => j.name === 'tracker-import');
      return searched && pending.length === 0 ? true : undefined;
    });
    expect((await features()).length).toBe(before);
  });
});
