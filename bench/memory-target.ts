import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../support/private-redis.ts';
import { runLoad } from './load.ts';
import { launchText, npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { formatColumns } from './report.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch.ts';
import { startTarget } from './targets.ts';

/**
 * The `memory` bench target: the resident memory (RSS) of each process role, started as its npm script starts it
 * (the same node flags), idle and under intake load, beside the aims. `start` runs on PGlite (measured on its
 * second start: the first runs initdb, which a running service has done long ago); `api` and `worker` run side by
 * side on a scratch Postgres database, the worker triaging what the load sends the API. Each process reports its
 * own RSS on /metrics (process_resident_memory_bytes), so no process table is read.
 */

export const MEMORY_SETTINGS = {
  /** Seconds after /readyz before the idle samples: start-up work (schedules, the first redrive) has settled. */
  settleSeconds: 5,
  /** Idle samples, one a second; the median is reported. */
  idleSamples: 5,
  loadSeconds: 10,
  connections: 32,
  /** How often RSS is read while the load runs, and for how long after it (the worker still triaging). */
  sampleEveryMs: 500,
  afterLoadSeconds: 5,
};

/** Idle RSS aims per role, and the import's peak, in MB (2^20 bytes). */
export const MEMORY_AIMS_MB = { start: 300, api: 150, worker: 200, import: 600 } as const;

export type MemoryRole = 'start' | 'api' | 'worker';

export interface RoleMemory {
  role: MemoryRole;
  database: 'pglite' | 'postgres';
  /** Idle samples in MB, and their median. */
  idleSamplesMb?: number[];
  idleMb?: number;
  /** Highest RSS seen during the load and the seconds after it. */
  loadPeakMb?: number;
  /** RSS once the load and the seconds after it are over. */
  afterLoadMb?: number;
  /** Accepted requests per second of the load (against this process, or the API beside a worker). */
  acceptedPerSecond?: number;
  failed?: string;
}

export interface MemoryResult {
  settings: typeof MEMORY_SETTINGS;
  aimsMb: typeof MEMORY_AIMS_MB;
  /** The node flags the npm scripts pass, used here too. */
  nodeFlags: string[];
  /** The variables the npm scripts set before node (the malloc arenas), set here too. */
  nodeEnv: Record<string, string>;
  roles: RoleMemory[];
}

interface MemoryRunOptions {
  serviceEnv: (port: number) => Record<string, string>;
  postgresAdminUrl: string;
  cwd: string;
  scratchDir: string;
  runId: string;
  apiKey: string;
  signal: AbortSignal;
  progress: (message: string) => void;
}

type Running = Awaited<ReturnType<typeof startTarget>>;

const MB = 2 ** 20;
const RSS_LINE = /^suggested_sync_process_resident_memory_bytes (\d+)/m;

/** The process' RSS in MB as it reports it on /metrics. */
async function rssMb(server: Running): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  const bytes = RSS_LINE.exec(text)?.[1];
  if (!bytes) throw new Error('/metrics has no process_resident_memory_bytes');
  return Math.round(Number(bytes) / MB);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

async function idleSamples(server: Running): Promise<number[]> {
  await sleep(MEMORY_SETTINGS.settleSeconds * 1_000);
  const samples: number[] = [];
  for (let i = 0; i < MEMORY_SETTINGS.idleSamples; i++) {
    samples.push(await rssMb(server));
    await sleep(1_000);
  }
  return samples;
}

/** Reads each server's RSS every `sampleEveryMs` until `until` settles; resolves with each one's highest and last. */
async function sampleWhile(servers: Running[], until: Promise<unknown>) {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  const peaks = servers.map(() => 0);
  const last = servers.map(() => 0);
  const sampleAll = async () => {
    for (const [i, server] of servers.entries()) {
      last[i] = await rssMb(server);
      peaks[i] = Math.max(peaks[i] ?? 0, last[i] ?? 0);
    }
  };
  while (!done) {
    await sampleAll();
    await sleep(MEMORY_SETTINGS.sampleEveryMs);
  }
  const after = Date.now() + MEMORY_SETTINGS.afterLoadSeconds * 1_000;
  while (Date.now() < after) {
    await sampleAll();
    await sleep(MEMORY_SETTINGS.sampleEveryMs);
  }
  return { peaks, last };
}

/** `npm run <role>`'s command line with `env`, ready on `port`. */
function startRole(role: MemoryRole, env: Record<string, string>, cwd: string, port: number) {
  return startTarget({ args: npmScriptArgs(role), env: { ...npmScriptEnv(role), ...env }, cwd, port });
}

/** The load against `api`, with every server in `watched` sampled meanwhile. */
async function loadAndSample(options: MemoryRunOptions, api: Running, watched: Running[], tag: string) {
  const load = runLoad({
    url: api.url,
    apiKey: options.apiKey,
    connections: MEMORY_SETTINGS.connections,
    seconds: MEMORY_SETTINGS.loadSeconds,
    runId: `${options.runId}-${tag}`,
    sequence: { next: 0 },
    signal: options.signal,
  });
  const sampled = await sampleWhile(watched, load);
  return { figures: await load, ...sampled };
}

/** `start` on PGlite: started once to create the database, then again and measured. */
async function measureStart(options: MemoryRunOptions): Promise<RoleMemory> {
  const result: RoleMemory = { role: 'start', database: 'pglite' };
  try {
    const port = await freePort();
    const base = options.serviceEnv(port);
    const env = {
      ...base,
      DATA_DIR: path.join(options.scratchDir, 'memory-start'),
      QUEUE_PREFIX: `${base['QUEUE_PREFIX'] ?? 'memory'}-start`,
    };
    options.progress('memory: start on PGlite, first start (initdb, migrations)');
    await (await startRole('start', env, options.cwd, port)).stop();
    options.progress('memory: start on PGlite, idle');
    const server = await startRole('start', env, options.cwd, port);
    try {
      result.idleSamplesMb = await idleSamples(server);
      result.idleMb = median(result.idleSamplesMb);
      if (options.signal.aborted) return result;
      options.progress(`memory: start under ${MEMORY_SETTINGS.loadSeconds} s of intake load`);
      const { figures, peaks, last } = await loadAndSample(options, server, [server], 'start');
      result.acceptedPerSecond = Math.round(figures.acceptedPerSecond);
      result.loadPeakMb = peaks[0] ?? 0;
      result.afterLoadMb = last[0] ?? 0;
    } finally {
      await server.stop();
    }
  } catch (err) {
    result.failed = (err as Error).message;
  }
  return result;
}

/** `api` and `worker` side by side on a scratch Postgres database. */
async function measureApart(options: MemoryRunOptions): Promise<RoleMemory[]> {
  const api: RoleMemory = { role: 'api', database: 'postgres' };
  const worker: RoleMemory = { role: 'worker', database: 'postgres' };
  let scratch: ScratchDatabase | undefined;
  const servers: Running[] = [];
  try {
    scratch = await createScratchDatabase(options.postgresAdminUrl, `ss_bench_memory_${options.runId}`);
    // Queues of their own: the jobs `start` left in Redis (its load's triage) are not this worker's to run.
    const envFor = (port: number) => {
      const base = options.serviceEnv(port);
      return {
        ...base,
        DATABASE_URL: scratch?.url ?? '',
        QUEUE_PREFIX: `${base['QUEUE_PREFIX'] ?? 'memory'}-apart`,
      };
    };
    options.progress('memory: api and worker on Postgres, idle');
    for (const role of ['api', 'worker'] as const) {
      const port = await freePort();
      servers.push(await startRole(role, envFor(port), options.cwd, port));
    }
    const [apiServer, workerServer] = servers as [Running, Running];
    const [apiIdle, workerIdle] = await Promise.all([idleSamples(apiServer), idleSamples(workerServer)]);
    Object.assign(api, { idleSamplesMb: apiIdle, idleMb: median(apiIdle) });
    Object.assign(worker, { idleSamplesMb: workerIdle, idleMb: median(workerIdle) });
    if (options.signal.aborted) return [api, worker];
    options.progress(`memory: api and worker under ${MEMORY_SETTINGS.loadSeconds} s of intake load`);
    const { figures, peaks, last } = await loadAndSample(options, apiServer, servers, 'apart');
    const acceptedPerSecond = Math.round(figures.acceptedPerSecond);
    Object.assign(api, { loadPeakMb: peaks[0], afterLoadMb: last[0], acceptedPerSecond });
    Object.assign(worker, { loadPeakMb: peaks[1], afterLoadMb: last[1], acceptedPerSecond });
  } catch (err) {
    const failed = (err as Error).message;
    for (const r of [api, worker])
      if (r.idleMb === undefined || r.loadPeakMb === undefined) r.failed = failed;
  } finally {
    for (const server of servers.reverse()) await server.stop();
    await scratch?.drop();
  }
  return [api, worker];
}

export async function runMemoryTarget(options: MemoryRunOptions): Promise<MemoryResult> {
  const roles = [await measureStart(options)];
  if (!options.signal.aborted) roles.push(...(await measureApart(options)));
  return {
    settings: MEMORY_SETTINGS,
    aimsMb: MEMORY_AIMS_MB,
    nodeFlags: npmScriptArgs('start').slice(0, -2),
    nodeEnv: npmScriptEnv('start'),
    roles,
  };
}

/** An import's peak as the csv target read it from the importer's summary, e.g. `512.3 MB`. */
export interface ImportPeak {
  database: string;
  run: string;
  peakRss?: string | undefined;
  failed?: string | undefined;
}

const mbCell = (value: number | undefined) => (value === undefined ? '-' : String(value));

function roleRow(r: RoleMemory): string[] {
  const aim = `<= ${MEMORY_AIMS_MB[r.role]}`;
  if (r.failed && r.idleMb === undefined) return [r.role, r.database, 'failed', aim, '-', '-', '-'];
  return [
    r.role,
    r.database,
    mbCell(r.idleMb),
    aim,
    mbCell(r.loadPeakMb),
    mbCell(r.afterLoadMb),
    mbCell(r.acceptedPerSecond),
  ];
}

/** The memory section: each role's idle and loaded RSS beside its aim, and the import's peak when csv ran. */
export function formatMemorySection(result: MemoryResult, imports: ImportPeak[] | undefined): string {
  const s = result.settings;
  const lines = [
    `Memory: resident set size (RSS, MB) of each process role, started as its npm script starts it (${launchText(result.nodeEnv, result.nodeFlags)})`,
    '',
    formatColumns(
      ['role', 'database', 'idle', 'aim idle', 'load peak', 'after load', 'load req/s'],
      result.roles.map(roleRow),
    ),
    '',
    `  idle: median of ${s.idleSamples} samples a second apart, ${s.settleSeconds} s after /readyz (start: its second start, on the database the first made)`,
    `  load: POST /v1/requests, ${s.connections} connections for ${s.loadSeconds} s, sampled every ${s.sampleEveryMs} ms until ${s.afterLoadSeconds} s after; api and worker run side by side, the worker triaging what the API accepts`,
    '  each process reports its own RSS on /metrics (process_resident_memory_bytes)',
  ];
  for (const r of result.roles) if (r.failed) lines.push(`  ${r.role}: FAILED: ${r.failed}`);
  if (imports) {
    lines.push(`  npm run import, peak RSS (csv target, this run), aim <= ${MEMORY_AIMS_MB.import} MB:`);
    for (const i of imports)
      lines.push(
        `    ${i.database.padEnd(9)} ${i.run.padEnd(6)} ${i.failed ? 'failed' : (i.peakRss ?? '-')}`,
      );
  } else {
    lines.push(
      `  npm run import's peak RSS (aim <= ${MEMORY_AIMS_MB.import} MB) is in the csv target's section (--only csv,memory)`,
    );
  }
  return lines.join('\n');
}
