import type { Sources } from '../connectors/source-registry.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Queues } from './queues.ts';

const SCHEDULER_PREFIX = 'source-pull-';

/** One `source-pull` schedule per enabled source, every `schedule.everySeconds` (the first pull runs right away). */
export function sourcePulls(sources: Sources): Array<{ sourceId: string; everyMs: number }> {
  return sources.all().map((source) => ({
    sourceId: source.id,
    everyMs: (sources.config(source.id)?.schedule.everySeconds ?? 300) * 1000,
  }));
}

/**
 * Removes the pull schedule of a source removed or disabled since the last start: it would only wake a job that
 * finds nothing to do.
 */
export async function removeStaleSourcePulls(queues: Queues, sources: Sources, log: Logger): Promise<void> {
  const wanted = new Set(sourcePulls(sources).map((p) => `${SCHEDULER_PREFIX}${p.sourceId}`));
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
