import { errorForLog, type Logger } from '../log.ts';

/** When triage refreshes the dedupe index's planner statistics as the index grows (application/triage.ts). */

/** The index grows by at least this many documents, and doubles, before triage refreshes its statistics. */
const REFRESH_GROWTH = 1_000;

/**
 * When the index outgrew the statistics the planner has of it: refreshed once it doubled (and grew by
 * `REFRESH_GROWTH`) since this process last refreshed it, or since its first batch saw it. A planner that believes
 * the postings are few reads them all for every request, so without this a burst into a young index slows triage
 * down request by request until the next scheduled rescore refreshes them.
 */
export function indexRefresher(refresh: (() => Promise<void>) | undefined, log?: Logger) {
  let refreshedAt: number | undefined;
  return async (documents: number | undefined) => {
    if (!refresh || documents === undefined) return;
    refreshedAt ??= documents;
    if (documents < refreshedAt * 2 || documents - refreshedAt < REFRESH_GROWTH) return;
    refreshedAt = documents;
    // Best effort: the scheduled rescore refreshes them too. The error's statement parameters are left out.
    await refresh().catch((err: unknown) =>
      log?.warn({ error: errorForLog(err) }, 'dedupe index refresh failed'),
    );
  };
}
