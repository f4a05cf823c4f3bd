import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PGlite } from '@electric-sql/pglite';
import { type ExtractTablesWithRelations, type SQL, sql } from 'drizzle-orm';
import type { NodePgDatabase, NodePgTransaction } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT, PgTransactionConfig } from 'drizzle-orm/pg-core';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type pg from 'pg';
import { lockPgliteDir } from './pglite-lock.ts';
import { type PgliteClient, PgliteTurns } from './pglite-turns.ts';
import * as schema from './schema.ts';
import { isTransientDatabaseError } from './transient-error.ts';

export type Schema = typeof schema;
/** The typed query layer, the same for Postgres and PGlite. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite'; dataDir?: string };

export interface Database {
  kind: DatabaseTarget['kind'];
  /**
   * The database for everything but intake: on PGlite its statements take background turns, or triage or
   * interactive turns when they run as that class of work (store/work-class.ts; pglite-turns.ts).
   */
  db: Db;
  /**
   * The same database for intake's writes (accepted requests, source pages): on PGlite, whose one connection is
   * shared by everything in the process, their statements go before any queued triage or background work
   * (pglite-turns.ts); on Postgres, the same pool as `db`.
   */
  intakeDb: Db;
  /**
   * PGlite only: whether intake wants the one connection now (pglite-turns.ts `intakeActive`), which a transaction
   * holds from its start to its end. Absent on Postgres, where intake has connections of its own.
   */
  intakeActive?: () => boolean;
  /** Applies pending migrations; safe when several processes call it at once. */
  migrate(): Promise<{ applied: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));
/** Any constant shared by every process of this service: the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 7_314_201_902;

const requireModule = createRequire(import.meta.url);

/**
 * A package loaded when a database of its kind is opened, never before: a Postgres process holds no PGlite (its
 * module, its WASM glue, Drizzle's PGlite driver) and a PGlite process no `pg` pool. Loaded synchronously, so that
 * opening a database stays synchronous; an ES module is required by the file `import` resolves it to, so it is
 * the very instance the rest of the process imports (one module cache), not a CommonJS twin.
 */
function loadPackage<T>(specifier: string): T {
  const url = import.meta.resolve(specifier);
  return requireModule(url.startsWith('file:') ? fileURLToPath(url) : specifier) as T;
}

type PostgresDriver = ReturnType<typeof postgresDriver>;
const postgresDriver = () => ({
  pg: loadPackage<typeof pg>('pg'),
  drizzle: loadPackage<typeof import('drizzle-orm/node-postgres')>('drizzle-orm/node-postgres').drizzle,
  migrate: loadPackage<typeof import('drizzle-orm/node-postgres/migrator')>(
    'drizzle-orm/node-postgres/migrator',
  ).migrate,
});

const pgliteDriver = () => ({
  PGlite: loadPackage<typeof import('@electric-sql/pglite')>('@electric-sql/pglite').PGlite,
  pg_trgm: loadPackage<typeof import('@electric-sql/pglite/contrib/pg_trgm')>(
    '@electric-sql/pglite/contrib/pg_trgm',
  ).pg_trgm,
  drizzle: loadPackage<typeof import('drizzle-orm/pglite')>('drizzle-orm/pglite').drizzle,
  migrate: loadPackage<typeof import('drizzle-orm/pglite/migrator')>('drizzle-orm/pglite/migrator').migrate,
});

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

const drizzleByClient = new WeakMap<pg.PoolClient, NodePgDatabase<Schema>>();

/**
 * A transaction on a client of its own, released here whatever happens. Drizzle's pool transaction (drizzle-orm
 * 0.45, node-postgres/session.js `transaction`) sends BEGIN before its try/finally, so a connection cut between
 * checkout and BEGIN would never be released and its pool slot would be lost for good; a few blips would exhaust
 * the pool. Given a client rather than a pool, Drizzle runs BEGIN/COMMIT/ROLLBACK on it and leaves release to us.
 */
async function transactionOnOwnClient<T>(
  driver: PostgresDriver,
  pool: pg.Pool,
  run: (tx: NodePgTransaction<Schema, ExtractTablesWithRelations<Schema>>) => Promise<T>,
  config?: PgTransactionConfig,
): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  try {
    // One Drizzle instance per pooled connection: building one costs about a tenth of a millisecond.
    let onClient = drizzleByClient.get(client);
    if (!onClient) {
      onClient = driver.drizzle(client, { schema });
      drizzleByClient.set(client, onClient);
    }
    return await onClient.transaction(run, config);
  } catch (err) {
    // A dead connection is destroyed now rather than handed to the next caller before its socket closes.
    if (isTransientDatabaseError(err)) lost = err instanceof Error ? err : new Error('connection lost');
    throw err;
  } finally {
    client.release(lost);
  }
}

