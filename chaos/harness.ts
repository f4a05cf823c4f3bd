import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '../bench/scratch.ts';
import { freePort, startPrivateRedis } from '../support/private-redis.ts';
import { type SmtpTestServer, startSmtpServer } from '../support/smtp-server.ts';
import { type Emulators, startEmulatorsProcess } from './emulators.ts';
import { type ServiceProcess, spawnService, waitReady } from './processes.ts';

/**
 * Everything one run needs, all on loopback and all its own: a fresh Postgres database, a private redis-server
 * (the suite flushes it; the shared 6379 serves others), a loopback SMTP server that keeps every message, the
 * emulators as their own process configured as the real Jira and Linear sites, the API and two workers as
 * separate processes, and the emulators' webhooks registered with the API. `stop()` removes it all.
 */

/**
 * Fast clocks so a run of a minute or two sees recovery happen: stalled jobs of a killed worker picked up within
 * seconds, the redrive every second, coalescing short, every feature over the push bar.
 */
const CONFIG_YAML = `
intake:
  rateLimit: { requests: 1000000, perSeconds: 60 }
workers:
  stalledIntervalMs: 2000
  lockDurationMs: 4000
  shutdownTimeoutMs: 5000
reconcile:
  intervalSeconds: 1
  graceSeconds: 2
  retryFailedAfterSeconds: 5
  trackerIntervalSeconds: 10
push:
  minRequests: 1
  minScore: 0
  coalesceSeconds: 1
routing:
  rules:
    - name: tagged for Jira
      when: { tags: [jira] }
      target: { jira: { project: SBX } }
  default: { linear: { team: SBX } }
`;

export const QUEUE_PREFIX = 'chaos';

/** `count` ports free now and different from each other and from `taken` (freePort may repeat itself). */
async function freePorts(count: number, taken: readonly number[]): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) {
    const port = await freePort();
    if (!taken.includes(port)) ports.add(port);
  }
  return [...ports];
}

interface Harness {
  apiUrl: string;
  apiKey: string;
  api: ServiceProcess;
  /** Worker 1 and worker 2; worker 1 is replaced by a new process when restarted. */
  workers: ServiceProcess[];
  restartWorker(index: number): Promise<void>;
  emulators: Emulators;
  smtp: SmtpTestServer;
  redisUrl: string;
  database: ScratchDatabase;
  stop(): Promise<void>;
}

export async function startHarness({
  postgresAdminUrl,
  runId,
  progress,
}: {
  postgresAdminUrl: string;
  runId: string;
  progress: (message: string) => void;
}): Promise<Harness> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const clean of cleanups.splice(0).reverse()) {
      await clean().catch((err: Error) => progress(`cleanup: ${err.message}`));
    }
  };
  try {
    const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'ss-chaos-'));
    cleanups.push(async () => rmSync(scratchDir, { recursive: true, force: true }));
    const configFile = path.join(scratchDir, 'config.yaml');
    writeFileSync(configFile, CONFIG_YAML);

    const database = await createScratchDatabase(postgresAdminUrl, `ss_chaos_${runId}`);
    cleanups.push(() => database.drop());
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop());
    const smtp = await startSmtpServer();
    cleanups.push(() => smtp.close());
    progress('chaos: starting the emulators');
    const emulators = await startEmulatorsProcess(path.join(scratchDir, 'emulators'));
    cleanups.push(() => emulators.stop());

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const apiKey = `chaos-${randomBytes(16).toString('hex')}`;
    const secrets = {
      jira: randomBytes(24).toString('base64url'),
      linear: randomBytes(24).toString('base64url'),
    };
    const env = {
      HOME: scratchDir,
      DATA_DIR: scratchDir,
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX,
      CONFIG_FILE: configFile,
      PUBLIC_URL: apiUrl,
      API_KEYS: apiKey,
      LOG_LEVEL: 'warn',
      JIRA_HOST: emulators.jira.url,
      JIRA_EMAIL: emulators.jira.email,
      JIRA_API_TOKEN: emulators.jira.apiToken,
      JIRA_WEBHOOK_SECRET: secrets.jira,
      LINEAR_API_KEY: emulators.linear.apiKey,
      LINEAR_API_URL: `${emulators.linear.url}/graphql`,
      LINEAR_WEBHOOK_SECRET: secrets.linear,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Suggested <updates@chaos.example>',
      NOTIFY_COALESCE_SECONDS: '0',
    };
    const running: ServiceProcess[] = [];
    cleanups.push(async () => {
      for (const p of running) await p.stop(5_000);
    });
    const start = async (name: string, role: 'api' | 'worker', port: number) => {
      const proc = spawnService(name, [role], { ...env, PORT: String(port) });
      running.push(proc);
      await waitReady(proc, `http://127.0.0.1:${port}/readyz`);
      return proc;
    };

    progress('chaos: starting the API and two workers');
    // The API migrates the database first; the workers then find nothing to apply.
    const api = await start('api', 'api', apiPort);
    await emulators.registerWebhooks(apiUrl, secrets);
    const workerPorts = await freePorts(2, [apiPort]);
    const workers = await Promise.all(workerPorts.map((port, i) => start(`worker ${i + 1}`, 'worker', port)));

    return {
      apiUrl,
      apiKey,
      api,
      workers,
      async restartWorker(index) {
        const port = workerPorts[index];
        if (port === undefined) throw new Error(`no worker ${index + 1}`);
        workers[index] = await start(`worker ${index + 1}`, 'worker', port);
      },
      emulators,
      smtp,
      redisUrl: redis.url,
      database,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
