import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../support/private-redis.ts';
import { consoleJson, formatConsoleSection } from './console-report.ts';
import { CONSOLE_SETTINGS, type ConsoleResult, runConsoleTarget } from './console-target.ts';
import { CSV_SETTINGS, type CsvResult, formatCsvSection, runCsvTarget } from './csv-import-target.ts';
import { runLoad } from './load.ts';
import { formatNotifySection } from './notify-report.ts';
import { NOTIFY_DATABASES, NOTIFY_SETTINGS, type NotifyResult, runNotifyTarget } from './notify-target.ts';
import { formatNotes, formatTable, ratioToBare, type TargetResult } from './report.ts';
import { createScratchDatabase, deleteRedisKeys, type ScratchDatabase } from './scratch.ts';
import { startTarget } from './targets.ts';
import { formatTrackerSection, trackerJson } from './tracker-report.ts';
import { TRACKER_SETTINGS } from './tracker-sync.ts';
import { runTrackerTarget, type TrackerResult } from './tracker-target.ts';
import { formatTriageSection, triageJson } from './triage-report.ts';
import { runTriageTarget, TRIAGE_SETTINGS, type TriageResult } from './triage-target.ts';

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
 * It prints figures and never judges them.
 *
 *   npm run bench -- [--duration S] [--concurrency N] [--only bare,pglite,postgres,tracker,notify,triage,csv,console]
 *                    [--triage-sizes 1000,10000,100000] [--triage-requests 200] [--notify-databases pglite,postgres] [--csv-rows 200000]
 *                    [--console-features 100000]
 *
 * Needs Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379) and, for the postgres target, a Postgres role
 * that may create databases (BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres). The triage
 * target needs only the Postgres role.
 */

const INTAKE_TARGETS = ['bare', 'pglite', 'postgres'] as const;
type IntakeTarget = (typeof INTAKE_TARGETS)[number];
/**
 * Intake first, then tracker: the tracker run leaves nothing behind that could slow an intake run. Triage last:
 * its bulk loads fill the disk cache and the WAL, which the others should not pay for.
 */
const TARGETS = [...INTAKE_TARGETS, 'tracker', 'notify', 'triage', 'csv', 'console'] as const;
type TargetName = (typeof TARGETS)[number];
const WARMUP_SECONDS = 2;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

const NOTES: Record<IntakeTarget, string> = {
  bare: 'express 5 + express.json() answering 202 with a random id (bench/bare-server.ts): the ceiling',
  pglite:
    '`node src/main.ts start`: embedded PGlite is single-process, so this process also runs the triage workers and redrive, which compete with intake for CPU',
  postgres: '`node src/main.ts api` (API only, no workers) on a scratch database of the local Postgres',
};

function parseFlags() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      only: { type: 'string', default: TARGETS.join(',') },
      'triage-sizes': { type: 'string', default: TRIAGE_SETTINGS.sizes.join(',') },
      'triage-requests': { type: 'string', default: String(TRIAGE_SETTINGS.requests) },
      'notify-databases': { type: 'string', default: NOTIFY_DATABASES.join(',') },
      'csv-rows': { type: 'string', default: String(CSV_SETTINGS.rows) },
      'console-features': { type: 'string', default: String(CONSOLE_SETTINGS.features) },
    },
  });
  const seconds = Number(values.duration);
  const connections = Number(values.concurrency);
  if (!(seconds > 0))
    throw new Error(`--duration: expected a positive number of seconds, got ${values.duration}`);
  if (!Number.isInteger(connections) || connections < 1)
    throw new Error(`--concurrency: expected a positive whole number, got ${values.concurrency}`);
  const only = values.only.split(',').map((t) => t.trim());
  const unknown = only.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length > 0 || only.length === 0)
    throw new Error(`--only: expected some of ${TARGETS.join(',')}, got ${values.only}`);
  const triageSizes = values['triage-sizes'].split(',').map((n) => Number(n.trim()));
  if (triageSizes.length === 0 || triageSizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(`--triage-sizes: expected positive whole numbers, got ${values['triage-sizes']}`);
  const triageRequests = Number(values['triage-requests']);
  if (!Number.isInteger(triageRequests) || triageRequests < 1)
    throw new Error(`--triage-requests: expected a positive whole number, got ${values['triage-requests']}`);
  const notifyDatabases = NOTIFY_DATABASES.filter((d) => values['notify-databases'].split(',').includes(d));
  if (notifyDatabases.length === 0)
    throw new Error(
      `--notify-databases: expected some of ${NOTIFY_DATABASES.join(',')}, got ${values['notify-databases']}`,
    );
  // Always in the same order, bare first, so the ceiling is known before the ratios.
  const targets = INTAKE_TARGETS.filter((t) => only.includes(t));
  return {
    seconds,
    connections,
    targets,
    tracker: only.includes('tracker'),
    notify: only.includes('notify') ? notifyDatabases : undefined,
    triage: only.includes('triage') ? { sizes: triageSizes, requests: triageRequests } : undefined,
    csv: only.includes('csv') ? { rows: csvRows(values['csv-rows']) } : undefined,
    consolePages: only.includes('console')
      ? { features: consoleFeatures(values['console-features']) }
      : undefined,
  };
}

