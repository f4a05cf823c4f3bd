import type { PGlite, Transaction } from '@electric-sql/pglite';

/**
 * Who is asking for the connection. A probe (readiness) goes first but says nothing about intake; intake goes
 * before any queued background work and keeps intake "active"; background work takes what is left.
 */
export type Turn = 'probe' | 'intake' | 'background';

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
  /** While intake is active, the most of the wall time background work may hold the connection (0..1]. */
  backgroundShare: number;
  /** Intake counts as active this long after its last turn, in ms. */
  intakeActiveMs: number;
  /** The longest background work pauses after one long turn (a rescore), in ms. */
  maxPauseMs: number;
}

const DEFAULT_POLICY: TurnPolicy = { backgroundShare: 0.25, intakeActiveMs: 250, maxPauseMs: 1_000 };

/**
 * PGlite runs one statement at a time, and a transaction holds it from BEGIN to COMMIT; its own queue is first come,
 * first served, so an accept arriving behind a run of triage transactions waited for all of them. Worse, PGlite
 * runs on this process's only thread: while it works, no HTTP request is even read. Every statement and
 * transaction here waits for its turn in one of three queues instead:
 * - probes (readiness), then intake, are always served first, so an accept waits for at most the one piece of work
 *   running; only intake's turns make intake count as active, so a probe every second does not throttle triage;
 * - while intake is active, background work (triage, reconcile, redrive, pulled source pages) holds the connection
 *   for at most `backgroundShare` of the wall time: after a background turn of h ms the next one waits
 *   h × (1 − share) / share ms (at most `maxPauseMs`), which leaves the thread to the HTTP requests. Once intake
 *   is quiet, background work runs back to back.
 */
export class PgliteTurns {
  readonly #client: PGlite;
  readonly #policy: TurnPolicy;
  #busy = false;
  #closed = false;
  readonly #waiting: Record<Turn, Waiter[]> = { probe: [], intake: [], background: [] };
  #lastIntakeAt = Number.NEGATIVE_INFINITY;
  #backgroundAllowedAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(client: PGlite, policy: Partial<TurnPolicy> = {}) {
    this.#client = client;
    this.#policy = { ...DEFAULT_POLICY, ...policy };
  }

  /** A client for Drizzle whose statements and transactions each take a turn of the given kind. */
  clientFor(turn: Turn): PgliteClient {
    const client = this.#client;
    return {
      query: ((...args: Parameters<PGlite['query']>) =>
        this.#inTurn(turn, () => client.query(...args))) as PGlite['query'],
      transaction: <T>(run: (tx: Transaction) => Promise<T>) =>
        this.#inTurn(turn, () => client.transaction(run)),
    };
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
    if (turn === 'intake') this.#lastIntakeAt = now;
    else if (turn === 'background') {
      const { backgroundShare: share, maxPauseMs } = this.#policy;
      this.#backgroundAllowedAt = now + Math.min(((now - start) * (1 - share)) / share, maxPauseMs);
    }
    this.#busy = false;
    this.#next();
  }

  /** Gives the connection to the next waiting probe or intake, else to background work when its share allows. */
  #next(): void {
    if (this.#busy || this.#closed) return;
    const first = this.#waiting.probe.shift() ?? this.#waiting.intake.shift();
    if (first) {
      this.#grant(first);
      return;
    }
    if (this.#waiting.background.length === 0) return;
    const now = performance.now();
    const intakeActive = now - this.#lastIntakeAt < this.#policy.intakeActiveMs;
    const wait = intakeActive ? this.#backgroundAllowedAt - now : 0;
    if (wait <= 0) {
      this.#grant(this.#waiting.background.shift() as Waiter);
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#next();
    }, wait);
  }

  #grant(waiter: Waiter): void {
    this.#busy = true;
    waiter.grant();
  }
}
