import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queues } from '../src/queue/queues.ts';
import { startPrivateRedis } from './helpers/redis.ts';
import { startService, waitFor } from './helpers/service.ts';

/**
 * The repeating jobs (rescore, each tracker's reconcile and sweep, backlog imports, source pulls) live only in
 * Redis. After a FLUSHALL, or a failover to a Redis without them, they must come back without a restart. Each test
 * here flushes, so it runs on a Redis server of its own.
 */

let redis: { url: string; stop: () => Promise<void> };
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const ADMIN = 'schedules-admin-token-0123456789';
const SANDBOX_SCHEDULES = [
  'rescore-features',
  'tracker-reconcile-jira-sandbox',
  'tracker-reconcile-linear-sandbox',
];

async function schedulerIds(queues: Queues): Promise<string[]> {
  const ids: string[] = [];
  for (const name of queues.names) {
    for (const s of await queues.queue(name).getJobSchedulers()) ids.push(s.id ?? s.key);
  }
  return ids.sort();
}

async function flushAll(url: string): Promise<void> {
  const client = new Redis(url);
  try {
    await client.flushall();
  } finally {
    client.disconnect();
  }
}

type Ready = { status: string; schedules?: Record<string, string> };

describe('schedules after a Redis flush', () => {
  it('/readyz names each missing schedule, and POST /v1/admin/reconcile puts every one back', async () => {
    // A long interval: only the run at start and the admin call reconcile here.
    const svc = await startService({
      redisUrl: redis.url,
      env: { ADMIN_TOKEN: ADMIN },
      yaml: 'reconcile: { intervalSeconds: 3600 }',
    });
    try {
      expect(await schedulerIds(svc.runtime.queues)).toEqual(SANDBOX_SCHEDULES);
      const before = (await (await svc.get('/readyz')).json()) as Ready;
      expect(before.status).toBe('ok');
      expect(Object.values(before.schedules ?? {})).toEqual(SANDBOX_SCHEDULES.map(() => 'ok'));

      await flushAll(redis.url);
      const res = await svc.get('/readyz');
      // Degraded, still ready: intake works; only the repeating jobs wait for the next reconcile.
      expect(res.status).toBe(200);
      const flushed = (await res.json()) as Ready;
      expect(flushed.status).toBe('degraded');
      expect(flushed.schedules).toEqual(Object.fromEntries(SANDBOX_SCHEDULES.map((id) => [id, 'missing'])));

      const reconciled = await svc.post('/v1/admin/reconcile', {}, { authorization: `Bearer ${ADMIN}` });
      expect(reconciled.status).toBe(200);
      const body = (await reconciled.json()) as { reconciled: { schedules: { created: string[] } } };
      expect(body.reconciled.schedules.created.sort()).toEqual(SANDBOX_SCHEDULES);
      expect(await schedulerIds(svc.runtime.queues)).toEqual(SANDBOX_SCHEDULES);
      const after = (await (await svc.get('/readyz')).json()) as Ready;
      expect(after.status).toBe('ok');

      // Once back, a run leaves them alone.
      const again = (await svc.runtime.reconcile()) as { schedules: { created: string[] } };
      expect(again.schedules.created).toEqual([]);
    } finally {
      await svc.stop();
    }
  }, 60_000);

  it("a worker's own redrive run puts the schedules back, with no call from outside", async () => {
    const svc = await startService({
      role: 'worker',
      redisUrl: redis.url,
      yaml: 'reconcile: { intervalSeconds: 0.2 }',
    });
    try {
      expect(await schedulerIds(svc.runtime.queues)).toEqual(['rescore-features']);
      await flushAll(redis.url);
      await waitFor('the redrive to put the rescore back', async () =>
        (await schedulerIds(svc.runtime.queues)).length > 0 ? true : undefined,
      );
      expect(await schedulerIds(svc.runtime.queues)).toEqual(['rescore-features']);
      expect(svc.logs.filter((l) => l.includes('schedules missing from Redis put back'))).toHaveLength(1);
      const ready = (await (await svc.get('/readyz')).json()) as Ready;
      expect(ready.schedules).toEqual({ 'rescore-features': 'ok' });
    } finally {
      await svc.stop();
    }
  }, 60_000);
});

describe('POST /v1/admin/reconcile while Redis is down', () => {
  it('answers 503, problem+json naming redis (not a 500)', async () => {
    const own = await startPrivateRedis();
    const svc = await startService({
      redisUrl: own.url,
      env: { ADMIN_TOKEN: ADMIN },
      // Jobs cannot finish with Redis gone: stop without waiting the default 25 s for them.
      yaml: 'workers: { shutdownTimeoutMs: 1000 }',
    });
    try {
      await own.stop();
      const res = await svc.post('/v1/admin/reconcile', {}, { authorization: `Bearer ${ADMIN}` });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.headers.get('retry-after')).toBe('5');
      const problem = (await res.json()) as { status: number; detail: string };
      expect(problem.status).toBe(503);
      expect(problem.detail).toBe('cannot reconcile: not reachable: redis');
    } finally {
      await svc.stop();
    }
  }, 60_000);
});
