import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { type Application, createApplication } from './application/application.ts';
import { demandScorer } from './application/feature-score.ts';
import { createIntakeWriter } from './application/intake-writer.ts';
import { applicationPolicies, dedupeOf, notifyPolicy, pushPolicy } from './application/policies.ts';
import { prepareDatabase } from './application/prepare-database.ts';
import { type Config, ConfigError } from './config/load.ts';
import { createMailer } from './connectors/mail/client.ts';
import { type ReplyInSource, repliesByMail, replyBackChannels } from './connectors/reply-back.ts';
import {
  registerSandboxWebhooks,
  type SandboxEmulators,
  startSandboxEmulators,
} from './connectors/sandbox-emulators.ts';
import { createSources, type Sources } from './connectors/source-registry.ts';
import { createTrackers } from './connectors/tracker-registry.ts';
import { orTimeout, withDeadline } from './deadline.ts';
import { createApp } from './http/app.ts';
import { localUrl } from './http/local-url.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { trackerQueueName } from './queue/catalog.ts';
import { createQueues, type Queues } from './queue/queues.ts';
import { createRedis, waitForRedis } from './queue/redis.ts';
import { createSchedules, wantedSchedules } from './queue/schedules.ts';
import { createTrackerHealth, type TrackerHealthStore } from './queue/tracker-health.ts';
import { releaseStartupMemory } from './release-memory.ts';
import type { ChannelsFor } from './store/notify-outbox.repo.ts';
import { openStore, type Store } from './store/store.ts';
import { createRedrive } from './workers/redrive.ts';
import type { WorkerPool } from './workers/worker-pool.ts';

export type Role = 'all' | 'api' | 'worker';

export interface Runtime {
  store: Store;
  /** The use cases (what the routes and jobs call). */
  application: Application;
  queues: Queues;
  redis: Redis;
  /** Where HTTP listens (the API, or only health and metrics for a worker process). */
  url: string;
  port: number;
  reconcile: () => Promise<unknown>;
  /** The Jira and Linear emulators, in sandbox mode. */
  emulators: SandboxEmulators | undefined;
  /** The configured intake sources (their `reply()` answers in the source thread). */
  sources: Sources;
  /** Graceful stop: HTTP first, then workers (bounded), then Redis and the database. */
  stop: () => Promise<void>;
}

export interface RuntimeOptions {
  config: Config;
  role: Role;
  log: Logger;
  apiKeys: readonly string[];
  version: string;
  /** Which channels each request's requester hears on (default: email only). */
  channelsFor?: ChannelsFor | undefined;
  /** Which sources' `source` replies are emails (default: the email-inbox sources configured). */
  repliesByMail?: ((source: string) => boolean) | undefined;
  /** Answers in the source for `source` notifications (absent: those rows fail saying so). */
  replyInSource?: ReplyInSource | undefined;
  /** Once started, before it reports ready: gives back the memory start-up used (release-memory.ts). */
  releaseStartupMemory?: boolean | undefined;
}

/** What start-up opened (connections, trackers, queues), and the services every process role builds on it. */
type Infrastructure = Awaited<ReturnType<typeof startInfrastructure>>;
export type Services = ReturnType<typeof buildServices>;

/** First: a REDIS_URL naming a database the server lacks is refused before any other work (a ConfigError). */
async function waitForProducer(producer: Redis, config: Config): Promise<void> {
  await waitForRedis(producer, 10_000).catch((err: Error) => {
    if (err instanceof ConfigError) throw err;
    throw new Error(`${err.message} at ${new URL(config.redisUrl).host}; Redis is required (REDIS_URL)`);
  });
}

/**
 * Sandbox mode (no tracker configured, not production): the built-in emulators stand in for Jira and Linear. Only
 * the all-in-one process runs them; split processes point at trackers like production does.
 */
async function startSandbox(config: Config, role: Role): Promise<SandboxEmulators | undefined> {
  if (!config.sandbox || role !== 'all') return undefined;
  return startSandboxEmulators({
    jiraPort: config.emulatorPorts.jira,
    linearPort: config.emulatorPorts.linear,
    credentials: config.sandboxCredentials,
    // Beside the database: links made to the emulators' issues stay true across a restart.
    dataDir: config.dataDir,
    // Where the API listens: in a container (HOST=0.0.0.0) the published emulator ports reach them too.
    host: config.host,
  });
}

