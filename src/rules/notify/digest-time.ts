/** The first digest time (`hourUtc`:00:00 UTC) at or after `after`. Pure. */
export function nextDigestAt(after: Date, hourUtc: number): Date {
  const at = new Date(Date.UTC(after.getUTCFullYear(), after.getUTCMonth(), after.getUTCDate(), hourUtc));
  if (at.getTime() < after.getTime()) at.setUTCDate(at.getUTCDate() + 1);
  return at;
}

/** The digest a due time belongs to, as a job-id-safe key (`20260101T09`). */
export function digestKey(dueAt: Date): string {
  return dueAt.toISOString().slice(0, 13).replaceAll('-', '');
}
