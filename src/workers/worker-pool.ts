import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { withDeadline } from '../deadline.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import {
  isJobName,
  type JobName,
  type JobPayload,
  jobCatalog,
  QUEUE_NAMES,
  type QueueName,
} from './catalog.ts';

export type JobHandlers = { [N in JobName]: (payload: JobPayload<N>) => Promise<unknown> };

/**
 * One BullMQ worker per queue, each switching on `job.name` through the catalog. A payload that does not match
 * its schema or a name the catalog does not know fails without retries (UnrecoverableError).
 */
export function startWorkers({
  connection,
  prefix,
  config,
  handlers,
  metrics,
  log,
}: {
  connection: Redis;
  prefix: string;
  config: Config['workers'];
  handlers: JobHandlers;
  metrics: Metrics;
  log: Logger;
}) {
  const concurrency: Record<QueueName, number> = { triage: config.concurrency.triage };
  const workers = QUEUE_NAMES.map((queue) => {
    const worker = new Worker(
      queue,
      async (job) => {
        if (!isJobName(job.name) || jobCatalog[job.name].queue !== queue) {
          throw new UnrecoverableError(`no job named ${job.name} on queue ${queue}`);
        }
        const name: JobName = job.name;
        const parsed = jobCatalog[name].payload.safeParse(job.data);
        if (!parsed.success)
          throw new UnrecoverableError(`invalid payload for ${name}: ${parsed.error.message}`);
        try {
          return await handlers[name](parsed.data);
        } catch (err) {
          // BullMQ keeps the message as the job's failedReason in Redis: keep bound values out of it too.
          if (err instanceof UnrecoverableError || !(err instanceof Error)) throw err;
          const safe = new Error(String(errorForLog(err)['message']));
          safe.name = err.name;
          throw safe;
        }
      },
      {
        connection,
        prefix,
        concurrency: concurrency[queue],
        stalledInterval: config.stalledIntervalMs,
        lockDuration: config.lockDurationMs,
        maxStalledCount: 2,
      },
    );
    worker.on('completed', (job) => metrics.jobsCompleted.inc({ queue, name: job.name }));
    worker.on('failed', (job, err) => {
      const final = !job || job.attemptsMade >= (job.opts.attempts ?? 1) || err instanceof UnrecoverableError;
      metrics.jobsFailed.inc({ queue, name: job?.name ?? 'unknown', final: String(final) });
      log.warn(
        {
          queue,
          jobId: job?.id,
          name: job?.name,
          attempt: job?.attemptsMade,
          final,
          error: errorForLog(err),
        },
        'job failed',
      );
    });
    worker.on('error', (err) => log.error({ queue, error: errorForLog(err) }, 'worker error'));
    return worker;
  });

  return {
    workers,
    /** Stops taking jobs and waits for active ones, at most `timeoutMs`; then abandons them (they stall and rerun). */
    async close(timeoutMs: number): Promise<{ timedOut: boolean }> {
      const graceful = await withDeadline(Promise.all(workers.map((w) => w.close())), timeoutMs);
      if (graceful.done) return { timedOut: false };
      // BullMQ's close, even forced, waits on Redis; with Redis gone it never resolves, so bound it too. The
      // caller then drops the connection, and the abandoned jobs stall and rerun elsewhere.
      await withDeadline(Promise.all(workers.map((w) => w.close(true))), 2_000);
      return { timedOut: true };
    },
  };
}

export type WorkerPool = ReturnType<typeof startWorkers>;