/** The store, Redis, emulators, database, trackers and queues, in dependency order; all closed again on failure. */
async function startInfrastructure({ config, role, log }: RuntimeOptions) {
  const dedupe = dedupeOf(config);
  const store = openStore(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: role === 'worker' ? 10 : 20 }
      : { kind: 'pglite', dataDir: config.database.dataDir },
    { scoreDemand: demandScorer(config.scoring), log },
  );
  const producer = createRedis(config.redisUrl, 'producer');
  const workerRedis = role === 'api' ? undefined : createRedis(config.redisUrl, 'worker');
  let emulators: SandboxEmulators | undefined;
  try {
    await waitForProducer(producer, config);
    emulators = await startSandbox(config, role);
    // Before any triage: a worker process builds the dedupe index with the analysis it runs.
    await prepareDatabase(
      store,
      role === 'api' ? undefined : { analyse: dedupe.engine.analyse, fingerprint: dedupe.fingerprint },
      log,
    );
    const trackers = await createTrackers(config, emulators);
    // Rate limits kept in Redis: every process spends one budget per source.
    const sources = await createSources(
      config.sources,
      { log },
      { redis: producer, prefix: config.queuePrefix },
    );
    const queues = createQueues({
      connection: producer,
      prefix: config.queuePrefix,
      retention: config.retention,
      log,
      trackerQueues: trackers.queues().map((q) => trackerQueueName(q.kind, q.site)),
    });
    return { store, producer, workerRedis, emulators, trackers, sources, queues, dedupe };
  } catch (err) {
    await emulators?.close();
    producer.disconnect();
    workerRedis?.disconnect();
    await store.close().catch(() => {});
    throw err;
  }
}

/** The use cases, with the policies they decide by. */
function buildApplication(options: RuntimeOptions, infra: Infrastructure, metrics: Metrics): Application {
  const { config, role, log } = options;
  const policies = applicationPolicies(config, {
    dedupe: infra.dedupe.engine,
    allInOne: role === 'all',
    notify: notifyPolicy(config, {
      channelsFor: options.channelsFor ?? replyBackChannels(config.sources),
      repliesByMail: options.repliesByMail ?? repliesByMail(config.sources),
    }),
  });
  return createApplication({ store: infra.store, queues: infra.queues, config, ...policies, metrics, log });
}

/** The pending-work gauges and queue depths /metrics reads, each bounded. */
function collectMetrics(
  metrics: Metrics,
  { store, queues, trackers }: Infrastructure,
  health: TrackerHealthStore,
) {
  metrics.collected({
    pendingWork: async () => [
      {
        kind: 'untriaged_requests',
        count: await orTimeout(store.requests.countUntriaged(), 2_000, 'database'),
      },
      { kind: 'unpushed_links', count: await orTimeout(store.links.countDirty(), 2_000, 'database') },
    ],
    queueDepths: () => orTimeout(queues.depths(), 2_000, 'redis'),
    trackerHealth: () => orTimeout(health.read(trackers.queues()), 2_000, 'redis'),
  });
}

/** Metrics, use cases, sources, schedules and the redrive: what every role has, workers or not. */
function buildServices(options: RuntimeOptions, infra: Infrastructure) {
  const { config, log } = options;
  const { store, queues, producer, trackers, sources } = infra;
  const metrics = createMetrics();
  const application = buildApplication(options, infra, metrics);
  const trackerHealth = createTrackerHealth(producer, config.queuePrefix);
  collectMetrics(metrics, infra, trackerHealth);
  const trackerSites = trackers.queues().map(({ kind, site }) => ({ kind, site }));
  // Every process knows the wanted schedules (readiness names a missing one); worker processes keep them.
  const schedules = createSchedules({
    wanted: wantedSchedules({ queues, config, trackerSites, sources }),
    log,
  });
  const redrive = createRedrive({
    store,
    queues,
    review: application.review,
    config: config.reconcile,
    metrics,
    log,
    trackerSites,
    // Only processes that run workers own the schedules; an API process reports them (readiness) but leaves them.
    schedules: infra.workerRedis ? schedules : undefined,
  });
  return {
    ...infra,
    metrics,
    application,
    trackerHealth,
    writeIntake: createIntakeWriter({ store, queues, metrics, log }),
    schedules,
    redrive,
    // Connects on the first send only (a pool), so an API process that never sends holds no SMTP connection.
    mailer: createMailer({
      smtpUrl: config.mail.smtpUrl,
      from: config.mail.from,
      replyTo: config.notifications.replyTo,
      saveDevMail: (mail) => store.devMail.save(mail),
    }),
  };
}

