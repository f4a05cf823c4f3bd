import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type CheckRow, evaluate } from './checks.ts';
import { type FaultKind, planFaults, runFaults } from './faults.ts';
import { QUEUE_PREFIX, startHarness } from './harness.ts';
import { planIntake, runIntake } from './intake.ts';
import { readDatabase, readSchedules } from './observe.ts';
import { formatReport } from './report.ts';
import { waitSettled } from './settle.ts';

/**
 * One chaos run, as `npm run chaos` and test/chaos.test.ts call it: start everything, run steady intake while the
 * faults hit on schedule, stop injecting, wait (bounded) for the system to settle, then judge it from the
 * database, the emulators, the SMTP server, Redis and the processes.
 */

/** The last few lines a process wrote, each cut short: enough to see why, not a log dump. */
function lastLines(lines: readonly string[], count = 8, width = 400): string[] {
  return lines.slice(-count).map((l) => (l.length > width ? `${l.slice(0, width)}…` : l));
}

interface ChaosOptions {
  requests: number;
  seconds: number;
  seed: number;
  faults: readonly FaultKind[];
  /** How long to wait for the system to settle once the faults stop. */
  settleSeconds: number;
  postgresAdminUrl: string;
  progress: (message: string) => void;
}

interface ChaosResult {
  rows: CheckRow[];
  ok: boolean;
  report: string;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { requests, seconds, seed, faults, settleSeconds, postgresAdminUrl, progress } = options;
  const began = Date.now();
  const runId = randomBytes(4).toString('hex');
  const harness = await startHarness({ postgresAdminUrl, runId, progress });
  const pool = new pg.Pool({ connectionString: harness.database.url, max: 2 });
  // A terminated connection is an error event on an idle client; the pool replaces it.
  pool.on('error', () => {});
  try {
    const schedulesBefore = await readSchedules(harness.redisUrl, QUEUE_PREFIX);
    const intakePlan = planIntake(seed, requests);
    const faultPlan = planFaults(faults, seconds);
    progress(`chaos: ${requests} requests over ${seconds} s; faults: ${faults.join(', ') || 'none'}`);
    const [intake, faultRun] = await Promise.all([
      runIntake({ apiUrl: harness.apiUrl, apiKey: harness.apiKey, plan: intakePlan, seconds }),
      runFaults({
        plan: faultPlan,
        seconds,
        seed,
        targets: {
          emulators: harness.emulators,
          redisUrl: harness.redisUrl,
          postgresAdminUrl,
          database: harness.database.name,
          killWorker: () => harness.workers[0]?.kill('SIGKILL') ?? Promise.resolve(),
          restartWorker: () => harness.restartWorker(0),
        },
      }),
    ]);
    await harness.emulators.clearFaults();

    progress(
      `chaos: intake done (${intake.accepted.size} accepted); waiting up to ${settleSeconds} s to settle`,
    );
    const acceptedIds = [...intake.accepted];
    const settle = await waitSettled({
      pool,
      acceptedIds,
      moved: faultRun.moved,
      limitSeconds: settleSeconds,
      anyWorkerAlive: () => harness.workers.some((w) => w.alive()),
      missingSchedules: async () => {
        const now = new Set(await readSchedules(harness.redisUrl, QUEUE_PREFIX));
        return schedulesBefore.filter((s) => !now.has(s));
      },
    });
    progress(`chaos: ${settle.settled ? 'settled' : 'not settled'}; checking`);

    const processes = [harness.api, ...harness.workers];
    const issues = await harness.emulators.issues();
    const rows = evaluate({
      planned: intakePlan.filter((r) => r.repeatOf === undefined).length,
      intake,
      db: await readDatabase(pool, acceptedIds),
      issues,
      mails: harness.smtp.messages,
      schedulesBefore,
      schedulesAfter: await readSchedules(harness.redisUrl, QUEUE_PREFIX),
      processes: processes.map((p) => ({ name: p.name, alive: p.alive(), exit: p.exit() })),
      moved: faultRun.moved,
      faults: { planned: faultPlan.length, failed: faultRun.failed },
      settle,
    });
    const ok = rows.every((r) => r.ok);
    // A failed run says what each process last wrote (warnings and errors at LOG_LEVEL=warn): where to look first.
    const tails = ok
      ? []
      : [...processes, harness.emulators.process]
          .filter((p) => p.tail().length > 0)
          .map((p) => `\n${p.name} (${p.exit()}), its last lines:\n  ${lastLines(p.tail()).join('\n  ')}`);
    const report = formatReport(
      {
        runId,
        seed,
        requests,
        seconds,
        faults,
        retries: intake.retries,
        issues: {
          jira: issues.filter((i) => i.kind === 'jira').length,
          linear: issues.filter((i) => i.kind === 'linear').length,
        },
        emails: harness.smtp.messages.length,
        totalSeconds: (Date.now() - began) / 1000,
      },
      faultRun.log,
      rows,
    );
    return { rows, ok, report: report + tails.join('\n') };
  } finally {
    await pool.end().catch(() => {});
    await harness.stop();
  }
}
