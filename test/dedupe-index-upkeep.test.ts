import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { indexedDocument } from '../src/rules/dedupe/memory-index.ts';
import { type Database, queryRows } from '../src/store/db.ts';
import { lockDedupeIndex, storeDedupeIndex } from '../src/store/dedupe-index.repo.ts';
import { analyzeDedupeIndex, vacuumDedupePostings } from '../src/store/dedupe-index-upkeep.ts';
import { features } from '../src/store/schema.ts';
import { createTestDatabase, openTestDatabase, type TestDatabase } from './helpers/database.ts';

/**
 * What triage on PGlite refreshes as the index grows (application/index-refresh.ts): the postings' visibility, so
 * retrieval reads them from the covering index without a table page per posting.
 */

const engine = createDedupeEngine();
const TOPICS = ['dark mode', 'csv export', 'okta login', 'slack alerts', 'bulk tagging', 'gantt charts'];

describe('dedupe index upkeep', () => {
  let testDb: TestDatabase;
  let database: Database;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = await openTestDatabase(testDb);
    await database.db.transaction(async (tx) => {
      await lockDedupeIndex(tx);
      const [feature] = await tx.insert(features).values({ title: 'Many', titleKey: 'many' }).returning();
      if (!feature) throw new Error('no feature');
      const index = storeDedupeIndex(tx);
      for (let i = 0; i < 400; i++) {
        const title = `${TOPICS[i % TOPICS.length]} for workspace number ${i}`;
        const body = 'Customer asked on a call; this would save their team an hour every week.';
        await index.add(`r:${i}`, feature.id, indexedDocument(engine.analyse({ title, body })));
      }
    });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  /** The postings table's pages, and how many of them the visibility map marks all-visible. */
  async function postingsPages() {
    await analyzeDedupeIndex(database.db);
    const [row] = await queryRows<{ pages: number; visible: number }>(
      database.db,
      sql`select relpages as pages, relallvisible as visible from pg_class where relname = 'dedupe_postings'`,
    );
    return row;
  }

  it('marks every page of the postings all-visible', async () => {
    const before = await postingsPages();
    expect(before?.pages).toBeGreaterThan(1);
    // Postgres's autovacuum may have got there first; PGlite has none.
    if (testDb.kind === 'pglite') expect(before?.visible).toBe(0);
    await vacuumDedupePostings(database.db);
    const after = await postingsPages();
    expect(after?.visible).toBe(after?.pages);
  });
});
