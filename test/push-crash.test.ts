import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startJiraEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { type ServiceProcess, spawnCli, waitReady } from './helpers/process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';
import { validRequest, waitFor } from './helpers/service.ts';

/**
 * A worker killed with SIGKILL in the middle of a push must never lead to a second issue. The emulators run in this
 * process and hold their answers (`responseDelayMs`) after the tracker has made the change, so the service is
 * killed exactly between the tracker's write and its own record of it, then restarted.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function service(database: TestDatabase, env: Record<string, string>, yaml: string) {
  const port = await freePort();
  const prefix = freshPrefix('crash');
  const apiKey = `crash-key-${randomBytes(8).toString('hex')}`;
  const configFile = path.join(database.dataDir, 'crash.yaml');
  writeFileSync(
    configFile,
    `${yaml}\npush:\n  coalesceSeconds: 0\nworkers:\n  stalledIntervalMs: 500\n  lockDurationMs: 1000\nreconcile:\n  intervalSeconds: 0.5\n  graceSeconds: 0\n`,
  );
  const fullEnv = {
    PORT: String(port),
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
    DATA_DIR: database.dataDir,
    API_KEYS: apiKey,
    CONFIG_FILE: configFile,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...env,
  };
  const running: ServiceProcess[] = [];
  cleanups.push(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await deleteKeys(sharedRedisUrl, prefix);
  });
  const start = async () => {
    const proc = spawnCli(['start'], fullEnv);
    running.push(proc);
    await waitReady(proc, port);
    return proc;
  };
  const call = (p: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${port}${p}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const linkOf = async (requestId: string) =>
    waitFor(
      'the feature linked',
      async () => {
        const view = (await (await call(`/v1/requests/${requestId}`)).json()) as {
          feature: { id: string } | null;
        };
        if (!view.feature) return undefined;
        const f = (await (await call(`/v1/features/${view.feature.id}`)).json()) as {
          links: Array<{ state: string; issueKey: string; awaitingPush: boolean }>;
        };
        const link = f.links[0];
        return link?.state === 'linked' && !link.awaitingPush ? link : undefined;
      },
      30_000,
    );
  return { start, call, linkOf };
}

async function kill(proc: ServiceProcess): Promise<void> {
  proc.child.kill('SIGKILL');
  expect((await proc.exited).signal).toBe('SIGKILL');
}

async function setFaults(url: string, body: object | undefined): Promise<void> {
  const res = await fetch(`${url}/_emulator/faults`, {
    method: body ? 'POST' : 'DELETE',
    headers: { 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(res.ok).toBe(true);
}

describe('SIGKILL at each step of a push never makes a second issue', () => {
  it('Linear: killed after the issue was created but before it was recorded, and while customer requests were sent', async () => {
    const linear = await startLinearEmulator({ port: 0 });
    const database = await createTestDatabase();
    cleanups.push(async () => {
      await linear.close();
      await database.drop();
    });
    const svc = await service(
      database,
      { LINEAR_API_KEY: 'lin_api_sandbox', LINEAR_API_URL: linear.apiUrl },
      'routing:\n  default: { linear: { team: SBX } }',
    );

    // Step: create. The tracker makes the issue; the answer is held; the service dies before recording it. (Every
    // answer is held, so the lookups before the create take a while too.)
    await setFaults(linear.url, { responseDelayMs: 2_500 });
    let proc = await svc.start();
    const first = (await (
      await svc.call('/v1/requests', validRequest({ title: 'Offline mode' }))
    ).json()) as { id: string };
    await waitFor('the issue on the tracker', async () =>
      linear.state.issues.size === 1 ? true : undefined,
    );
    await kill(proc);
    await setFaults(linear.url, undefined);
    proc = await svc.start();
    const link = await svc.linkOf(first.id);
    expect(linear.state.issues.size).toBe(1);
    const [issue] = [...linear.state.issues.values()];
    expect(link.issueKey).toBe(`SBX-${issue?.number}`);
    const needs = () => [...linear.state.needs.values()].filter((n) => n.issueId === issue?.id).length;
    await waitFor('the first customer request', async () => (needs() === 1 ? true : undefined));

    // Step: customer requests. They reach the tracker; the answer is held; the service dies before recording them.
    await setFaults(linear.url, { responseDelayMs: 2_500 });
    for (let i = 0; i < 4; i++) {
      await svc.call(
        '/v1/requests',
        validRequest({ title: 'Offline mode', requester: { email: `u${i}@acme.io` } }),
      );
    }
    await waitFor(
      'the new customer requests on the tracker',
      async () => (needs() === 5 ? true : undefined),
      40_000,
    );
    await kill(proc);
    await setFaults(linear.url, undefined);
    await svc.start();
    await svc.linkOf(first.id);
    expect(linear.state.issues.size).toBe(1);
    expect(needs()).toBe(5);
  }, 180_000);

  it('Jira: killed after the issue was created but before it was recorded', async () => {
    const jira = await startJiraEmulator({ port: 0 });
    const database = await createTestDatabase();
    cleanups.push(async () => {
      await jira.close();
      await database.drop();
    });
    const svc = await service(
      database,
      { JIRA_HOST: jira.url, JIRA_EMAIL: 'sandbox@example.com', JIRA_API_TOKEN: 'sandbox' },
      'routing:\n  default: { jira: { project: SBX } }',
    );
    await setFaults(jira.url, { responseDelayMs: 10_000 });
    const proc = await svc.start();
    const first = (await (
      await svc.call('/v1/requests', validRequest({ title: 'Offline mode' }))
    ).json()) as { id: string };
    await waitFor('the issue on the tracker', async () => (jira.state.issues.size === 1 ? true : undefined));
    await kill(proc);
    await setFaults(jira.url, undefined);
    await svc.start();
    const link = await svc.linkOf(first.id);
    expect(jira.state.issues.size).toBe(1);
    expect(link.issueKey).toBe([...jira.state.issues.values()][0]?.key);
    // Found again through its entity property: the issue carries the team's label only, no internal one.
    expect([...jira.state.issues.values()][0]?.labels).toEqual(['customer-request']);
  }, 180_000);
});
