import { LinearClient } from '@linear/sdk';
import { createCloudClient } from 'jira.js';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { spawnCli, waitReady } from '../helpers/process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from '../helpers/redis.ts';
import { startService, waitFor } from '../helpers/service.ts';

describe('sandbox mode', () => {
  it('with no tracker configured, the service starts both emulators with the sandbox credentials', async () => {
    const svc = await startService();
    try {
      const emulators = svc.runtime.emulators;
      if (!emulators) throw new Error('no emulators in sandbox mode');
      const jira = createCloudClient({
        host: emulators.jira.url,
        auth: { type: 'basic', email: 'sandbox@example.com', apiToken: 'sandbox' },
        onSchemaMismatch: 'throw',
      });
      expect((await jira.myself.getCurrentUser()).emailAddress).toBe('sandbox@example.com');
      const linear = new LinearClient({ apiKey: 'lin_api_sandbox', apiUrl: emulators.linear.apiUrl });
      expect((await linear.teams()).nodes.map((t) => t.key)).toEqual(['SBX']);
    } finally {
      await svc.stop();
    }
    // Stopping the service stops them.
    await expect(fetch(`${svc.runtime.emulators?.jira.url}/`)).rejects.toThrow();
  });

  it('with a tracker configured there are no emulators', async () => {
    const svc = await startService({
      env: { LINEAR_API_KEY: 'lin_api_real_one' },
      yaml: 'routing:\n  default: { linear: { team: ENG } }\n',
    });
    try {
      expect(svc.runtime.emulators).toBeUndefined();
    } finally {
      await svc.stop();
    }
  });

  it('npm start prints where the emulators are and how to sign in', async () => {
    const database = await createTestDatabase('pglite');
    const port = await freePort();
    const proc = spawnCli(['start'], {
      PORT: String(port),
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: freshPrefix('sbx'),
      DATA_DIR: database.dataDir,
    });
    try {
      await waitReady(proc, port);
      const banner = proc.stderr();
      expect(banner).toMatch(
        /Jira emulator: +http:\/\/127\.0\.0\.1:\d+ +\(project SBX; email sandbox@example\.com, API token sandbox/,
      );
      expect(banner).toMatch(
        /Linear emulator: http:\/\/127\.0\.0\.1:\d+\/graphql +\(team SBX; API key lin_api_sandbox/,
      );
      expect(banner).toMatch(/API key: +ssk_dev_/);
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await database.drop();
    }
  });

  it('sandbox credentials can be configured, including bearer tokens', async () => {
    const yaml = [
      'sandbox:',
      '  jira: { email: po@acme.test, apiToken: tok-123, bearerTokens: [jira-bearer-123] }',
      '  linear: { apiKey: lin_api_custom, accessTokens: [linear-oauth-123] }',
    ].join('\n');
    const svc = await startService({ yaml });
    try {
      const emulators = svc.runtime.emulators;
      if (!emulators) throw new Error('no emulators in sandbox mode');
      const jiraAs = (auth: string) =>
        fetch(`${emulators.jira.url}/rest/api/3/myself`, { headers: { authorization: auth } });
      expect((await jiraAs(`Basic ${Buffer.from('po@acme.test:tok-123').toString('base64')}`)).status).toBe(
        200,
      );
      expect((await jiraAs('Bearer jira-bearer-123')).status).toBe(200);
      expect(
        (await jiraAs(`Basic ${Buffer.from('sandbox@example.com:sandbox').toString('base64')}`)).status,
      ).toBe(401);
      const viewer = async (apiKey: string | undefined, accessToken?: string) =>
        (
          await new LinearClient({
            ...(apiKey ? { apiKey } : { accessToken: accessToken ?? '' }),
            apiUrl: emulators.linear.apiUrl,
          }).viewer
        ).id;
      expect(await viewer('lin_api_custom')).toBeTruthy();
      expect(await viewer(undefined, 'linear-oauth-123')).toBeTruthy();
      await expect(viewer('lin_api_sandbox')).rejects.toThrow();
    } finally {
      await svc.stop();
    }
  });

  it('rejects a malformed fault specification, naming the field', async () => {
    const svc = await startService();
    try {
      const res = await fetch(`${svc.runtime.emulators?.jira.url}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs: 'abc', rateLimit: { count: 'x' } }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { problems: string[] };
      expect(body.problems.some((p) => p.startsWith('latencyMs:'))).toBe(true);
      expect(body.problems.some((p) => p.startsWith('rateLimit.count:'))).toBe(true);
    } finally {
      await svc.stop();
    }
  });

  it('npm run emulators runs both until SIGTERM', async () => {
    const jiraPort = await freePort();
    const linearPort = await freePort();
    const proc = spawnCli(['emulators'], {
      JIRA_EMULATOR_PORT: String(jiraPort),
      LINEAR_EMULATOR_PORT: String(linearPort),
    });
    try {
      await waitFor('the Jira emulator', async () =>
        fetch(`http://127.0.0.1:${jiraPort}/rest/api/3/serverInfo`, {
          headers: {
            authorization: `Basic ${Buffer.from('sandbox@example.com:sandbox').toString('base64')}`,
          },
        }).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        ),
      );
      const graphql = await fetch(`http://127.0.0.1:${linearPort}/graphql`, {
        method: 'POST',
        headers: { authorization: 'lin_api_sandbox', 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ viewer { id } }' }),
      });
      expect(graphql.status).toBe(200);
      expect(proc.stderr()).toContain(`Jira emulator:   http://127.0.0.1:${jiraPort}`);
      proc.child.kill('SIGTERM');
      expect((await proc.exited).code).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    }
  });
});
