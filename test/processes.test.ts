import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/store/db.ts';
import {
  createPostgresDatabase,
  createTestDatabase,
  type TestDatabase,
  testDatabaseKind,
} from './helpers/database.ts';
import { spawnCli, waitReady } from './helpers/process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';
import { validRequest } from './helpers/service.ts';

describe('graceful shutdown', () => {
  let database: TestDatabase;
  const prefix = freshPrefix('term');
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await deleteKeys(sharedRedisUrl, prefix);
    await database?.drop();
  });

  it('SIGTERM stops HTTP, lets active jobs finish, closes Redis and the database, and exits 0', async () => {
    const port = await freePort();
    const apiKey = `term-key-${randomBytes(8).toString('hex')}`;
    const env = {
      PORT: String(port),
      REDIS_URL: sharedRedisUrl,
      QUEUE_PREFIX: prefix,
      DATA_DIR: database.dataDir,
      API_KEYS: apiKey,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    const proc = spawnCli(['start'], env);
    await waitReady(proc, port);
    const posts = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        fetch(`http://127.0.0.1:${port}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(validRequest({ title: `Shutdown ${i % 7}`, sourceRef: `term-${i}` })),
        }),
      ),
    );
    expect(posts.every((p) => p.status === 202)).toBe(true);
    proc.child.kill('SIGTERM');
    const { code } = await proc.exited;
    expect(code).toBe(0);
    const lines = proc
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toContain('shutting down');
    expect(lines.at(-1)?.msg).toBe('stopped');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    // No job was abandoned mid-run: nothing is left active in Redis.
    const queue = new Queue('triage', { connection: { url: sharedRedisUrl }, prefix });
    expect(await queue.getActiveCount()).toBe(0);
    await queue.close();

    // What was still waiting is done by the next start.
    const again = spawnCli(['start'], env);
    await waitReady(again, port);
    const deadline = Date.now() + 30_000;
    let pending = -1;
    while (Date.now() < deadline) {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      pending = Number(
        /suggested_sync_pending_work\{kind="untriaged_requests"\} (\d+)/.exec(text)?.[1] ?? -1,
      );
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending).toBe(0);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });
});

describe('migrations', () => {
  it.skipIf(testDatabaseKind !== 'postgres')(
    'several processes migrating one Postgres database at once: one applies, the others find it done',
    async () => {
      const pgdb = await createPostgresDatabase();
      try {
        const procs = Array.from({ length: 4 }, () => spawnCli(['migrate'], { DATABASE_URL: pgdb.url }));
        const results = await Promise.all(procs.map((p) => p.exited));
        expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
        const outputs = procs.map((p) => p.stdout().trim()).sort();
        expect(outputs.filter((o) => o.startsWith('migrations: 1 applied'))).toHaveLength(1);
        expect(outputs.filter((o) => o.startsWith('migrations: 0 applied'))).toHaveLength(3);
        const database = openDatabase({ kind: 'postgres', url: pgdb.url });
        expect(await database.migrate()).toEqual({ applied: 0 });
        await database.close();
      } finally {
        await pgdb.drop();
      }
    },
  );

  it('the embedded database refuses a second process with a clear message', async () => {
    const database = await createTestDatabase('pglite');
    try {
      const port = await freePort();
      const prefix = freshPrefix('lock');
      const first = spawnCli(['start'], {
        DATA_DIR: database.dataDir,
        PORT: String(port),
        QUEUE_PREFIX: prefix,
        API_KEYS: 'k'.repeat(20),
      });
      await waitReady(first, port);
      const second = spawnCli(['migrate'], { DATA_DIR: database.dataDir });
      expect((await second.exited).code).toBe(1);
      expect(second.stderr()).toMatch(new RegExp(`in use by process ${first.child.pid}`));
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      const third = spawnCli(['migrate'], { DATA_DIR: database.dataDir });
      expect((await third.exited).code).toBe(0);
      expect(third.stdout()).toContain('migrations: 0 applied');
      await deleteKeys(sharedRedisUrl, prefix);
    } finally {
      await database.drop();
    }
  });

  it('a second PGlite instance on one data directory is refused in the same process too', async () => {
    const database = await createTestDatabase('pglite');
    try {
      const first = openDatabase({ kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') });
      expect(() => openDatabase({ kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') })).toThrow(
        /already open in this process/,
      );
      await first.close();
      const again = openDatabase({ kind: 'pglite', dataDir: path.join(database.dataDir, 'pglite') });
      await again.migrate();
      await again.close();
    } finally {
      await database.drop();
    }
  });

  it('api and worker apart refuse to run on the embedded database', async () => {
    const database = await createTestDatabase('pglite');
    for (const role of ['worker', 'api']) {
      const proc = spawnCli([role], { DATA_DIR: database.dataDir });
      expect((await proc.exited).code).toBe(2);
      expect(proc.stderr()).toMatch(/needs a shared database; set DATABASE_URL/);
    }
    await database.drop();
  });
});
