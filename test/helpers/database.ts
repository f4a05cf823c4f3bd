import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/store/db.ts';

/**
 * Which database the database-facing suites run on: PGlite by default (`npm test`), the machine's Postgres with
 * TEST_DATABASE=postgres (`npm run test:postgres`). Each test gets its own database, so suites never share rows.
 */
export type TestDatabaseKind = 'pglite' | 'postgres';

export const testDatabaseKind: TestDatabaseKind =
  process.env['TEST_DATABASE'] === 'postgres' ? 'postgres' : 'pglite';
export const postgresAdminUrl =
  process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  kind: TestDatabaseKind;
  /** For Postgres: a fresh database's URL. For PGlite: undefined. */
  url: string | undefined;
  /** For PGlite: a fresh data directory. */
  dataDir: string;
  drop(): Promise<void>;
}

export async function createPostgresDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ss_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: postgresAdminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createTestDatabase(kind: TestDatabaseKind = testDatabaseKind): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ss-test-'));
  const removeDir = async () => rmSync(dataDir, { recursive: true, force: true });
  if (kind === 'pglite') return { kind, url: undefined, dataDir, drop: removeDir };
  const pgdb = await createPostgresDatabase();
  return {
    kind,
    url: pgdb.url,
    dataDir,
    async drop() {
      await pgdb.drop();
      await removeDir();
    },
  };
}

/** The store's database on a test database, migrated: what a store-level suite reads and writes through. */
export async function openTestDatabase(testDb: TestDatabase): Promise<Database> {
  const database = openDatabase(
    testDb.kind === 'postgres'
      ? { kind: 'postgres', url: testDb.url ?? '' }
      : { kind: 'pglite', dataDir: testDb.dataDir },
  );
  await database.migrate();
  return database;
}
