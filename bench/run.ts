import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { consoleJson, formatConsoleSection } from './console-report.ts';
import { type ConsoleResult, runConsoleTarget } from './console-target.ts';
import { type CsvResult, formatCsvSection, runCsvTarget } from './csv-import-target.ts';
import { parseFlags, type TargetName } from './flags.ts';
import { machine, printIntake, type Run, runIntakeTarget, WARMUP_SECONDS } from './intake-target.ts';
import { formatMemorySection, type MemoryResult, runMemoryTarget } from './memory-target.ts';
import { formatNotifySection } from './notify-report.ts';
import { NOTIFY_SETTINGS, type NotifyResult, runNotifyTarget } from './notify-target.ts';
import type { TargetResult } from './report.ts';
import { deleteRedisKeys } from './scratch.ts';
import { formatTrackerSection, trackerJson } from './tracker-report.ts';
import { TRACKER_SETTINGS } from './tracker-sync.ts';
import { runTrackerTarget, type TrackerResult } from './tracker-target.ts';
import { formatTriageSection, triageJson } from './triage-report.ts';
import { runTriageTarget, type TriageResult } from './triage-target.ts';

/**
 * `npm run bench`: accepted requests per second and p50/p99 latency of `POST /v1/requests` at a fixed
 * concurrency, on PGlite and on Postgres, next to a bare express handler answering 202 on the same machine in the
 * same run. Absolute figures depend on the machine; the ratio to the bare handler is what compares. Then the
 * `tracker` target (bench/tracker-sync.ts): tracker calls per feature and status-change latency against the
 * sandbox emulators. Then the `notify` target (bench/notify-target.ts): from a tracker status change to the last
 * of 1,000 requesters' status emails accepted by a loopback SMTP server, on PGlite and on Postgres. Then the
 * `triage` target (bench/triage-target.ts): triage latency per request with 1,000, 10,000 and 100,000 existing
 * features, on PGlite and on Postgres. Then the `csv` target (bench/csv-import-target.ts): `npm run import` rows/s
 * and peak RSS on a generated 200,000-row file, and the API's accept() against the importer's batched insert.
 * Then the `console` target (bench/console-target.ts): the console's features and review pages answered by
 * `node src/main.ts api` with 100,000 features on Postgres (p50/p95/p99 per page, beside the aim).
 * The `memory` target (bench/memory-target.ts), run first of these: the resident memory of `start` (PGlite), `api`
 * and `worker` (Postgres), idle and under intake load, beside the aims, and the csv target's import peak.
 * It prints figures and never judges them.
 *
 *   npm run bench -- [--duration S] [--concurrency N] [--only bare,pglite,postgres,memory,tracker,notify,triage,csv,console]
 *                    [--triage-sizes 1000,10000,100000] [--triage-requests 200] [--notify-databases pglite,postgres] [--csv-rows 200000]
 *                    [--console-features 100000]
 *
 * Needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379) and, for the postgres target, a Postgres role
 * that may create databases (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres). The triage
 * target needs only the Postgres role.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const progress = (message: string) => process.stderr.write(`${message}\n`);

/** What the targets after intake found; each is absent when it did not run. */
interface LaterResults {
  memory?: MemoryResult;
  tracker?: TrackerResult;
  notify?: NotifyResult;
  triage?: TriageResult;
  csv?: CsvResult;
  console?: ConsoleResult;
}

