import { randomBytes } from 'node:crypto';
import type { Emulators } from '@suggested-sync/emulators';
import { type Config, loadConfig } from '../../src/config/load.ts';
import { type Role, type Runtime, startRuntime } from '../../src/runtime.ts';
import { pollUntil } from '../../support/poll.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { captureLogs } from './logs.ts';
import { deleteKeys, freshPrefix, sharedRedisUrl } from './redis.ts';

export interface TestService {
  url: string;
  apiKey: string;
  runtime: Runtime;
  config: Config;
  database: TestDatabase;
  /** Every log line the service wrote, as text. */
  logs: string[];
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  /** The sandbox emulators; throws when the service runs against configured trackers. */
  emulators(): Emulators;
  /** Waits until the request is triaged and returns its feature's id. */
  featureOf(requestId: string): Promise<string>;
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  role?: Role;
  yaml?: string;
  env?: Record<string, string>;
  redisUrl?: string;
  database?: TestDatabase;
  /** Keep the database after stop (a test that restarts the service on it). */
  keepDatabase?: boolean;
  /** What runtime.ts lets a caller plug in (notification channels, replies in the source). */
  runtime?: Pick<Parameters<typeof startRuntime>[0], 'channelsFor' | 'repliesByMail' | 'replyInSource'>;
}

/**
 * The real service in this process: real HTTP on an ephemeral port, real Redis with a queue prefix of its own,
 * a database of its own (PGlite or Postgres, see database.ts). Only the logger's destination is the test's.
 */
export async function startService(options: StartServiceOptions = {}): Promise<TestService> {
  const database = options.database ?? (await createTestDatabase());
  const apiKey = `test-key-${randomBytes(12).toString('hex')}`;
  const redisUrl = options.redisUrl ?? sharedRedisUrl;
  const prefix = freshPrefix('svc');
  const loaded = loadConfig({
    env: {
      NODE_ENV: 'test',
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      API_KEYS: apiKey,
      DATA_DIR: database.dataDir,
      JIRA_EMULATOR_PORT: '0',
      LINEAR_EMULATOR_PORT: '0',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(options.yaml ? { CONFIG_FILE: 'test.yaml' } : {}),
      ...options.env,
    },
    readFile: () => options.yaml ?? '',
  });
  const config: Config = { ...loaded, port: 0 };
  const { log, logs } = captureLogs();
  const runtime = await startRuntime({
    config,
    role: options.role ?? 'all',
    log,
    apiKeys: config.apiKeys,
    version: 'test',
    ...options.runtime,
  });
  const auth = { authorization: `Bearer ${apiKey}` };
  return {
    url: runtime.url,
    apiKey,
    runtime,
    config,
    database,
    logs,
    post: (path, body, headers = {}) =>
      fetch(`${runtime.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    get: (path, headers = {}) => fetch(`${runtime.url}${path}`, { headers: { ...auth, ...headers } }),
    emulators() {
      if (!runtime.emulators) throw new Error('sandbox emulators expected');
      // The runtime types them by what the service uses; what it started is the package's whole `Emulators`.
      return runtime.emulators as Emulators;
    },
    featureOf: (requestId) =>
      waitFor(`request ${requestId} triaged`, async () => {
        const res = await fetch(`${runtime.url}/v1/requests/${requestId}`, { headers: auth });
        const view = (await res.json()) as { feature: { id: string } | null };
        return view.feature?.id;
      }),
    async stop() {
      await runtime.stop();
      await deleteKeys(redisUrl, prefix).catch(() => {});
      if (!options.keepDatabase) await database.drop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs` saying what it waited for. */
export function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  return pollUntil(what, check, { timeoutMs, intervalMs: 25 });
}

export const validRequest = (overrides: Record<string, unknown> = {}) => ({
  title: 'Dark mode',
  body: 'Our team works at night; a dark theme would help.',
  requester: {
    email: 'ada@acme.io',
    name: 'Ada',
    company: { name: 'Acme', revenue: 120000, tier: 'enterprise' },
  },
  ...overrides,
});
