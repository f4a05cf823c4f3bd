import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withDeadline } from '../src/deadline.ts';
import { type Database, openDatabase } from '../src/store/db.ts';
import { isTransientDatabaseError } from '../src/store/transient-error.ts';
import {
  createTestDatabase,
  postgresAdminUrl,
  type TestDatabase,
  testDatabaseKind,
} from './helpers/database.ts';
import { waitFor } from './helpers/service.ts';

const POOL_SIZE = 4;

/**
 * Connections cut while transactions start must not cost pool slots: a client whose connection dies between
 * checkout and BEGIN is still released, so after many more blips than the pool has slots it serves queries at once.
 *
 * Postgres only: the embedded PGlite has no pool and no server connections to terminate.
 */
describe.skipIf(testDatabaseKind !== 'postgres')('pool slots across repeated blips (Postgres)', () => {
  let testDb: TestDatabase | undefined;
  let database: Database | undefined;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  afterAll(async () => {
    // Bounded: a pool with lost slots (the defect this test catches) would wait for them forever.
    if (database) await withDeadline(database.close(), 2_000);
    await admin.end().catch(() => {});
    await testDb?.drop();
  });

  it('transactions keep running after twenty times more terminations than slots', async () => {
    testDb = await createTestDatabase('postgres');
    const dbName = new URL(testDb.url ?? '').pathname.slice(1);
    await admin.connect();
    database = openDatabase({ kind: 'postgres', url: testDb.url ?? '', poolSize: POOL_SIZE });
    const db = database.db;

    let running = true;
    let committed = 0;
    const failures: unknown[] = [];
    // As many transactions at once as there are slots, back to back: a blip finds some of them in BEGIN.
    const loops = Array.from({ length: POOL_SIZE }, async () => {
      while (running) {
        await db
          .transaction(async (tx) => {
            await tx.execute(sql`select 1`);
          })
          .then(
            () => committed++,
            (err: unknown) => failures.push(err),
          );
      }
    });
    try {
      for (let i = 1; i <= POOL_SIZE * 20; i++) {
        const before = committed;
        // A lost slot shows here: with every slot gone, no transaction commits again.
        await waitFor(
          `transactions to commit again after ${i - 1} terminations (pool slots lost?)`,
          async () => (committed >= before + POOL_SIZE ? true : undefined),
          15_000,
        );
        await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
          [dbName],
        );
      }
    } finally {
      // Stopped before the pool closes, on a failure too: a closed pool rejects at once and the loops would spin.
      running = false;
      await Promise.all(loops);
    }

    expect(failures.length).toBeGreaterThan(0);
    // Each failure is the cut connection, never a wait for a free slot (pg-pool's connection timeout).
    for (const err of failures) {
      expect(isTransientDatabaseError(err), String(err)).toBe(true);
      expect(String(err)).not.toContain('timeout exceeded when trying to connect');
    }
    // Every slot serves a query at once, well within the pool's 5 s connection timeout.
    await Promise.all(Array.from({ length: POOL_SIZE }, () => database?.ping()));
  }, 120_000);
});
