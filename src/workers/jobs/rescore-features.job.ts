import type { Application } from '../../application/application.ts';
import type { Logger } from '../../log.ts';
import { vacuumDedupeIndex } from '../../store/dedupe-index-upkeep.ts';
import type { Store } from '../../store/store.ts';

/** Features per transaction. */
const PAGE = 200;

/**
 * Scheduled every `scoring.rescoreIntervalSeconds` (on the `triage` queue): first folds the name-only companies a
 * domain company's name now stands for (the fold after triage catches most; this catches the rest, with their
 * pushes), then rescores every live feature a page at a time so recency decay and changed account revenue and tiers
 * show in `sort=score`. Decay alone pushes nothing to trackers (see store/rescore.repo.ts).
 */
export function createRescoreFeaturesJob({
  store,
  application,
  log,
}: {
  store: Store;
  application: Application;
  log: Logger;
}) {
  return async () => {
    const folds = await application.companyFolds.foldPending();
    const totals = { folded: folds.length, scanned: 0, rescored: 0, changed: 0 };
    const skipped: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.rescore.rescorePage(after, PAGE);
      totals.scanned += page.scanned;
      totals.rescored += page.rescored;
      totals.changed += page.changed;
      skipped.push(...page.skipped);
      after = page.lastId;
    } while (after);
    for (const featureId of skipped) {
      const one = await store.rescore.rescoreFeature(featureId);
      totals.rescored += one.rescored;
      totals.changed += one.changed;
    }
    // PGlite has no autovacuum: keep the dedupe index's scans index-only (see vacuumDedupeIndex).
    if (store.kind === 'pglite') await vacuumDedupeIndex(store.db);
    log.info(totals, 'features rescored');
    return totals;
  };
}
