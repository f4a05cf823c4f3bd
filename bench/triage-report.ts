import { count, fixed, formatColumns, loadAverageLine } from './report.ts';
import { TRIAGE_DATABASES, type TriageResult, type TriageRun } from './triage-target.ts';

/** The triage section of the report: one table per database for people, one JSON line for scripts. */

const share = (part: number | undefined, whole: number | undefined) =>
  part === undefined || !whole ? '-' : `${((100 * part) / whole).toFixed(0)}%`;

const HEADER = [
  'features',
  'rows s',
  'index s',
  'postings',
  'n',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
  'attached',
  'review',
  'dup: attached',
  'review',
  'new: attached',
  'review',
];

function row(r: TriageRun): string[] {
  if (r.failed) return [count(r.features), 'failed', ...Array<string>(HEADER.length - 2).fill('-')];
  return [
    count(r.features),
    fixed(r.rowsSeconds, 1),
    fixed(r.indexSeconds, 1),
    count(r.postings),
    count(r.n),
    fixed(r.p50Ms, 1),
    fixed(r.p95Ms, 1),
    fixed(r.p99Ms, 1),
    fixed(r.maxMs, 1),
    share(r.attached, r.n),
    share(r.review, r.n),
    share(r.duplicatesAttached, r.duplicates),
    share(r.duplicatesReview, r.duplicates),
    share(r.newAttached, r.newRequests),
    share(r.newReview, r.newRequests),
  ];
}

/** p95 at the largest size over p95 at the smallest, per database: how latency grows with the feature count. */
export function growth(runs: readonly TriageRun[], database: string) {
  const measured = runs.filter((r) => r.database === database && r.p95Ms !== undefined && !r.failed);
  const small = measured.reduce<TriageRun | undefined>(
    (a, r) => (a && a.features <= r.features ? a : r),
    undefined,
  );
  const large = measured.reduce<TriageRun | undefined>(
    (a, r) => (a && a.features >= r.features ? a : r),
    undefined,
  );
  if (!small || !large || small === large || !small.p95Ms || large.p95Ms === undefined) return undefined;
  return {
    from: small.features,
    to: large.features,
    features: large.features / small.features,
    p95: large.p95Ms / small.p95Ms,
  };
}

export function formatTriageSection(result: TriageResult): string {
  const s = result.settings;
  const lines = [
    `Triage latency: ${s.requests} requests triaged one at a time after ${s.warmup} warm-up, about ${Math.round(s.duplicateShare * 100)}% reworded duplicates of existing requests`,
    '',
  ];
  for (const database of TRIAGE_DATABASES) {
    const runs = result.runs.filter((r) => r.database === database);
    if (runs.length === 0) continue;
    lines.push(database, formatColumns(HEADER, runs.map(row)));
    const g = growth(result.runs, database);
    if (g)
      lines.push(
        `  p95(${count(g.to)}) / p95(${count(g.from)}) = ${g.p95.toFixed(2)} for ${g.features.toFixed(0)}x the features`,
      );
    lines.push('');
  }
  lines.push(`triage: ${result.note}`);
  lines.push(
    '  rows s: companies, requesters, features and requests written in bulk; index s: ensureDedupeIndex rebuilding the dedupe index from them',
    '  attached: share of measured requests that joined an existing feature; review: that started one marked "possible duplicate of" another; dup: of the reworded duplicates of an existing request; new: of the others',
    '  the corpus is synthetic and templated (many features look alike): these shares say what triage did here, not how good dedupe is (npm run dedupe-eval measures that)',
  );
  for (const r of result.runs) {
    if (r.duplicates)
      lines.push(
        `  ${r.database} ${count(r.features)}: of ${count(r.duplicates)} duplicates, ${count(r.duplicatesToOriginal)} attached to the feature they reword, ${count(r.duplicatesReviewOfOriginal)} left for review against it`,
      );
    if (r.analyseSeconds !== undefined)
      lines.push(
        `  ${r.database} ${count(r.features)}: VACUUM ANALYZE after the load took ${fixed(r.analyseSeconds, 1)} s`,
      );
    if (r.failed) lines.push(`  ${r.database} ${count(r.features)}: FAILED: ${r.failed}`);
  }
  if (result.loadAverage) lines.push(loadAverageLine(result.loadAverage));
  return lines.join('\n');
}

export function triageJson(result: TriageResult) {
  return {
    settings: result.settings,
    note: result.note,
    loadAverage: result.loadAverage,
    runs: result.runs,
    growth: Object.fromEntries(TRIAGE_DATABASES.map((d) => [d, growth(result.runs, d) ?? null])),
  };
}
