import type { CheckRow } from './checks.ts';
import type { FaultLogEntry } from './faults.ts';

/** The printed result of a run: what was done, when the faults hit, and the checks as a table with their aims. */

interface RunFigures {
  runId: string;
  seed: number;
  requests: number;
  seconds: number;
  faults: readonly string[];
  retries: number;
  issues: { jira: number; linear: number };
  emails: number;
  totalSeconds: number;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

function formatChecks(rows: readonly CheckRow[]): string {
  const widths = [
    Math.max(...rows.map((r) => r.name.length)),
    Math.max(...rows.map((r) => r.value.length)),
    Math.max(...rows.map((r) => r.aim.length)) + 5,
  ];
  const lines = rows.map((r) =>
    [
      pad(r.name, widths[0] ?? 0),
      pad(r.value, widths[1] ?? 0),
      pad(`aim: ${r.aim}`, widths[2] ?? 0),
      r.ok ? 'ok' : 'FAIL',
    ]
      .join('  ')
      .trimEnd(),
  );
  const details = rows.filter((r) => !r.ok && r.detail).map((r) => `  ${r.name}: ${r.detail}`);
  return [...lines, ...(details.length > 0 ? ['', 'why:', ...details] : [])].join('\n');
}

function formatFaultLog(log: readonly FaultLogEntry[]): string {
  return log.map((e) => `  ${pad(`${e.atSeconds.toFixed(1)} s`, 8)} ${e.what}`).join('\n');
}

export function formatReport(
  figures: RunFigures,
  log: readonly FaultLogEntry[],
  rows: readonly CheckRow[],
): string {
  const failed = rows.filter((r) => !r.ok).length;
  return [
    `Suggested Sync chaos run ${figures.runId} (seed ${figures.seed})`,
    `  intake:  ${figures.requests} requests over ${figures.seconds} s to the API, ${figures.retries} client retries`,
    `  faults:  ${figures.faults.length > 0 ? figures.faults.join(', ') : 'none'} (plus issues moved to Done twice)`,
    `  output:  ${figures.issues.jira} Jira and ${figures.issues.linear} Linear issues, ${figures.emails} emails received`,
    '',
    'what happened (seconds after intake started):',
    formatFaultLog(log),
    '',
    formatChecks(rows),
    '',
    failed === 0
      ? `all ${rows.length} checks passed in ${figures.totalSeconds.toFixed(0)} s`
      : `${failed} of ${rows.length} checks FAILED (run took ${figures.totalSeconds.toFixed(0)} s)`,
  ].join('\n');
}
