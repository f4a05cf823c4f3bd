import type { PGlite, Transaction } from '@electric-sql/pglite';
import { currentWorkClass } from './work-class.ts';

/**
 * Who is asking for the connection. A probe (readiness) goes first but says nothing about intake; intake goes
 * before any queued work of the others and keeps intake "active"; an interactive turn (an HTTP request's own
 * statements: an API read, a console page, a webhook) goes next, without pause, and says nothing about intake
 * either; triage goes before background work while it keeps coming, background work keeping a share; background
 * work takes what is left.
 */
export type Turn = 'probe' | 'intake' | 'interactive' | 'triage' | 'background';

/** Why a turn that was still waiting when the database closed failed: nothing ran. */
export class PgliteClosedError extends Error {
  constructor() {
    super('the database was closed before this statement had its turn on the PGlite connection');
    this.name = 'PgliteClosedError';
  }
}

interface Waiter {
  grant: () => void;
  refuse: (err: Error) => void;
}

/** What Drizzle's PGlite session calls on its client: single statements and transactions. */
export type PgliteClient = Pick<PGlite, 'query' | 'transaction'>;

export interface TurnPolicy {
  /** While intake is active, the most of the wall time triage and background work may hold the connection (0..1]. */
  backgroundShare: number;
  /** Intake counts as active this long after its last turn, in ms. */
  intakeActiveMs: number;
  /** The longest triage and background work pause after one long turn (a rescore), in ms. */
  maxPauseMs: number;
  /** While triage is active, the share of the connection's time (behind intake) background work keeps (0..1). */
  triageBackgroundShare: number;
  /** Triage counts as active this long after its last turn, in ms: longer than the gap between two batches. */
  triageActiveMs: number;
  /** The most interactive turns in a row while triage or background work waits; then one of theirs goes. */
  interactiveRun: number;
}

const DEFAULT_POLICY: TurnPolicy = {
  backgroundShare: 0.25,
  intakeActiveMs: 250,
  maxPauseMs: 1_000,
  triageBackgroundShare: 0.25,
  triageActiveMs: 100,
  interactiveRun: 8,
};

/**
 * PGlite runs one statement at a time, and a transaction holds it from BEGIN to COMMIT; its own queue is first come,
 * first served, so an accept arriving behind a run of triage transactions waited for all of them. Worse, PGlite
 * runs on this process's only thread: while it works, no HTTP request is even read. Every statement and
 * transaction here waits for its turn in one of five queues instead:
 * - probes (readiness), then intake, are always served first, so an accept waits for at most the one piece of work
 *   running; only intake's turns make intake count as active, so a probe every second does not throttle triage;
 * - an HTTP request's other statements (interactive work: an API read, a console page, a webhook) go next, with
 *   no pause after them, but at most `interactiveRun` in a row while triage or background work waits, so that
 *   clients reading back to back cannot hold the drain up;
 * - while intake is active, triage and background work (reconcile, redrive, pushes, pulled source pages) hold the
 *   connection for at most `backgroundShare` of the wall time: after such a turn of h ms the next one waits
 *   h × (1 − share) / share ms (at most `maxPauseMs`), which leaves the thread to the HTTP requests. Once intake
 *   is quiet, they run back to back;
 * - while triage is active (waiting, or its last turn ended less than `triageActiveMs` ago: the gap between one
 *   batch and the next), triage goes before background work, which keeps `triageBackgroundShare` of the time: each
 *   triage turn it waited through earns it h × share / (1 − share) ms, each of its own turns spends its length, and
 *   it goes first while it has some left. Having none, it waits for triage's next turn rather than take the gap
 *   between two batches, for at most `triageActiveMs`. Its debt after one long turn is capped like a pause, so
 *   neither class starves the other; once triage is quiet, background work runs back to back.
 * A statement through the background client takes a triage or an interactive turn when it runs as that class of
 * work (work-class.ts).
 */
