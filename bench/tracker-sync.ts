import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BENCH_LINEAR_OPERATIONS,
  byOperation,
  type CallSpan,
  callSpan,
  callsSince,
  emulatorCalls,
  ISSUE_WRITES,
  JIRA_IN_PROGRESS_TRANSITION,
  JIRA_TRANSITION_OPERATION,
  type JiraAccess,
  jiraTransition,
  type LinearAccess,
  linearMoveIssue,
  linearStartedStateId,
} from './emulator-api.ts';
import { percentile } from './load.ts';
import {
  type FeatureSummary,
  type FeatureView,
  getFeature,
  inPool,
  listFeatures,
  type ServiceAccess,
  submitRequest,
  waitUntil,
} from './service-api.ts';
import { COMPANIES, featureTitles, requestBodies } from './tracker-requests.ts';

/**
 * The two tracker-sync figures, against the sandbox emulators of one `start` process:
 *   1. tracker API calls per feature when 1,000 requests arrive for 50 features (once to Linear, once to Jira);
 *   2. how long a status change made in the tracker takes to show on `GET /v1/features/:id`.
 * It prints figures and never judges them.
 */

export type TrackerKind = 'linear' | 'jira';

export const TRACKER_SETTINGS = {
  features: 50,
  requestsPerFeature: 20,
  /** Requests in flight while sending. */
  concurrency: 16,
  /**
   * push.coalesceSeconds in the service's config: the service's default, so calls per feature measure what a
   * default installation does (the arrival, about 25 s, fits in one window; each phase then waits two windows).
   */
  coalesceSeconds: 30,
  /** Status-change latency: poll interval of GET /v1/features/:id. Issues are changed one at a time. */
  statusPollMs: 5,
  settleTimeoutMs: 180_000,
  statusTimeoutMs: 30_000,
};

export interface PushFigures {
  tracker: TrackerKind;
  features: number;
  requests: number;
  companies: number;
  /** From the first request sent to the last 202. */
  sendSeconds: number;
  /** Requests triaged when the last 202 came back: how far triage lagged intake. */
  triagedWhenSent: number;
  /** From the first request sent until every request was triaged into its feature. */
  triagedSeconds: number;
  /** From the first request sent until every link was linked and not awaiting a push. */
  settledSeconds: number;
  /** Calls the tracker's emulator answered in the phase, including any made within one window after settling. */
  calls: number;
  callsPerFeature: number;
  /** Calls answered after every link had settled (within one coalesce window + 1 s). */
  lateCalls: number;
  /** Answers >= 400 among the calls (faults, rejections). */
  failedCalls: number;
  byOperation: Record<string, number>;
  /** Issue creates and updates (pushes that made or rewrote an issue), timed from the first request sent. */
  creates: CallSpan;
  updates: CallSpan;
  /** Calls the other tracker's emulator answered meanwhile (reconcile, say); not in `calls`. */
  otherTrackerCalls: number;
  /** The emulator's call log is capped; true when it may have dropped calls of this phase. */
  incomplete: boolean;
}

export interface LatencyFigures {
  tracker: TrackerKind;
  n: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
  /** Calls the service made to this tracker while the changes came back (the bench's own left out). */
  serviceCalls: Record<string, number>;
}

interface PhaseContext {
  service: ServiceAccess;
  emulators: { linear: LinearAccess; jira: JiraAccess };
  runId: string;
  signal?: AbortSignal | undefined;
  progress: (message: string) => void;
}

const emulatorUrl = (ctx: PhaseContext, kind: TrackerKind) => ctx.emulators[kind].url;

function describeLinks(features: readonly FeatureView[], kind: TrackerKind) {
  const states: Record<string, number> = {};
  for (const f of features) {
    const link = f.links.find((l) => l.tracker === kind);
    const key = link ? `${link.state}${link.awaitingPush ? '+awaiting' : ''}` : 'no link';
    states[key] = (states[key] ?? 0) + 1;
  }
  return Object.entries(states)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
}

