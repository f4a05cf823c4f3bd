import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../support/private-redis.ts';
import { distinctNeeds, REWORDED_REQUESTS } from '../support/reworded-requests.ts';
import { npmScriptArgs, npmScriptEnv } from './npm-script.ts';
import { getFeature, type ServiceAccess, submitRequest, waitUntil } from './service-api.ts';
import { startTarget } from './targets.ts';
import type { TrackerKind } from './tracker-sync.ts';

/**
 * Issues per distinct need: the twenty reworded requests of support/reworded-requests.ts (the same need worded
 * differently, misspelt, and different needs sharing words) sent to a fresh `start` in sandbox mode, one service
 * per tracker so neither set meets the other. Once every push settled, it counts the issues the tracker holds and
 * the needs that got more than one: the goal is none. Features triage held for review (not pushed until a person
 * answers) are counted beside them. It prints figures and never judges them.
 */

export interface NeedFigures {
  tracker: TrackerKind;
  requests: number;
  needs: number;
  /** Issues the service created in the tracker. */
  issues: number;
  /** Needs whose requests sit on two or more issues: what a product owner would have to merge by hand. */
  needsWithSeveralIssues: number;
  /** Features waiting in the review queue, held from the tracker. */
  heldForReview: number;
  /** Features holding requests of two or more needs: wrong merges. */
  mixedFeatures: number;
}

const SETTLE_TIMEOUT_MS = 120_000;

/** Sends the requests, waits for triage and every push, and reads what landed where. */
async function measure(
  service: ServiceAccess,
  kind: TrackerKind,
  signal?: AbortSignal,
): Promise<NeedFigures> {
  const needOf = new Map<string, string>();
  for (const [n, r] of REWORDED_REQUESTS.entries()) {
    const id = await submitRequest(service, {
      title: r.title,
      body: r.body,
      requester: { email: `needs-${n}@company-${n % 7}.example` },
      tags: kind === 'jira' ? ['jira'] : [],
    });
    needOf.set(id, r.need);
  }
  const featureOf = new Map<string, string>();
  await waitUntil(
    'every reworded request triaged',
    async () => {
      for (const id of needOf.keys()) {
        if (featureOf.has(id)) continue;
        const view = await get<{ feature: { id: string } | null }>(service, `/v1/requests/${id}`);
        if (view.feature) featureOf.set(id, view.feature.id);
      }
      return { done: featureOf.size === needOf.size, progress: `${featureOf.size} triaged` };
    },
    { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 100, signal },
  );
  const featureIds = [...new Set(featureOf.values())];
  const issuesOf = new Map<string, string[]>();
  await waitUntil(
    'every push of the reworded requests settled',
    async () => {
      let busy = 0;
      for (const id of featureIds) {
        const view = await getFeature(service, id);
        const links = view.links.filter((l) => l.tracker === kind);
        if (links.some((l) => l.state === 'pending' || l.awaitingPush)) busy++;
        issuesOf.set(
          id,
          links.flatMap((l) => (l.issueKey && l.state === 'linked' ? [l.issueKey] : [])),
        );
      }
      return { done: busy === 0, progress: `${busy} features awaiting a push` };
    },
    { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 250, signal },
  );
  const needsOfFeature = new Map<string, Set<string>>();
  const issuesOfNeed = new Map<string, Set<string>>();
  for (const [requestId, featureId] of featureOf) {
    const need = needOf.get(requestId) ?? '';
    needsOfFeature.set(featureId, (needsOfFeature.get(featureId) ?? new Set()).add(need));
    const issues = issuesOfNeed.get(need) ?? new Set<string>();
    for (const key of issuesOf.get(featureId) ?? []) issues.add(key);
    issuesOfNeed.set(need, issues);
  }
  const review = await get<{ data: unknown[] }>(service, '/v1/review?limit=100');
  return {
    tracker: kind,
    requests: needOf.size,
    needs: distinctNeeds().length,
    issues: new Set([...issuesOf.values()].flat()).size,
    needsWithSeveralIssues: [...issuesOfNeed.values()].filter((s) => s.size > 1).length,
    heldForReview: review.data.length,
    mixedFeatures: [...needsOfFeature.values()].filter((s) => s.size > 1).length,
  };
}

async function get<T>(service: ServiceAccess, p: string): Promise<T> {
  const res = await fetch(`${service.url}${p}`, {
    headers: { authorization: `Bearer ${service.apiKey}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET ${p} answered ${res.status}`);
  return (await res.json()) as T;
}

/** One fresh sandbox service per tracker, in a data directory of its own under `scratchDir`. */
export async function needsPhase({
  serviceEnv,
  cwd,
  scratchDir,
  apiKey,
  kind,
  signal,
}: {
  serviceEnv: (port: number) => Record<string, string>;
  cwd: string;
  scratchDir: string;
  apiKey: string;
  kind: TrackerKind;
  signal?: AbortSignal | undefined;
}): Promise<NeedFigures> {
  const dataDir = path.join(scratchDir, `needs-${kind}`);
  mkdirSync(dataDir, { recursive: true });
  const configFile = path.join(dataDir, 'config.yaml');
  writeFileSync(configFile, ['push:', '  coalesceSeconds: 1', ''].join('\n'));
  const ports = new Set<number>();
  while (ports.size < 3) ports.add(await freePort());
  const [port, jiraPort, linearPort] = [...ports] as [number, number, number];
  const base = serviceEnv(port);
  const server = await startTarget({
    args: npmScriptArgs('start'),
    env: {
      ...npmScriptEnv('start'),
      ...base,
      DATA_DIR: dataDir,
      CONFIG_FILE: configFile,
      QUEUE_PREFIX: `${base['QUEUE_PREFIX'] ?? 'bench'}-needs-${kind}`,
      JIRA_EMULATOR_PORT: String(jiraPort),
      LINEAR_EMULATOR_PORT: String(linearPort),
    },
    cwd,
    port,
  });
  try {
    return await measure({ url: server.url, apiKey }, kind, signal);
  } finally {
    await server.stop();
  }
}
