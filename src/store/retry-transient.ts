import { setTimeout as sleep } from 'node:timers/promises';
import { errorForLog, type Logger } from '../log.ts';
import { isTransientDatabaseError } from './transient-error.ts';

interface RetryTransientOptions {
  log: Logger;
  /** How long to keep trying in all; past it the last error is thrown. */
  budgetMs?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Runs `step` (idempotent: a migration under its lock, one transaction) until it succeeds, retrying only while it
 * fails on a transient connection failure, with a doubling delay and a bounded total. Any other error is thrown at
 * once, so a wrong password or a failing migration still stops start-up with its own message.
 */
export async function retryTransient<T>(
  what: string,
  step: () => Promise<T>,
  { log, budgetMs = 60_000, firstDelayMs = 250, maxDelayMs = 5_000 }: RetryTransientOptions,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (err) {
      const delayMs = Math.min(firstDelayMs * 2 ** (attempt - 1), maxDelayMs);
      if (!isTransientDatabaseError(err) || Date.now() + delayMs > deadline) throw err;
      // errorForLog keeps the message and code only: no bound values, and pg's messages carry no password.
      log.warn(
        { step: what, attempt, retryInMs: delayMs, error: errorForLog(err) },
        'database not reachable at start; retrying',
      );
      await sleep(delayMs);
    }
  }
}
