import type { PGlite, Transaction } from '@electric-sql/pglite';

/** Who is asking for the connection: intake goes before any queued background work. */
export type Turn = 'intake' | 'background';

/** What Drizzle's PGlite session calls on its client: single statements and transactions. */
export type PgliteClient = Pick<PGlite, 'query' | 'transaction'>;

/**
 * PGlite runs one statement at a time, and a transaction holds it from BEGIN to COMMIT; its own queue is first come,
 * first served, so an accept arriving behind a run of triage transactions waited for all of them. Every statement
 * and transaction here waits for its turn in one of two queues instead, and the intake queue is always served
 * first: an accept waits for at most the one piece of work already running. Background work is never starved by
 * a steady stream of accepts as long as intake holds its turns one at a time (the grouped accept does).
 */
export class PgliteTurns {
  readonly #client: PGlite;
  #busy = false;
  readonly #waiting: Record<Turn, Array<() => void>> = { intake: [], background: [] };

  constructor(client: PGlite) {
    this.#client = client;
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
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting[turn].push(resolve));
    else this.#busy = true;
    try {
      return await work();
    } finally {
      this.#handOver();
    }
  }

  /** The connection goes to the next waiting intake, else the next background work; it stays busy meanwhile. */
  #handOver(): void {
    const next = this.#waiting.intake.shift() ?? this.#waiting.background.shift();
    if (next) next();
    else this.#busy = false;
  }
}
