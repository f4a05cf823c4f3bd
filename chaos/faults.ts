import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createRandom } from '../bench/triage-corpus.ts';
import type { EmulatorIssue, Emulators } from './emulators.ts';

/**
 * What the suite does to the system while intake runs, on a fixed schedule (fractions of the intake time), so
 * two runs with the same flags meet the same faults at the same points of the load:
 *
 *   kill   SIGKILL one worker, then start it again
 *   storm  both emulators answer 429s, then a share of 5xx for a while
 *   db     terminate every connection to the service's database
 *   flush  FLUSHALL on the run's private Redis
 *
 * and, whatever faults are chosen, moves some pushed issues to Done in the emulators twice (during the storm and
 * just before the flush), so status emails are sent while faults hit. Each step runs at its own time, except that
 * the database blip and the flush wait until the killed worker is up again: a process starting up schedules its
 * repeatable jobs, which would hide whether they come back after a flush on their own, and a blip during a start
 * is a different fault from a blip under load.
 */

export const FAULT_KINDS = ['kill', 'storm', 'db', 'flush'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
type StepKind = FaultKind | 'move';

interface PlannedStep {
  kind: StepKind;
  /** Milliseconds after intake starts. */
  atMs: number;
}

/**
 * The storm comes early: a Jira create refused with a 5xx is retried only once the service's grace for Jira's
 * eventually consistent search has passed (a minute, tracker-push.job.ts), and that minute is part of settling.
 */
const AT: Record<StepKind, readonly number[]> = {
  kill: [0.1],
  storm: [0.2],
  move: [0.3, 0.6],
  db: [0.5],
  flush: [0.65],
};

/** How long the 5xx part of a storm lasts: a sixth of the intake, between 3 and 10 s. */
function stormMs(seconds: number): number {
  return Math.round(Math.min(10_000, Math.max(3_000, (seconds * 1000) / 6)));
}

export function planFaults(faults: readonly FaultKind[], seconds: number): PlannedStep[] {
  const kinds: StepKind[] = ['move', ...faults];
  return kinds
    .flatMap((kind) => AT[kind].map((at) => ({ kind, atMs: Math.round(at * seconds * 1000) })))
    .sort((a, b) => a.atMs - b.atMs);
}

interface FaultTargets {
  emulators: Emulators;
  redisUrl: string;
  /** A Postgres role that may terminate the service's connections, and the service's database name. */
  postgresAdminUrl: string;
  database: string;
  /** SIGKILL one worker and wait for it to be gone; then start it again and wait until it is ready. */
  killWorker(): Promise<void>;
  restartWorker(): Promise<void>;
}

export interface FaultLogEntry {
  atSeconds: number;
  what: string;
}

interface FaultRun {
  log: FaultLogEntry[];
  /** Steps that could not be carried out (the suite's own trouble, or a target gone): the run proves less. */
  failed: string[];
  /** Issues moved to Done, for the status-back check. */
  moved: EmulatorIssue[];
}

/** Moves about a fifth of the issues not moved yet (at least one), picked by the seed. */
async function moveSome(
  emulators: Emulators,
  moved: EmulatorIssue[],
  random: ReturnType<typeof createRandom>,
) {
  const done = new Set(moved.map((i) => `${i.kind}:${i.id}`));
  const candidates = (await emulators.issues()).filter((i) => !done.has(`${i.kind}:${i.id}`));
  candidates.sort((a, b) => (a.id < b.id ? -1 : 1));
  const picked = candidates.filter(() => random.chance(0.2));
  if (picked.length === 0 && candidates[0]) picked.push(candidates[0]);
  for (const issue of picked) {
    await emulators.moveToDone(issue);
    moved.push(issue);
  }
  return `moved ${picked.length} of ${candidates.length} issues to Done (${picked.map((i) => i.kind).join(', ') || 'none'})`;
}

async function terminateConnections(adminUrl: string, database: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const { rowCount } = await client.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [database],
    );
    return rowCount ?? 0;
  } finally {
    await client.end().catch(() => {});
  }
}

async function flushRedis(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/** Runs the plan against `targets`; every step is logged, and a step that fails is logged as failed. */
export async function runFaults({
  plan,
  targets,
  seconds,
  seed,
}: {
  plan: readonly PlannedStep[];
  targets: FaultTargets;
  seconds: number;
  seed: number;
}): Promise<FaultRun> {
  const run: FaultRun = { log: [], failed: [], moved: [] };
  const random = createRandom(seed ^ 0x5eed);
  const start = Date.now();
  const note = (what: string) => run.log.push({ atSeconds: (Date.now() - start) / 1000, what });
  // Started in the background, so a slow start does not hold the rest of the schedule back.
  let restarted: Promise<void> | undefined;
  const steps: Record<StepKind, () => Promise<string>> = {
    kill: async () => {
      await targets.killWorker();
      restarted = targets.restartWorker().then(
        () => {
          note('worker 1 started again and ready');
        },
        (err: Error) => {
          run.failed.push('kill');
          note(`kill FAILED: worker 1 did not start again: ${err.message}`);
        },
      );
      return 'worker 1 killed (SIGKILL); starting it again';
    },
    storm: async () => {
      const forMs = stormMs(seconds);
      for (const kind of ['jira', 'linear'] as const) {
        await targets.emulators.setFaults(kind, {
          rateLimit: { count: 10, retryAfterSeconds: 1 },
          serverError: { forMs, rate: 0.5, status: 503, seed },
        });
      }
      return `emulators: next 10 calls 429, then half of calls 503 for ${(forMs / 1000).toFixed(1)} s`;
    },
    move: () => moveSome(targets.emulators, run.moved, random),
    db: async () => {
      // After the restarted worker is up: a blip during its start-up is another fault (it exits, as a process
      // whose start fails does), and on a slow machine the two would meet by chance.
      if (restarted) await restarted;
      return `terminated ${await terminateConnections(targets.postgresAdminUrl, targets.database)} database connections`;
    },
    flush: async () => {
      // After the restarted worker is up: its start-up would re-create the schedules the flush removes.
      if (restarted) await restarted;
      await flushRedis(targets.redisUrl);
      return 'FLUSHALL on Redis';
    },
  };
  // Each step at its own time: a slow one (moves retried through a storm) does not delay the others.
  await Promise.all(
    plan.map(async (step) => {
      const wait = start + step.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      try {
        note(await steps[step.kind]());
      } catch (err) {
        run.failed.push(step.kind);
        note(`${step.kind} FAILED: ${(err as Error).message}`);
      }
    }),
  );
  await restarted;
  return run;
}
