import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { notShipped } from './checks.ts';
import type { EmulatorIssue } from './emulators.ts';
import { type DatabaseView, readDatabase } from './observe.ts';

/**
 * After the faults stop: wait (bounded) until the database says the work is done (every accepted request
 * triaged, no link pending or dirty, no email notification pending or being sent, no webhook delivery waiting,
 * every issue moved to Done reflected as `shipped`) and the job schedulers seen at start are back in Redis.
 */

/** What the system still has to do (empty: settled). */
function outstanding(db: DatabaseView, accepted: number, moved: readonly EmulatorIssue[]): string[] {
  const waiting: string[] = [];
  const triaged = db.requests.filter((r) => r.triaged).length;
  if (triaged < accepted) waiting.push(`${accepted - triaged} requests untriaged`);
  const links = db.links.filter((l) => l.state === 'pending' || l.dirty).length;
  if (links > 0) waiting.push(`${links} links pending or dirty`);
  const mail = db.notifications.filter((n) => n.state === 'pending' || n.state === 'sending').length;
  if (mail > 0) waiting.push(`${mail} notifications pending or sending`);
  if (db.unprocessedWebhooks > 0) waiting.push(`${db.unprocessedWebhooks} webhook deliveries unprocessed`);
  const lagging = notShipped(moved, db.links).length;
  if (lagging > 0) waiting.push(`${lagging} moved issues not shipped yet`);
  return waiting;
}

export interface Settled {
  settled: boolean;
  seconds: number;
  limitSeconds: number;
  waitingFor: string[];
}

export async function waitSettled({
  pool,
  acceptedIds,
  moved,
  limitSeconds,
  anyWorkerAlive,
  missingSchedules,
}: {
  pool: pg.Pool;
  acceptedIds: readonly string[];
  moved: readonly EmulatorIssue[];
  limitSeconds: number;
  /** With no worker left nothing will move: stop waiting. */
  anyWorkerAlive: () => boolean;
  /** Schedulers seen at start that Redis does not hold now. */
  missingSchedules: () => Promise<string[]>;
}): Promise<Settled> {
  const start = Date.now();
  let waitingFor: string[] = ['nothing read yet'];
  for (;;) {
    const seconds = (Date.now() - start) / 1000;
    try {
      waitingFor = outstanding(await readDatabase(pool, acceptedIds), acceptedIds.length, moved);
    } catch (err) {
      waitingFor = [`database: ${(err as Error).message}`];
    }
    const missing = await missingSchedules().catch((err: Error) => [`(redis: ${err.message})`]);
    if (missing.length > 0) waitingFor.push(`${missing.length} schedules missing`);
    if (waitingFor.length === 0) return { settled: true, seconds, limitSeconds, waitingFor };
    if (!anyWorkerAlive()) waitingFor.push('no worker process is alive');
    if (seconds > limitSeconds || !anyWorkerAlive())
      return { settled: false, seconds, limitSeconds, waitingFor };
    await sleep(1_000);
  }
}
