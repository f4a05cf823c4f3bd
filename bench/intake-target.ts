import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/private-redis.ts';
import type { BenchFlags, IntakeTarget, TargetName } from './flags.ts';
import { measureTriageDrain } from './intake-drain.ts';
import { runLoad } from './load.ts';
import { npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { formatNotes, formatTable, ratioToBare, type TargetResult } from './report.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch.ts';
import { startTarget } from './targets.ts';

/**
 * The intake targets of `npm run bench` (bench/run.ts): `POST /v1/requests` under load against the bare express
 * handler, `start` on PGlite (then how long its own triage takes to finish the burst) and `api` on Postgres, and
 * their table. Also what every target of one run shares.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const WARMUP_SECONDS = 2;

const NOTES: Record<IntakeTarget, string> = {
  bare: 'express 5 + express.json() answering 202 with a random id (bench/bare-server.ts): the ceiling',
  pglite:
    '`npm start` (`MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 src/main.ts start`): embedded PGlite is single-process, so this process also runs the triage workers and redrive, which compete with intake for CPU',
  postgres:
    '`npm run api` (`MALLOC_ARENA_MAX=2 node --max-semi-space-size=8 src/main.ts api`; API only, no workers) on a scratch database of the local Postgres',
};

/** What each intake target should reach on a 2-core machine, printed beside its figures. */
const AIMS: Partial<Record<IntakeTarget, string>> = {
  pglite:
    '>= 500 accepted req/s, p99 < 250 ms; then triage drains the burst at >= 10 requests/s while new requests are still accepted with p99 < 250 ms',
  postgres: '>= 1500 accepted req/s, p99 < 100 ms',
};
/** How long the pglite target waits for its triage workers to finish what the load left. */
const TRIAGE_DRAIN_TIMEOUT_MS = 600_000;

export function machine() {
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

/** What every target of one run shares. */
export interface Run {
  flags: BenchFlags;
  redisUrl: string;
  postgresAdminUrl: string;
  host: ReturnType<typeof machine>;
  runId: string;
  apiKey: string;
  prefixRoot: string;
  scratchDir: string;
  signal: AbortSignal;
  serviceEnv: (name: Exclude<TargetName, 'bare'>, port: number) => Record<string, string>;
  /** The intake target's scratch database, dropped at the end. */
  database?: ScratchDatabase;
}

/** One intake target: its server started, warmed up, measured under load, stopped. */
export async function runIntakeTarget(
  run: Run,
  name: IntakeTarget,
  sequence: { next: number },
  progress: (message: string) => void,
): Promise<TargetResult> {
  const { seconds, connections } = run.flags;
  const aim = AIMS[name];
  const result: TargetResult = { target: name, note: NOTES[name], ...(aim ? { aim } : {}) };
  try {
    const port = await freePort();
    let args: string[];
    let env: Record<string, string>;
    if (name === 'bare') {
      // The same node flags as the service's, so the ratio to bare is the service's own cost.
      args = [...npmScriptArgs('start').slice(0, -2), 'bench/bare-server.ts'];
      env = { ...npmScriptEnv('start'), PATH: process.env['PATH'] ?? '', PORT: String(port) };
    } else if (name === 'pglite') {
      args = npmScriptArgs('start');
      // The sandbox emulators `start` runs on free ports: a fixed one may be taken by another service here.
      env = {
        ...npmScriptEnv('start'),
        ...run.serviceEnv(name, port),
        JIRA_EMULATOR_PORT: '0',
        LINEAR_EMULATOR_PORT: '0',
      };
    } else {
      run.database = await createScratchDatabase(run.postgresAdminUrl, `ss_bench_${run.runId}`);
      args = npmScriptArgs('api');
      env = { ...npmScriptEnv('api'), ...run.serviceEnv(name, port), DATABASE_URL: run.database.url };
    }

    progress(`${name}: starting`);
    const server = await startTarget({ args, env, cwd: ROOT, port });
    try {
      const { apiKey, runId, signal } = run;
      const load = { url: server.url, apiKey, connections, runId, sequence, signal };
      progress(`${name}: warm-up ${WARMUP_SECONDS} s`);
      result.warmupAccepted = (await runLoad({ ...load, seconds: WARMUP_SECONDS })).accepted;
      if (signal.aborted) return result;
      progress(`${name}: measuring ${seconds} s`);
      result.figures = await runLoad({ ...load, seconds });
      const loadEndedAt = Date.now();
      result.serverLogLines = server.linesSinceReady();
      progress(`${name}: ${result.figures.acceptedPerSecond.toFixed(1)} accepted/s`);
      if (name === 'pglite') {
        progress(`${name}: waiting for triage to finish the burst`);
        result.triageDrain = await measureTriageDrain(server.url, loadEndedAt, {
          timeoutMs: TRIAGE_DRAIN_TIMEOUT_MS,
          signal,
          apiKey,
          runId,
          sequence,
        });
      }
    } finally {
      const exit = await server.stop();
      if (exit !== 'code 0') {
        progress(`${name}: server exit ${exit}; its last lines:\n  ${server.tail().join('\n  ')}`);
      }
    }
    // Counted after the server stopped, so every request it answered has committed.
    if (name === 'postgres' && run.database) result.databaseRows = await run.database.countRequests();
  } catch (err) {
    result.failed = (err as Error).message;
    progress(`${name}: failed: ${result.failed}`);
  }
  return result;
}

export function printIntake(run: Run, results: TargetResult[], interrupted: boolean): void {
  const { connections, seconds } = run.flags;
  process.stdout.write(`\n${formatTable(results)}\n\n${formatNotes(results).join('\n')}\n\n`);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'intake',
      runId: run.runId,
      interrupted,
      machine: run.host,
      settings: { endpoint: 'POST /v1/requests', connections, seconds, warmupSeconds: WARMUP_SECONDS },
      aim: Object.fromEntries(
        Object.entries(AIMS).map(([target, aim]) => [target, `${aim} on a 2-core machine`]),
      ),
      targets: Object.fromEntries(
        results.map((r) => [
          r.target,
          {
            ...r.figures,
            ratioToBare: ratioToBare(results, r),
            warmupAccepted: r.warmupAccepted,
            serverLogLines: r.serverLogLines,
            triageDrain: r.triageDrain,
            databaseRows: r.databaseRows,
            failed: r.failed,
          },
        ]),
      ),
    })}\n`,
  );
}
