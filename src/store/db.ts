import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { lockPgliteDir } from './pglite-lock.ts';
import * as schema from './schema.ts';

export type Schema = typeof schema;
/** The typed query layer, the same for Postgres and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string };

export interface Database {
  kind: DatabaseTarget['kind'];
  db: Db;
  /** Applies pending migrations; safe when several processes call it at once. */
  migrate(): Promise<{ applied: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any constant shared by every process of this service: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 7_314_201_902;

/** Raw SQL for what the query builder cannot say; both drivers return `{ rows }`. */
export async function queryRows<T>(db: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

async function countApplied(db: Db): Promise<number> {
  const [exists] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from information_schema.tables where table_schema = 'drizzle' and table_name = '__drizzle_migrations'`,
  );
  if (!exists?.n) return 0;
  const [applied] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return applied?.n ?? 0;
}

export function openDatabase(target: DatabaseTarget): Database {
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    });
    // An idle client's error (a Postgres restart) must not crash the process; the next query reconnects.
    // https://node-postgres.com/apis/pool#error
    pool.on('error', () => {});
    // A checked-out client has no listener of the pool's (pg-pool takes its idle listener off while a client is
    // out, e.g. between the queries of a transaction or under the migration lock), so a terminated connection
    // would emit 'error' with no listener and crash the process. Every client keeps one of its own: the query in
    // flight still rejects, the caller's work fails (a job retries), and the pool drops the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    return {
      kind: 'postgres',
      db,
      async migrate() {
        // Session-level advisory lock on a dedicated connection: a second process waits here, then finds
        // nothing left to apply.
        const lockClient = await pool.connect();
        try {
          await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
          const before = await countApplied(db);
          await migratePg(drizzlePg(pool, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
          return { applied: (await countApplied(db)) - before };
        } finally {
          await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
          lockClient.release();
        }
      },
      async ping() {
        await pool.query('select 1');
      },
      async close() {
        if (pool.ended || pool.ending) return;
        await pool.end();
      },
    };
  }

  const release = target.dataDir ? lockPgliteDir(target.dataDir) : () => {};
  let client: PGlite;
  try {
    client = new PGlite({ ...(target.dataDir ? { dataDir: target.dataDir } : {}), extensions: { pg_trgm } });
  } catch (err) {
    release();
    throw err;
  }
  const pgliteDb = drizzlePglite(client, { schema });
  const db = pgliteDb as unknown as Db;
  let closed = false;
  return {
    kind: 'pglite',
    db,
    async migrate() {
      // One instance per data directory by construction (store/pglite-lock.ts): no advisory lock needed.
      const before = await countApplied(db);
      await migratePglite(pgliteDb, { migrationsFolder: MIGRATIONS_FOLDER });
      return { applied: (await countApplied(db)) - before };
    },
    async ping() {
      await client.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}
