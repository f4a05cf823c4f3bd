import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/load.ts';
import { errorForLog, type Logger } from '../log.ts';
import { type JobName, type JobPayload, jobCatalog, STATIC_QUEUES } from './catalog.ts';

type RedriveResult = 'added' | 'retried' | 'present';

const schedulerIdOf = (identity: { jobId: string } | { deduplicationId: string }) =>
  'jobId' in identity ? identity.jobId : identity.deduplicationId;

/** The interval BullMQ stores for a schedule of `everyMs` (whole milliseconds, at least 1). */
export const schedulerEvery = (everyMs: number) => Math.max(1, Math.round(everyMs));

interface QueueConnection {
  connection: Redis;
  prefix: string;
  retention: Config['retention'];
  log: Logger;
}

/** Producer side of the job catalog: typed, validated enqueue with the catalog's ids, defaults and retention. */
export function createQueues({
  trackerQueues = [],
  ...connection
}: QueueConnection & {
  /** One queue per configured Jira site / Linear workspace (catalog.trackerQueueName). */
  trackerQueues?: readonly string[];
}) {
  const { prefix } = connection;
  const names = [...STATIC_QUEUES, ...trackerQueues];
  const queues = openQueues(names, connection);
  const queueFor = (name: string): Queue => queues.get(name) ?? unknownQueue(name);
  const prepare = <N extends JobName>(name: N, payload: JobPayload<N>) => prepareJob(queueFor, name, payload);
  return {
    prefix,
    names,
    queue: queueFor,

    /** Adds the job unless the same work is already queued (or, for job-id jobs, was ever done). */
    async enqueue<N extends JobName>(
      name: N,
      payload: JobPayload<N>,
      { delayMs = 0 }: { delayMs?: number } = {},
    ): Promise<void> {
      const { queue, data, options } = prepare(name, payload);
      await queue.add(name, data, { ...options, ...(delayMs > 0 ? { delay: Math.ceil(delayMs) } : {}) });
    },

    /**
     * Like enqueue, but when this work already waits with a delay (a coalesced push), that job runs now instead
     * of a second one being added.
     */
    async enqueueNow<N extends JobName>(name: N, payload: JobPayload<N>): Promise<void> {
      await addOrPromote(name, prepare(name, payload));
    },

    /**
     * For a deduplicated job, from inside that job: BullMQ keeps the deduplication id until the job finishes, so
     * an enqueue of the same work while it runs is dropped. Releasing the id lets the next enqueue add a job of
     * its own; the job then checks the database for anything that arrived before the release.
     */
    async releaseDeduplication<N extends JobName>(name: N, payload: JobPayload<N>): Promise<void> {
      const { queue, identity } = prepare(name, payload);
      if ('deduplicationId' in identity) await queue.removeDeduplicationKey(identity.deduplicationId);
    },

    /**
     * For the redrive: make sure work the database says is pending is queued. A missing job is added, a job
     * that failed all its attempts longer ago than `retryFailedAfterMs` is retried, anything else is left alone.
     */
    async redrive<N extends JobName>(name: N, payload: JobPayload<N>, options: RedriveOptions) {
      return redriveJob(name, prepare(name, payload), options);
    },

    /**
     * A job the queue makes every `everyMs` (BullMQ job scheduler, upserted by a stable id so every process and
     * restart shares one). The first run is due right away.
     */
    async schedule<N extends JobName>(name: N, payload: JobPayload<N>, everyMs: number): Promise<void> {
      await upsertScheduler(name, prepare(name, payload), everyMs);
    },

    /** Where `schedule` keeps this job's scheduler: its queue and id (to look it up without changing it). */
    scheduler<N extends JobName>(name: N, payload: JobPayload<N>): { queue: Queue; id: string } {
      const { queue, identity } = prepare(name, payload);
      return { queue, id: schedulerIdOf(identity) };
    },

    depths: () => jobCounts(queues),

    async close(): Promise<void> {
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

export type Queues = ReturnType<typeof createQueues>;

function unknownQueue(name: string): never {
  throw new Error(`unknown queue ${name}`);
}

/** Every queue of this process, with its retention and its connection errors sent to the log. */
function openQueues(
  names: readonly string[],
  { connection, prefix, retention, log }: QueueConnection,
): Map<string, Queue> {
  return new Map<string, Queue>(
    names.map((name) => {
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
}

/** A job ready to add: its validated payload, the queue it belongs on, its identity and options. */
interface PreparedJob<N extends JobName> {
  queue: Queue;
  data: JobPayload<N>;
  identity: { jobId: string } | { deduplicationId: string };
  options: JobsOptions;
}

/** Validates the payload against the catalog and finds its queue, identity and options. */
function prepareJob<N extends JobName>(
  queueFor: (name: string) => Queue,
  name: N,
  payload: JobPayload<N>,
): PreparedJob<N> {
  const definition = jobCatalog[name];
  // Each definition's functions take its own payload type; the catalog lookup loses that pairing.
  const data = definition.payload.parse(payload) as never;
  const identity = definition.identity(data);
  const queue = queueFor(definition.queue(data));
  const idOptions =
    'jobId' in identity ? { jobId: identity.jobId } : { deduplication: { id: identity.deduplicationId } };
  return { queue, data: data as JobPayload<N>, identity, options: { ...definition.options, ...idOptions } };
}

/** Adds the job, unless the same work already waits with a delay: then that job runs now instead. */
async function addOrPromote<N extends JobName>(
  name: N,
  { queue, data, identity, options }: PreparedJob<N>,
): Promise<void> {
  if ('deduplicationId' in identity) {
    const jobId = await queue.getDeduplicationJobId(identity.deduplicationId);
    const job = jobId ? await queue.getJob(jobId) : undefined;
    if (job && (await job.isDelayed())) {
      // It may have just started; then it runs now anyway.
      await job.promote().catch(() => {});
      return;
    }
  }
  await queue.add(name, data, options);
}

interface RedriveOptions {
  retryFailedAfterMs: number;
  now: number;
  /**
   * A completed job is replaced by a new one: for work whose own row, not the job's history, says it is still due
   * (a notification job that ran early, or whose row was re-opened).
   */
  replaceCompleted?: boolean;
}

/** `Queues.redrive` on a prepared job. */
async function redriveJob<N extends JobName>(
  name: N,
  { queue, data, identity, options }: PreparedJob<N>,
  { retryFailedAfterMs, now, replaceCompleted = false }: RedriveOptions,
): Promise<RedriveResult> {
  // Deduplicated jobs: adding is a no-op while one is queued or running, which is exactly "make sure it is queued".
  if (!('jobId' in identity)) {
    await queue.add(name, data, options);
    return 'added';
  }
  const existing = await queue.getJob(identity.jobId);
  if (!existing) {
    await queue.add(name, data, options);
    return 'added';
  }
  const state = await existing.getState();
  if (state === 'failed' && now - (existing.finishedOn ?? 0) >= retryFailedAfterMs) {
    // Another process's redrive may retry it first; then it is no longer failed, which is what we want.
    return existing.retry('failed').then(
      () => 'retried' as const,
      () => 'present' as const,
    );
  }
  if (state === 'unknown' || (state === 'completed' && replaceCompleted)) {
    // A job id that exists but is in no list would make the add a no-op: clear it first.
    await existing.remove().catch(() => {});
    await queue.add(name, data, options);
    return 'added';
  }
  return 'present';
}

/** `Queues.schedule` on a prepared job. */
async function upsertScheduler<N extends JobName>(
  name: N,
  { queue, data, identity }: PreparedJob<N>,
  everyMs: number,
): Promise<void> {
  await queue.upsertJobScheduler(
    schedulerIdOf(identity),
    { every: schedulerEvery(everyMs) },
    { name, data, opts: jobCatalog[name].options },
  );
}

/** How many jobs each queue holds, by state. */
async function jobCounts(
  queues: Map<string, Queue>,
): Promise<Array<{ queue: string; state: string; count: number }>> {
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
}
