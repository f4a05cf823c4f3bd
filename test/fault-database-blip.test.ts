import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  postgresAdminUrl,
  type TestDatabase,
  testDatabaseKind,
} from './helpers/database.ts';
import { type ServiceProcess, spawnCli, waitReady } from './helpers/process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';
import { validRequest, waitFor } from './helpers/service.ts';

/**
 * A database blip: every connection of the service's database terminated while requests flow (a Postgres restart,
 * a failover, an operator's pg_terminate_backend). Both processes must stay up, the work in flight fails and is
 * retried, and /readyz names the database while it is away.
 *
 * Postgres only: the embedded PGlite runs inside the service process and has no server connections to terminate.
 */
describe.skipIf(testDatabaseKind !== 'postgres')('a database blip under load (Postgres)', () => {
  let database: TestDatabase;
  const prefix = freshPrefix('blip');
  const procs: ServiceProcess[] = [];
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await admin.end().catch(() => {});
    await deleteKeys(sharedRedisUrl, prefix);
    await database?.drop();
  });

  it('API and worker stay up, every accepted request is triaged once, /readyz names the database meanwhile', async () => {
    database = await createTestDatabase('postgres');
    const dbName = new URL(database.url ?? '').pathname.slice(1);
    await admin.connect();
    const configFile = path.join(database.dataDir, 'blip.yaml');
    writeFileSync(
      configFile,
      [
        'reconcile:',
        '  intervalSeconds: 0.5',
        '  graceSeconds: 0',
        '  retryFailedAfterSeconds: 0',
        'intake:',
        '  rateLimit: { requests: 1000000 }',
      ].join('\n'),
    );
    const apiKey = `blip-key-${randomBytes(8).toString('hex')}`;
    const [apiPort, workerPort] = [await freePort(), await freePort()];
    const env = {
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: prefix,
      CONFIG_FILE: configFile,
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url ?? '',
      API_KEYS: apiKey,
      LOG_LEVEL: 'warn',
    };
    const api = spawnCli(['api'], { ...env, PORT: String(apiPort) });
    procs.push(api);
    await waitReady(api, apiPort);
    const worker = spawnCli(['worker'], { ...env, PORT: String(workerPort) });
    procs.push(worker);
    await waitReady(worker, workerPort);

    const terminate = () =>
      admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
    const triagedByWorker = async (): Promise<number> => {
      // A dead worker answers nothing: the test fails on its own check, this only keeps pacing.
      const text = await fetch(`http://127.0.0.1:${workerPort}/metrics`).then(
        (r) => r.text(),
        () => '',
      );
      return Number(
        /jobs_completed_total\{queue="triage",name="triage-request"\} (\d+)/.exec(text)?.[1] ?? 0,
      );
    };
    const accepted: string[] = [];
    let sent = 0;
    let posting = true;
    // Requests flow the whole time; a post refused during the blip is not accepted and not counted.
    const poster = (async () => {
      while (posting && sent < 3_000) {
        // Paced by triage (serialised on one dedupe index, slow on a busy two-CPU machine): at most 100 waiting,
        // so requests keep flowing through every blip and what is left settles in time.
        await waitFor(
          'the triage backlog under 100',
          async () => (accepted.length - (await triagedByWorker()) < 100 || !posting ? true : undefined),
          120_000,
        );
        const batch = await Promise.all(
          Array.from({ length: 10 }, () =>
            fetch(`http://127.0.0.1:${apiPort}/v1/requests`, {
              method: 'POST',
              headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
              body: JSON.stringify(
                validRequest({
                  title: `Blip feature ${sent % 30}`,
                  requester: { email: `user${sent % 70}@company${sent % 11}.com` },
                  sourceRef: `blip-${sent++}`,
                }),
              ),
            }).then(async (r) => (r.status === 202 ? ((await r.json()) as { id: string }).id : undefined)),
          ),
        );
        for (const id of batch) if (id) accepted.push(id);
      }
    })();
    const triagedCount = async (): Promise<number> => {
      const c = new pg.Client({ connectionString: database.url });
      await c.connect();
      try {
        const { rows } = await c.query(
          'select count(*)::int as n from requests where triaged_at is not null',
        );
        return (rows[0] as { n: number }).n;
      } finally {
        await c.end();
      }
    };

    // Several blips, each while triage is under way (transactions open in the worker, posts in the API).
    for (let blip = 1; blip <= 3; blip++) {
      const before = await triagedCount();
      await waitFor(`triage under way before blip ${blip}`, async () => {
        for (const p of [api, worker]) {
          if (p.child.exitCode !== null)
            throw new Error(`a process died at blip ${blip - 1}:\n${p.stderr()}`);
        }
        return (await triagedCount()) >= before + 20 ? true : undefined;
      });
      await terminate();
    }

    // Away for a while: connections refused, so /readyz of both processes names the database.
    await admin.query(`alter database ${dbName} allow_connections false`);
    await terminate();
    for (const port of [apiPort, workerPort]) {
      const body = await waitFor(`/readyz on ${port} to name the database`, async () => {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        const json = (await res.json()) as { checks: Record<string, string> };
        return res.status === 503 && json.checks['database']?.startsWith('unreachable') ? json : undefined;
      });
      expect(body.checks['redis']).toBe('ok');
    }
    await admin.query(`alter database ${dbName} allow_connections true`);
    for (const port of [apiPort, workerPort]) {
      await waitFor(`/readyz on ${port} ok again`, async () =>
        (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined,
      );
    }
    posting = false;
    await poster;
    expect(accepted.length).toBeGreaterThan(60);

    await waitFor(
      'every request triaged',
      async () => {
        const c = new pg.Client({ connectionString: database.url });
        await c.connect();
        try {
          const { rows } = await c.query('select count(*)::int as n from requests where triaged_at is null');
          return (rows[0] as { n: number }).n === 0 ? true : undefined;
        } finally {
          await c.end();
        }
      },
      120_000,
    ).catch(async (err: Error) => {
      const activity = await admin.query(
        'select state, wait_event, left(query, 80) as q from pg_stat_activity where datname = $1',
        [dbName],
      );
      const metrics = await (await fetch(`http://127.0.0.1:${workerPort}/metrics`)).text();
      throw new Error(
        `${err.message}\n${JSON.stringify(activity.rows)}\n${metrics
          .split('\n')
          .filter((l) => /queue_jobs|pending_work|jobs_completed/.test(l))
          .join('\n')}\nworker log:\n${worker.stdout().slice(-1500)}`,
      );
    });
    expect(api.child.exitCode, api.stderr()).toBeNull();
    expect(worker.child.exitCode, worker.stderr()).toBeNull();

    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    try {
      const { rows: ids } = await check.query('select id from requests');
      const stored = new Set(ids.map((r: { id: string }) => r.id));
      for (const id of accepted) expect(stored.has(id), `accepted request ${id} is stored`).toBe(true);
      const { rows } = await check.query(
        'select count(*)::int as n, count(distinct request_id)::int as d from triage_decisions',
      );
      expect(rows[0]).toEqual({ n: stored.size, d: stored.size });
      const { rows: wrong } = await check.query(
        `select f.id from features f
           left join (select feature_id, count(*)::int n from requests group by feature_id) s on s.feature_id = f.id
          where f.request_count <> coalesce(s.n, 0)`,
      );
      expect(wrong).toEqual([]);
    } finally {
      await check.end();
    }

    for (const p of [api, worker]) p.child.kill('SIGTERM');
    expect((await api.exited).code).toBe(0);
    expect((await worker.exited).code).toBe(0);
  }, 300_000);
});
