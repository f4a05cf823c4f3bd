import { errorForLog, type Logger } from '../log.ts';

/**
 * What triage keeps up to date in the dedupe index as the index grows (application/triage.ts), between the
 * scheduled rescores.
 */

/** The index grows by at least this many documents between two refreshes of either kind. */
const REFRESH_GROWTH = 1_000;

/** The two refreshes, each outside any transaction (store/dedupe-index-upkeep.ts). */
export interface IndexRefresh {
  /** Marks the postings' new pages all-visible, so retrieval is an index-only scan (VACUUM). */
  visibility: () => Promise<void>;
  /** Refreshes the planner's statistics of the index tables (ANALYZE). */
  statistics: () => Promise<void>;
}

/**
 * When the index outgrew what the database knows of it, counted from the size this process's first batch saw:
 * - every `REFRESH_GROWTH` documents, the postings' visibility: without it, each retrieval fetches a table page
 *   for every posting written since the last vacuum, which made it 1.6 to 2.5 times slower in a burst;
 * - once the index doubled (and grew by `REFRESH_GROWTH`), the statistics: a planner that believes the postings
 *   are few reads them all for every request, so a burst into a young index slowed triage down request by
 *   request.
 * The scheduled rescore does both too; a refresh that fails is logged and left to it.
 */
export function indexRefresher(refresh: IndexRefresh | undefined, log?: Logger) {
  let visibleAt: number | undefined;
  let analysedAt: number | undefined;
  const run = (kind: keyof IndexRefresh) =>
    // The error's statement parameters are left out.
    refresh?.[kind]().catch((err: unknown) =>
      log?.warn({ error: errorForLog(err), refresh: kind }, 'dedupe index refresh failed'),
    );
  return async (documents: number | undefined) => {
    if (!refresh || documents === undefined) return;
    // A shrinking index (erasures) counts its growth again from where it got to.
    visibleAt = Math.min(visibleAt ?? documents, documents);
    analysedAt = Math.min(analysedAt ?? documents, documents);
    if (documents - visibleAt >= REFRESH_GROWTH) {
      visibleAt = documents;
      await run('visibility');
    }
    if (documents >= analysedAt * 2 && documents - analysedAt >= REFRESH_GROWTH) {
      analysedAt = documents;
      await run('statistics');
    }
  };
}