function header({ flags, host, runId }: Pick<Run, 'flags' | 'host' | 'runId'>): string {
  const { seconds, connections, targets, memory, tracker, notify, triage, csv, consolePages } = flags;
  return [
    `Suggested Sync ${[targets.length > 0 ? 'intake' : '', memory ? 'memory' : '', tracker ? 'tracker-sync' : '', notify ? 'notify' : '', triage ? 'triage' : '', csv ? 'csv-import' : '', consolePages ? 'console' : ''].filter(Boolean).join(', ')} benchmark (run ${runId})`,
    `  machine:     ${host.cpus} CPUs (${host.cpuModel}), ${host.memoryGiB} GiB, ${host.platform}`,
    `  node:        ${host.node}`,
    ...(targets.length > 0
      ? [
          `  load:        POST /v1/requests, ${connections} connections, ${seconds} s measured after ${WARMUP_SECONDS} s warm-up, every body unique`,
          '  note:        autocannon runs on the same machine and competes with the servers (and Postgres) for CPU',
        ]
      : []),
    ...(memory
      ? [
          '  memory:      RSS of start (PGlite), api and worker (Postgres), idle and under intake load, beside the aims',
        ]
      : []),
    ...(tracker
      ? [
          `  tracker:     ${(TRACKER_SETTINGS.features * TRACKER_SETTINGS.requestsPerFeature).toLocaleString('en-US')} requests to ${TRACKER_SETTINGS.features} features per tracker, then status changes, against the sandbox emulators`,
        ]
      : []),
    ...(notify
      ? [
          `  notify:      ${NOTIFY_SETTINGS.requesters.toLocaleString('en-US')} requesters in one feature, its Linear issue moved, until every email is accepted by SMTP; ${NOTIFY_SETTINGS.repetitions} repetitions on ${notify.join(', ')}`,
        ]
      : []),
    ...(triage
      ? [
          `  triage:      ${triage.requests} requests triaged one at a time with ${triage.sizes.map((n) => n.toLocaleString('en-US')).join(', ')} existing features, on PGlite then Postgres`,
        ]
      : []),
    ...(csv
      ? [
          `  csv:         npm run import of ${csv.rows.toLocaleString('en-US')} generated rows, on PGlite then Postgres, twice each`,
        ]
      : []),
    ...(consolePages
      ? [
          `  console:     the features and review pages with ${consolePages.features.toLocaleString('en-US')} features on Postgres, one request at a time`,
        ]
      : []),
    '',
  ].join('\n');
}

/** The targets after intake, in order, each skipped once the run is interrupted. */
async function runLaterTargets(run: Run): Promise<LaterResults> {
  const { flags, scratchDir, runId, apiKey, postgresAdminUrl, signal } = run;
  const later: LaterResults = {};
  if (flags.memory && !signal.aborted) {
    later.memory = await runMemoryTarget({
      serviceEnv: (port) => run.serviceEnv('memory', port),
      postgresAdminUrl,
      cwd: ROOT,
      scratchDir,
      runId,
      apiKey,
      signal,
      progress,
    });
  }
  if (flags.tracker && !signal.aborted) {
    later.tracker = await runTrackerTarget({
      serviceEnv: (port) => run.serviceEnv('tracker', port),
      cwd: ROOT,
      scratchDir,
      runId,
      apiKey,
      signal,
      progress,
    });
  }
  if (flags.notify && !signal.aborted) {
    later.notify = await runNotifyTarget({
      // One data directory and queue prefix per database: nothing of the PGlite run reaches the Postgres one.
      serviceEnv: (port, dir) => ({
        ...run.serviceEnv('notify', port),
        DATA_DIR: path.join(scratchDir, dir),
        QUEUE_PREFIX: `${run.prefixRoot}-${dir}`,
      }),
      postgresAdminUrl,
      cwd: ROOT,
      scratchDir,
      runId,
      apiKey,
      databases: flags.notify,
      signal,
      progress,
    });
  }
  if (flags.triage && !signal.aborted) {
    const { sizes, requests } = flags.triage;
    later.triage = await runTriageTarget({
      postgresAdminUrl,
      scratchDir,
      runId,
      sizes,
      requests,
      signal,
      progress,
    });
  }
  if (flags.csv && !signal.aborted) {
    const { rows } = flags.csv;
    later.csv = await runCsvTarget({
      cwd: ROOT,
      scratchDir,
      postgresAdminUrl,
      runId,
      rows,
      signal,
      progress,
    });
  }
  if (flags.consolePages && !signal.aborted) {
    later.console = await runConsoleTarget({
      postgresAdminUrl,
      serviceEnv: (port) => run.serviceEnv('console', port),
      cwd: ROOT,
      runId,
      features: flags.consolePages.features,
      signal,
      progress,
    });
  }
  return later;
}

