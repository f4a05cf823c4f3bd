import type { Application } from '../application/application.ts';
import type { Config } from '../config/load.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { redriveDueNotifications } from '../queue/schedule-notify.ts';
import type { Schedules } from '../queue/schedules.ts';
import type { Store } from '../store/store.ts';

const BATCH = 500;
/** Untriaged requests checked per run: a backlog draining is checked a page a run, never all at once. */
const TRIAGE_PER_RUN = 200;

/** What each redrive reads from and writes to. */
interface RedriveDeps {
  store: Store;
  queues: Queues;
  config: Config['reconcile'];
  metrics: Metrics;
  log: Logger;
  now: () => number;
  /** Ends review holds that ran out (the application's use case); absent: none are released here. */
  review?: Pick<Application['review'], 'releaseExpiredHolds'> | undefined;
}

/** Where the triage redrive goes on from: the last request id the previous run checked (undefined: the start). */
interface TriageCursor {
  afterId: string | undefined;
  perRun: number;
}

interface RedriveRun {
  schedules: { created: string[]; failed: string[] };
  triage: { added: number; retried: number; present: number };
  pushes: { added: number; skipped: number };
  /** Features whose review hold ran out, given their link and push this run. */
  holdsReleased: number;
  webhooks: number;
  notifications: number;
}

/**
 * The database is the record of pending work; Redis only carries it. The redrive reads what is pending (here:
 * untriaged requests older than a grace period) and makes sure a job exists for each, so a Redis flush, a lost
 * enqueue or a worker killed mid-job ends in the same state as one clean run. The repeating jobs (rescore, tracker
 * reconcile, backlog import, source pulls) live only in Redis, so each run also puts back any schedule it lacks,
 * and features whose review hold ran out are released to their trackers (their pushes queued like any other).
 * Safe to run in every worker process: job ids and scheduler ids are deterministic.
 */
