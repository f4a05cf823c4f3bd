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
import { waitFor } from './helpers/service.ts';

const RETRY_LOG = 'database not reachable at start; retrying';

/**
 * A database blip while a process starts (a worker restarted during a Postgres restart or failover): start-up
 * waits it out instead of exiting, and a real database error still fails at once.
 *
 * Postgres only: the embedded PGlite runs inside the service process; it has no connections to refuse or terminate.
 */
describe.skipIf(testDatabaseKind !== 'postgres')('a database blip during start-up (Postgres)', () => {
  const databases: TestDatabase[] = [];
  const procs: ServiceProcess[] = [];
  const prefix = freshPrefix('startblip');
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await admin.end().catch(() => {});
    await deleteKeys(sharedRedisUrl, prefix);
    for (const d of databases) await d.drop();
  });

  const workerEnv = (database: TestDatabase, url: string) => ({
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
    DATA_DIR: database.dataDir,
    DATABASE_URL: url,
    LOG_LEVEL: 'warn',
  });

  it('a worker started while connections are refused, then terminated, becomes ready and stays up', async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const dbName = new URL(database.url ?? '').pathname.slice(1);
    await admin.connect();
    // Trust auth ignores it; it stands for a password that must never reach the logs.
    const url = new URL(database.url ?? '');
    url.password = 'startup-blip-secret';

    await admin.query(`alter database ${dbName} allow_connections false`);
    const port = await freePort();
    const worker = spawnCli(['worker'], { ...workerEnv(database, url.toString()), PORT: String(port) });
    procs.push(worker);
    const retries = () => worker.stdout().split(RETRY_LOG).length - 1;
    const alive = () => {
      if (worker.child.exitCode !== null) throw new Error(`the worker exited:\n${worker.stderr()}`);
    };
    await waitFor('a retry while connections are refused', async () => {
      alive();
      return retries() > 0 ? true : undefined;
    });

    // Back, but every connection is cut as it comes (a failover settling): each attempt is terminated mid-way.
    await admin.query(`alter database ${dbName} allow_connections true`);
    const refusedRetries = retries();
    let terminations = 0;
    while (retries() === refusedRetries) {
      alive();
      const { rows } = await admin.query(
        'select pg_terminate_backend(pid) as t from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      terminations += rows.length;
    }
    expect(terminations).toBeGreaterThan(0);

    await waitReady(worker, port, 90_000);
    const log = worker.stdout();
    expect(log).toMatch(/"code":"55000"/); // refused: not currently accepting connections
    expect(log).toMatch(/57P01|terminat|not queryable/i);
    expect(log + worker.stderr()).not.toContain('startup-blip-secret');
    // Still up and serving once the database is back.
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(res.status).toBe(200);
    expect(worker.child.exitCode).toBeNull();

    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  }, 150_000);

  it('a database that does not exist fails start-up at once, naming it, without retrying', async () => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const url = new URL(database.url ?? '');
    url.pathname = '/ss_test_no_such_database';
    const worker = spawnCli(['worker'], {
      ...workerEnv(database, url.toString()),
      PORT: String(await freePort()),
    });
    procs.push(worker);
    const { code } = await worker.exited;
    expect(code).not.toBe(0);
    expect(worker.stderr() + worker.stdout()).toContain('"ss_test_no_such_database" does not exist');
    expect(worker.stdout()).not.toContain(RETRY_LOG);
  }, 60_000);
});
