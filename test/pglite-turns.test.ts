import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase } from '../src/store/db.ts';
import { PgliteClosedError } from '../src/store/pglite-turns.ts';
import { runAs } from '../src/store/work-class.ts';

/**
 * The turns on PGlite's one connection (store/pglite-turns.ts), through the handles the store uses: `db` for
 * background work, and for triage when run as triage work (store/work-class.ts), `intakeDb` for intake, `ping()` for
 * the readiness probe. An in-memory PGlite of its own per test.
 * What the turns guarantee is checked by the order in which work finishes, never by how long it took.
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

/** A background statement long enough that the share after it is a pause many intake statements fit in. */
const heavyBackground = async () =>
  await database.db.execute(sql`select count(*) from generate_series(1, 200000)`);

/** A background statement short enough that the triage its debt waits for is a few hundred statements. */
const lightBackground = async () =>
  await database.db.execute(sql`select count(*) from generate_series(1, 50000)`);

/** A statement of triage work: what a triage job's handler runs through the store's `db`. */
const triage = () => runAs('triage', async () => await database.db.execute(sql`select 1`));

/** A statement of an HTTP request: what a route's handler runs through the store's `db` (`interactiveWork`). */
const interactive = () => runAs('interactive', async () => await database.db.execute(sql`select 1`));

/** The most answers a stream gives before it stops, background work finished or not. */
const STREAM_CAP = 20_000;

/**
 * Three `background` statements queued at once while each of `streams` callers calls `ask` again each time it
 * answers (a steady stream, as a busy client or a triage backlog would send), until the three finished or the
 * streams gave STREAM_CAP answers: the order in which they all finished, `B` for background and `R` for the stream.
 */
async function finishOrder(
  ask: () => Promise<unknown>,
  {
    background = heavyBackground,
    streams = 1,
  }: { background?: () => Promise<unknown>; streams?: number } = {},
): Promise<string> {
  await ask();
  const order: string[] = [];
  const queued = Promise.all([1, 2, 3].map(() => background().then(() => order.push('B'))));
  let backgroundDone = false;
  void queued.then(() => {
    backgroundDone = true;
  });
  let answers = 0;
  const stream = async () => {
    for (; !backgroundDone && answers < STREAM_CAP; answers++) {
      await ask();
      order.push('R');
    }
  };
  await Promise.all(Array.from({ length: streams }, stream));
  await queued;
  return order.join('');
}

/** How many stream answers finished between each background statement and the next. */
const streamBetweenBackground = (order: string) =>
  order
    .slice(order.indexOf('B'), order.lastIndexOf('B') + 1)
    .split('B')
    .slice(1, -1)
    .map((run) => run.length);

