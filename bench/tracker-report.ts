import type { CallSpan } from './emulator-api.ts';
import { count, fixed, formatColumns } from './report.ts';
import type { NeedFigures } from './tracker-needs.ts';
import { type LatencyFigures, type PushFigures, TRACKER_SETTINGS, type TrackerKind } from './tracker-sync.ts';
import type { TrackerResult } from './tracker-target.ts';

/** The tracker-sync section of the report: two tables and their notes for people, one JSON line for scripts. */

const S = TRACKER_SETTINGS;
/** What a feature's pushes should cost: the create, then one read and one write for a later window. */
const CALLS_PER_FEATURE_AIM = 3;
const KINDS: readonly TrackerKind[] = ['linear', 'jira'];

const PUSH_HEADER = [
  'tracker',
  'features',
  'requests',
  'calls',
  'calls/feature',
  'failed calls',
  'sent s',
  'triaged s',
  'settled s',
];
const pushRow = (p: PushFigures) => [
  p.tracker,
  count(p.features),
  count(p.requests),
  count(p.calls),
  `${fixed(p.callsPerFeature, 2)} (aim <= ${CALLS_PER_FEATURE_AIM})`,
  count(p.failedCalls),
  fixed(p.sendSeconds, 2),
  fixed(p.triagedSeconds, 2),
  fixed(p.settledSeconds, 2),
];

const LATENCY_HEADER = ['tracker', 'n', 'p50 ms', 'p95 ms', 'max ms'];
const latencyRow = (l: LatencyFigures) => [
  l.tracker,
  count(l.n),
  fixed(l.p50Ms, 1),
  fixed(l.p95Ms, 1),
  fixed(l.maxMs, 1),
];

const NEEDS_HEADER = [
  'tracker',
  'requests',
  'needs',
  'issues',
  'issues/need',
  'needs on 2+ issues',
  'held for review',
  'mixed features',
];
const needsRow = (n: NeedFigures) => [
  n.tracker,
  count(n.requests),
  count(n.needs),
  count(n.issues),
  fixed(n.issues / n.needs, 2),
  count(n.needsWithSeveralIssues),
  count(n.heldForReview),
  count(n.mixedFeatures),
];

/** One row per tracker; one the run did not measure (it failed or was interrupted first) says so. */
function table<T extends { tracker: TrackerKind }>(header: string[], figures: T[], row: (f: T) => string[]) {
  return formatColumns(
    header,
    KINDS.map((kind) => {
      const found = figures.find((f) => f.tracker === kind);
      return found ? row(found) : [kind, 'not measured', ...Array<string>(header.length - 2).fill('-')];
    }),
  );
}

function operations(byOp: Record<string, number>, features?: number): string {
  const entries = Object.entries(byOp);
  if (entries.length === 0) return 'none';
  return entries
    .map(([op, n]) => (features ? `${op} ${n} (${(n / features).toFixed(2)}/feature)` : `${op} ${n}`))
    .join(', ');
}

const span = (s: CallSpan) =>
  s.count > 0 ? ` from ${fixed(s.firstSeconds, 1)} to ${fixed(s.lastSeconds, 1)} s` : '';

const CHANGE: Record<TrackerKind, string> = {
  linear: 'issueUpdate (stateId of type started)',
  jira: 'POST …/transitions (id 21, In Progress)',
};

export function formatTrackerSection(result: TrackerResult): string {
  const out: string[] = [
    `Tracker sync: tracker calls per feature (${count(S.features * S.requestsPerFeature)} requests over ${S.features} features, ${S.requestsPerFeature} each, every requester distinct; ${S.concurrency} in flight; push.coalesceSeconds: ${S.coalesceSeconds}, the default)`,
    table(PUSH_HEADER, result.push, pushRow),
    '',
    `Tracker sync: status change in the tracker until GET /v1/features/:id shows it (one issue at a time, polled every ${S.statusPollMs} ms)`,
    table(LATENCY_HEADER, result.latency, latencyRow),
    '',
    'Tracker sync: issues per distinct need (the 20 reworded requests of support/reworded-requests.ts, a fresh service per tracker, before anyone answers the review queue; aim: no need on two issues, no mixed feature)',
    table(NEEDS_HEADER, result.needs, needsRow),
    '',
    `tracker: ${result.note}`,
  ];
  if (result.failed) out.push(`  FAILED: ${result.failed}`);
  for (const p of result.push) {
    out.push(`  ${p.tracker} calls by operation: ${operations(p.byOperation, p.features)}`);
    out.push(
      `  ${p.tracker} issue writes: ${count(p.creates.count)} creates${span(p.creates)}, ${count(p.updates.count)} updates${span(p.updates)} (seconds after the first request; the last request was accepted at ${fixed(p.sendSeconds, 1)} s)`,
    );
    out.push(
      `  ${p.tracker}: ${p.companies} companies; ${count(p.triagedWhenSent)} of ${count(p.requests)} requests triaged when the last was accepted; settled = every link linked, not awaiting a push; calls counted until one window (${S.coalesceSeconds} s) + 1 s later, ${count(p.lateCalls)} of them after settling`,
    );
    if (p.otherTrackerCalls > 0)
      out.push(`  ${p.tracker}: the other emulator answered ${count(p.otherTrackerCalls)} calls meanwhile`);
    if (p.incomplete)
      out.push(`  ${p.tracker}: the emulator's call log (capped) dropped calls: counts too low`);
  }
  for (const l of result.latency) {
    out.push(
      `  ${l.tracker}: from the ${CHANGE[l.tracker]} answer until status in_progress; the service's own tracker calls meanwhile: ${operations(l.serviceCalls)}`,
    );
  }
  if (result.serverLogLines)
    out.push(`  server wrote ${count(result.serverLogLines)} warning/error lines during the run`);
  return out.join('\n');
}

export function trackerJson(result: TrackerResult): Record<string, unknown> {
  return {
    settings: {
      features: S.features,
      requestsPerFeature: S.requestsPerFeature,
      concurrency: S.concurrency,
      coalesceSeconds: S.coalesceSeconds,
      statusPollMs: S.statusPollMs,
      statusChanges: 'one at a time',
    },
    push: result.push,
    statusLatency: result.latency,
    issuesPerNeed: result.needs,
    serverLogLines: result.serverLogLines,
    failed: result.failed,
  };
}
