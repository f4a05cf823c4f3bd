import { type JiraEmulator, startJiraEmulator } from '@suggested-sync/emulators';
import { type CloudClient, createCloudClient } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';

/**
 * A Jira site from the YAML `trackers:` list (its token read from the variable it names) with custom fields
 * configured: the issue's score, request count and revenue fields follow the demand.
 */

const EMAIL = 'bot@acme.test';
let emulator: JiraEmulator;
let jira: CloudClient;
let svc: TestService;

beforeAll(async () => {
  emulator = await startJiraEmulator({ port: 0, email: EMAIL, apiToken: 'acme-token' });
  jira = createCloudClient({
    host: emulator.url,
    auth: { type: 'basic', email: EMAIL, apiToken: 'acme-token' },
    onSchemaMismatch: 'throw',
  });
  svc = await startService({
    env: { ACME_JIRA_TOKEN: 'acme-token' },
    yaml: [
      'trackers:',
      '  jira:',
      `    - { site: acme, host: "${emulator.url}", email: ${EMAIL}, apiTokenEnv: ACME_JIRA_TOKEN,`,
      '        customFields: { score: customfield_10050, requestCount: customfield_10051, revenue: customfield_10052 } }',
      'routing:',
      '  default: { jira: { site: acme, project: SBX } }',
      'push: { coalesceSeconds: 1 }',
    ].join('\n'),
  });
});
afterAll(async () => {
  await svc?.stop();
  await emulator?.close();
});

describe('Jira custom fields', () => {
  it('carry the score, request count and revenue, and follow new requests', async () => {
    const post = (email: string, company: { name: string; revenue: number }) =>
      svc.post('/v1/requests', validRequest({ title: 'Audit trail export', requester: { email, company } }));
    await post('a@one.io', { name: 'One', revenue: 1000 });
    const key = await waitFor('the issue', async () => [...emulator.state.issues.values()][0]?.key);
    const fields = async () =>
      (
        await jira.issues.getIssue({
          issueIdOrKey: key,
          fields: ['customfield_10050', 'customfield_10051', 'customfield_10052'],
        })
      ).fields as Record<string, unknown>;
    // Score with the default weights: requester 1 + company 2 + log2(1 + 1000 / 10000) for its revenue.
    expect(await fields()).toMatchObject({
      customfield_10050: 3.14,
      customfield_10051: 1,
      customfield_10052: 1000,
    });
    await post('b@two.io', { name: 'Two', revenue: 2500 });
    await waitFor('the update', async () => ((await fields())['customfield_10051'] === 2 ? true : undefined));
    expect(await fields()).toMatchObject({
      customfield_10050: 6.46,
      customfield_10051: 2,
      customfield_10052: 3500,
    });
  });
});

describe('Jira summary', () => {
  it('is the title on one line, cut to 255 UTF-16 units between code points', async () => {
    const title = `Offline\r\nsync\u2028 ${'😀'.repeat(140)}`;
    expect(title.length).toBeLessThanOrEqual(300);
    const res = await svc.post('/v1/requests', validRequest({ title, requester: { email: 'c@three.io' } }));
    expect(res.status).toBe(202);
    const issue = await waitFor('the issue', async () =>
      [...emulator.state.issues.values()].find((i) => i.summary.startsWith('Offline')),
    );
    expect(issue.summary).toMatch(/^Offline sync (?:😀)+$/u);
    expect(issue.summary.isWellFormed()).toBe(true);
    expect(issue.summary.length).toBe(255);
  });
});