describe('PGlite turns', () => {
  it('a probe, then intake, go before background work queued ahead of them', async () => {
    const holder = holdConnection();
    await holder.started;
    const order: string[] = [];
    const background = [1, 2, 3].map((n) =>
      database.db.execute(sql`select ${n}::int as n`).then(() => order.push(`background ${n}`)),
    );
    const intake = database.intakeDb.execute(sql`select 0`).then(() => order.push('intake'));
    const probe = database.ping().then(() => order.push('probe'));
    holder.release();
    await Promise.all([holder.done, intake, probe, ...background]);
    expect(order).toEqual(['probe', 'intake', 'background 1', 'background 2', 'background 3']);
  });

  it('says intake wants the connection while an accept, a probe or a request waits for it, and just after an accept', async () => {
    const intakeActive = () => database.intakeActive?.();
    await database.db.execute(sql`select 1`);
    expect(intakeActive()).toBe(false);
    // An HTTP request's statement too, but once it has run it leaves intake quiet (checked at the next round).
    for (const ask of [
      () => database.ping(),
      () => interactive().then(() => {}),
      () => database.intakeDb.execute(sql`select 0`).then(() => {}),
    ]) {
      const holder = holdConnection();
      await holder.started;
      expect(intakeActive()).toBe(false);
      const waiting = ask();
      try {
        // Once its statement has reached the turns.
        await vi.waitFor(() => expect(intakeActive()).toBe(true));
      } finally {
        holder.release();
      }
      await Promise.all([holder.done, waiting]);
    }
    // The accept's turn has just ended: more are likely coming.
    expect(intakeActive()).toBe(true);
  });

  it('while intake keeps coming, background work waits out its share after each turn', async () => {
    const order = await finishOrder(() => database.intakeDb.execute(sql`select 1`));
    // A plain queue runs the three back to back; intake first alone lets at most one statement in between. Held to
    // a quarter of the time, each heavy turn is followed by a pause of three times its length, which many
    // one-row statements fill.
    expect(order.match(/B/g)).toHaveLength(3);
    for (const between of streamBetweenBackground(order)) expect(between).toBeGreaterThanOrEqual(5);
  });

  it('triage work goes after a probe and intake but before background work queued ahead of it', async () => {
    const holder = holdConnection();
    await holder.started;
    const order: string[] = [];
    const background = [1, 2, 3].map((n) =>
      database.db.execute(sql`select ${n}::int as n`).then(() => order.push(`background ${n}`)),
    );
    const triaged = triage().then(() => order.push('triage'));
    const intake = database.intakeDb.execute(sql`select 0`).then(() => order.push('intake'));
    const probe = database.ping().then(() => order.push('probe'));
    holder.release();
    await Promise.all([holder.done, triaged, intake, probe, ...background]);
    expect(order).toEqual(['probe', 'intake', 'triage', 'background 1', 'background 2', 'background 3']);
  });

  it('while triage keeps coming, background work waits for it between its own turns', async () => {
    const order = await finishOrder(triage, { background: lightBackground });
    // A plain queue runs the three back to back, and triage first alone lets one triage statement in between
    // (background work takes the gap before the stream's next). Kept to a quarter of the time, each background turn
    // is followed by three times its length of triage, which many one-row statements fill.
    expect(order.match(/B/g)).toHaveLength(3);
    for (const between of streamBetweenBackground(order)) expect(between).toBeGreaterThanOrEqual(5);
  });

  it('background work is not starved by triage that always waits', async () => {
    // Two streams: whenever a triage statement ends, the other's is waiting. Triage always first would leave the
    // background statements waiting until the streams stop at their cap; its share lets them all in meanwhile.
    const order = await finishOrder(triage, { background: lightBackground, streams: 2 });
    expect(order.match(/B/g)).toHaveLength(3);
    expect(order.match(/R/g)?.length ?? 0).toBeLessThan(STREAM_CAP);
  });

  it("an HTTP request's statements go after intake and before triage and background work queued ahead", async () => {
    const holder = holdConnection();
    await holder.started;
    const order: string[] = [];
    const background = database.db.execute(sql`select 1`).then(() => order.push('background'));
    const triaged = triage().then(() => order.push('triage'));
    const read = interactive().then(() => order.push('read'));
    const intake = database.intakeDb.execute(sql`select 0`).then(() => order.push('intake'));
    holder.release();
    await Promise.all([holder.done, background, triaged, read, intake]);
    expect(order).toEqual(['intake', 'read', 'triage', 'background']);
  });

  it("an HTTP request's statement is not followed by a pause, as an accept is", async () => {
    const order = await finishOrder(interactive);
    // Unlike intake, a read is not followed by a pause: a person browsing does not throttle the drain.
    expect(order.match(/B/g)).toHaveLength(3);
    for (const between of streamBetweenBackground(order)) expect(between).toBeLessThanOrEqual(1);
  });

  it('clients reading back to back do not hold triage or background work up', async () => {
    // Two streams: whenever an interactive statement ends, the other's is waiting. Interactive always first would
    // leave the three waiting until the streams stop at their cap; its run lets each in after a few.
    const heavyTriage = () => runAs('triage', async () => await heavyBackground());
    for (const background of [heavyBackground, heavyTriage]) {
      const order = await finishOrder(interactive, { background, streams: 2 });
      expect(order.match(/B/g)).toHaveLength(3);
      expect(order.match(/R/g)?.length ?? 0).toBeLessThan(STREAM_CAP);
    }
  });

  it('readiness probes go first but leave background work its full speed', async () => {
    const order = await finishOrder(() => database.ping());
    // Each probe that waited goes before the next background turn, and no pause follows: a probe is not intake.
    expect(order.match(/B/g)).toHaveLength(3);
    for (const between of streamBetweenBackground(order)) expect(between).toBeLessThanOrEqual(1);
  });

  it('closing fails the waiting turns with a clear error and drops the pause timer', async () => {
    await database.intakeDb.execute(sql`select 1`);
    await heavyBackground();
    // Intake active again: the next background statement waits for the pause after the heavy one, on a timer.
    await database.intakeDb.execute(sql`select 1`);
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const withoutPause = timers();
    // A Drizzle query starts when awaited: `then` sends it, and it asks for its turn a few ticks later.
    const waiting = database.db.execute(sql`select 1`).then(() => 'ran');
    for (let tick = 0; timers() === withoutPause && tick < 1_000; tick++) await new Promise(setImmediate);
    expect(timers()).toBe(withoutPause + 1);
    const closing = database.close();
    expect(timers()).toBe(withoutPause);
    // Drizzle wraps a failed statement's error as its cause.
    const closedError = { cause: expect.any(PgliteClosedError) };
    await expect(waiting).rejects.toMatchObject(closedError);
    await expect(database.intakeDb.execute(sql`select 1`)).rejects.toMatchObject(closedError);
    await closing;
  });
});
