import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../src/store/db.ts';

/**
 * The turns on PGlite's one connection (store/pglite-turns.ts), through the handles the store uses: `db` for
 * background work, `intakeDb` for intake. An in-memory PGlite of its own per test.
 */

let database: Database;
beforeEach(() => {
  database = openDatabase({ kind: 'pglite' });
});
afterEach(async () => {
  await database.close();
});

/** A background transaction holding the connection until `release` is called. */
function holdConnection(): { started: Promise<void>; release: () => void; done: Promise<unknown> } {
  let release = () => {};
  let markStarted = () => {};
  const started = new Promise<void>((resolve) => {
    markStarted = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const done = database.db.transaction(async (tx) => {
    await tx.execute(sql`select 1`);
    markStarted();
    await released;
  });
  return { started, release, done };
}

describe('PGlite turns', () => {
  it('an intake statement goes before background work queued ahead of it', async () => {
    const holder = holdConnection();
    await holder.started;
    const order: string[] = [];
    const background = [1, 2, 3].map((n) =>
      database.db.execute(sql`select ${n}::int as n`).then(() => order.push(`background ${n}`)),
    );
    const intake = database.intakeDb.execute(sql`select 0`).then(() => order.push('intake'));
    holder.release();
    await Promise.all([holder.done, intake, ...background]);
    expect(order[0]).toBe('intake');
    expect(order.slice(1)).toEqual(['background 1', 'background 2', 'background 3']);
  });

  it('background work still runs while intake keeps coming', async () => {
    // A background turn that takes a while: the next one must wait out its share, with intake active meanwhile.
    await database.intakeDb.execute(sql`select 1`);
    await database.db.execute(sql`select count(*) from generate_series(1, 200000)`);
    let backgroundDone = false;
    const background = database.db.execute(sql`select 1`).then(() => {
      backgroundDone = true;
    });
    let intakeTurns = 0;
    // Each intake statement asks again as soon as the previous one answered: a steady stream of accepts.
    while (!backgroundDone && intakeTurns < 10_000) {
      await database.intakeDb.execute(sql`select 1`);
      intakeTurns++;
    }
    await background;
    expect(backgroundDone).toBe(true);
    expect(intakeTurns).toBeLessThan(10_000);
  });

  it('a transaction on the intake handle commits and rolls back like any other', async () => {
    await database.intakeDb.execute(sql`create table t (n int)`);
    await database.intakeDb.transaction(async (tx) => {
      await tx.execute(sql`insert into t values (1)`);
    });
    await expect(
      database.intakeDb.transaction(async (tx) => {
        await tx.execute(sql`insert into t values (2)`);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const rows = (await database.db.execute(sql`select n from t`)) as unknown as { rows: unknown[] };
    expect(rows.rows).toEqual([{ n: 1 }]);
  });
});