/**
 * Runs the migrations under a session-level advisory lock on a dedicated connection: a second process waits there,
 * then finds nothing left to apply. The migrations run on that same connection, so they hold no second pool slot.
 */
async function migrateUnderLock(driver: PostgresDriver, pool: pg.Pool): Promise<{ applied: number }> {
  const lockClient = await pool.connect();
  const locked = driver.drizzle(lockClient, { schema });
  try {
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const before = await countApplied(locked as unknown as Db);
    await driver.migrate(locked, { migrationsFolder: MIGRATIONS_FOLDER });
    return { applied: (await countApplied(locked as unknown as Db)) - before };
  } finally {
    // An unlock that fails means the connection died (or still holds the lock): the pool must destroy it,
    // never hand it out again.
    const unlockError = await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error('migration unlock failed')),
    );
    lockClient.release(unlockError);
  }
}

function openPostgres(target: Extract<DatabaseTarget, { kind: 'postgres' }>): Database {
  const driver = postgresDriver();
  const pool = new driver.pg.Pool({
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
  const pgDb = driver.drizzle(pool, { schema });
  // Every db.transaction() in the store releases its client even when the connection dies before BEGIN.
  pgDb.transaction = (run, config) => transactionOnOwnClient(driver, pool, run, config);
  const db = pgDb as unknown as Db;
  return {
    kind: 'postgres',
    db,
    intakeDb: db,
    migrate: () => migrateUnderLock(driver, pool),
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      if (pool.ended || pool.ending) return;
      await pool.end();
    },
  };
}

/**
 * Drizzle on a turns' client. Drizzle's PGlite driver types its client as a whole PGlite but calls only `query` and
 * `transaction` on it (drizzle-orm 0.45, pglite/session.js), which is all a PgliteClient has; the result is typed
 * without the driver's `$client`, which would claim a PGlite.
 */
function drizzleOnTurns(
  drizzle: ReturnType<typeof pgliteDriver>['drizzle'],
  client: PgliteClient,
): PgliteDatabase<Schema> {
  return drizzle({ client: client as PGlite, schema });
}

/**
 * A full garbage collection, now. V8 offers it only behind --expose-gc, which it reads when a context is made: unless
 * node was started with it, the flag is set for the one new context that hands out its `gc`, then taken back.
 */
function collectGarbage(): void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) {
    exposed();
    return;
  }
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

function openPglite(target: Extract<DatabaseTarget, { kind: 'pglite' }>): Database {
  const { PGlite, pg_trgm, drizzle, migrate } = pgliteDriver();
  const release = target.dataDir ? lockPgliteDir(target.dataDir) : () => {};
  // In memory, or in a directory without a database, PGlite creates one: it runs initdb in a second PGlite instance
  // with a 128 MB copy of that instance's WASM memory, some 250 MB left to the garbage collector once it is done.
  const creates = !target.dataDir || !existsSync(path.join(target.dataDir, 'PG_VERSION'));
  let client: PGlite;
  try {
    client = new PGlite({
      ...(target.dataDir ? { dataDir: target.dataDir } : {}),
      extensions: { pg_trgm },
      // Postgres' 128 MB of shared buffers would sit in the process' memory for good; the OS caches the files too.
      startParams: [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'],
      // initdb's too (it writes them in postgresql.conf): its default 128 MB added 25-120 MB to creating a database.
      initDbStartParams: ['-c', 'shared_buffers=16MB'],
    });
  } catch (err) {
    release();
    throw err;
  }
  // That garbage goes before the first statement: left to V8's next full collection, which a whole import may never
  // reach, it stayed under all the memory that followed. A collection that fails costs memory only, never the open.
  if (creates) client.waitReady.then(collectGarbage).catch(() => {});
  const turns = new PgliteTurns(client);
  const pgliteDb = drizzleOnTurns(drizzle, turns.clientFor('background'));
  const db = pgliteDb as unknown as Db;
  const intakeDb = drizzleOnTurns(drizzle, turns.clientFor('intake')) as unknown as Db;
  const probe = turns.clientFor('probe');
  let closed = false;
  return {
    kind: 'pglite',
    db,
    intakeDb,
    intakeActive: () => turns.intakeActive(),
    async migrate() {
      // One instance per data directory by construction (store/pglite-lock.ts): no advisory lock needed.
      const before = await countApplied(db);
      await migrate(pgliteDb, { migrationsFolder: MIGRATIONS_FOLDER });
      return { applied: (await countApplied(db)) - before };
    },
    async ping() {
      // Readiness answers under load: its probe waits for no queued work, and does not count as intake.
      await probe.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      // Waiting turns fail now with a clear error rather than later with PGlite's "closed".
      turns.close();
      try {
        await client.close();
      } finally {
        release();
      }
    },
  };
}

export function openDatabase(target: DatabaseTarget): Database {
  return target.kind === 'postgres' ? openPostgres(target) : openPglite(target);
}
