import { percentile } from './latency.ts';
import type { NotifyResult } from './notify-target.ts';

/** The section of the report: a table for people, one JSON line for scripts. */
export function formatNotifySection(result: NotifyResult): string {
  const S = result.settings;
  const lines = [
    `Status emails: tracker status change → last of ${S.requesters.toLocaleString('en-US')} requesters' emails accepted by SMTP (${S.repetitions} repetitions, fresh feature each)`,
    '',
    `  ${'database'.padEnd(10)}${'p50 ms'.padStart(10)}${'p95 ms'.padStart(10)}${'first ms'.padStart(10)}${'emails'.padStart(9)}  each repetition (last ms)`,
  ];
  for (const run of result.runs) {
    if (run.failed && run.repetitions.length === 0) {
      lines.push(`  ${run.database.padEnd(10)}failed: ${run.failed}`);
      continue;
    }
    const firsts = run.repetitions.map((r) => r.firstMs).sort((a, b) => a - b);
    const emails = run.repetitions.map((r) => r.messages);
    lines.push(
      `  ${run.database.padEnd(10)}${(run.p50Ms?.toFixed(0) ?? '-').padStart(10)}${(run.p95Ms?.toFixed(0) ?? '-').padStart(10)}${(percentile(firsts, 0.5)?.toFixed(0) ?? '-').padStart(10)}${String(Math.max(...emails)).padStart(9)}  ${run.repetitions.map((r) => r.lastMs.toFixed(0)).join(', ')}${run.failed ? ` (then failed: ${run.failed})` : ''}`,
    );
  }
  lines.push(
    '',
    `  note: ${result.note}`,
    '  note: with a handful of repetitions p95 is the slowest one; "emails" above the requester count would mean a double send',
  );
  return lines.join('\n');
}
