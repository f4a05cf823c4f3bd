import type { Sources } from '../connectors/sources.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Queues } from './queues.ts';

const SCHEDULER_PREFIX = 'source-pull-';

/**
 * One `source-pull` schedule per enabled source, every `schedule.everySeconds` (the first pull runs right away),
 * and none for a source removed or disabled since the last start: its schedule would only wake a job that finds
 * nothing to do.
 */
export async function scheduleSourcePulls(queues: Queues, sources: Sources, log: Logger): Promise<void> {
  const wanted = new Set<string>();
  for (const source of sources.all()) {
    const every = sources.config(source.id)?.schedule.everySeconds ?? 300;
    wanted.add(`${SCHEDULER_PREFIX}${source.id}`);
    await queues
      .schedule('source-pull', { sourceId: source.id }, every * 1000)
      .catch((err: unknown) =>
        log.warn(
          { sourceId: source.id, error: errorForLog(err) },
          'cannot schedule a source pull; retried at restart',
        ),
      );
  }
  try {
    const intake = queues.queue('intake');
    for (const scheduler of await intake.getJobSchedulers()) {
      const id = scheduler.id ?? scheduler.key;
      if (id.startsWith(SCHEDULER_PREFIX) && !wanted.has(id)) {
        await intake.removeJobScheduler(id);
        log.info({ scheduler: id }, 'source no longer configured; its pull schedule is removed');
      }
    }
  } catch (err) {
    log.warn(
      { error: errorForLog(err) },
      'cannot list source pull schedules; stale ones stay until next start',
    );
  }
}
