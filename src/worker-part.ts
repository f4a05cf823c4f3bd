import type { Redis } from 'ioredis';
import { replyInSources } from './connectors/reply-back.ts';
import type { Logger } from './log.ts';
import { trackerQueueName } from './queue/catalog.ts';
import { removeStaleSourcePulls } from './queue/source-schedules.ts';
import type { RuntimeOptions, Services } from './runtime.ts';
import { createRescoreFeaturesJob } from './workers/jobs/rescore-features.job.ts';
import { createSourcePullJob } from './workers/jobs/source-pull.job.ts';
import { createTrackerEventJob } from './workers/jobs/tracker-event.job.ts';
import { createTrackerImportJob } from './workers/jobs/tracker-import.job.ts';
import { createTrackerPushJob } from './workers/jobs/tracker-push.job.ts';
import { createTrackerReconcileJob } from './workers/jobs/tracker-reconcile.job.ts';
import { createTriageRequestJob } from './workers/jobs/triage-request.job.ts';
import { createNotifyHandlers } from './workers/notify-runtime.ts';
import { createPullLock } from './workers/source-pull-lock.ts';
import { checkStatusNames } from './workers/status-names.ts';
import { startWorkers, type WorkerPool } from './workers/worker-pool.ts';

/**
 * What only a process that runs workers needs (`start`, `worker`): the job handlers and the worker pool. runtime.ts
 * imports this module when the role runs workers, never in an API process, which so holds none of the job modules.
 */

type WorkerServices = Services & { workerRedis: Redis };

/** One handler per job name; each calls its use case. */
function jobHandlers({ config, log, replyInSource }: RuntimeOptions, s: WorkerServices) {
  const { store, application, trackers, queues, metrics, sources, mailer } = s;
  const sync = application.trackerEvents;
  const replyIn = replyInSource ?? replyInSources(sources);
  const lock = createPullLock(s.producer, config.queuePrefix);
  return {
    'triage-request': createTriageRequestJob({ application, log }),
    'tracker-push': createTrackerPushJob({ store, application, trackers, queues, config, log }),
    'tracker-event': createTrackerEventJob({ store, trackers, sync, log }),
    'tracker-reconcile': createTrackerReconcileJob({ store, application, trackers, sync, config, log }),
    'tracker-import': createTrackerImportJob({ application, trackers, config, log }),
    'rescore-features': createRescoreFeaturesJob({ store, application, log }),
    ...createNotifyHandlers({ store, queues, mailer, config, replyInSource: replyIn, metrics, log }),
    'source-pull': createSourcePullJob({ store, sources, write: s.writeIntake, lock, metrics, log }),
  };
}

/** Each tracker's queue, rate-limited as the tracker asks, held while it refuses our credentials. */
function trackerQueues({ trackers, trackerHealth }: WorkerServices, log: Logger) {
  return trackers.queues().map((q) => ({
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
  }));
}

/** A worker process's part: the workers, the status-name check, the schedules and the redrive. */
export async function startWorkerPart(options: RuntimeOptions, s: WorkerServices): Promise<WorkerPool> {
  const { config, log } = options;
  const pool = startWorkers({
    connection: s.workerRedis,
    prefix: config.queuePrefix,
    config: config.workers,
    handlers: jobHandlers(options, s),
    metrics: s.metrics,
    log,
    trackerQueues: trackerQueues(s, log),
  });
  void checkStatusNames(s.trackers, config, s.metrics, log);
  // Every one at start (a changed interval or job template applies); the redrive puts back any lost later.
  await s.schedules.ensure({ all: true });
  await removeStaleSourcePulls(s.queues, s.sources, log);
  s.redrive.start();
  return pool;
}
