import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import { scheduleNotificationsAfterCommit } from '../queue/schedule-notify.ts';
import { schedulePushesAfterCommit } from '../queue/schedule-push.ts';
import type { Db } from '../store/db.ts';
import type { DirtyLink, Tx } from '../store/feature-writes.ts';
import type { FanOutOutcome } from '../store/notify-outbox.repo.ts';

/**
 * One use case, one transaction: the work runs in a transaction of the store's (db.transaction checks out a client
 * of its own), and says what must be queued once it commits: the pushes of the links it made dirty, the sends of
 * the notifications it wrote. Those are enqueued only after the commit, and
 * never throw then: a failed enqueue is logged, and the redrive finds the work in the database.
 */

/** What a transaction asks to be queued once it commits. */
interface AfterCommit {
  /** Links whose issues need a push (coalesced; a link named twice is pushed once). */
  push(links: readonly DirtyLink[]): void;
  /** Outbox rows written and cancelled by a notification fan-out. */
  notify(outcome: FanOutOutcome): void;
}

/** A use case's handle on its transaction. */
export interface Work {
  tx: Tx;
  after: AfterCommit;
}

export type UnitOfWork = <T>(work: (work: Work) => Promise<T>) => Promise<T>;

interface UnitOfWorkDeps {
  db: Pick<Db, 'transaction'>;
  queues: Queues;
  /** The push coalescing window (`push.coalesceSeconds`). */
  coalesceSeconds: number;
  metrics: Metrics;
  log: Logger;
}

interface Collected {
  pushes: Map<string, DirtyLink>;
  notifications: FanOutOutcome;
}

function collector(): { collected: Collected; after: AfterCommit } {
  const collected: Collected = {
    pushes: new Map(),
    notifications: { created: [], cancelled: 0 },
  };
  const after: AfterCommit = {
    push(links) {
      for (const link of links) collected.pushes.set(link.id, link);
    },
    notify(outcome) {
      collected.notifications.created.push(...outcome.created);
      collected.notifications.cancelled += outcome.cancelled;
    },
  };
  return { collected, after };
}

/** Queues what a committed transaction made due; each enqueue logs its own failure, and nothing here throws. */
async function enqueueAfterCommit(deps: UnitOfWorkDeps, collected: Collected): Promise<void> {
  const { queues, metrics, log } = deps;
  try {
    const { notifications } = collected;
    if (notifications.created.length > 0 || notifications.cancelled > 0) {
      await scheduleNotificationsAfterCommit(queues, notifications, { metrics, log });
    }
    if (collected.pushes.size > 0) {
      await schedulePushesAfterCommit(queues, [...collected.pushes.values()], deps.coalesceSeconds, log);
    }
  } catch (err) {
    log.warn({ error: errorForLog(err) }, 'enqueue after commit failed; the redrive will pick it up');
  }
}

export function createUnitOfWork(deps: UnitOfWorkDeps): UnitOfWork {
  return async (work) => {
    const { collected, after } = collector();
    const result = await deps.db.transaction((tx) => work({ tx, after }));
    await enqueueAfterCommit(deps, collected);
    return result;
  };
}
