import { UnrecoverableError } from 'bullmq';
import type { Application } from '../../application/application.ts';
import type { Config } from '../../config/load.ts';
import type { Trackers } from '../../connectors/tracker-registry.ts';
import type { Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';

/**
 * Backlog import for one tracker: every open issue its configured selections pick that nobody linked becomes a
 * feature linked to it (application/link-state.ts importIssue). Runs on the tracker's queue (its rate limit), on a
 * schedule; repeating it is free, since a linked issue is skipped.
 */
export function createTrackerImportJob({
  application,
  trackers,
  config,
  log,
}: {
  application: Application;
  trackers: Trackers;
  config: Pick<Config, 'trackers'>;
  log: Logger;
}) {
  return async ({ kind, site }: JobPayload<'tracker-import'>) => {
    const tracker = trackers.get(kind, site);
    if (!tracker) throw new UnrecoverableError(`no ${kind} tracker "${site}" is configured`);
    const counts = { read: 0, imported: 0 };
    for (const { selection } of config.trackers.backlog.selections.filter(
      (s) => s.kind === kind && s.site === site,
    )) {
      for await (const page of tracker.listBacklog(selection)) {
        counts.read += page.length;
        for (const issue of page) {
          const result = await application.backlog.importIssue(issue.state, issue.title);
          if (result.outcome === 'imported') counts.imported++;
        }
      }
    }
    if (counts.imported > 0) log.info({ tracker: kind, site, ...counts }, 'backlog imported');
    return counts;
  };
}
