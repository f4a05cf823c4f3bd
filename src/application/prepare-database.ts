import type { Logger } from '../log.ts';
import type { AnalysedText, TextInput } from '../rules/dedupe/analyse.ts';
import { vacuumDedupeIndex } from '../store/dedupe-index-upkeep.ts';
import { retryTransient } from '../store/retry-transient.ts';
import type { Store } from '../store/store.ts';
import { ensureDedupeIndex } from './dedupe-index-rebuild.ts';
import { learnUnderAnalysis } from './dedupe-learning.ts';

/**
 * Migrates, and when given the analysis this process triages with, builds the dedupe index with it (before any
 * triage) and learns from the team's answers again when the kept evidence was learned with another analysis. A database restarting or failing over as this process starts is waited out (each step is idempotent); a
 * real error (credentials, a missing database, a migration's SQL) still stops start-up at once.
 */
export async function prepareDatabase(
  store: Pick<Store, 'kind' | 'db' | 'migrate'>,
  dedupeIndex: { analyse: (input: TextInput) => AnalysedText; fingerprint: string } | undefined,
  log: Logger,
): Promise<void> {
  const { applied } = await retryTransient('migrate', () => store.migrate(), { log });
  log.info({ database: store.kind, applied }, 'database migrated');
  if (!dedupeIndex) return;
  const index = await retryTransient(
    'dedupe index',
    () => ensureDedupeIndex(store.db, dedupeIndex.analyse, dedupeIndex.fingerprint),
    { log },
  );
  if (index.rebuilt) {
    await retryTransient('dedupe index vacuum', () => vacuumDedupeIndex(store.db), { log });
    log.info({ documents: index.documents }, 'dedupe index rebuilt');
  }
  const relearned = await retryTransient(
    'dedupe learning',
    () => learnUnderAnalysis(store.db, dedupeIndex.analyse, dedupeIndex.fingerprint),
    { log },
  );
  if (relearned) log.info('dedupe learning learned again under the current analysis');
}
