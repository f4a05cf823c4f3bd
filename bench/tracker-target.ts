import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/private-redis.ts';
import type { JiraAccess, LinearAccess } from './emulator-api.ts';
import { npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import type { FeatureView } from './service-api.ts';
import { startTarget } from './targets.ts';
import { type NeedFigures, needsPhase } from './tracker-needs.ts';
import {
  type LatencyFigures,
  latencyPhase,
  type PushFigures,
  pushPhase,
  TRACKER_SETTINGS,
  type TrackerKind,
} from './tracker-sync.ts';

/**
 * The `tracker` bench target: one `node src/main.ts start` on PGlite in sandbox mode (the only role that runs the
 * emulators and pushes to them), on emulator ports chosen here so the bench can read their call logs.
 */

export interface TrackerResult {
  note: string;
  push: PushFigures[];
  latency: LatencyFigures[];
  /** Issues per distinct need for the reworded requests, one fresh service per tracker. */
  needs: NeedFigures[];
  /** Lines the server wrote after it was ready (LOG_LEVEL=warn: warnings and errors). */
  serverLogLines?: number;
  failed?: string;
}

const TRACKER_NOTE =
  '`node src/main.ts start` on PGlite in sandbox mode: API, workers and both emulators in one process, driven from this one; PGlite runs one query at a time, so pushes share it with intake and triage while requests arrive';

/** The sandbox credentials' defaults (docs/sandbox.md); the bench's config file leaves them as they are. */
const SANDBOX = {
  jiraEmail: 'sandbox@example.com',
  jiraApiToken: 'sandbox',
  linearApiKey: 'lin_api_sandbox',
};
const KINDS: readonly TrackerKind[] = ['linear', 'jira'];

/** Service, Jira and Linear ports. freePort can hand back a port it gave a moment ago: ask until all differ. */
async function threeFreePorts(): Promise<[number, number, number]> {
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  return [...ports] as [number, number, number];
}

export async function runTrackerTarget({
  serviceEnv,
  cwd,
  scratchDir,
  runId,
  apiKey,
  signal,
  progress,
}: {
  /** The service's environment for a given port: DATA_DIR, REDIS_URL, QUEUE_PREFIX, API_KEYS and the like. */
  serviceEnv: (port: number) => Record<string, string>;
  cwd: string;
  scratchDir: string;
  runId: string;
  apiKey: string;
  signal?: AbortSignal;
  progress: (message: string) => void;
}): Promise<TrackerResult> {
  const result: TrackerResult = { note: TRACKER_NOTE, push: [], latency: [], needs: [] };
  const configFile = path.join(scratchDir, 'tracker-config.yaml');
  // The intake limiter is not what is measured; the coalesce window is the one setting figure 1 depends on.
  writeFileSync(
    configFile,
    [
      'intake:',
      '  rateLimit:',
      '    requests: 100000000',
      '    perSeconds: 60',
      'push:',
      `  coalesceSeconds: ${TRACKER_SETTINGS.coalesceSeconds}`,
      // The Jira phase's titles read like the Linear phase's: pushed at once, not held as possible duplicates.
      '  holdForReview: 0',
      '',
    ].join('\n'),
  );
  try {
    const [port, jiraPort, linearPort] = await threeFreePorts();
    const linear: LinearAccess = { url: `http://127.0.0.1:${linearPort}`, apiKey: SANDBOX.linearApiKey };
    const jira: JiraAccess = {
      url: `http://127.0.0.1:${jiraPort}`,
      email: SANDBOX.jiraEmail,
      apiToken: SANDBOX.jiraApiToken,
    };
    progress('tracker: starting');
    const server = await startTarget({
      args: npmScriptArgs('start'),
      env: {
        ...npmScriptEnv('start'),
        ...serviceEnv(port),
        CONFIG_FILE: configFile,
        JIRA_EMULATOR_PORT: String(jiraPort),
        LINEAR_EMULATOR_PORT: String(linearPort),
      },
      cwd,
      port,
    });
    try {
      const ctx = {
        service: { url: server.url, apiKey },
        emulators: { linear, jira },
        runId,
        signal,
        progress,
      };
      const features = new Map<TrackerKind, FeatureView[]>();
      for (const kind of KINDS) {
        const phase = await pushPhase(ctx, kind);
        result.push.push(phase.figures);
        features.set(kind, phase.features);
        progress(`tracker: ${kind}: ${phase.figures.calls} calls for ${phase.figures.features} features`);
      }
      for (const kind of KINDS) {
        const figures = await latencyPhase(ctx, kind, features.get(kind) ?? []);
        result.latency.push(figures);
        progress(`tracker: ${kind}: status change seen after ${figures.p50Ms?.toFixed(1)} ms (p50)`);
      }
      result.serverLogLines = server.linesSinceReady();
    } catch (err) {
      const tail = server.tail();
      if (tail.length > 0 && !signal?.aborted)
        progress(`tracker: the server's last lines:\n  ${tail.join('\n  ')}`);
      throw err;
    } finally {
      const exit = await server.stop();
      if (exit !== 'code 0')
        progress(`tracker: server exit ${exit}; its last lines:\n  ${server.tail().join('\n  ')}`);
    }
  } catch (err) {
    result.failed = (err as Error).message;
    progress(`tracker: failed: ${result.failed}`);
  }
  await measureNeeds(result, { serviceEnv, cwd, scratchDir, apiKey, signal, progress });
  return result;
}

/** Issues per distinct need, a fresh service per tracker: measured whatever became of the phases before. */
async function measureNeeds(
  result: TrackerResult,
  options: Omit<Parameters<typeof needsPhase>[0], 'kind'> & { progress: (message: string) => void },
): Promise<void> {
  const { progress, ...rest } = options;
  for (const kind of KINDS) {
    try {
      const figures = await needsPhase({ ...rest, kind });
      result.needs.push(figures);
      progress(`tracker: ${kind}: ${figures.issues} issues for ${figures.needs} distinct needs`);
    } catch (err) {
      result.failed = [result.failed, `issues per need (${kind}): ${(err as Error).message}`]
        .filter(Boolean)
        .join('; ');
      progress(`tracker: issues per need (${kind}) failed: ${(err as Error).message}`);
    }
  }
}
