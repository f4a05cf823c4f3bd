import type { Config } from '../config.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Store } from '../store/store.ts';
import type { Queues } from './queues.ts';

const BATCH = 500;

/**
 * The database is the record of pending work; Redis only carries it. The reconciler reads what is pending (here:
 * untriaged requests older than a grace period) and makes sure a job exists for each, so a Redis flush, a lost
 * enqueue or a worker killed mid-job ends in the same state as one clean run. Safe to run in every worker process:
 * job ids are deterministic.
 */
export function createReconciler({
  store,
  queues,
  config,
  metrics,
  log,
  now = () => Date.now(),
}: {
  store: Store;
  queues: Queues;
  config: Config['reconcile'];
  metrics: Metrics;
  log: Logger;
  now?: () => number;
}) {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;

  /** Links whose demand is not pushed yet: make sure a push is queued (a no-op while one waits or runs). */
  async function redrivePushes(before: Date): Promise<{ added: number; skipped: number }> {
    const counts = { added: 0, skipped: 0 };
    const links = await store.links.dirty(before, BATCH);
    const results = await Promise.allSettled(
      links.map((l) =>
        queues.redrive(
          'tracker-push',
          { linkId: l.id, kind: l.kind, site: l.site },
          { retryFailedAfterMs: config.retryFailedAfterSeconds * 1000, now: now() },
        ),
      ),
    );
    // A link of a tracker this process has no queue for (not configured here) is left to a process that has it.
    for (const r of results) counts[r.status === 'fulfilled' ? 'added' : 'skipped']++;
    if (counts.added > 0) metrics.reconcileEnqueued.inc({ queue: 'tracker' }, counts.added);
    return counts;
  }

  async function runOnce(): Promise<{
    triage: { added: number; retried: number; present: number };
    pushes: { added: number; skipped: number };
  }> {
    const counts = { added: 0, retried: 0, present: 0 };
    const before = new Date(now() - config.graceSeconds * 1000);
    let ids = await store.requests.untriaged(before, BATCH);
    while (ids.length > 0) {
      for (let i = 0; i < ids.length; i += 50) {
        const results = await Promise.all(
          ids
            .slice(i, i + 50)
            .map((requestId) =>
              queues.redrive(
                'triage-request',
                { requestId },
                { retryFailedAfterMs: config.retryFailedAfterSeconds * 1000, now: now() },
              ),
            ),
        );
        for (const r of results) counts[r]++;
      }
      if (ids.length < BATCH) break;
      ids = await store.requests.untriaged(before, BATCH, ids[ids.length - 1]);
    }
    const redriven = counts.added + counts.retried;
    if (redriven > 0) {
      metrics.reconcileEnqueued.inc({ queue: 'triage' }, redriven);
      log.info({ queue: 'triage', ...counts }, 'reconciler re-enqueued pending work');
    }
    return { triage: counts, pushes: await redrivePushes(before) };
  }

  const tick = () => {
    running ??= runOnce()
      .catch((err: unknown) => log.warn({ error: errorForLog(err) }, 'reconcile failed; will retry'))
      .finally(() => {
        running = undefined;
      });
  };

  return {
    runOnce,
    start() {
      tick();
      timer = setInterval(tick, config.intervalSeconds * 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
