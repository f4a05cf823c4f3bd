import { LinearClient } from '@linear/sdk';
import { createCloudClient } from 'jira.js';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/database.ts';
import { spawnCli, waitReady } from '../helpers/process.ts';
import { freePort, freshPrefix, sharedRedisUrl } from '../helpers/redis.ts';
import { startService } from '../helpers/service.ts';

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
    const svc = await startService({ env: { LINEAR_API_KEY: 'lin_api_real_one' } });
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
});
