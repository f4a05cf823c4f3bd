import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import { errorForLog, type Logger } from '../log.ts';
import { type JobName, type JobPayload, jobCatalog, QUEUE_NAMES, type QueueName } from './catalog.ts';

export type RedriveResult = 'added' | 'retried' | 'present';

/** Producer side of the job catalog: typed, validated enqueue with the catalog's ids, defaults and retention. */
export function createQueues({
  connection,
  prefix,
  retention,
  log,
}: {
  connection: Redis;
  prefix: string;
  retention: Config['retention'];
  log: Logger;
}) {
  const queues = new Map<QueueName, Queue>(
    QUEUE_NAMES.map((name) => {
      const queue = new Queue(name, {
        connection,
        prefix,
        defaultJobOptions: {
          removeOnComplete: { count: retention.completedJobs.count, age: retention.completedJobs.ageSeconds },
          removeOnFail: { count: retention.failedJobs.count, age: retention.failedJobs.ageSeconds },
        },
      });
      // Without a listener BullMQ prints connection errors to stderr as raw text; they belong in the JSON log.
      queue.on('error', (err) =>
        log.warn({ queue: name, error: errorForLog(err) }, 'queue connection error'),
      );
      return [name, queue] as const;
    }),
  );
  const queueFor = (name: QueueName): Queue => {
    const queue = queues.get(name);
    if (!queue) throw new Error(`unknown queue ${name}`);
    return queue;
  };

  function prepare<N extends JobName>(name: N, payload: JobPayload<N>) {
    const definition = jobCatalog[name];
    const data = definition.payload.parse(payload);
    return {
      queue: queueFor(definition.queue),
      data,
      jobId: definition.jobId(data),
      options: definition.options,
    };
  }

  return {
    prefix,
    names: QUEUE_NAMES,
    queue: queueFor,

    async enqueue<N extends JobName>(name: N, payload: JobPayload<N>): Promise<void> {
      const { queue, data, jobId, options } = prepare(name, payload);
      await queue.add(name, data, { ...options, jobId });
    },

    /**
     * For the reconciler: make sure work the database says is pending is queued. A missing job is added, a job
     * that failed all its attempts longer ago than `retryFailedAfterMs` is retried, anything else is left alone.
     */
    async redrive<N extends JobName>(
      name: N,
      payload: JobPayload<N>,
      { retryFailedAfterMs, now }: { retryFailedAfterMs: number; now: number },
    ): Promise<RedriveResult> {
      const { queue, data, jobId, options } = prepare(name, payload);
      const existing = await queue.getJob(jobId);
      if (!existing) {
        await queue.add(name, data, { ...options, jobId });
        return 'added';
      }
      const state = await existing.getState();
      if (state === 'failed' && now - (existing.finishedOn ?? 0) >= retryFailedAfterMs) {
        // Another process's reconciler may retry it first; then it is no longer failed, which is what we want.
        return existing.retry('failed').then(
          () => 'retried' as const,
          () => 'present' as const,
        );
      }
      if (state === 'unknown') {
        await queue.add(name, data, { ...options, jobId });
        return 'added';
      }
      return 'present';
    },

    async depths(): Promise<Array<{ queue: string; state: string; count: number }>> {
      const out: Array<{ queue: string; state: string; count: number }> = [];
      for (const [name, queue] of queues) {
        const counts = await queue.getJobCounts(
          'waiting',
          'active',
          'delayed',
          'failed',
          'prioritized',
          'waiting-children',
        );
        for (const [state, count] of Object.entries(counts)) out.push({ queue: name, state, count });
      }
      return out;
    },

    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;
