import type { JobsOptions } from 'bullmq';
import { z } from 'zod';

/**
 * Every job the service runs: its queue, payload schema (ids only, never content), how repeats are recognised,
 * and defaults. Queues are by concern, so one slow concern never holds up another: `triage`, and one
 * `tracker-<kind>-<site>` per Jira site or Linear workspace so each queue's limiter matches that tracker's rate
 * limit, `tracker-events` for webhook deliveries (applied from the database, so they do not wait behind a
 * tracker's rate limit), `intake` for source pulls and `notify` for status emails.
 */
export const STATIC_QUEUES = ['triage', 'tracker-events', 'intake', 'notify'] as const;

/** The queue of one Jira site or Linear workspace (no ':' allowed in queue names). */
export function trackerQueueName(kind: 'jira' | 'linear', site: string): string {
  return `tracker-${kind}-${site}`;
}

interface JobDefinition<P extends z.ZodType> {
  queue: (payload: z.infer<P>) => string;
  payload: P;
  /**
   * How a second enqueue of the same work is recognised: a deterministic job id (kept after completion, so the
   * work is done once), or a deduplication id (only while queued or running, so later changes enqueue again).
   * Ids have no ':' and are never all digits (https://docs.bullmq.io/guide/jobs/job-ids).
   */
  identity: (payload: z.infer<P>) => { jobId: string } | { deduplicationId: string };
  options: Pick<JobsOptions, 'attempts' | 'backoff' | 'priority'>;
}

const defineJob = <P extends z.ZodType>(definition: JobDefinition<P>) => definition;

export const jobCatalog = {
  /**
   * Send one notification (notifications row) once its coalescing window ends: queued delayed until `due_at` after
   * the status change commits, and by the redrive for due rows a lost job left pending (or a dead worker left
   * `sending`). Re-reads the row and does nothing unless it is still pending, or its send went stale
   * (workers/jobs/notify-send.job.ts).
   */
  'notify-send': defineJob({
    queue: () => 'notify',
    payload: z.strictObject({ notificationId: z.uuid() }),
    identity: ({ notificationId }) => ({ jobId: `notify-send-${notificationId}` }),
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  }),
  /** One requester's daily digest (`digest` is its due hour, `20260102T09`): every due digest row in one message. */
  'notify-digest': defineJob({
    queue: () => 'notify',
    payload: z.strictObject({ requesterId: z.uuid(), digest: z.string().regex(/^\d{8}T\d{2}$/) }),
    identity: ({ requesterId, digest }) => ({ jobId: `notify-digest-${requesterId}-${digest}` }),
    options: { attempts: 8, backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 } },
  }),
  'triage-request': defineJob({
    queue: () => 'triage',
    payload: z.strictObject({ requestId: z.uuid() }),
    identity: ({ requestId }) => ({ jobId: `triage-request-${requestId}` }),
    options: { attempts: 8, backoff: { type: 'exponential', delay: 500 } },
  }),
  /**
   * Rescore every live feature (recency decay, changed revenue and tiers) and fold name-only companies into the
   * domain company of the same name. Scheduled every `scoring.rescoreIntervalSeconds` (queues.schedule).
   */
  'rescore-features': defineJob({
    queue: () => 'triage',
    payload: z.strictObject({}),
    identity: () => ({ deduplicationId: 'rescore-features' }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
  }),
  /** Create or update one link's tracker issue from the feature's current demand (coalesced by delay). */
  'tracker-push': defineJob({
    queue: ({ kind, site }) => trackerQueueName(kind, site),
    payload: z.strictObject({ linkId: z.uuid(), kind: z.enum(['jira', 'linear']), site: z.string().min(1) }),
    identity: ({ linkId }) => ({ deduplicationId: `tracker-push-${linkId}` }),
    options: { attempts: 10, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
  }),
  /** Apply one recorded webhook delivery (webhook_deliveries row) to the features its issues are linked to. */
  'tracker-event': defineJob({
    queue: () => 'tracker-events',
    payload: z.strictObject({ deliveryId: z.uuid() }),
    identity: ({ deliveryId }) => ({ jobId: `tracker-event-${deliveryId}` }),
    options: { attempts: 10, backoff: { type: 'exponential', delay: 1_000, jitter: 0.5 } },
  }),
  /**
   * Read the tracker's linked issues changed since its cursor (and, now and then, check they all still exist), so
   * a dropped webhook is caught within one interval. Scheduled per tracker (queues.schedule).
   */
  'tracker-reconcile': defineJob({
    queue: ({ kind, site }) => trackerQueueName(kind, site),
    payload: z.strictObject({ kind: z.enum(['jira', 'linear']), site: z.string().min(1) }),
    identity: ({ kind, site }) => ({ deduplicationId: `tracker-reconcile-${kind}-${site}` }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
  }),
  /** Import the tracker's open issues picked by the `backlog:` configuration as features. Scheduled per tracker. */
  'tracker-import': defineJob({
    queue: ({ kind, site }) => trackerQueueName(kind, site),
    payload: z.strictObject({ kind: z.enum(['jira', 'linear']), site: z.string().min(1) }),
    identity: ({ kind, site }) => ({ deduplicationId: `tracker-import-${kind}-${site}` }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
  }),
  /**
   * Pull one intake source from its stored cursor to the end (workers/jobs/source-pull.job.ts). Scheduled per
   * source every `schedule.everySeconds` (queues.schedule); the job moves the cursor only from the value it read,
   * so at most one pull per source makes progress at a time.
   */
  'source-pull': defineJob({
    queue: () => 'intake',
    payload: z.strictObject({ sourceId: z.string().min(1) }),
    identity: ({ sourceId }) => ({ deduplicationId: `source-pull-${sourceId}` }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000, jitter: 0.5 } },
  }),
};

export type JobName = keyof typeof jobCatalog;
export type JobPayload<N extends JobName> = z.infer<(typeof jobCatalog)[N]['payload']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(jobCatalog, name);
}