export function createRedrive({
  trackerSites = [],
  schedules,
  now = () => Date.now(),
  triagePerRun = TRIAGE_PER_RUN,
  ...rest
}: Omit<RedriveDeps, 'now'> & {
  /** The configured trackers: `trackers()` asks each to reconcile now. */
  trackerSites?: ReadonlyArray<{ kind: 'jira' | 'linear'; site: string }>;
  /** The schedules the configuration wants, put back when Redis lost them. */
  schedules?: Schedules | undefined;
  now?: () => number;
  /** Untriaged requests checked per run (the next run goes on where this one stopped). */
  triagePerRun?: number;
}) {
  const deps: RedriveDeps = { ...rest, now };
  const triageCursor: TriageCursor = { afterId: undefined, perRun: triagePerRun };
  const { queues, config, log } = deps;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let prunedAt = 0;

  /** Processed deliveries are kept a while (their ids dedupe redeliveries), then pruned, at most hourly. */
  async function pruneDeliveries(): Promise<void> {
    if (now() - prunedAt < 3_600_000) return;
    prunedAt = now();
    await deps.store.webhooks.prune(new Date(now() - config.webhookRetentionDays * 86_400_000));
  }

  async function runOnce(): Promise<RedriveRun> {
    // First, and never throwing: a schedule comes back even when the redrives below fail.
    const scheduled = schedules ? await schedules.ensure() : { created: [], failed: [] };
    const before = new Date(now() - config.graceSeconds * 1000);
    const triage = await redriveTriage(deps, before, triageCursor);
    const holdsReleased = await releaseExpiredHolds(deps);
    const pushes = await redrivePushes(deps, before);
    const webhooks = await redriveDeliveries(deps, before);
    await pruneDeliveries();
    const notifications = await redriveNotifications(deps, before);
    return { schedules: scheduled, triage, pushes, holdsReleased, webhooks, notifications };
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
    /** Asks every tracker's reconcile to run now (besides its schedule): the admin endpoint. */
    async trackers(): Promise<number> {
      for (const site of trackerSites) await queues.enqueue('tracker-reconcile', site);
      return trackerSites.length;
    },
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

/** When a job that failed for good is tried again, as of now. */
function retryPolicy({ config, now }: RedriveDeps): { retryFailedAfterMs: number; now: number } {
  return { retryFailedAfterMs: config.retryFailedAfterSeconds * 1000, now: now() };
}

/**
 * Requests not triaged by `before`: make sure each has its triage job. One page a run, going on from where the
 * last run stopped and starting over after the last page, so a large backlog costs each run one bounded read and
 * `perRun` job checks (triage drains it meanwhile), and every request is still checked within a few runs.
 */
async function redriveTriage(
  deps: RedriveDeps,
  before: Date,
  cursor: TriageCursor,
): Promise<RedriveRun['triage']> {
  const { store, queues, metrics, log } = deps;
  const counts = { added: 0, retried: 0, present: 0 };
  let ids = await store.requests.untriaged(before, cursor.perRun, cursor.afterId);
  // Past the last page: start over now rather than spend this run on nothing.
  if (ids.length === 0 && cursor.afterId) ids = await store.requests.untriaged(before, cursor.perRun);
  cursor.afterId = ids.length < cursor.perRun ? undefined : ids[ids.length - 1];
  for (let i = 0; i < ids.length; i += 50) {
    const results = await Promise.all(
      ids
        .slice(i, i + 50)
        .map((requestId) => queues.redrive('triage-request', { requestId }, retryPolicy(deps))),
    );
    for (const r of results) counts[r]++;
  }
  const redriven = counts.added + counts.retried;
  if (redriven > 0) {
    metrics.reconcileEnqueued.inc({ queue: 'triage' }, redriven);
    log.info({ queue: 'triage', ...counts }, 'redrive re-enqueued pending work');
  }
  return counts;
}

/** Webhook deliveries recorded but not applied (the enqueue after recording was lost): queue them. */
async function redriveDeliveries(deps: RedriveDeps, before: Date): Promise<number> {
  const deliveries = await deps.store.webhooks.unprocessed(before, BATCH);
  const results = await Promise.all(
    deliveries.map((d) => deps.queues.redrive('tracker-event', { deliveryId: d.id }, retryPolicy(deps))),
  );
  const redriven = results.filter((r) => r !== 'present').length;
  if (redriven > 0) deps.metrics.reconcileEnqueued.inc({ queue: 'tracker-events' }, redriven);
  return redriven;
}

/** Features held for review past `push.holdForReview`: pushed now, in one unit of work of the application's. */
async function releaseExpiredHolds({ review, log }: RedriveDeps): Promise<number> {
  if (!review) return 0;
  // A failure here waits for the next run; the redrives after it still run.
  const released = await review.releaseExpiredHolds().catch((err: unknown) => {
    log.warn({ error: errorForLog(err) }, 'releasing expired review holds failed; will retry');
    return [];
  });
  if (released.length > 0) log.info({ released: released.length }, 'review holds ran out: features pushed');
  return released.length;
}

/** Links whose demand is not pushed yet: make sure a push is queued (a no-op while one waits or runs). */
async function redrivePushes(deps: RedriveDeps, before: Date): Promise<{ added: number; skipped: number }> {
  const counts = { added: 0, skipped: 0 };
  const links = await deps.store.links.dirty(before, BATCH);
  const results = await Promise.allSettled(
    links.map((l) =>
      deps.queues.redrive('tracker-push', { linkId: l.id, kind: l.kind, site: l.site }, retryPolicy(deps)),
    ),
  );
  // A link of a tracker this process has no queue for (not configured here) is left to a process that has it.
  for (const r of results) counts[r.status === 'fulfilled' ? 'added' : 'skipped']++;
  if (counts.added > 0) deps.metrics.reconcileEnqueued.inc({ queue: 'tracker' }, counts.added);
  return counts;
}

/**
 * Due notifications still pending (their delayed job lost with Redis, or never queued), and sends that never
 * finished (stale `sending`: the worker died after claiming): queue them.
 */
async function redriveNotifications(deps: RedriveDeps, before: Date): Promise<number> {
  const redriven = await redriveDueNotifications(deps.store, deps.queues, {
    before,
    limit: BATCH,
    ...retryPolicy(deps),
  });
  if (redriven > 0) deps.metrics.reconcileEnqueued.inc({ queue: 'notify' }, redriven);
  return redriven;
}
