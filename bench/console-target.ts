import os from 'node:os';
import { createDedupeEngine } from '../src/rules/dedupe/engine.ts';
import { createConsoleSession } from '../src/store/console-sessions.repo.ts';
import { openStore, type Store } from '../src/store/store.ts';
import { freePort } from '../support/private-redis.ts';
import { type ConsoleSeeded, seedConsole } from './console-seed.ts';
import { type LatencyFigures, latencyFigures } from './latency.ts';
import { npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch.ts';
import { startTarget } from './targets.ts';

/**
 * The `console` bench target: how long the console's features and review pages take to answer with 100,000
 * features on Postgres. The database is seeded in bulk (console-seed.ts), then `node src/main.ts api` serves it
 * as its own process and this process asks for each page one request at a time, signed in with a session cookie,
 * timing each from sending the request to the last byte of the page on loopback: the server's time plus a
 * loopback round trip.
 */

export const CONSOLE_SETTINGS = {
  features: 100_000,
  /** Timed requests per page, after `warmup` untimed ones. */
  requests: 100,
  warmup: 10,
  /** Later pages visited by the cursor scenario (page 2 onwards, in turn). */
  laterPages: 10,
  aim: 'p95 < 100 ms per page at 100,000 features on Postgres',
};

export interface ConsolePageRun extends LatencyFigures {
  page: string;
  /** One of the paths asked for (the scenario varies its query). */
  example: string;
  /** Feature links on the last page answered (a page that lists nothing would be fast and wrong). */
  features?: number;
  kib?: number;
  /** Answers other than 200, by status. */
  rejected?: Record<string, number>;
  failed?: string;
}

export interface ConsoleResult {
  note: string;
  settings: typeof CONSOLE_SETTINGS;
  seeded?: ConsoleSeeded;
  pages: ConsolePageRun[];
  failed?: string;
  loadAverage?: [number, number];
}

const NOTE =
  '`node src/main.ts api` on a scratch Postgres database, asked by this process one request at a time with a session cookie; time from request to last byte on loopback';

const FEATURE_LINK = /href="\/console\/features\/[0-9a-f-]{36}"/g;
const NEXT_LINK = /<a href="([^"]+)" rel="next">/;

const unescapeHref = (href: string) =>
  href
    .replace(/&amp;/g, '&')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"');

interface Scenario {
  page: string;
  path: (i: number) => string;
}

/** The paths of pages 2 onwards of the default list, found by following each page's "Next page" link. */
async function laterPages(get: (path: string) => Promise<{ body: string }>, count: number) {
  const paths: string[] = [];
  let path = '/console/features';
  while (paths.length < count) {
    const next = NEXT_LINK.exec((await get(path)).body)?.[1];
    if (!next) break;
    path = unescapeHref(next);
    paths.push(path);
  }
  if (paths.length === 0) throw new Error('the features page has no "Next page" link');
  return paths;
}

function scenarios(words: readonly string[], later: readonly string[]): Scenario[] {
  const statuses = ['planned', 'in_progress', 'shipped'];
  const pick = <T>(list: readonly T[], i: number) => list[i % list.length] as T;
  return [
    { page: 'features, first page', path: () => '/console/features' },
    { page: 'features, status filter', path: (i) => `/console/features?status=${pick(statuses, i)}` },
    {
      page: 'features, word search',
      path: (i) => `/console/features?q=${encodeURIComponent(pick(words, i))}`,
    },
    { page: 'features, later page', path: (i) => pick(later, i) },
    { page: 'review', path: () => '/console/review' },
  ];
}

async function measure(
  scenario: Scenario,
  get: (path: string) => Promise<{ status: number; body: string; ms: number }>,
  signal: AbortSignal | undefined,
): Promise<ConsolePageRun> {
  const { warmup, requests } = CONSOLE_SETTINGS;
  const run: ConsolePageRun = { page: scenario.page, example: scenario.path(0) };
  const times: number[] = [];
  const rejected: Record<string, number> = {};
  let last = '';
  for (let i = 0; i < warmup + requests && !signal?.aborted; i++) {
    const { status, body, ms } = await get(scenario.path(i));
    if (status !== 200) rejected[status] = (rejected[status] ?? 0) + 1;
    if (i < warmup) continue;
    times.push(ms);
    last = body;
  }
  return Object.assign(run, {
    ...latencyFigures(times),
    features: new Set(last.match(FEATURE_LINK) ?? []).size,
    kib: Buffer.byteLength(last) / 1024,
    ...(Object.keys(rejected).length > 0 ? { rejected } : {}),
  });
}

/** Seeds the database and signs a team member in: the cookie the page requests carry. */
async function prepare(url: string, features: number, progress: (m: string) => void) {
  let store: Store | undefined;
  try {
    store = openStore({ kind: 'postgres', url });
    await store.migrate();
    const seeded = await seedConsole(store, createDedupeEngine(), features, progress);
    const { cookieValue } = await createConsoleSession(store.db, {
      email: 'bench@example.com',
      role: 'member',
      via: 'local',
      ttlSeconds: 3_600,
    });
    return { seeded, cookie: `ss_session=${cookieValue}` };
  } finally {
    await store?.close().catch(() => {});
  }
}

export async function runConsoleTarget({
  postgresAdminUrl,
  serviceEnv,
  cwd,
  runId,
  features = CONSOLE_SETTINGS.features,
  signal,
  progress,
}: {
  postgresAdminUrl: string;
  serviceEnv: (port: number) => Record<string, string>;
  cwd: string;
  runId: string;
  features?: number;
  signal?: AbortSignal;
  progress: (message: string) => void;
}): Promise<ConsoleResult> {
  const result: ConsoleResult = { note: NOTE, settings: { ...CONSOLE_SETTINGS, features }, pages: [] };
  const loadAtStart = os.loadavg()[0] ?? 0;
  let scratch: ScratchDatabase | undefined;
  try {
    scratch = await createScratchDatabase(postgresAdminUrl, `ss_bench_${runId}_console`);
    progress(`console: seeding ${features.toLocaleString('en-US')} features`);
    const { seeded, cookie } = await prepare(scratch.url, features, progress);
    result.seeded = seeded;
    const port = await freePort();
    progress('console: starting the service');
    const server = await startTarget({
      args: npmScriptArgs('api'),
      env: { ...npmScriptEnv('api'), ...serviceEnv(port), DATABASE_URL: scratch.url },
      cwd,
      port,
    });
    try {
      const get = async (path: string) => {
        const started = performance.now();
        const res = await fetch(`${server.url}${path}`, { headers: { cookie }, redirect: 'manual' });
        const body = await res.text();
        return { status: res.status, body, ms: performance.now() - started };
      };
      const later = await laterPages(get, CONSOLE_SETTINGS.laterPages);
      for (const scenario of scenarios(seeded.words, later)) {
        if (signal?.aborted) break;
        const run = await measure(scenario, get, signal);
        result.pages.push(run);
        progress(`console: ${run.page}: p50 ${run.p50Ms?.toFixed(1)} ms, p95 ${run.p95Ms?.toFixed(1)} ms`);
      }
    } finally {
      const exit = await server.stop();
      if (exit !== 'code 0')
        progress(`console: server exit ${exit}; its last lines:\n  ${server.tail().join('\n  ')}`);
    }
  } catch (err) {
    result.failed = (err as Error).message;
    progress(`console: failed: ${result.failed}`);
  } finally {
    await scratch
      ?.drop()
      .catch((err: Error) => progress(`cleanup of ${scratch?.name} failed: ${err.message}`));
  }
  result.loadAverage = [loadAtStart, os.loadavg()[0] ?? 0];
  return result;
}