/**
 * A worker process's part (worker-part.ts): the workers, the status-name check, the schedules and the redrive. Its
 * job modules are loaded only here, so an API process never holds them.
 */
async function startWorkerPart(options: RuntimeOptions, s: Services): Promise<WorkerPool | undefined> {
  if (!s.workerRedis) return undefined;
  return (await import('./worker-part.ts')).startWorkerPart(options, { ...s, workerRedis: s.workerRedis });
}

/** The HTTP app: the API, or in a worker process only health, readiness and metrics. */
function buildApp(options: RuntimeOptions, s: Services, started: () => boolean) {
  const { config, role } = options;
  return createApp({
    started,
    config,
    apiRoutes: role !== 'worker',
    reconcile: async () => ({ ...(await s.redrive.runOnce()), trackers: await s.redrive.trackers() }),
    apiKeys: options.apiKeys,
    store: s.store,
    application: s.application,
    queues: s.queues,
    redis: s.producer,
    trackers: s.trackers,
    trackerHealth: () => s.trackerHealth.read(s.trackers.queues()),
    schedules: () => s.schedules.status(),
    sources: s.sources,
    writeIntake: s.writeIntake,
    route: pushPolicy(config, role === 'all')?.route,
    mailer: s.mailer,
    metrics: s.metrics,
    log: options.log,
    version: options.version,
  });
}

async function listen(app: Awaited<ReturnType<typeof createApp>>, config: Config): Promise<Server> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch((err: Error) => {
    throw new Error(`cannot listen on ${config.host} port ${config.port} (HOST, PORT): ${err.message}`);
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

/** Closes Redis (each step bounded: with Redis down it would wait forever), the mailer, database and emulators. */
async function closeConnections(s: Services): Promise<void> {
  await withDeadline(s.queues.close(), 2_000);
  for (const redis of [s.producer, s.workerRedis]) {
    if (!redis) continue;
    await withDeadline(
      redis.quit().catch(() => undefined),
      1_000,
    );
    redis.disconnect();
  }
  s.mailer.close();
  await s.store.close();
  await s.emulators?.close();
}

/** Graceful stop: HTTP first, then workers (bounded), then Redis and the database; the same promise every call. */
function stopper(options: RuntimeOptions, s: Services, server: Server, pool: WorkerPool | undefined) {
  const { config, role, log } = options;
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      log.info({ role }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await s.redrive.stop();
      if (pool) {
        const { timedOut } = await pool.close(config.workers.shutdownTimeoutMs);
        if (timedOut) log.warn('active jobs did not finish in time; they will be retried');
      }
      const forced = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(forced);
      await closeConnections(s);
      log.info({ role }, 'stopped');
    })();
    return stopping;
  };
}

/**
 * The composition root: builds the store, Redis connections, queues, use cases, HTTP app, workers and redrive for
 * one process role, in dependency order, and knows the reverse order to stop them.
 */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const services = buildServices(options, await startInfrastructure(options));
  const pool = await startWorkerPart(options, services);
  let started = false;
  const server = await buildApp(options, services, () => started)
    .then((app) => listen(app, options.config))
    .catch(async (err: Error) => {
      await services.redrive.stop();
      await pool?.close(1_000);
      await services.queues.close();
      await services.emulators?.close();
      services.producer.disconnect();
      services.workerRedis?.disconnect();
      await services.store.close().catch(() => {});
      throw err;
    });
  const { port } = server.address() as AddressInfo;
  const url = localUrl(options.config.host, port);
  if (services.emulators)
    await registerSandboxWebhooks(services.trackers, services.emulators, url, options.log);
  if (options.releaseStartupMemory) {
    const { rssBefore, rssAfter, released } = await releaseStartupMemory();
    if (released) options.log.debug({ rssBefore, rssAfter }, 'start-up memory released');
    else options.log.debug('start-up memory not released: no inspector session in this process');
  }
  started = true;
  const { store, application, queues, producer, emulators, sources, redrive } = services;
  const stop = stopper(options, services, server, pool);
  return {
    store,
    application,
    queues,
    redis: producer,
    url,
    port,
    emulators,
    sources,
    stop,
    reconcile: () => redrive.runOnce(),
  };
}
