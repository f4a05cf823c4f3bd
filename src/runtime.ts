import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { type Application, createApplication } from './application/application.ts';
import { createIntakeWriter } from './application/intake-writer.ts';
import { type Config, ConfigError } from './config/load.ts';
import { repliesByMail, replyBackChannels, replyInSources } from './connectors/reply-back.ts';
import {
  registerSandboxWebhooks,
  type SandboxEmulators,
  startSandboxEmulators,
} from './connectors/sandbox-emulators.ts';
import { createSources, type Sources } from './connectors/source-registry.ts';
import { createTrackers, type Trackers } from './connectors/tracker-registry.ts';
import { orTimeout, withDeadline } from './deadline.ts';
import { createApp } from './http/app.ts';
import { localUrl } from './http/local-url.ts';
import type { Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { trackerQueueName } from './queue/catalog.ts';
import { createQueues, type Queues } from './queue/queues.ts';
import { createRedis, waitForRedis } from './queue/redis.ts';
import { createSchedules, wantedSchedules } from './queue/schedules.ts';
import { removeStaleSourcePulls } from './queue/source-schedules.ts';
import { createTrackerHealth } from './queue/tracker-health.ts';
import { createDedupeEngine } from './rules/dedupe/engine.ts';
import { analysisFingerprint } from './rules/dedupe/fingerprint.ts';
import { DEFAULT_OPPOSITES, DEFAULT_SYNONYMS } from './rules/dedupe/synonyms.ts';
import { routeFeature } from './rules/route.ts';
import { ensureDedupeIndex, vacuumDedupeIndex } from './store/dedupe-index.repo.ts';
import type { ChannelsFor } from './store/notify-outbox.repo.ts';
import { retryTransient } from './store/retry-transient.ts';
import { openStore, type Store } from './store/store.ts';
import type { PushPolicy } from './store/triage.repo.ts';
import type { ReplyInSource } from './workers/jobs/notify-deps.ts';
import { createRescoreFeaturesJob } from './workers/jobs/rescore-features.job.ts';
import { createSourcePullJob } from './workers/jobs/source-pull.job.ts';
import { createTrackerEventJob } from './workers/jobs/tracker-event.job.ts';
import { createTrackerImportJob } from './workers/jobs/tracker-import.job.ts';
import { createTrackerPushJob } from './workers/jobs/tracker-push.job.ts';
import { createTrackerReconcileJob } from './workers/jobs/tracker-reconcile.job.ts';
import { createTriageRequestJob } from './workers/jobs/triage-request.job.ts';
import { createNotifyHandlers, createNotifyMailer, notifyPolicy } from './workers/notify-runtime.ts';
import { createRedrive } from './workers/redrive.ts';
import { createPullLock } from './workers/source-pull-lock.ts';
import { checkStatusNames } from './workers/status-names.ts';
import { startWorkers, type WorkerPool } from './workers/worker-pool.ts';

export type Role = 'all' | 'api' | 'worker';

/**
 * When and where features are pushed. In sandbox mode only the all-in-one process has trackers (the emulators),
 * so split processes push nothing there.
 */
function pushPolicy(config: Config, role: Role): PushPolicy | undefined {
  const routing = config.trackers.routing;
  if (!routing || (config.sandbox && role !== 'all')) return undefined;
  return {
    minRequests: config.push.minRequests,
    minScore: config.push.minScore,
    route: (input) => routeFeature(input, routing).target,
  };
}

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

/**
 * The composition root: builds the store, Redis connections, queues, HTTP app, workers and redrive for one
 * process role, in dependency order, and knows the reverse order to stop them.
 */
export async function startRuntime({
  config,
  role,
  log,
  apiKeys,
  version,
  channelsFor,
  repliesByMail: sourceRepliesByMail,
  replyInSource,
}: {
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
}): Promise<Runtime> {
  const dedupeSynonyms = [...DEFAULT_SYNONYMS, ...config.dedupe.synonyms];
  const dedupe = createDedupeEngine({
    synonyms: dedupeSynonyms,
    opposites: [...DEFAULT_OPPOSITES, ...config.dedupe.opposites],
    thresholds: {
      ...(config.dedupe.autoMerge === undefined ? {} : { autoMerge: config.dedupe.autoMerge }),
      ...(config.dedupe.review === undefined ? {} : { review: config.dedupe.review }),
    },
  });
  const store = openStore(
    config.database.kind === 'postgres'
      ? { kind: 'postgres', url: config.database.url, poolSize: role === 'worker' ? 10 : 20 }
      : { kind: 'pglite', dataDir: config.database.dataDir },
    {
      extraFreeMailDomains: config.identity.extraFreeMailDomains,
      people: config.identity.people,
      scoring: config.scoring,
      dedupe,
      push: pushPolicy(config, role),
    },
  );
  const producer = createRedis(config.redisUrl, 'producer');
  const workerRedis = role === 'api' ? undefined : createRedis(config.redisUrl, 'worker');
  const cleanup = async () => {
    producer.disconnect();
    workerRedis?.disconnect();
    await store.close().catch(() => {});
  };

  let queues: Queues;
  let trackers: Trackers;
  let emulators: SandboxEmulators | undefined;
  try {
    // First: a REDIS_URL naming a database the server lacks is refused before any other work (a ConfigError).
    await waitForRedis(producer, 10_000).catch((err: Error) => {
      if (err instanceof ConfigError) throw err;
      throw new Error(`${err.message} at ${new URL(config.redisUrl).host}; Redis is required (REDIS_URL)`);
    });
    // Sandbox mode (no tracker configured, not production): the built-in emulators stand in for Jira and
    // Linear. Only the all-in-one process runs them; split processes point at trackers like production does.
    if (config.sandbox && role === 'all') {
      emulators = await startSandboxEmulators({
        jiraPort: config.emulatorPorts.jira,
        linearPort: config.emulatorPorts.linear,
        credentials: config.sandboxCredentials,
        // Beside the database: links made to the emulators' issues stay true across a restart.
        dataDir: config.dataDir,
        // Where the API listens: in a container (HOST=0.0.0.0) the published emulator ports reach them too.
        host: config.host,
      });
    }
    // A database restarting or failing over as this process starts is waited out (each step is idempotent); a
    // real error (credentials, a missing database, a migration's SQL) still stops start-up at once.
    const { applied } = await retryTransient('migrate', () => store.migrate(), { log });
    log.info({ database: store.kind, applied }, 'database migrated');
    if (role !== 'api') {
      // Before any triage: the index must be built with the analysis this process runs.
      const index = await retryTransient(
        'dedupe index',
        () => ensureDedupeIndex(store.db, dedupe.analyse, analysisFingerprint(dedupe, dedupeSynonyms)),
        { log },
      );
      if (index.rebuilt) {
        await retryTransient('dedupe index vacuum', () => vacuumDedupeIndex(store.db), { log });
        log.info({ documents: index.documents }, 'dedupe index rebuilt');
      }
    }
    trackers = createTrackers(config, emulators);
    queues = createQueues({
      connection: producer,
      prefix: config.queuePrefix,
      retention: config.retention,
      log,
      trackerQueues: trackers.queues().map((q) => trackerQueueName(q.kind, q.site)),
    });
  } catch (err) {
    await emulators?.close();
    await cleanup();
    throw err;
  }

  const metrics = createMetrics();
  const application = createApplication({
    store,
    queues,
    config,
    status: {
      statusMap: config.trackers.statusMap,
      rollup: config.push.rollup,
      scoring: config.scoring,
      dedupe,
      notify: notifyPolicy(config, {
        channelsFor: channelsFor ?? replyBackChannels(config.sources),
        repliesByMail: sourceRepliesByMail ?? repliesByMail(config.sources),
      }),
    },
    metrics,
    log,
  });
  // Connects on the first send only (a pool), so an API process that never sends holds no SMTP connection.
  const mailer = createNotifyMailer(config, store);
  const trackerHealth = createTrackerHealth(producer, config.queuePrefix);
  metrics.collected({
    pendingWork: async () => [
      {
        kind: 'untriaged_requests',
        count: await orTimeout(store.requests.countUntriaged(), 2_000, 'database'),
      },
      { kind: 'unpushed_links', count: await orTimeout(store.links.countDirty(), 2_000, 'database') },
    ],
    queueDepths: () => orTimeout(queues.depths(), 2_000, 'redis'),
    trackerHealth: () => orTimeout(trackerHealth.read(trackers.queues()), 2_000, 'redis'),
  });

  // Rate limits kept in Redis: every process spends one budget per source.
  const sources = createSources(config.sources, { log }, { redis: producer, prefix: config.queuePrefix });
  const writeIntake = createIntakeWriter({ store, queues, metrics, log });
  let pool: WorkerPool | undefined;
  const trackerSites = trackers.queues().map(({ kind, site }) => ({ kind, site }));
  // Every process knows the wanted schedules (readiness names a missing one); worker processes keep them.
  const schedules = createSchedules({
    wanted: wantedSchedules({ queues, config, trackerSites, sources }),
    log,
  });
  const redrive = createRedrive({
    store,
    queues,
    config: config.reconcile,
    metrics,
    log,
    trackerSites,
    // Only processes that run workers own the schedules; an API process reports them (readiness) but leaves them.
    schedules: workerRedis ? schedules : undefined,
  });
  if (workerRedis) {
    const sync = application.trackerEvents;
    pool = startWorkers({
      connection: workerRedis,
      prefix: config.queuePrefix,
      config: config.workers,
      handlers: {
        'triage-request': createTriageRequestJob({ store, queues, config, log }),
        'tracker-push': createTrackerPushJob({ store, application, trackers, queues, config, log }),
        'tracker-event': createTrackerEventJob({ store, trackers, sync, log }),
        'tracker-reconcile': createTrackerReconcileJob({ store, application, trackers, sync, config, log }),
        'tracker-import': createTrackerImportJob({ application, trackers, config, log }),
        'rescore-features': createRescoreFeaturesJob({ store, queues, config, log }),
        ...createNotifyHandlers({
          store,
          queues,
          mailer,
          config,
          replyInSource: replyInSource ?? replyInSources(sources),
          metrics,
          log,
        }),
        'source-pull': createSourcePullJob({
          store,
          sources,
          write: writeIntake,
          lock: createPullLock(producer, config.queuePrefix),
          metrics,
          log,
        }),
      },
      metrics,
      log,
      trackerQueues: trackers.queues().map((q) => ({
        name: trackerQueueName(q.kind, q.site),
        limiter: q.limiter,
        onHold: (reason: string) => {
          log.error(
            { tracker: q.kind, site: q.site, reason },
            'tracker refused our credentials; its queue is held',
          );
          trackerHealth.unhealthy(q.kind, q.site, reason).catch(() => {});
        },
        onSuccess: () => {
          trackerHealth.healthy(q.kind, q.site).catch(() => {});
        },
      })),
    });
    void checkStatusNames(trackers, config, metrics, log);
    // Every one at start (a changed interval or job template applies); the redrive puts back any lost later.
    await schedules.ensure({ all: true });
    await removeStaleSourcePulls(queues, sources, log);
    redrive.start();
  }

  // A worker process serves only health, readiness and metrics.
  let started = false;
  const app = createApp({
    started: () => started,
    config,
    apiRoutes: role !== 'worker',
    reconcile: async () => ({ ...(await redrive.runOnce()), trackers: await redrive.trackers() }),
    apiKeys,
    store,
    application,
    queues,
    redis: producer,
    trackers,
    trackerHealth: () => trackerHealth.read(trackers.queues()),
    schedules: () => schedules.status(),
    sources,
    writeIntake,
    route: pushPolicy(config, role)?.route,
    metrics,
    log,
    version,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  }).catch(async (err: Error) => {
    await redrive.stop();
    await pool?.close(1_000);
    await queues.close();
    await emulators?.close();
    await cleanup();
    throw new Error(`cannot listen on ${config.host} port ${config.port} (HOST, PORT): ${err.message}`);
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = localUrl(config.host, port);
  if (emulators) await registerSandboxWebhooks(trackers, emulators, url, log);
  started = true;

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info({ role }, 'shutting down');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await redrive.stop();
      if (pool) {
        const { timedOut } = await pool.close(config.workers.shutdownTimeoutMs);
        if (timedOut) log.warn('active jobs did not finish in time; they will be retried');
      }
      const forced = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(forced);
      // Each Redis step is bounded: with Redis down they would wait for it forever.
      await withDeadline(queues.close(), 2_000);
      await withDeadline(
        producer.quit().catch(() => {}),
        1_000,
      );
      producer.disconnect();
      if (workerRedis) {
        await withDeadline(
          workerRedis.quit().catch(() => {}),
          1_000,
        );
        workerRedis.disconnect();
      }
      mailer.close();
      await store.close();
      await emulators?.close();
      log.info({ role }, 'stopped');
    })();
    return stopping;
  };

  return {
    store,
    application,
    queues,
    redis: producer,
    url,
    port,
    reconcile: () => redrive.runOnce(),
    emulators,
    sources,
    stop,
  };
}
