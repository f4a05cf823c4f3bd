import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { digestKey } from '../rules/notify/digest-time.ts';
import type { FanOutOutcome } from '../store/notify-outbox.repo.ts';
import type { Store } from '../store/store.ts';
import type { JobPayload } from './catalog.ts';
import type { Queues } from './queues.ts';

const ENQUEUE_BATCH = 100;

/**
 * Queues the sends a committed status change made due: each row's `notify-send` (or its requester's daily
 * `notify-digest`) delayed until its due time. A failed enqueue is logged, not thrown: the row stays pending in the
 * database and the redrive queues it once it is due.
 */
export async function scheduleNotificationsAfterCommit(
  queues: Queues,
  outcome: FanOutOutcome,
  { metrics, log, now = Date.now() }: { metrics: Metrics; log: Logger; now?: number },
): Promise<void> {
  if (outcome.cancelled > 0) metrics.notificationsCancelled.inc(outcome.cancelled);
  // In parallel batches: a feature with a thousand requesters should not wait on a thousand round trips.
  for (let i = 0; i < outcome.created.length; i += ENQUEUE_BATCH) {
    await Promise.all(
      outcome.created.slice(i, i + ENQUEUE_BATCH).map((row) => {
        metrics.notificationsCreated.inc({ channel: row.channel });
        const delayMs = Math.max(0, row.dueAt.getTime() - now);
        const job = row.digest
          ? queues.enqueue(
              'notify-digest',
              { requesterId: row.requesterId, digest: digestKey(row.dueAt) },
              { delayMs },
            )
          : queues.enqueue('notify-send', { notificationId: row.id }, { delayMs });
        return job.catch((err: unknown) =>
          log.warn(
            { notificationId: row.id, error: errorForLog(err) },
            'notification enqueue failed; the redrive will pick it up',
          ),
        );
      }),
    );
  }
}

/**
 * For the redrive: every pending row due before `before`, and every stale `sending` row, has its job (a Redis
 * flush or a worker killed mid-send loses no mail).
 */
export async function redriveDueNotifications(
  store: Store,
  queues: Queues,
  {
    before,
    limit,
    retryFailedAfterMs,
    now,
  }: { before: Date; limit: number; retryFailedAfterMs: number; now: number },
): Promise<number> {
  const due = await store.notifications.due(before, limit);
  // The row says what is due: a job that completed while its row is still pending (it ran early, or the row was
  // re-opened) is replaced.
  const redrive = { retryFailedAfterMs, now, replaceCompleted: true };
  const digests = new Map<string, JobPayload<'notify-digest'>>();
  let redriven = 0;
  for (const row of due) {
    if (row.detail['digest'] === true) {
      const payload = { requesterId: row.requesterId, digest: digestKey(row.dueAt) };
      digests.set(`${payload.requesterId}-${payload.digest}`, payload);
      continue;
    }
    if ((await queues.redrive('notify-send', { notificationId: row.id }, redrive)) !== 'present') redriven++;
  }
  for (const payload of digests.values()) {
    if ((await queues.redrive('notify-digest', payload, redrive)) !== 'present') redriven++;
  }
  return redriven;
}
