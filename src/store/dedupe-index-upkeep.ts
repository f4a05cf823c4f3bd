import { sql } from 'drizzle-orm';
import type { Db } from './db.ts';

/**
 * Upkeep of the dedupe index tables (store/dedupe-index.repo.ts) that Postgres's autovacuum does on its own and
 * PGlite, which has none, needs from the service. Each runs outside any transaction.
 */

/**
 * Refreshes the index tables' visibility map and statistics, so retrieval is an index-only scan and the planner
 * knows the vocabulary. After a rebuild, and on PGlite with every scheduled rescore.
 */
export async function vacuumDedupeIndex(db: Db): Promise<void> {
  await db.execute(sql`vacuum (analyze) dedupe_postings, dedupe_terms, dedupe_documents`);
}

/**
 * Marks the postings' new pages all-visible, so retrieval reads them from the covering index alone
 * (`dedupe_postings_term_cover_idx`) instead of fetching a table page per posting: what triage on PGlite does as
 * the index grows (application/index-refresh.ts). Only the postings: a vacuum reads just the pages written since
 * the last one (2-6 ms for a thousand documents' postings on PGlite), where the terms' trigram index and the
 * documents' vectors cost more to vacuum and are read by key, from the table, anyway.
 */
export async function vacuumDedupePostings(db: Db): Promise<void> {
  await db.execute(sql`vacuum dedupe_postings`);
}

/**
 * Refreshes the index tables' planner statistics only: what triage on PGlite needs when the index outgrew them
 * (application/index-refresh.ts). ANALYZE reads a bounded sample of each table's rows.
 */
export async function analyzeDedupeIndex(db: Db): Promise<void> {
  await db.execute(sql`analyze dedupe_postings, dedupe_terms, dedupe_documents`);
}
