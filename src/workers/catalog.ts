import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every job the service runs: its queue, payload schema (ids only, never content), deterministic job id and
 * defaults. Queues are by concern (DESIGN.md); `intake`, `notify` and `tracker-<site>` arrive with their features.
 */
export const QUEUE_NAMES = ['triage'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

interface JobDefinition<P extends z.ZodType> {
  queue: QueueName;
  payload: P;
  /**
   * Deterministic id: a second enqueue of the same work is a no-op. No ':' and never all digits
   * (https://docs.bullmq.io/guide/jobs/job-ids).
   */
  jobId: (payload: z.infer<P>) => string;
  options: Pick<JobsOptions, 'attempts' | 'backoff' | 'priority'>;
}

const defineJob = <P extends z.ZodType>(definition: JobDefinition<P>) => definition;

export const jobCatalog = {
  'triage-request': defineJob({
    queue: 'triage',
    payload: z.strictObject({ requestId: z.uuid() }),
    jobId: ({ requestId }) => `triage-request-${requestId}`,
    options: { attempts: 8, backoff: { type: 'exponential', delay: 500 } },
  }),
};

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['payload']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}
