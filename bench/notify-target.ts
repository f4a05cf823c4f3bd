import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../support/private-redis.ts';
import { type LinearAccess, linearMoveIssue, linearStartedStateId } from './emulator-api.ts';
import { percentile } from './latency.ts';
import { type SmtpSink, startSmtpSink } from './notify-smtp.ts';
import { npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { createScratchDatabase, type ScratchDatabase } from './scratch.ts';
import { getFeature, inPool, type ServiceAccess, submitRequest, waitUntil } from './service-api.ts';
import { startTarget } from './targets.ts';

/**
 * The status-email figure: from a change in the tracker (a Linear emulator issue moved to In Progress, which sends
 * the service its webhook) to the last of 1,000 requesters' status emails accepted by an SMTP server on loopback.
 * One `node src/main.ts start` in sandbox mode per database (PGlite, then a scratch Postgres database), with
 * NOTIFY_COALESCE_SECONDS=0 so the coalescing window adds nothing. Each repetition seeds a fresh feature with 1,000
 * requesters through the API, waits until its issue carries them all, then moves the issue. Prints figures only.
 */

export const NOTIFY_SETTINGS = {
  requesters: 1_000,
  repetitions: 3,
  /** Requests in flight while seeding. */
  concurrency: 16,
  seedTimeoutMs: 600_000,
  deliverTimeoutMs: 600_000,
  pollMs: 10,
};

export const NOTIFY_DATABASES = ['pglite', 'postgres'] as const;
type NotifyDatabase = (typeof NOTIFY_DATABASES)[number];

interface NotifyRepetition {
  /** Seconds to submit the requests and have them triaged into one feature and carried to its issue. */
  seedSeconds: number;
  /** From the move in the tracker to the first and to the last message accepted. */
  firstMs: number;
  lastMs: number;
  /** Messages accepted for this repetition's requesters (more than `requesters` would be a double send). */
  messages: number;
}

interface NotifyRun {
  database: NotifyDatabase;
  repetitions: NotifyRepetition[];
  p50Ms?: number;
  p95Ms?: number;
  serverLogLines?: number;
  failed?: string;
}

export interface NotifyResult {
  note: string;
  settings: typeof NOTIFY_SETTINGS;
  runs: NotifyRun[];
}

const NOTIFY_NOTE =
  '`node src/main.ts start` in sandbox mode (API, workers and emulators in one process) with SMTP_URL at a loopback smtp-server in the bench process and NOTIFY_COALESCE_SECONDS=0; PGlite, then Postgres (a scratch database)';

/**
 * Calls that time out on a busy machine are tried again (three times in all): the requests carry a source ref, so
 * a repeated submit is the same request, and the reads change nothing.
 */
async function patiently<T>(what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 3 || (err as Error).name !== 'TimeoutError')
        throw new Error(`${what}: ${(err as Error).message}`);
    }
  }
}

const SANDBOX_LINEAR_KEY = 'lin_api_sandbox';

interface RunContext {
  service: ServiceAccess;
  linear: LinearAccess;
  sink: SmtpSink;
  runId: string;
  signal?: AbortSignal | undefined;
  progress: (message: string) => void;
}

/** Seeds one feature with `requesters` people, moves its issue, and times the mail that follows. */
async function repetition(ctx: RunContext, label: string, index: number): Promise<NotifyRepetition> {
  const { service, sink, signal } = ctx;
  const S = NOTIFY_SETTINGS;
  const domain = `r${index}-${ctx.runId}.example.com`;
  const title = `Notify bench ${ctx.runId} ${label} repetition ${index}`;
  const seedStart = performance.now();
  const ids = await inPool(
    Array.from({ length: S.requesters }, (_, i) => i),
    S.concurrency,
    (i) =>
      patiently(`request ${i}`, () =>
        submitRequest(service, {
          title,
          body: `Requester ${i} would like this.`,
          source: 'bench',
          sourceRef: `${ctx.runId}-${label}-${index}-${i}`,
          requester: { email: `p${i}@${domain}`, name: `Person ${i}`, company: { name: `Bench ${index}` } },
        }),
      ),
  );
  // The exact-title rule puts every request in the feature the first one started.
  let featureId: string | undefined;
  await waitUntil(
    `the ${S.requesters} requests triaged into one feature and carried to its Linear issue`,
    async () => {
      if (!featureId) {
        const res = await patiently('the first request', () =>
          fetch(`${service.url}/v1/requests/${ids[0]}`, {
            headers: { authorization: `Bearer ${service.apiKey}` },
            signal: AbortSignal.timeout(10_000),
          }),
        );
        featureId = ((await res.json()) as { feature: { id: string } | null }).feature?.id;
        if (!featureId) return { done: false, progress: 'first request not triaged yet' };
      }
      const f = await patiently('the feature', () => getFeature(service, featureId ?? ''));
      const link = f.links[0];
      return {
        done: f.requestCount === S.requesters && link?.state === 'linked' && !link.awaitingPush,
        progress: `${f.requestCount} requests, link ${link?.state ?? 'none'}${link?.awaitingPush ? ' awaiting push' : ''}`,
      };
    },
    { timeoutMs: S.seedTimeoutMs, intervalMs: 200, signal },
  );
  const seedSeconds = (performance.now() - seedStart) / 1000;
  const feature = await patiently('the feature', () => getFeature(service, featureId ?? ''));
  const issueKey = feature.links[0]?.issueKey;
  if (!issueKey) throw new Error(`feature ${featureId} has no Linear issue`);
  const stateId = await linearStartedStateId(ctx.linear, 'SBX');

  const moved = performance.now();
  await linearMoveIssue(ctx.linear, issueKey, stateId);
  await waitUntil(
    `${S.requesters} status emails accepted`,
    async () => {
      const n = sink.countFor(domain);
      return { done: n >= S.requesters, progress: `${n} accepted` };
    },
    { timeoutMs: S.deliverTimeoutMs, intervalMs: S.pollMs, signal },
  );
  const times = sink.accepted
    .filter((m) => m.to.some((t) => t.endsWith(`@${domain}`)))
    .map((m) => m.at)
    .sort((a, b) => a - b);
  const last = times[S.requesters - 1] ?? Number.NaN;
  return {
    seedSeconds,
    firstMs: (times[0] ?? Number.NaN) - moved,
    lastMs: last - moved,
    messages: times.length,
  };
}

