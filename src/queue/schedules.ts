import type { Queue } from 'bullmq';
import type { Config } from '../config/load.ts';
import type { Sources } from '../connectors/source-registry.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { JobName, JobPayload } from './catalog.ts';
import { type Queues, schedulerEvery } from './queues.ts';
import { sourcePulls } from './source-schedules.ts';

/** One job the queue makes every `everyMs` (a BullMQ job scheduler), as the configuration wants it. */
export interface Schedule {
  /** The scheduler id, shared by every process and restart: what /readyz names. */
  id: string;
  everyMs: number;
  queue: Queue;
  upsert(): Promise<void>;
}

function wantedSchedule<N extends JobName>(
  queues: Queues,
  job: N,
  payload: JobPayload<N>,
  everyMs: number,
): Schedule {
  const { queue, id } = queues.scheduler(job, payload);
  return { id, everyMs, queue, upsert: () => queues.schedule(job, payload, everyMs) };
}

/**
 * Every schedule the configuration wants: the rescore, each tracker's reconcile (which also runs the existence
 * sweep), each backlog import and each source's pull.
 */
export function wantedSchedules({
  queues,
  config,
  trackerSites,
  sources,
}: {
  queues: Queues;
  config: Pick<Config, 'scoring' | 'reconcile' | 'trackers'>;
  trackerSites: ReadonlyArray<{ kind: 'jira' | 'linear'; site: string }>;
  sources: Sources;
}): Schedule[] {
  const backlog = config.trackers.backlog;
  return [
    wantedSchedule(queues, 'rescore-features', {}, config.scoring.rescoreIntervalSeconds * 1000),
    ...trackerSites.map((site) =>
      wantedSchedule(queues, 'tracker-reconcile', site, config.reconcile.trackerIntervalSeconds * 1000),
    ),
    ...trackerSites
      .filter((t) => backlog.selections.some((s) => s.kind === t.kind && s.site === t.site))
      .map((site) => wantedSchedule(queues, 'tracker-import', site, backlog.intervalSeconds * 1000)),
    ...sourcePulls(sources).map(({ sourceId, everyMs }) =>
      wantedSchedule(queues, 'source-pull', { sourceId }, everyMs),
    ),
  ];
}

/**
 * The schedules live only in Redis, so a flush (or a failover to a replica without them) ends them for good unless
 * someone puts them back: the redrive calls `ensure()` on every run, and /readyz asks `status()`. Upserting
 * is idempotent by id, so every worker process may do it at once.
 */
export function createSchedules({ wanted, log }: { wanted: readonly Schedule[]; log: Logger }) {
  async function state(s: Schedule): Promise<'present' | 'missing' | 'changed'> {
    const found = await s.queue.getJobScheduler(s.id);
    if (!found) return 'missing';
    return Number(found.every) === schedulerEvery(s.everyMs) ? 'present' : 'changed';
  }

  async function status(): Promise<Array<{ id: string; present: boolean }>> {
    return Promise.all(wanted.map(async (s) => ({ id: s.id, present: (await state(s)) !== 'missing' })));
  }

  return {
    wanted,

    /** Each wanted schedule and whether Redis has it. */
    status,

    /**
     * Puts back each wanted schedule Redis lacks or holds with another interval; `all` upserts every one (at
     * start, so a changed job template applies too). The look first spares Redis a rewrite on every run and leaves
     * an iteration that is running alone. Returns the ids written and those that failed (Redis down: logged, the
     * next run tries again).
     */
    async ensure({ all = false }: { all?: boolean } = {}): Promise<{ created: string[]; failed: string[] }> {
      const created: string[] = [];
      const failed: string[] = [];
      for (const s of wanted) {
        try {
          if (!all && (await state(s)) === 'present') continue;
          await s.upsert();
          created.push(s.id);
        } catch (err) {
          failed.push(s.id);
          log.warn({ schedule: s.id, error: errorForLog(err) }, 'cannot schedule; the redrive tries again');
        }
      }
      if (created.length > 0 && !all)
        log.warn({ schedules: created }, 'schedules missing from Redis put back');
      return { created, failed };
    },
  };
}

export type Schedules = ReturnType<typeof createSchedules>;
