import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { constants, type NodeGCPerformanceDetail, PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase, queryRows } from '../src/store/db.ts';

/**
 * Creating an embedded database (store/db.ts, openPglite): PGlite's initdb runs a second PGlite instance whose
 * memory (some 250 MB with its copy) is garbage once the database exists. initdb runs with the service's 16 MB of
 * shared buffers, and that garbage is collected as soon as the database is ready; opening an existing one collects
 * nothing. What is checked is the configuration written and the collection V8 reports, never a memory figure.
 */

let dir: string;
let database: Database | undefined;
let forced: number;
let observer: PerformanceObserver;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ss-pglite-create-'));
  forced = 0;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const { detail } = entry as unknown as { detail: NodeGCPerformanceDetail };
      if (detail.flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) forced++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
});
afterEach(async () => {
  observer.disconnect();
  await database?.close();
  database = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the database in `dir`, waits for its first statement, and returns the forced collections seen meanwhile. */
async function openAndCount(): Promise<number> {
  forced = 0;
  database = openDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pglite') });
  await database.ping();
  // V8 reports a collection to observers on a later turn of the event loop.
  await nextTurn();
  await nextTurn();
  return forced;
}

describe('a new embedded database', () => {
  it("is created with the service's 16 MB of shared buffers in its postgresql.conf", async () => {
    await openAndCount();
    const rows = await queryRows<{ setting: string }>(
      (database as Database).db,
      sql`select setting from pg_file_settings where name = 'shared_buffers'`,
    );
    expect(rows.map((r) => r.setting)).toEqual(['16MB']);
  });

  it('has the memory initdb left collected once it is ready; reopening it collects nothing', async () => {
    expect(await openAndCount()).toBe(1);
    await database?.close();
    expect(await openAndCount()).toBe(0);
  });

  it('in memory too, created at every open', async () => {
    forced = 0;
    database = openDatabase({ kind: 'pglite' });
    await database.ping();
    await nextTurn();
    await nextTurn();
    expect(forced).toBe(1);
  });
});
