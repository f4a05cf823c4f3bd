import type { ConsolePageRun, ConsoleResult } from './console-target.ts';
import { count, fixed, formatColumns, loadAverageLine } from './report.ts';

/** The console section of the report: a table of page times beside their aim, and one JSON line for scripts. */

const HEADER = ['page', 'n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'features shown', 'KiB', 'aim p95'];

function row(r: ConsolePageRun, aim: string): string[] {
  if (r.failed) return [r.page, 'failed', ...Array<string>(HEADER.length - 2).fill('-')];
  return [
    r.page,
    count(r.n),
    fixed(r.p50Ms, 1),
    fixed(r.p95Ms, 1),
    fixed(r.p99Ms, 1),
    fixed(r.maxMs, 1),
    count(r.features),
    fixed(r.kib, 0),
    aim,
  ];
}

export function formatConsoleSection(result: ConsoleResult): string {
  const s = result.settings;
  const seeded = result.seeded;
  const lines = [
    `Console pages: ${s.requests} requests per page after ${s.warmup} warm-up, one at a time, ${count(s.features)} features on Postgres`,
    '',
    formatColumns(
      HEADER,
      result.pages.map((r) => row(r, '< 100 ms')),
    ),
    '',
    `console: ${result.note}`,
    '  status filter: planned, in_progress and shipped in turn; word search: a different word of an existing title each time; later page: pages 2 to 11 of the default sort in turn, by their "Next page" links',
  ];
  if (seeded) {
    lines.push(
      `  seeded: rows ${fixed(seeded.rowsSeconds, 1)} s, dedupe index ${fixed(seeded.indexSeconds, 1)} s, statuses and ${count(seeded.links)} links ${fixed(seeded.shapeSeconds, 1)} s, ${count(seeded.reviewPending)} possible duplicates from ${count(seeded.reviewTriaged)} triaged requests ${fixed(seeded.reviewSeconds, 1)} s, VACUUM ANALYZE ${fixed(seeded.analyseSeconds, 1)} s`,
    );
  }
  for (const r of result.pages) {
    if (r.rejected)
      lines.push(
        `  ${r.page}: answers other than 200: ${Object.entries(r.rejected)
          .map(([k, v]) => `${k}x${v}`)
          .join(', ')}`,
      );
    if (r.failed) lines.push(`  ${r.page}: FAILED: ${r.failed}`);
  }
  if (result.failed) lines.push(`  FAILED: ${result.failed}`);
  if (result.loadAverage) lines.push(loadAverageLine(result.loadAverage));
  return lines.join('\n');
}

export function consoleJson(result: ConsoleResult) {
  return {
    note: result.note,
    aim: result.settings.aim,
    settings: result.settings,
    seeded: result.seeded ? { ...result.seeded, words: result.seeded.words.length } : undefined,
    pages: result.pages,
    failed: result.failed,
    loadAverage: result.loadAverage,
  };
}
