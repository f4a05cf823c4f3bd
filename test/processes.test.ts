import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Queue } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchText, npmScript, npmScriptArgs, npmScriptEnv } from '../bench/npm-script.ts';
import { openDatabase } from '../src/store/db.ts';
import { readStages } from './helpers/compose.ts';
import {
  createPostgresDatabase,
  createTestDatabase,
  type TestDatabase,
  testDatabaseKind,
} from './helpers/database.ts';
import { asServiceProcess, spawnCli, waitReady } from './helpers/process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl, startPrivateRedis } from './helpers/redis.ts';
import { validRequest, waitFor } from './helpers/service.ts';

/** Every migration the project ships (drizzle-kit's journal lists them). */
const MIGRATION_COUNT = (
  JSON.parse(
    readFileSync(new URL('../src/store/migrations/meta/_journal.json', import.meta.url), 'utf8'),
  ) as { entries: unknown[] }
).entries.length;

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
    await waitFor(
      'nothing left untriaged',
      async () => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return /suggested_sync_pending_work\{kind="untriaged_requests"\} 0\n/.test(text) ? true : undefined;
      },
      30_000,
    );
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  }, 180_000);
});

describe('graceful shutdown, the hard cases', () => {
  it.skipIf(testDatabaseKind !== 'postgres')(
    'an active job is let finish: HTTP closes at once, the job completes, then the process exits 0',
    async () => {
      const database = await createTestDatabase('postgres');
      const prefix = freshPrefix('drain');
      const port = await freePort();
      const apiKey = `drain-key-${randomBytes(8).toString('hex')}`;
      const env = {
        PORT: String(port),
        REDIS_URL: sharedRedisUrl,
        QUEUE_PREFIX: prefix,
        DATA_DIR: database.dataDir,
        API_KEYS: apiKey,
        DATABASE_URL: database.url ?? '',
      };
      const proc = spawnCli(['start'], env);
      const locker = new pg.Client({ connectionString: database.url });
      try {
        await waitReady(proc, port);
        await locker.connect();
        // Block triage from outside before the request exists: SHARE mode conflicts with the insert triage makes
        // into triage_decisions, so the job waits there, active, until the test commits.
        await locker.query('begin');
        await locker.query('lock table triage_decisions in share mode');
        const res = await fetch(`http://127.0.0.1:${port}/v1/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(validRequest({ title: 'Held' })),
        });
        const { id } = (await res.json()) as { id: string };
        const queue = new Queue('triage', { connection: { url: sharedRedisUrl }, prefix });
        await waitFor('the triage job to be active', async () =>
          (await queue.getActiveCount()) === 1 ? true : undefined,
        );

        proc.child.kill('SIGTERM');
        await waitFor('HTTP to stop accepting', async () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            () => undefined,
            () => true,
          ),
        );
        expect(proc.child.exitCode).toBeNull(); // still draining the active job
        await locker.query('commit');
        expect((await proc.exited).code).toBe(0);
        const [row] = (await locker.query('select triaged_at from requests where id = $1', [id]))
          .rows as Array<{ triaged_at: Date | null }>;
        expect(row?.triaged_at).toBeInstanceOf(Date);
        expect(await queue.getActiveCount()).toBe(0);
        await queue.close();
      } finally {
        if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
        await locker.end().catch(() => {});
        await deleteKeys(sharedRedisUrl, prefix);
        await database.drop();
      }
    },
  );

  it('SIGTERM while Redis is down still exits 0 within the bound', async () => {
    const redis = await startPrivateRedis();
    const database = await createTestDatabase();
    const port = await freePort();
    const configFile = path.join(database.dataDir, 'short.yaml');
    writeFileSync(configFile, 'workers:\n  shutdownTimeoutMs: 1000\n');
    const proc = spawnCli(['start'], {
      PORT: String(port),
      REDIS_URL: redis.url,
      QUEUE_PREFIX: freshPrefix('down'),
      DATA_DIR: database.dataDir,
      API_KEYS: 'k'.repeat(20),
      CONFIG_FILE: configFile,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    });
    try {
      await waitReady(proc, port);
      await redis.stop();
      // /metrics keeps answering during the outage and says what is down.
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/suggested_sync_up\{dependency="redis"\} 0/);
      expect(metrics).toMatch(/suggested_sync_up\{dependency="database"\} 1/);
      const started = Date.now();
      proc.child.kill('SIGTERM');
      const { code } = await proc.exited;
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(20_000);
      expect(proc.stdout()).toContain('"msg":"stopped"');
      // Connection errors went to the JSON log, not to stderr as raw text.
      expect(proc.stderr()).not.toMatch(/ECONNREFUSED/);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await redis.stop();
      await database.drop();
    }
  }, 180_000);
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
        expect(outputs.filter((o) => o.startsWith(`migrations: ${MIGRATION_COUNT} applied`))).toHaveLength(1);
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
        REDIS_URL: sharedRedisUrl,
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
  }, 180_000);

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

describe('memory: the young generation is capped however the service is launched', () => {
  const ROOT = path.resolve(import.meta.dirname, '..');
  const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
  const CAP = '--max-semi-space-size=8';
  // Two malloc arenas: the native memory V8's compiler threads leave behind stays shared (Dockerfile).
  const ARENAS = 'MALLOC_ARENA_MAX=2';

  it('the npm scripts and the container pass the flag the command carries', () => {
    const shebang = read('bin/suggested-sync.js').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S ${ARENAS} node ${CAP}`);
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of ['start', 'api', 'worker', 'migrate', 'doctor', 'emulators'])
      expect(scripts[name]).toBe(`${ARENAS} node ${CAP} src/main.ts ${name}`);
    // The import also keeps PGlite's WASM off V8's optimizing compiler (test/import-launch.test.ts).
    expect(scripts['import']).toBe(`${ARENAS} node ${CAP} --liftoff-only src/main.ts import`);
    const env = readStages(read('Dockerfile'))
      .find((s) => s.name === 'service')
      ?.instructions.find((i) => i.startsWith('ENV ') && i.includes('DATA_DIR'));
    expect(env?.split(/\s+/)).toContain(ARENAS);
    const service = readStages(read('Dockerfile')).find((s) => s.name === 'service');
    const entrypoint = service?.instructions.find((i) => i.startsWith('ENTRYPOINT '));
    expect(JSON.parse(entrypoint?.slice('ENTRYPOINT '.length) ?? 'null')).toEqual([
      'node',
      CAP,
      'bin/suggested-sync.js',
    ]);
  });

  it('the bench and the chaos suite start each role with the variables and node flags of its script', () => {
    expect(npmScript('start')).toEqual({
      env: { MALLOC_ARENA_MAX: '2' },
      args: [CAP, 'src/main.ts', 'start'],
    });
    expect(launchText(npmScriptEnv('import'), npmScriptArgs('import').slice(0, 2))).toBe(
      `${ARENAS} node ${CAP} --liftoff-only`,
    );
  });

  it('the installed command, run by its first line, holds a 16 MB young generation (128 MB without the flag)', async () => {
    const database = await createTestDatabase();
    const prefix = freshPrefix('semi');
    const port = await freePort();
    // Executed as a shell would: the kernel reads the first line; `node` is the pinned Node 24 npm puts first.
    const child = spawn(path.join(ROOT, 'bin/suggested-sync.js'), ['start'], {
      cwd: ROOT,
      env: {
        PATH: `${path.join(ROOT, 'node_modules/.bin')}:${process.env['PATH'] ?? ''}`,
        PORT: String(port),
        REDIS_URL: sharedRedisUrl,
        QUEUE_PREFIX: prefix,
        DATA_DIR: database.dataDir,
        JIRA_EMULATOR_PORT: '0',
        LINEAR_EMULATOR_PORT: '0',
        ...(database.url ? { DATABASE_URL: database.url } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = asServiceProcess(child);
    try {
      await waitReady(proc, port);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const newSpace = /_heap_space_size_total_bytes\{space="new"\} (\d+)/.exec(metrics)?.[1];
      expect(Number(newSpace)).toBeGreaterThan(0);
      expect(Number(newSpace)).toBeLessThanOrEqual(16 * 2 ** 20);
    } finally {
      child.kill('SIGTERM');
      await proc.exited;
      await deleteKeys(sharedRedisUrl, prefix);
      await database.drop();
    }
  });
});