export class PgliteTurns {
  readonly #client: PGlite;
  readonly #policy: TurnPolicy;
  #busy = false;
  #closed = false;
  readonly #waiting: Record<Turn, Waiter[]> = {
    probe: [],
    intake: [],
    interactive: [],
    triage: [],
    background: [],
  };
  #lastIntakeAt = Number.NEGATIVE_INFINITY;
  #lastTriageAt = Number.NEGATIVE_INFINITY;
  /** When triage and background work may next run while intake is active. */
  #behindIntakeAllowedAt = 0;
  /** The time background work is owed (above 0) or owes (below 0) triage while triage is active, in ms. */
  #backgroundCredit = 0;
  /** Interactive turns given in a row while triage or background work waited. */
  #interactiveRun = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;

  constructor(client: PGlite, policy: Partial<TurnPolicy> = {}) {
    this.#client = client;
    this.#policy = { ...DEFAULT_POLICY, ...policy };
  }

  /**
   * A client for Drizzle whose statements and transactions each take a turn of the given kind; a background
   * client's take a triage turn instead when they are asked for as triage work (work-class.ts).
   */
  clientFor(turn: Turn): PgliteClient {
    const client = this.#client;
    const turnNow = turn === 'background' ? () => currentWorkClass() ?? turn : () => turn;
    return {
      query: ((...args: Parameters<PGlite['query']>) =>
        this.#inTurn(turnNow(), () => client.query(...args))) as PGlite['query'],
      transaction: <T>(run: (tx: Transaction) => Promise<T>) =>
        this.#inTurn(turnNow(), () => client.transaction(run)),
    };
  }

  /**
   * Whether intake wants the connection: an accept (or a readiness probe, or an HTTP request's statement) is waiting
   * for it, or an accept had it less than `intakeActiveMs` ago, so more are likely coming. A long transaction checks
   * it to know when to stop early.
   */
  intakeActive(): boolean {
    const { probe, intake, interactive } = this.#waiting;
    return (
      probe.length > 0 ||
      intake.length > 0 ||
      interactive.length > 0 ||
      performance.now() - this.#lastIntakeAt < this.#policy.intakeActiveMs
    );
  }

  /**
   * No more turns: the pause timer is cleared (it would keep the process alive) and every waiting turn, and any
   * asked for later, fails with PgliteClosedError. The turn running now, if any, finishes on its own.
   */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const queue of Object.values(this.#waiting)) {
      for (const waiter of queue.splice(0)) waiter.refuse(new PgliteClosedError());
    }
  }

  async #inTurn<T>(turn: Turn, work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new PgliteClosedError();
    const granted = new Promise<void>((grant, refuse) => this.#waiting[turn].push({ grant, refuse }));
    this.#next();
    await granted;
    const start = performance.now();
    try {
      return await work();
    } finally {
      this.#done(turn, start);
    }
  }

  #done(turn: Turn, start: number): void {
    const now = performance.now();
    const held = now - start;
    const { backgroundShare, maxPauseMs, triageBackgroundShare: share } = this.#policy;
    if (turn === 'intake') this.#lastIntakeAt = now;
    else if (turn === 'triage' || turn === 'background') {
      this.#behindIntakeAllowedAt =
        now + Math.min((held * (1 - backgroundShare)) / backgroundShare, maxPauseMs);
      if (turn === 'triage') {
        if (this.#waiting.background.length > 0) this.#backgroundCredit += (held * share) / (1 - share);
        this.#lastTriageAt = now;
      } else if (this.#triageActive(now)) {
        const maxDebt = (maxPauseMs * share) / (1 - share);
        this.#backgroundCredit = Math.max(this.#backgroundCredit - held, -maxDebt);
      }
    }
    this.#busy = false;
    this.#next();
  }

  #triageActive(now: number): boolean {
    return this.#waiting.triage.length > 0 || now - this.#lastTriageAt < this.#policy.triageActiveMs;
  }

  /**
   * Gives the connection to the next waiting probe or intake, else to interactive work (within its run), else, when
   * intake's share allows, to triage or to background work by the background's credit; an interactive turn past its
   * run still takes the connection when neither of those may have it now.
   */
  #next(): void {
    if (this.#busy || this.#closed) return;
    const first = this.#waiting.probe.shift() ?? this.#waiting.intake.shift();
    if (first) {
      this.#grant(first);
      return;
    }
    const { interactive, triage, background } = this.#waiting;
    if (triage.length === 0 && background.length === 0) {
      this.#interactiveRun = 0;
      const person = interactive.shift();
      if (person) this.#grant(person);
      return;
    }
    const person = this.#interactiveRun < this.#policy.interactiveRun ? interactive.shift() : undefined;
    const next = person ?? this.#triageOrBackground();
    if (typeof next !== 'number') {
      this.#interactiveRun = person ? this.#interactiveRun + 1 : 0;
      this.#grant(next);
      return;
    }
    // Triage and background work must wait; a person's statement need not, past its run or not.
    const waiting = interactive.shift();
    if (waiting) {
      this.#interactiveRun++;
      this.#grant(waiting);
    } else this.#wakeIn(next);
  }

  /** The triage or background turn to give now, or how long until one may go (in ms). */
  #triageOrBackground(): Waiter | number {
    const { triage, background } = this.#waiting;
    const now = performance.now();
    const intakeActive = now - this.#lastIntakeAt < this.#policy.intakeActiveMs;
    const behindIntake = intakeActive ? this.#behindIntakeAllowedAt - now : 0;
    if (behindIntake > 0) return behindIntake;
    const triageActive = this.#triageActive(now);
    if (!triageActive) this.#backgroundCredit = 0;
    const backgroundNext = background.length > 0 && (!triageActive || this.#backgroundCredit > 0);
    // Background work owing triage waits for triage's next turn, until triage is no longer active.
    return (
      (backgroundNext ? background.shift() : triage.shift()) ??
      this.#lastTriageAt + this.#policy.triageActiveMs - now
    );
  }

  /** Looks again in `wait` ms, unless a look is due sooner; one timer at a time. */
  #wakeIn(wait: number): void {
    const at = performance.now() + wait;
    if (this.#timer && this.#timerAt <= at) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#next();
    }, wait);
  }

  #grant(waiter: Waiter): void {
    this.#busy = true;
    waiter.grant();
  }
}
