import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { count, countDistinct, isNull, sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/store/db.ts';
import { features, requesters, requests, triageDecisions } from '../src/store/schema.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { createTestDatabase, type TestDatabase, testDatabaseKind } from './helpers/database.ts';
import { type ServiceProcess, spawnCli, waitReady } from './helpers/process.ts';
import { freePort, freshPrefix, startPrivateRedis } from './helpers/redis.ts';
import { startService, validRequest, waitFor } from './helpers/service.ts';

/**
 * Durability: Redis only carries work; Postgres / PGlite is the record. These tests take Redis away and kill
 * workers with SIGKILL, each on a Redis server of their own so a FLUSHALL touches no other suite.
 */

let redis: { url: string; stop: () => Promise<void> };
beforeAll(async () => {
  redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.stop();
});

function openTestStore(database: TestDatabase): Store {
  return openStore(
    database.url
      ? { kind: 'postgres', url: database.url }
      : { kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') },
  );
}

/** Every accepted request triaged exactly once, and every derived count right. */
async function expectTriagedExactlyOnce(store: Store, acceptedIds: readonly string[]) {
  const [untriaged] = await store.db.select({ n: count() }).from(requests).where(isNull(requests.triagedAt));
  expect(untriaged?.n).toBe(0);
  const [total] = await store.db.select({ n: count() }).from(requests);
  const [decisions] = await store.db
    .select({ n: count(), distinct: countDistinct(triageDecisions.requestId) })
    .from(triageDecisions);
  expect(decisions?.n).toBe(total?.n);
  expect(decisions?.distinct).toBe(total?.n);
  const ids = new Set((await store.db.select({ id: requests.id }).from(requests)).map((r) => r.id));
  for (const id of acceptedIds) expect(ids.has(id), `accepted request ${id} is in the database`).toBe(true);
  // One feature per distinct title (exact-title triage) and stored counts equal to the real ones.
  const [titles] = await store.db.select({ n: countDistinct(requests.title) }).from(requests);
  const [featureCount] = await store.db.select({ n: count() }).from(features);
  expect(featureCount?.n).toBe(titles?.n);
  const wrong = await queryRows<{ id: string }>(
    store.db,
    sql`select f.id from features f
        left join (select feature_id, count(*)::int n, count(distinct requester_id)::int r from requests group by feature_id) s
          on s.feature_id = f.id
        where f.request_count <> coalesce(s.n, 0) or f.requester_count <> coalesce(s.r, 0)`,
  );
  expect(wrong).toEqual([]);
  const [emails] = await store.db
    .select({ n: countDistinct(sql`lower(${requests.submittedRequester}->>'email')`) })
    .from(requests);
  const [people] = await store.db.select({ n: count() }).from(requesters);
  expect(people?.n).toBe(emails?.n);
}

const requestNumber = (i: number) =>
  validRequest({
    title: `Feature ${i % 40}`,
    requester: { email: `user${i % 150}@company${i % 25}.com` },
    sourceRef: `load-${i}`,
  });

describe('Redis FLUSHALL after accepting requests', () => {
  it('the redrive re-enqueues from the database and every request is triaged once', async () => {
    const database = await createTestDatabase();
    const yaml = 'reconcile:\n  intervalSeconds: 0.2\n  graceSeconds: 0\n';
    try {
      const api = await startService({
        role: 'api',
        redisUrl: redis.url,
        database,
        keepDatabase: true,
        yaml,
      });
      const accepted: string[] = [];
      for (let i = 0; i < 60; i++) {
        const res = await api.post('/v1/requests', requestNumber(i));
        expect(res.status).toBe(202);
        accepted.push(((await res.json()) as { id: string }).id);
      }
      expect(await api.runtime.queues.queue('triage').count()).toBe(60);
      await api.stop();

      const flusher = new Redis(redis.url);
      await flusher.flushall();
      expect(await flusher.dbsize()).toBe(0);
      flusher.disconnect();

      const worker = await startService({
        role: 'all',
        redisUrl: redis.url,
        database,
        keepDatabase: true,
        yaml,
      });
      await waitFor('all requests triaged', async () =>
        (await worker.runtime.store.requests.countUntriaged()) === 0 ? true : undefined,
      );
      expect(
        worker.logs.some((l) => l.includes('redrive re-enqueued pending work') && l.includes('"added":60')),
      ).toBe(true);
      await expectTriagedExactlyOnce(worker.runtime.store, accepted);
      await worker.stop();
    } finally {
      await database.drop();
    }
  });

  it('intake keeps accepting while Redis is down, and the work is done once it is back', async () => {
    const privateRedis = await startPrivateRedis();
    const yaml = 'reconcile:\n  intervalSeconds: 0.2\n  graceSeconds: 0\n';
    const svc = await startService({ role: 'all', redisUrl: privateRedis.url, yaml });
    let revived: ChildProcess | undefined;
    try {
      await privateRedis.stop();
      const res = await svc.post('/v1/requests', validRequest({ title: 'Accepted while Redis is down' }));
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      expect(svc.logs.some((l) => l.includes('enqueue failed; the redrive will pick it up'))).toBe(true);
      const ready = await svc.get('/readyz');
      expect(ready.status).toBe(503);
      expect(((await ready.json()) as { detail: string }).detail).toBe('not reachable: redis');
      // Bring a Redis back on the same port: the service reconnects and the redrive enqueues the request.
      const port = new URL(privateRedis.url).port;
      revived = spawn(
        'redis-server',
        ['--port', port, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await waitFor(
        'request triaged after Redis returned',
        async () => {
          const view = (await (await svc.get(`/v1/requests/${id}`)).json()) as { triagedAt: string | null };
          return view.triagedAt ? true : undefined;
        },
        40_000,
      );
    } finally {
      // Stop while Redis is up, so the shutdown is the ordinary one.
      await svc.stop().catch(() => {});
      revived?.kill('SIGTERM');
    }
  });
});

describe('a worker killed with SIGKILL mid-triage', () => {
  let database: TestDatabase;
  const procs: ServiceProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await database?.drop();
  });

  it('is restarted and every accepted request ends triaged exactly once', async () => {
    database = await createTestDatabase();
    const prefix = freshPrefix('kill');
    const configFile = path.join(database.dataDir, 'kill.yaml');
    writeFileSync(
      configFile,
      [
        'workers:',
        '  concurrency: { triage: 4 }',
        '  stalledIntervalMs: 500',
        '  lockDurationMs: 2000',
        'reconcile:',
        '  intervalSeconds: 0.5',
        '  graceSeconds: 0',
        'intake:',
        '  rateLimit: { requests: 1000000 }',
      ].join('\n'),
    );
    const apiKey = `kill-key-${randomBytes(8).toString('hex')}`;
    const port = await freePort();
    const env = {
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      CONFIG_FILE: configFile,
      DATA_DIR: database.dataDir,
      API_KEYS: apiKey,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    // Postgres: API and worker run apart and only the worker dies. PGlite is one process: the whole service dies.
    const role = testDatabaseKind === 'postgres' ? 'worker' : 'start';
    const total = testDatabaseKind === 'postgres' ? 1500 : 600;
    const triagedSoFar = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const match = /suggested_sync_jobs_completed_total\{queue="triage",name="triage-request"\} (\d+)/.exec(
        text,
      );
      return Number(match?.[1] ?? 0);
    };

    const accepted: string[] = [];
    let triagedAtKill = 0;
    if (role === 'worker') {
      const api = await startService({
        role: 'api',
        redisUrl: redis.url,
        database,
        keepDatabase: true,
        env: { QUEUE_PREFIX: prefix },
      });
      for (let i = 0; i < total; i += 50) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(50, total - i) }, (_, j) =>
            api.post('/v1/requests', requestNumber(i + j)),
          ),
        );
        accepted.push(
          ...(await Promise.all(batch.map(async (r) => ((await r.json()) as { id: string }).id))),
        );
      }
      await api.stop();
      const worker = spawnCli(['worker'], env);
      procs.push(worker);
      await waitReady(worker, port);
      // A tenth triaged: how long that takes depends on the machine's load, not on what is tested.
      triagedAtKill = await waitFor(
        'triage under way',
        async () => {
          const n = await triagedSoFar();
          return n >= total / 10 ? n : undefined;
        },
        120_000,
      );
      worker.child.kill('SIGKILL');
      expect((await worker.exited).signal).toBe('SIGKILL');
    } else {
      const service = spawnCli(['start'], env);
      procs.push(service);
      await waitReady(service, port);
      // Keep submitting while triage runs; kill the process in the middle of both.
      const submitting = (async () => {
        for (let i = 0; i < total; i += 20) {
          const batch = await Promise.allSettled(
            Array.from({ length: 20 }, (_, j) =>
              fetch(`http://127.0.0.1:${port}/v1/requests`, {
                method: 'POST',
                headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
                body: JSON.stringify(requestNumber(i + j)),
              }).then(async (r) => (r.status === 202 ? ((await r.json()) as { id: string }).id : undefined)),
            ),
          );
          const ok = batch.flatMap((b) => (b.status === 'fulfilled' && b.value ? [b.value] : []));
          accepted.push(...ok);
          if (ok.length < batch.length) return; // the process is gone
        }
      })();
      triagedAtKill = await waitFor('triage under way', async () => {
        const n = await triagedSoFar().catch(() => 0);
        return n >= 100 ? n : undefined;
      });
      service.child.kill('SIGKILL');
      expect((await service.exited).signal).toBe('SIGKILL');
      await submitting;
    }
    expect(triagedAtKill).toBeGreaterThan(0);

    // Restart and let it finish.
    const restarted = spawnCli([role], env);
    procs.push(restarted);
    await waitReady(restarted, port);
    // Wait through the pending-work gauge: PGlite belongs to the running process, and opening its files from
    // here while it runs would corrupt them (store/pglite-lock.ts refuses it).
    // The drain is bounded by progress, not by a fixed time: a loaded machine triages slower, a stuck request
    // stops the count falling and fails the wait.
    let left = Number.POSITIVE_INFINITY;
    for (;;) {
      const before = left;
      left = await waitFor(
        'the untriaged count to fall after restart',
        async () => {
          const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
          const n = Number(
            /suggested_sync_pending_work\{kind="untriaged_requests"\} (\d+)\n/.exec(text)?.[1],
          );
          return Number.isFinite(n) && n < before ? n : undefined;
        },
        60_000,
      );
      if (left === 0) break;
    }
    restarted.child.kill('SIGTERM');
    expect((await restarted.exited).code).toBe(0);
    const check = openTestStore(database);
    try {
      // The kill happened mid-triage: not everything was done when it died.
      const [all] = await check.db.select({ n: count() }).from(requests);
      expect(triagedAtKill).toBeLessThan(all?.n ?? 0);
      await expectTriagedExactlyOnce(check, accepted);
    } finally {
      await check.close();
    }
    // Two starts and 1,500 triages: more than the default 60 s on a busy two-CPU machine.
  }, 600_000);
});
