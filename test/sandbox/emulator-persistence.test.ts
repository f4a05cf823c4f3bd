import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LinearClient } from '@linear/sdk';
import { type Emulators, startEmulators } from '@suggested-sync/emulators';
import { createCloudClient } from 'jira.js';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The emulators keep their data under a data directory as a real site does: restarted on the same directory, the
 * issues, what hangs off them and the webhooks registered are there, and numbering goes on (no SBX-1 twice).
 * Without a directory they keep nothing (every other test relies on that).
 */

const credentials = {
  jira: { email: 'sandbox@example.com', apiToken: 'sandbox', bearerTokens: [] },
  linear: { apiKey: 'lin_api_sandbox', accessTokens: [] },
};

const dirs: string[] = [];
const running: Emulators[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function start(dataDir: string | undefined): Promise<Emulators> {
  const emulators = await startEmulators({ jiraPort: 0, linearPort: 0, credentials, dataDir });
  running.push(emulators);
  return emulators;
}

async function stop(emulators: Emulators): Promise<void> {
  running.splice(running.indexOf(emulators), 1);
  await emulators.close();
}

const clients = (e: Emulators) => ({
  jira: createCloudClient({
    host: e.jira.url,
    auth: { type: 'basic', email: credentials.jira.email, apiToken: credentials.jira.apiToken },
  }),
  linear: new LinearClient({ apiKey: credentials.linear.apiKey, apiUrl: e.linear.apiUrl }),
});

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ss-emulators-'));
  dirs.push(dir);
  return dir;
}

async function jiraIssue(e: Emulators, summary: string) {
  return clients(e).jira.issues.createIssue({
    fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary, labels: ['kept'] },
    properties: [{ key: 'suggested-sync', value: { featureId: 'f1' } }],
  });
}

async function linearIssue(e: Emulators, title: string) {
  const { linear } = clients(e);
  const team = (await linear.teams({ filter: { key: { eq: 'SBX' } } })).nodes[0];
  const created = await (await linear.createIssue({ teamId: team?.id ?? '', title })).issue;
  if (!created) throw new Error('no issue created');
  return created;
}

describe('emulators with a data directory', () => {
  it('Jira: issues, their properties, remote links and comments, and webhooks survive a restart; keys go on', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const one = await jiraIssue(first, 'Dark mode');
    const { jira } = clients(first);
    await jira.issueComments.addComment({
      issueIdOrKey: one.key,
      body: {
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Seen by the product owner' }] }],
      },
    });
    await jira.issueRemoteLinks.createOrUpdateRemoteIssueLink({
      issueIdOrKey: one.key,
      globalId: 'g-1',
      object: { url: 'https://example.org/f/1', title: 'Feature' },
    });
    await jira.issues.doTransition({ issueIdOrKey: one.key, transition: { id: '21' } });
    first.jira.state.registerWebhook({
      name: 'hook',
      url: 'http://127.0.0.1:9/hook',
      events: ['jira:issue_updated'],
      jqlFilter: undefined,
      excludeBody: false,
      secret: 'shh',
      enabled: true,
    });
    expect(one.key).toBe('SBX-1');
    await stop(first);

    const second = await start(dir);
    expect(second.webhookSecret).toBe(first.webhookSecret);
    const again = await clients(second).jira.issues.getIssue({
      issueIdOrKey: 'SBX-1',
      properties: ['suggested-sync'],
    });
    expect(again.id).toBe(one.id);
    expect(again.fields).toMatchObject({
      summary: 'Dark mode',
      labels: ['kept'],
      status: { name: 'In Progress' },
      comment: { comments: [expect.objectContaining({ id: expect.any(String) })] },
    });
    expect(again.properties).toEqual({ 'suggested-sync': { featureId: 'f1' } });
    expect(second.jira.state.issues.get(one.id)?.remoteLinks).toHaveLength(1);
    expect([...second.jira.state.webhooks.values()].map((w) => w.url)).toEqual(['http://127.0.0.1:9/hook']);
    // Numbering goes on: a new issue is SBX-2 with a new id, never a second SBX-1.
    const two = await jiraIssue(second, 'Audit log');
    expect(two.key).toBe('SBX-2');
    expect(Number(two.id)).toBeGreaterThan(Number(one.id));
  });

  it('Linear: issues, attachments, customers and numbering survive a restart', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const one = await linearIssue(first, 'Offline mode');
    const { linear } = clients(first);
    await linear.createAttachment({
      issueId: one.id,
      url: 'https://example.org/f/1',
      title: 'Feature',
      metadata: { mark: 'k1' },
    });
    await linear.createCustomer({ name: 'Acme', domains: ['acme.io'] });
    expect(one.identifier).toBe('SBX-1');
    await stop(first);

    const second = await start(dir);
    const { linear: client } = clients(second);
    const again = await client.issue('SBX-1');
    expect(again.id).toBe(one.id);
    expect(again.title).toBe('Offline mode');
    const attachments = await again.attachments();
    expect(attachments.nodes.map((a) => a.metadata)).toEqual([{ mark: 'k1' }]);
    expect((await client.customers()).nodes.map((c) => c.name)).toEqual(['Acme']);
    const two = await linearIssue(second, 'Audit log');
    expect(two.identifier).toBe('SBX-2');
  });

  it('writes the file atomically and reads back what it wrote; without a directory nothing is kept', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await jiraIssue(first, 'Dark mode');
    await stop(first);
    const saved = JSON.parse(readFileSync(path.join(dir, 'sandbox', 'jira.json'), 'utf8')) as {
      issues: Array<{ key: string }>;
    };
    expect(saved.issues.map((i) => i.key)).toEqual(['SBX-1']);

    const memory = await start(undefined);
    expect(memory.stateDir).toBeUndefined();
    expect((await jiraIssue(memory, 'Dark mode')).key).toBe('SBX-1');
    await stop(memory);
    const fresh = await start(undefined);
    expect((await jiraIssue(fresh, 'Dark mode')).key).toBe('SBX-1');
  });

  it('refuses a state file it cannot read, naming it, instead of starting empty', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await stop(first);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dir, 'sandbox', 'linear.json'), '{"version": 1, "issues": ');
    await expect(start(dir)).rejects.toThrow(/linear\.json is not JSON/);
  });
});
