import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The class of the work running, for what it cannot say by the handle it writes through: on PGlite, a statement or
 * transaction through the store's `db` takes a turn of this class instead of a background one (pglite-turns.ts).
 * The worker pool runs a triage job's handler as `triage`, and everything that handler awaits or starts (its unit
 * of work, the requests batched with it, the folds and index refresh after it) inherits the class. The app runs
 * every HTTP request as `interactive` (`interactiveWork`, http/request-context.ts): someone is waiting for the
 * answer. On Postgres nothing reads it.
 */
export type WorkClass = 'triage' | 'interactive';

const current = new AsyncLocalStorage<WorkClass>();

/** Runs `work` (and whatever it starts) as work of the given class. */
export function runAs<T>(workClass: WorkClass, work: () => T): T {
  return current.run(workClass, work);
}

/** The class of the work running here, if it was given one. */
export function currentWorkClass(): WorkClass | undefined {
  return current.getStore();
}