export async function runNotifyTarget({
  serviceEnv,
  postgresAdminUrl,
  cwd,
  scratchDir,
  runId,
  apiKey,
  databases = NOTIFY_DATABASES,
  signal,
  progress,
}: {
  /** The service's environment for a port and a data directory name: REDIS_URL, QUEUE_PREFIX, API_KEYS and so on. */
  serviceEnv: (port: number, name: string) => Record<string, string>;
  postgresAdminUrl: string;
  cwd: string;
  scratchDir: string;
  runId: string;
  apiKey: string;
  databases?: readonly NotifyDatabase[];
  signal?: AbortSignal;
  progress: (message: string) => void;
}): Promise<NotifyResult> {
  const result: NotifyResult = { note: NOTIFY_NOTE, settings: NOTIFY_SETTINGS, runs: [] };
  const configFile = path.join(scratchDir, 'notify-config.yaml');
  writeFileSync(
    configFile,
    [
      'intake:',
      '  rateLimit:',
      '    requests: 100000000',
      '    perSeconds: 60',
      'push:',
      '  coalesceSeconds: 1',
      '',
    ].join('\n'),
  );
  for (const database of databases) {
    if (signal?.aborted) break;
    const run: NotifyRun = { database, repetitions: [] };
    result.runs.push(run);
    let scratch: ScratchDatabase | undefined;
    const sink = await startSmtpSink();
    try {
      const ports = new Set<number>();
      while (ports.size < 3) ports.add(await freePort());
      const [port, jiraPort, linearPort] = [...ports] as [number, number, number];
      if (database === 'postgres')
        scratch = await createScratchDatabase(postgresAdminUrl, `ss_bench_notify_${runId}`);
      progress(`notify: ${database}: starting`);
      const server = await startTarget({
        args: npmScriptArgs('start'),
        env: {
          ...npmScriptEnv('start'),
          ...serviceEnv(port, `notify-${database}`),
          CONFIG_FILE: configFile,
          JIRA_EMULATOR_PORT: String(jiraPort),
          LINEAR_EMULATOR_PORT: String(linearPort),
          SMTP_URL: sink.url,
          MAIL_FROM: 'Suggested <status@bench.example.com>',
          NOTIFY_COALESCE_SECONDS: '0',
          ...(scratch ? { DATABASE_URL: scratch.url } : {}),
        },
        cwd,
        port,
      });
      try {
        const ctx: RunContext = {
          service: { url: server.url, apiKey },
          linear: { url: `http://127.0.0.1:${linearPort}`, apiKey: SANDBOX_LINEAR_KEY },
          sink,
          runId,
          signal,
          progress,
        };
        for (let i = 1; i <= NOTIFY_SETTINGS.repetitions && !signal?.aborted; i++) {
          const rep = await repetition(ctx, database, i);
          run.repetitions.push(rep);
          progress(
            `notify: ${database}: repetition ${i}: ${rep.messages} emails, last ${rep.lastMs.toFixed(0)} ms after the move (seeded in ${rep.seedSeconds.toFixed(1)} s)`,
          );
        }
        run.serverLogLines = server.linesSinceReady();
      } catch (err) {
        if (!signal?.aborted)
          progress(`notify: ${database}: the server's last lines:\n  ${server.tail().join('\n  ')}`);
        throw err;
      } finally {
        const exit = await server.stop();
        if (exit !== 'code 0') progress(`notify: ${database}: server exit ${exit}`);
      }
    } catch (err) {
      run.failed = (err as Error).message;
      progress(`notify: ${database}: failed: ${run.failed}`);
    } finally {
      await sink.close();
      await scratch
        ?.drop()
        .catch((err: Error) => progress(`notify: dropping ${scratch?.name} failed: ${err.message}`));
    }
    const sorted = run.repetitions.map((r) => r.lastMs).sort((a, b) => a - b);
    const p50 = percentile(sorted, 0.5);
    const p95 = percentile(sorted, 0.95);
    if (p50 !== undefined) run.p50Ms = p50;
    if (p95 !== undefined) run.p95Ms = p95;
  }
  return result;
}
