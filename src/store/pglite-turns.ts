import type { PGlite, Transaction } from '@electric-sql/pglite';

/** Who is asking for the connection: intake goes before any queued background work. */
export type Turn = 'intake' | 'background';

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
 * transaction here waits for its turn in one of two queues instead:
 * - the intake queue is always served first, so an accept waits for at most the one piece of work running;
 * - while intake is active, background work (triage, reconcile, redrive) holds the connection for at most
 *   `backgroundShare` of the wall time: after a background turn of h ms the next one waits h × (1 − share) / share
 *   ms (at most `maxPauseMs`), which leaves the thread to the HTTP requests. Once intake is quiet, background
 *   work runs back to back.
 */
export class PgliteTurns {
  readonly #client: PGlite;
  readonly #policy: TurnPolicy;
  #busy = false;
  readonly #waiting: Record<Turn, Array<() => void>> = { intake: [], background: [] };
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

  async #inTurn<T>(turn: Turn, work: () => Promise<T>): Promise<T> {
    const granted = new Promise<void>((resolve) => this.#waiting[turn].push(resolve));
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
    else {
      const { backgroundShare: share, maxPauseMs } = this.#policy;
      this.#backgroundAllowedAt = now + Math.min(((now - start) * (1 - share)) / share, maxPauseMs);
    }
    this.#busy = false;
    this.#next();
  }

  /** Gives the connection to the next waiting intake, else to background work when its share allows. */
  #next(): void {
    if (this.#busy) return;
    const intake = this.#waiting.intake.shift();
    if (intake) {
      this.#grant(intake);
      return;
    }
    if (this.#waiting.background.length === 0) return;
    const now = performance.now();
    const intakeActive = now - this.#lastIntakeAt < this.#policy.intakeActiveMs;
    const wait = intakeActive ? this.#backgroundAllowedAt - now : 0;
    if (wait <= 0) {
      this.#grant(this.#waiting.background.shift() as () => void);
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#next();
    }, wait);
  }

  #grant(resolve: () => void): void {
    this.#busy = true;
    resolve();
  }
}
