import type { ImportProgress, ImportSummary, Rejection } from './importer.ts';

/** What `npm run import` prints: the progress line and the summary. Pure text. */

const n = (value: number) => value.toLocaleString('en-US');

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** One line: a bar on a terminal (redrawn with `\r`), or a plain log line when stderr is a file or a pipe. */
export function progressLine(
  p: ImportProgress,
  {
    totalBytes,
    elapsedMs,
    bar,
    dryRun = false,
  }: { totalBytes: number; elapsedMs: number; bar: boolean; dryRun?: boolean },
): string {
  const rate = elapsedMs > 0 ? Math.round((p.rows * 1000) / elapsedMs) : 0;
  const fraction = totalBytes > 0 ? Math.min(1, p.bytes / totalBytes) : 0;
  const figures = `${n(p.rows)} rows, ${n(rate)} rows/s, ${size(p.bytes)} of ${size(totalBytes)}, ${n(p.created)} ${dryRun ? 'valid' : 'created'}, ${n(p.duplicates)} duplicates, ${n(p.rejected)} rejected`;
  if (!bar) return `import: ${Math.floor(fraction * 100)}% ${figures}`;
  const width = 24;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${figures}`;
}

export function summaryLines(
  s: ImportSummary,
  {
    file,
    source,
    target,
    rejections,
    rejectsFile,
    elapsedMs,
    peakRssBytes,
  }: {
    file: string;
    source: string;
    target: string;
    /** The first rejections, in file order (the screen shows at most these). */
    rejections: readonly Rejection[];
    rejectsFile: string | undefined;
    elapsedMs: number;
    /** The process's peak resident memory, so an operator sees what a big file cost. */
    peakRssBytes: number;
  },
): string[] {
  const seconds = elapsedMs / 1000;
  const lines = [
    `${s.dryRun ? 'dry run (nothing written)' : 'imported'}: ${file} as source "${source}" into ${target}`,
    `  columns:    ${s.columns.join(', ')}`,
    `  rows:       ${n(s.rows)} in ${seconds.toFixed(1)} s (${n(Math.round(s.rows / Math.max(seconds, 0.001)))} rows/s, peak RSS ${size(peakRssBytes)})`,
    s.dryRun
      ? `  would create: ${n(s.created)} (not checked against the database)`
      : `  created:    ${n(s.created)}`,
    `  duplicates: ${n(s.duplicates)}${s.dryRun ? ' (within the file)' : ' (already imported, or repeated in the file)'}`,
    `  rejected:   ${n(s.rejected)}`,
  ];
  for (const r of rejections) lines.push(`    line ${r.line}: ${r.reason}`);
  const more = s.rejected - rejections.length;
  if (more > 0) lines.push(`    … and ${n(more)} more`);
  if (rejectsFile && s.rejected > 0)
    lines.push(`  every rejected row with its line and reason: ${rejectsFile}`);
  if (!s.dryRun && s.created > 0)
    lines.push('  triage:     the running service triages the new requests (its reconciler finds them)');
  return lines;
}
