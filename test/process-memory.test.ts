import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createTestDatabase, testDatabaseKind } from './helpers/database.ts';
import { type ServiceProcess, spawnNode, waitReady } from './helpers/process.ts';
import { deleteKeys, freePort, freshPrefix, sharedRedisUrl } from './helpers/redis.ts';

/**
 * What keeps a process small (docs/development.md#memory), checked on real processes: each role loads only the
 * modules it runs, which a probe (helpers/module-probe.ts) lists as the process loads them, and every service
 * process gives back what start-up grew before it reports ready.
 */

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const PROBE = fileURLToPath(new URL('./helpers/module-probe.ts', import.meta.url));

interface Started {
  proc: ServiceProcess;
  /** Every module URL the process has loaded so far. */
  modules: () => string[];
  /** The debug line the service logs once it has released its start-up memory. */
  released: () => { rssBefore: number; rssAfter: number } | undefined;
}

const prefixes: string[] = [];
const running: ServiceProcess[] = [];
const probeFiles: string[] = [];

async function startRole(role: 'start' | 'api' | 'worker', env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const prefix = freshPrefix(`mem-${role}`);
  prefixes.push(prefix);
  const probeFile = path.join(tmpdir(), `ss-modules-${randomBytes(6).toString('hex')}.txt`);
  probeFiles.push(probeFile);
  const proc = spawnNode(['--max-semi-space-size=8', '--import', PROBE, MAIN, role], {
    PORT: String(port),
    REDIS_URL: sharedRedisUrl,
    QUEUE_PREFIX: prefix,
    API_KEYS: `mem-key-${randomBytes(8).toString('hex')}`,
    JIRA_EMULATOR_PORT: '0',
    LINEAR_EMULATOR_PORT: '0',
    LOG_LEVEL: 'debug',
    MODULE_PROBE_FILE: probeFile,
    ...env,
  });
  running.push(proc);
  await waitReady(proc, port, 120_000);
  return {
    proc,
    modules: () => readFileSync(probeFile, 'utf8').split('\n').filter(Boolean),
    released: () => {
      const line = proc
        .stdout()
        .split('\n')
        .find((l) => l.includes('start-up memory released'));
      return line ? (JSON.parse(line) as { rssBefore: number; rssAfter: number }) : undefined;
    },
  };
}

const loaded = (modules: string[], pattern: RegExp) => modules.filter((url) => pattern.test(url));

const PGLITE = /\/node_modules\/(@electric-sql\/pglite|drizzle-orm\/pglite)\//;
const PG_DRIVER = /\/node_modules\/(pg|drizzle-orm\/node-postgres)\//;
const NODEMAILER = /\/node_modules\/nodemailer\//;
/** The sandbox's Jira and Linear emulators and their GraphQL: only `start` runs them, in sandbox mode. */
const EMULATORS = /\/node_modules\/graphql\/|\/packages\/emulators\//;
const WORKER_JOBS = /\/src\/(worker-part\.ts|workers\/jobs\/)/;
/**
 * The API's own modules: not health.routes.ts, which every role serves, nor rate-limiter-flexible, which the intake
 * sources' rate limits use in any role.
 */
const API_ROUTES =
  /\/src\/http\/(api-routes\.ts|console\/console\.ts|rate-limit\.ts|(?!health\.)[a-z-]+\.routes\.ts)$/;

afterAll(async () => {
  for (const proc of running) {
    proc.child.kill('SIGTERM');
    await proc.exited;
  }
  for (const prefix of prefixes) await deleteKeys(sharedRedisUrl, prefix);
  for (const file of probeFiles) rmSync(file, { force: true });
});

describe('memory: each process role loads only what it runs', () => {
  // api and worker need a shared database: Postgres, like the other tests that start them apart.
  it.skipIf(testDatabaseKind !== 'postgres')(
    'api and worker on Postgres: no PGlite, no nodemailer before a mail is sent, no emulators, neither role the other',
    async () => {
      const database = await createPostgresDatabase();
      try {
        const env = { DATABASE_URL: database.url, DATA_DIR: tmpdir() };
        const api = await startRole('api', env);
        const worker = await startRole('worker', env);
        const apiModules = api.modules();
        const workerModules = worker.modules();
        // The probe sees what each role does load.
        expect(loaded(apiModules, API_ROUTES).length).toBeGreaterThan(0);
        expect(loaded(workerModules, WORKER_JOBS).length).toBeGreaterThan(0);
        expect(loaded(apiModules, PG_DRIVER).length).toBeGreaterThan(0);
        // And none of what the role does not run.
        expect(loaded(apiModules, WORKER_JOBS)).toEqual([]);
        expect(loaded(workerModules, API_ROUTES)).toEqual([]);
        for (const modules of [apiModules, workerModules]) {
          expect(loaded(modules, PGLITE)).toEqual([]);
          expect(loaded(modules, NODEMAILER)).toEqual([]);
          expect(loaded(modules, EMULATORS)).toEqual([]);
        }
        // Both gave back what start-up grew, before they reported ready.
        for (const role of [api, worker]) {
          const released = role.released();
          // Logged only once the collection ran; how much it gave back depends on the moment (bench, memory).
          expect(released).toBeDefined();
        }
      } finally {
        for (const proc of running.splice(0)) {
          proc.child.kill('SIGTERM');
          await proc.exited;
        }
        await database.drop();
      }
    },
    180_000,
  );

  it(`start on ${testDatabaseKind}: the one database driver it uses`, async () => {
    const database = await createTestDatabase();
    try {
      const start = await startRole('start', {
        DATA_DIR: database.dataDir,
        ...(database.url ? { DATABASE_URL: database.url } : {}),
      });
      const modules = start.modules();
      expect(loaded(modules, WORKER_JOBS).length).toBeGreaterThan(0);
      expect(loaded(modules, API_ROUTES).length).toBeGreaterThan(0);
      const [used, unused] = database.url ? [PG_DRIVER, PGLITE] : [PGLITE, PG_DRIVER];
      expect(loaded(modules, used).length).toBeGreaterThan(0);
      expect(loaded(modules, unused)).toEqual([]);
      // No tracker configured outside production: the sandbox, whose emulators this process runs.
      expect(loaded(modules, EMULATORS).length).toBeGreaterThan(0);
      expect(start.released()).toBeDefined();
    } finally {
      for (const proc of running.splice(0)) {
        proc.child.kill('SIGTERM');
        await proc.exited;
      }
      await database.drop();
    }
  }, 180_000);
});
