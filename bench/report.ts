import type { ProbeFigures, TriageDrain } from './intake-drain.ts';
import type { LoadFigures } from './load.ts';

/** How the figures are shown: one table for people, one JSON line for closing notes and scripts. */

export interface TargetResult {
  target: string;
  /** What this target is and what shares its CPU: needed to read its figures. */
  note: string;
  /** What it should reach, printed beside the figures. */
  aim?: string;
  figures?: LoadFigures;
  /** 202s during warm-up: not measured, but they are inserts too (for the database row check). */
  warmupAccepted?: number;
  /** Lines the server wrote while under load (LOG_LEVEL=warn: warnings and errors). */
  serverLogLines?: number;
  /** How long the service's triage took to finish the burst after the load ended (workers in-process only). */
  triageDrain?: TriageDrain;
  /** Rows in the `requests` table after the run (Postgres only). */
  databaseRows?: number;
  failed?: string;
}

export const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);
export const count = (value: number | undefined) =>
  value === undefined ? '-' : value.toLocaleString('en-US');

/** Accepted req/s of a target over the bare handler's, the figure that compares across machines. */
export function ratioToBare(results: TargetResult[], result: TargetResult): number | null {
  const bare = results.find((r) => r.target === 'bare')?.figures?.acceptedPerSecond;
  const own = result.figures?.acceptedPerSecond;
  return bare && own !== undefined ? own / bare : null;
}

export function formatTable(results: TargetResult[]): string {
  const header = ['target', 'accepted req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'errors', 'vs bare'];
  const rows = results.map((r) =>
    r.failed
      ? [r.target, 'failed', '-', '-', '-', '-', '-']
      : [
          r.target,
          fixed(r.figures?.acceptedPerSecond, 1),
          fixed(r.figures?.p50Ms, 2),
          fixed(r.figures?.p99Ms, 2),
          count(r.figures?.non2xx),
          count(r.figures?.errors),
          fixed(ratioToBare(results, r), 3),
        ],
  );
  return formatColumns(header, rows);
}

/** A plain-text table: the first column left-aligned, the figures right-aligned. */
export function formatColumns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The details a table cell cannot hold: notes, rejections, server warnings, the database check, failures. */
export function formatNotes(results: TargetResult[]): string[] {
  const notes: string[] = [];
  for (const r of results) {
    notes.push(`${r.target}: ${r.note}`);
    if (r.failed) notes.push(`  FAILED: ${r.failed}`);
    const f = r.figures;
    if (f) {
      notes.push(
        `  ${count(f.accepted)} accepted in ${f.seconds.toFixed(2)} s (+${count(r.warmupAccepted)} during warm-up)`,
      );
      const rejected = Object.entries(f.rejected);
      if (rejected.length > 0)
        notes.push(`  not accepted, by status: ${rejected.map(([s, n]) => `${s}x${n}`).join(', ')}`);
      if (f.timeouts > 0) notes.push(`  timeouts: ${count(f.timeouts)} (counted in errors)`);
    }
    if (r.aim && f) {
      notes.push(
        `  aim: ${r.aim}; measured: ${fixed(f.acceptedPerSecond, 1)} accepted req/s, p99 ${fixed(f.p99Ms, 1)} ms`,
      );
    }
    if (r.triageDrain) notes.push(...triageDrainLines(r.triageDrain).map((line) => `  ${line}`));
    if (r.serverLogLines)
      notes.push(`  server wrote ${count(r.serverLogLines)} warning/error lines under load`);
    if (r.databaseRows !== undefined && f) {
      const sent = f.accepted + (r.warmupAccepted ?? 0);
      // Requests still in flight when autocannon stops a run are committed but never answered to it, so the
      // rows may exceed the 202s by up to the concurrency per run (warm-up and measured).
      notes.push(
        `  database check: ${count(r.databaseRows)} rows in requests; ${count(sent)} 202 responses (warm-up + measured); difference ${count(r.databaseRows - sent)} (requests in flight when a run stopped)`,
      );
    }
  }
  return notes;
}

/**
 * The triage backlog the load left, how long the service took to finish it (read from /metrics, ±1 s), and how it
 * answered meanwhile.
 */
function triageDrainLines({
  backlogAtEnd,
  firstReadingSeconds,
  seconds,
  left,
  perSecond,
  accepts,
  reads,
}: TriageDrain) {
  const backlog =
    backlogAtEnd === null
      ? 'triage: the untriaged count never answered'
      : `triage: ${count(backlogAtEnd)} requests untriaged ${fixed(firstReadingSeconds, 1)} s after the load ended`;
  const rate = perSecond === null ? '' : ` (${perSecond.toFixed(1)} triaged/s)`;
  const end =
    seconds === null
      ? `${backlog}; ${left === null ? 'unknown' : count(left)} still untriaged at the deadline${rate}`
      : `${backlog}; the last one triaged ${seconds.toFixed(1)} s after the load ended${rate}`;
  const probe = (what: string, p: ProbeFigures) =>
    `${count(p.answered)} of ${count(p.sent)} ${what}, p50 ${fixed(p.p50Ms, 0)} ms, p99 ${fixed(p.p99Ms, 0)} ms, max ${fixed(p.maxMs, 0)} ms`;
  return [
    end,
    `during the drain: ${probe('new requests accepted', accepts)}; ${probe('feature-list reads answered', reads)}`,
  ];
}

/** The machine's 1-minute load average at a target's start and end, as a report line. */
export function loadAverageLine(loadAverage: readonly number[]): string {
  return `  load average (1 min) at the start and end: ${loadAverage.map((l) => l.toFixed(2)).join(', ')}: other work on this machine shows up in the figures`;
}