/** Each later target's section, then its figures as one JSON line. */
function printLater(run: Run, later: LaterResults, interrupted: boolean): void {
  const about = { runId: run.runId, interrupted, machine: run.host };
  const sections: [string, string, object][] = [];
  if (later.memory)
    sections.push([formatMemorySection(later.memory, later.csv?.runs), 'memory', later.memory]);
  if (later.tracker)
    sections.push([formatTrackerSection(later.tracker), 'tracker-sync', trackerJson(later.tracker)]);
  if (later.notify) sections.push([formatNotifySection(later.notify), 'notify', later.notify]);
  if (later.triage) sections.push([formatTriageSection(later.triage), 'triage', triageJson(later.triage)]);
  if (later.csv) sections.push([formatCsvSection(later.csv), 'csv-import', later.csv]);
  if (later.console)
    sections.push([formatConsoleSection(later.console), 'console', consoleJson(later.console)]);
  for (const [section, bench, figures] of sections) {
    process.stdout.write(`\n${section}\n\n`);
    process.stdout.write(`${JSON.stringify({ bench, ...about, ...figures })}\n`);
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const redisUrl = process.env['BENCH_REDIS_URL'] || 'redis://127.0.0.1:6379';
  const postgresAdminUrl = process.env['BENCH_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = machine();
  const runId = randomBytes(4).toString('hex');
  const apiKey = randomBytes(16).toString('hex');
  const prefixRoot = `bench-${runId}`;

  process.stdout.write(header({ flags, host, runId }));

  // The load generator and the servers share this machine; a run interrupted by Ctrl-C still cleans up.
  const interrupt = new AbortController();
  process.once('SIGINT', () => {
    progress('interrupted: stopping the current run and cleaning up');
    interrupt.abort();
  });

  const scratchDir = mkdtempSync(path.join(os.tmpdir(), 'ss-bench-'));
  const configFile = path.join(scratchDir, 'config.yaml');
  // Intake is rate limited per API key; the benchmark measures the path behind the limiter, not the limiter.
  writeFileSync(configFile, 'intake:\n  rateLimit:\n    requests: 100000000\n    perSeconds: 60\n');

  const serviceEnv = (name: Exclude<TargetName, 'bare'>, port: number): Record<string, string> => ({
    // Only what the service needs: nothing from the caller's shell (a DATABASE_URL, trackers) leaks in.
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? scratchDir,
    PORT: String(port),
    DATA_DIR: path.join(scratchDir, name),
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `${prefixRoot}-${name}`,
    API_KEYS: apiKey,
    LOG_LEVEL: 'warn',
    CONFIG_FILE: configFile,
  });
  const signal = interrupt.signal;
  const run: Run = {
    flags,
    redisUrl,
    postgresAdminUrl,
    host,
    runId,
    apiKey,
    prefixRoot,
    scratchDir,
    signal,
    serviceEnv,
  };

  const sequence = { next: 0 };
  const results: TargetResult[] = [];
  let later: LaterResults = {};
  try {
    for (const name of flags.targets) {
      if (interrupt.signal.aborted) break;
      results.push(await runIntakeTarget(run, name, sequence, progress));
    }
    later = await runLaterTargets(run);
  } finally {
    const cleanup: [string, () => Promise<unknown>][] = [
      [`Redis keys ${prefixRoot}-*`, () => deleteRedisKeys(redisUrl, `${prefixRoot}-*`)],
      [`database ${run.database?.name}`, async () => run.database?.drop()],
      [`directory ${scratchDir}`, async () => rmSync(scratchDir, { recursive: true, force: true })],
    ];
    for (const [what, clean] of cleanup) {
      await clean().catch((err: Error) => progress(`cleanup of ${what} failed: ${err.message}`));
    }
  }

  const interrupted = interrupt.signal.aborted;
  if (interrupted)
    process.stdout.write('\nINTERRUPTED: the last target measured a shortened run; later ones did not run\n');
  if (results.length > 0) printIntake(run, results, interrupted);
  printLater(run, later, interrupted);
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