function csvRows(value: string): number {
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 1)
    throw new Error(`--csv-rows: expected a positive whole number, got ${value}`);
  return rows;
}

function consoleFeatures(value: string): number {
  const features = Number(value);
  if (!Number.isInteger(features) || features < 1_000)
    throw new Error(`--console-features: expected a whole number of at least 1000, got ${value}`);
  return features;
}

function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

const progress = (message: string) => process.stderr.write(`${message}\n`);

async function main(): Promise<void> {
  const { seconds, connections, targets, tracker, notify, triage, csv, consolePages } = parseFlags();
  const redisUrl = process.env['BENCH_REDIS_URL'] || 'redis://127.0.0.1:6379';
  const postgresAdminUrl = process.env['BENCH_POSTGRES_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';
  const host = machine();
  const runId = randomBytes(4).toString('hex');
  const apiKey = randomBytes(16).toString('hex');
  const prefixRoot = `bench-${runId}`;

  process.stdout.write(
    [
      `Suggested Sync ${[targets.length > 0 ? 'intake' : '', tracker ? 'tracker-sync' : '', notify ? 'notify' : '', triage ? 'triage' : '', csv ? 'csv-import' : '', consolePages ? 'console' : ''].filter(Boolean).join(', ')} benchmark (run ${runId})`,
      `  machine:     ${host.cpus} CPUs (${host.cpuModel}), ${host.memoryGiB} GiB, ${host.platform}`,
      `  node:        ${host.node}`,
      ...(targets.length > 0
        ? [
            `  load:        POST /v1/requests, ${connections} connections, ${seconds} s measured after ${WARMUP_SECONDS} s warm-up, every body unique`,
            '  note:        autocannon runs on the same machine and competes with the servers (and Postgres) for CPU',
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
    ].join('\n'),
  );

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

  const sequence = { next: 0 };
  const results: TargetResult[] = [];
  let database: ScratchDatabase | undefined;
  let trackerResult: TrackerResult | undefined;
  let triageResult: TriageResult | undefined;
  let notifyResult: NotifyResult | undefined;
  let csvResult: CsvResult | undefined;
  let consoleResult: ConsoleResult | undefined;
  try {
    for (const name of targets) {
      if (interrupt.signal.aborted) break;
      const result: TargetResult = { target: name, note: NOTES[name] };
      results.push(result);
      try {
        const port = await freePort();
        let args: string[];
        let env: Record<string, string>;
        if (name === 'bare') {
          args = ['bench/bare-server.ts'];
          env = { PATH: process.env['PATH'] ?? '', PORT: String(port) };
        } else if (name === 'pglite') {
          args = ['src/main.ts', 'start'];
          env = serviceEnv(name, port);
        } else {
          database = await createScratchDatabase(postgresAdminUrl, `ss_bench_${runId}`);
          args = ['src/main.ts', 'api'];
          env = { ...serviceEnv(name, port), DATABASE_URL: database.url };
        }

        progress(`${name}: starting`);
        const server = await startTarget({ args, env, cwd: ROOT, port });
        try {
          const load = { url: server.url, apiKey, connections, runId, sequence, signal: interrupt.signal };
          progress(`${name}: warm-up ${WARMUP_SECONDS} s`);
          result.warmupAccepted = (await runLoad({ ...load, seconds: WARMUP_SECONDS })).accepted;
          if (interrupt.signal.aborted) continue;
          progress(`${name}: measuring ${seconds} s`);
          result.figures = await runLoad({ ...load, seconds });
          result.serverLogLines = server.linesSinceReady();
          progress(`${name}: ${result.figures.acceptedPerSecond.toFixed(1)} accepted/s`);
        } finally {
          const exit = await server.stop();
          if (exit !== 'code 0') {
            progress(`${name}: server exit ${exit}; its last lines:\n  ${server.tail().join('\n  ')}`);
          }
        }
        // Counted after the server stopped, so every request it answered has committed.
        if (name === 'postgres' && database) result.databaseRows = await database.countRequests();
      } catch (err) {
        result.failed = (err as Error).message;
        progress(`${name}: failed: ${result.failed}`);
      }
    }
    if (tracker && !interrupt.signal.aborted) {
      trackerResult = await runTrackerTarget({
        serviceEnv: (port) => serviceEnv('tracker', port),
        cwd: ROOT,
        scratchDir,
        runId,
        apiKey,
        signal: interrupt.signal,
        progress,
      });
    }
    if (notify && !interrupt.signal.aborted) {
      notifyResult = await runNotifyTarget({
        // One data directory and queue prefix per database: nothing of the PGlite run reaches the Postgres one.
        serviceEnv: (port, dir) => ({
          ...serviceEnv('notify', port),
          DATA_DIR: path.join(scratchDir, dir),
          QUEUE_PREFIX: `${prefixRoot}-${dir}`,
        }),
        postgresAdminUrl,
        cwd: ROOT,
        scratchDir,
        runId,
        apiKey,
        databases: notify,
        signal: interrupt.signal,
        progress,
      });
    }
    if (triage && !interrupt.signal.aborted) {
      triageResult = await runTriageTarget({
        postgresAdminUrl,
        scratchDir,
        runId,
        sizes: triage.sizes,
        requests: triage.requests,
        signal: interrupt.signal,
        progress,
      });
    }
    if (csv && !interrupt.signal.aborted) {
      csvResult = await runCsvTarget({
        cwd: ROOT,
        scratchDir,
        postgresAdminUrl,
        runId,
        rows: csv.rows,
        signal: interrupt.signal,
        progress,
      });
    }
    if (consolePages && !interrupt.signal.aborted) {
      consoleResult = await runConsoleTarget({
        postgresAdminUrl,
        serviceEnv: (port) => serviceEnv('console', port),
        cwd: ROOT,
        runId,
        features: consolePages.features,
        signal: interrupt.signal,
        progress,
      });
    }
  } finally {
    const cleanup: [string, () => Promise<unknown>][] = [
      [`Redis keys ${prefixRoot}-*`, () => deleteRedisKeys(redisUrl, `${prefixRoot}-*`)],
      [`database ${database?.name}`, async () => database?.drop()],
      [`directory ${scratchDir}`, async () => rmSync(scratchDir, { recursive: true, force: true })],
    ];
    for (const [what, clean] of cleanup) {
      await clean().catch((err: Error) => progress(`cleanup of ${what} failed: ${err.message}`));
    }
  }

  const interrupted = interrupt.signal.aborted;
  if (interrupted)
    process.stdout.write('\nINTERRUPTED: the last target measured a shortened run; later ones did not run\n');
  if (results.length > 0) {
    process.stdout.write(`\n${formatTable(results)}\n\n${formatNotes(results).join('\n')}\n\n`);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'intake',
        runId,
        interrupted,
        machine: host,
        settings: { endpoint: 'POST /v1/requests', connections, seconds, warmupSeconds: WARMUP_SECONDS },
        aim: 'postgres: >= 1500 accepted req/s with p99 < 100 ms on a 2-core machine',
        targets: Object.fromEntries(
          results.map((r) => [
            r.target,
            {
              ...r.figures,
              ratioToBare: ratioToBare(results, r),
              warmupAccepted: r.warmupAccepted,
              serverLogLines: r.serverLogLines,
              databaseRows: r.databaseRows,
              failed: r.failed,
            },
          ]),
        ),
      })}\n`,
    );
  }
  if (trackerResult) {
    process.stdout.write(`\n${formatTrackerSection(trackerResult)}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'tracker-sync', runId, interrupted, machine: host, ...trackerJson(trackerResult) })}\n`,
    );
  }
  if (notifyResult) {
    process.stdout.write(`\n${formatNotifySection(notifyResult)}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'notify', runId, interrupted, machine: host, ...notifyResult })}\n`,
    );
  }
  if (triageResult) {
    process.stdout.write(`\n${formatTriageSection(triageResult)}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'triage', runId, interrupted, machine: host, ...triageJson(triageResult) })}\n`,
    );
  }
  if (csvResult) {
    process.stdout.write(`\n${formatCsvSection(csvResult)}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'csv-import', runId, interrupted, machine: host, ...csvResult })}\n`,
    );
  }
  if (consoleResult) {
    process.stdout.write(`\n${formatConsoleSection(consoleResult)}\n\n`);
    process.stdout.write(
      `${JSON.stringify({ bench: 'console', runId, interrupted, machine: host, ...consoleJson(consoleResult) })}\n`,
    );
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.message}\n`);
  process.exit(1);
});
