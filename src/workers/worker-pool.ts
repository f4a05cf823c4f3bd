import { Queue, RateLimitError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.ts';
import { withDeadline } from '../deadline.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { isJobName, type JobName, type JobPayload, jobCatalog } from '../queue/catalog.ts';
import { runAs, type WorkClass } from '../store/work-class.ts';
import { applyConnectorPolicy } from './connector-policy.ts';

type JobHandlers = { [N in JobName]: (payload: JobPayload<N>) => Promise<unknown> };

/** A tracker queue: its name and the limiter that matches that tracker's rate limit. */
interface TrackerQueue {
  name: string;
  limiter: { max: number; duration: number };
  /** Told when the tracker refuses our credentials (the queue is held meanwhile). */
  onHold?: (reason: string) => void;
  /** Told when a job on this queue succeeded (the tracker takes our credentials). */
  onSuccess?: () => void;
}

/**
 * One BullMQ worker per queue, each switching on `job.name` through the catalog. A payload that does not match
 * its schema or a name the catalog does not know fails without retries (UnrecoverableError). Tracker queues run
 * their jobs under the connector error policy (connector-policy.ts) with the tracker's limiter.
 */
export function startWorkers({
  trackerQueues = [],
  ...pool
}: PoolDeps & {
  config: Config['workers'];
  trackerQueues?: readonly TrackerQueue[];
}) {
  const limiterQueues: Queue[] = [];
  const workers = queueDefinitions(pool.config, trackerQueues).map((definition) => {
    const limiterQueue = definition.tracker ? openLimiterQueue(pool, definition.name) : undefined;
    if (limiterQueue) limiterQueues.push(limiterQueue);
    return startWorker(pool, definition, limiterQueue);
  });

  return {
    workers,
    /** Stops taking jobs and waits for active ones, at most `timeoutMs`; then abandons them (they stall and rerun). */
    async close(timeoutMs: number): Promise<{ timedOut: boolean }> {
      const graceful = await withDeadline(Promise.all(workers.map((w) => w.close())), timeoutMs);
      if (!graceful.done) {
        // BullMQ's close, even forced, waits on Redis; with Redis gone it never resolves, so bound it too. The
        // caller then drops the connection, and the abandoned jobs stall and rerun elsewhere.
        await withDeadline(Promise.all(workers.map((w) => w.close(true))), 2_000);
      }
      await withDeadline(Promise.all(limiterQueues.map((q) => q.close())), 1_000);
      return { timedOut: !graceful.done };
    },
  };
}

/** What every worker of the pool shares. */
interface PoolDeps {
  connection: Redis;
  prefix: string;
  config: Config['workers'];
  handlers: JobHandlers;
  metrics: Metrics;
  log: Logger;
}

/** A queue this process works on, how many of its jobs at once, and its tracker when it is one. */
interface QueueDefinition {
  name: string;
  concurrency: number;
  tracker: TrackerQueue | undefined;
}

function queueDefinitions(
  config: Config['workers'],
  trackerQueues: readonly TrackerQueue[],
): QueueDefinition[] {
  return [
    { name: 'triage', concurrency: config.concurrency.triage, tracker: undefined },
    { name: 'tracker-events', concurrency: 4, tracker: undefined },
    // Status mail: sends wait on the SMTP server, not the CPU.
    { name: 'notify', concurrency: 8, tracker: undefined },
    // Intake pulls: one job per source; a pull waiting out a 429 holds only its own slot.
    { name: 'intake', concurrency: 4, tracker: undefined },
    ...trackerQueues.map((t) => ({ name: t.name, concurrency: 2, tracker: t })),
  ];
}

/** The handle the connector policy holds a tracker queue by (rate limits, held credentials). */
function openLimiterQueue({ connection, prefix, log }: PoolDeps, queue: string): Queue {
  const limiterQueue = new Queue(queue, { connection, prefix });
  limiterQueue.on('error', (err) => log.warn({ queue, error: errorForLog(err) }, 'queue connection error'));
  return limiterQueue;
}

/**
 * Jobs whose work has a class of its own (store/work-class.ts): on PGlite, a backlog of triage goes before tracker
 * pushes, reconciles, rescores and pulled pages on the one connection, which keep a share (store/pglite-turns.ts).
 */
const WORK_CLASSES: Partial<Record<JobName, WorkClass>> = { 'triage-request': 'triage' };

/**
 * Checks the job against the catalog (a known name, a valid payload, the right queue) and runs its handler, as
 * work of its class if it has one; a job that fails a check fails without retries.
 */
export function runJob(
  handlers: JobHandlers,
  queue: string,
  job: { name: string; data: unknown },
): Promise<unknown> {
  if (!isJobName(job.name)) throw new UnrecoverableError(`no job named ${job.name} on queue ${queue}`);
  const name: JobName = job.name;
  const parsed = jobCatalog[name].payload.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.message}`);
  if (jobCatalog[name].queue(parsed.data as never) !== queue) {
    throw new UnrecoverableError(`job ${name} does not belong on queue ${queue}`);
  }
  const handle = () => (handlers[name] as (payload: unknown) => Promise<unknown>)(parsed.data);
  const workClass = WORK_CLASSES[name];
  return workClass ? runAs(workClass, handle) : handle();
}

/** Runs the job, under the connector policy on a tracker queue; an error leaves with no bound values in its message. */
async function processJob(
  handlers: JobHandlers,
  { name: queue, tracker }: QueueDefinition,
  limiterQueue: Queue | undefined,
  job: { name: string; data: unknown },
): Promise<unknown> {
  try {
    const step = () => Promise.resolve(runJob(handlers, queue, job));
    return limiterQueue
      ? await applyConnectorPolicy(step, {
          queue: limiterQueue,
          ...(tracker?.onHold ? { onHold: tracker.onHold } : {}),
        })
      : await step();
  } catch (err) {
    // BullMQ keeps the message as the job's failedReason in Redis: keep bound values out of it too.
    if (err instanceof UnrecoverableError || err instanceof RateLimitError || !(err instanceof Error))
      throw err;
    const safe = new Error(String(errorForLog(err)['message']));
    safe.name = err.name;
    throw safe;
  }
}

function startWorker(pool: PoolDeps, definition: QueueDefinition, limiterQueue: Queue | undefined): Worker {
  const { connection, prefix, config, handlers } = pool;
  const { name: queue, concurrency, tracker } = definition;
  const worker = new Worker(queue, (job) => processJob(handlers, definition, limiterQueue, job), {
    connection,
    prefix,
    concurrency,
    stalledInterval: config.stalledIntervalMs,
    lockDuration: config.lockDurationMs,
    maxStalledCount: 2,
    ...(tracker ? { limiter: tracker.limiter } : {}),
  });
  reportOutcomes(pool, definition, worker);
  return worker;
}

/** Each job's outcome into the metrics and the log; a push that reached the tracker tells its health. */
function reportOutcomes(
  { metrics, log }: PoolDeps,
  { name: queue, tracker }: QueueDefinition,
  worker: Worker,
): void {
  worker.on('completed', (job) => {
    metrics.jobsCompleted.inc({ queue, name: job.name });
    // Only a push that reached the tracker proves the credentials work (a skipped one made no call).
    const result = job.returnvalue as { skipped?: unknown } | null | undefined;
    if (job.name === 'tracker-push' && result?.skipped === undefined) tracker?.onSuccess?.();
  });
  worker.on('failed', (job, err) => {
    const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
    metrics.jobsFailed.inc({ queue, name: job?.name ?? 'unknown', final: String(final) });
    log.warn(
      { queue, jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, final, error: errorForLog(err) },
      'job failed',
    );
  });
  worker.on('error', (err) => log.error({ queue, error: errorForLog(err) }, 'worker error'));
}

export type WorkerPool = ReturnType<typeof startWorkers>;