/** Figure 1: sends the requests, waits for triage and every push to settle, and counts the tracker's calls. */
export async function pushPhase(
  ctx: PhaseContext,
  kind: TrackerKind,
): Promise<{ figures: PushFigures; features: FeatureView[] }> {
  const { service, signal } = ctx;
  const titles = featureTitles(kind, ctx.runId, TRACKER_SETTINGS.features);
  const wanted = new Set(titles);
  const bodies = requestBodies(kind, ctx.runId, titles, TRACKER_SETTINGS.requestsPerFeature);
  const sinceMs = Date.now();
  const since = new Date(sinceMs).toISOString();
  const started = performance.now();
  ctx.progress(
    `tracker: ${kind}: sending ${bodies.length} requests, ${TRACKER_SETTINGS.concurrency} in flight`,
  );
  await inPool(bodies, TRACKER_SETTINGS.concurrency, (body) => {
    if (signal?.aborted) throw new Error('interrupted while sending requests');
    return submitRequest(service, body);
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const triagedWhenSent = (await listFeatures(service))
    .filter((f) => wanted.has(f.title))
    .reduce((sum, f) => sum + f.requestCount, 0);

  // Triage done: each title is one feature holding all of its requests.
  let summaries: FeatureSummary[] = [];
  await waitUntil(
    `triage of the ${kind} requests`,
    async () => {
      summaries = (await listFeatures(service)).filter((f) => wanted.has(f.title));
      const triaged = summaries.reduce((sum, f) => sum + f.requestCount, 0);
      return {
        done: summaries.length === titles.length && triaged === bodies.length,
        progress: `${summaries.length} of ${titles.length} features, ${triaged} of ${bodies.length} requests triaged`,
      };
    },
    { timeoutMs: TRACKER_SETTINGS.settleTimeoutMs, intervalMs: 100, signal },
  );

  const triagedSeconds = (performance.now() - started) / 1000;
  ctx.progress(`tracker: ${kind}: triaged; waiting for every push to settle`);
  // Once every request is triaged nothing makes a settled link dirty again, so only unsettled ones are re-read
  // (the polling shares the service with the pushes it waits for).
  let ours: FeatureView[] = [];
  const isSettled = (f: FeatureView) =>
    f.links.some((l) => l.tracker === kind && l.state === 'linked' && !l.awaitingPush);
  await waitUntil(
    `every ${kind} link linked and not awaiting a push`,
    async () => {
      ours = await inPool(summaries, 4, async (summary, i) => {
        const known = ours[i];
        return known && isSettled(known) ? known : getFeature(service, summary.id);
      });
      const failed = ours.find((f) => f.links.some((l) => l.state === 'failed'));
      const error = failed?.links.find((l) => l.state === 'failed')?.lastError;
      if (failed)
        throw new Error(`the push of feature ${failed.id} failed: ${error?.message ?? 'no reason'}`);
      return { done: ours.every(isSettled), progress: describeLinks(ours, kind) };
    },
    { timeoutMs: TRACKER_SETTINGS.settleTimeoutMs, intervalMs: 200, signal },
  );
  const settledSeconds = (performance.now() - started) / 1000;
  const atSettle = callsSince(await emulatorCalls(emulatorUrl(ctx, kind)), since).calls.length;

  // Anything still on its way (a push scheduled one window out) shows up within one window.
  await sleep(TRACKER_SETTINGS.coalesceSeconds * 1000 + 1000, undefined, { signal }).catch(() => {});
  const log = callsSince(await emulatorCalls(emulatorUrl(ctx, kind)), since);
  const other = callsSince(await emulatorCalls(emulatorUrl(ctx, kind === 'jira' ? 'linear' : 'jira')), since);
  return {
    features: ours,
    figures: {
      tracker: kind,
      features: ours.length,
      requests: bodies.length,
      companies: COMPANIES.length,
      sendSeconds,
      triagedWhenSent,
      triagedSeconds,
      settledSeconds,
      calls: log.calls.length,
      callsPerFeature: log.calls.length / ours.length,
      lateCalls: log.calls.length - atSettle,
      failedCalls: log.calls.filter((c) => c.status >= 400).length,
      byOperation: byOperation(log.calls),
      creates: callSpan(log.calls, ISSUE_WRITES[kind].create, sinceMs),
      updates: callSpan(log.calls, ISSUE_WRITES[kind].update, sinceMs),
      otherTrackerCalls: other.calls.length,
      incomplete: log.incomplete,
    },
  };
}

/**
 * Figure 2: for each feature in turn, moves its issue to In Progress in the tracker, as a product owner would, and
 * times from that call's answer until GET /v1/features/:id shows `in_progress` (webhook → job → feature).
 */
export async function latencyPhase(
  ctx: PhaseContext,
  kind: TrackerKind,
  features: readonly FeatureView[],
): Promise<LatencyFigures> {
  const { service, signal } = ctx;
  const linearStateId =
    kind === 'linear' ? await linearStartedStateId(ctx.emulators.linear, 'SBX') : undefined;
  const move = (issueKey: string) =>
    linearStateId
      ? linearMoveIssue(ctx.emulators.linear, issueKey, linearStateId)
      : jiraTransition(ctx.emulators.jira, issueKey, JIRA_IN_PROGRESS_TRANSITION);

  ctx.progress(`tracker: ${kind}: moving ${features.length} issues to In Progress, one at a time`);
  const since = new Date().toISOString();
  const latencies: number[] = [];
  for (const feature of features) {
    if (signal?.aborted) throw new Error('interrupted');
    const issueKey = feature.links.find((l) => l.tracker === kind)?.issueKey;
    if (!issueKey) throw new Error(`feature ${feature.id} has no ${kind} issue`);
    if (feature.status === 'in_progress') throw new Error(`feature ${feature.id} is in progress already`);
    await move(issueKey);
    const changed = performance.now();
    await waitUntil(
      `${issueKey} in progress on feature ${feature.id}`,
      async () => {
        const seen = (await getFeature(service, feature.id)).status;
        return { done: seen === 'in_progress', progress: `status ${seen}` };
      },
      { timeoutMs: TRACKER_SETTINGS.statusTimeoutMs, intervalMs: TRACKER_SETTINGS.statusPollMs, signal },
    );
    latencies.push(performance.now() - changed);
  }

  const ownOperations = kind === 'linear' ? BENCH_LINEAR_OPERATIONS : [JIRA_TRANSITION_OPERATION];
  const log = callsSince(await emulatorCalls(emulatorUrl(ctx, kind)), since);
  const sorted = Float64Array.from(latencies).sort();
  return {
    tracker: kind,
    n: latencies.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? null) : null,
    serviceCalls: byOperation(log.calls.filter((c) => !ownOperations.includes(c.operation))),
  };
}
