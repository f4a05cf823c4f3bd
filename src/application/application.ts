import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { analyzeDedupeIndex, vacuumDedupePostings } from '../store/dedupe-index-upkeep.ts';
import type { Store } from '../store/store.ts';
import { createCompanyFolds } from './company-folds.ts';
import { createDedupeLearning, forgetEverything, learningStats } from './dedupe-learning.ts';
import { createFeatureEdits } from './feature-edits.ts';
import { searchTermGroups } from './feature-search.ts';
import { createLinkState, importIssue } from './link-state.ts';
import { mergeFeatures, unmergeFeature } from './merges.ts';
import { createRequesterRights } from './requester-rights.ts';
import { createReview } from './review.ts';
import type { DropContext, StatusContext, StatusPolicy } from './status-change.ts';
import { createTrackerEvents } from './tracker-events.ts';
import { batchBudget, createTriage, type TriageDeps } from './triage.ts';
import { createUnitOfWork } from './unit-of-work.ts';

interface ApplicationDeps {
  store: Store;
  queues: Queues;
  config: Pick<Config, 'push'>;
  /** How tracker states become feature statuses, and who hears about a change. */
  status: StatusPolicy;
  /** How a request finds its feature, and when a feature goes to a tracker. */
  triage: TriageDeps;
  metrics: Metrics;
  log: Logger;
}

/**
 * The use cases, each running in one unit of work (one transaction, its jobs queued once it commits): what route
 * and job handlers call. The store underneath only reads and writes.
 */
export function createApplication({ store, queues, config, status, triage, metrics, log }: ApplicationDeps) {
  const unitOfWork = createUnitOfWork({
    db: store.db,
    queues,
    coalesceSeconds: config.push.coalesceSeconds,
    metrics,
    log,
  });
  const context: StatusContext = { db: store.db, unitOfWork, policy: status };
  const links = createLinkState(context);
  const merges = {
    merge: (...args: DropContext<typeof mergeFeatures>) => mergeFeatures(context, ...args),
    unmerge: (...args: DropContext<typeof unmergeFeature>) =>
      unmergeFeature({ ...context, push: triage.push }, ...args),
  };
  const companyFolds = createCompanyFolds({ db: store.db, unitOfWork, scoring: triage.scoring });
  const learning = createDedupeLearning(triage.dedupe, triage.learning);
  return {
    links,
    merges,
    backlog: { importIssue: (...args: DropContext<typeof importIssue>) => importIssue(context, ...args) },
    trackerEvents: createTrackerEvents({ store, links, merges, metrics, log }),
    triage: createTriage({
      unitOfWork,
      folds: companyFolds,
      deps: triage,
      learning,
      // Postgres's autovacuum keeps the index's visibility map and statistics; PGlite has none.
      refreshIndex:
        store.kind === 'pglite'
          ? {
              visibility: () => vacuumDedupePostings(store.db),
              statistics: () => analyzeDedupeIndex(store.db),
            }
          : undefined,
      // On PGlite a batch holds the one connection: it keeps short only while intake wants it.
      budget: batchBudget(store.intakeActive),
      log,
    }),
    companyFolds,
    requesterRights: createRequesterRights({ db: store.db, unitOfWork, dedupe: triage.dedupe }),
    /** A person's edits of one feature: its title, a push now, an export (each with its audit event). */
    features: createFeatureEdits({ unitOfWork, dedupe: triage.dedupe }),
    /** The term groups a console word search looks up in the dedupe index (triage's analysis). */
    searchTerms: (q: string) => searchTermGroups(q, (input) => triage.dedupe.analyse(input)),
    /** The review queue's decisions that end a feature's hold from the tracker, and the hold running out. */
    review: createReview({
      store,
      unitOfWork,
      dedupe: triage.dedupe,
      push: triage.push,
      holdSeconds: config.push.holdForReview,
    }),
    /** What dedupe learned from the team's answers: the numbers in use and why, and a reset. */
    dedupeLearning: {
      stats: () => learningStats(store.db, learning),
      forget: () => forgetEverything(store.db),
    },
  };
}

export type Application = ReturnType<typeof createApplication>;
