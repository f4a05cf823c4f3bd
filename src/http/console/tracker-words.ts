/**
 * An issue as the console lists it: its tracker, then its key ("Jira SBX-1", "Linear SBX-1"). A Jira project and
 * a Linear team often share a key, so the key alone does not say where the issue is.
 */

const TRACKER_NAMES: Record<string, string> = { jira: 'Jira', linear: 'Linear' };

/** A tracker's name for a reader; a kind the console does not know is shown as stored. */
export function trackerWords(kind: string): string {
  return Object.hasOwn(TRACKER_NAMES, kind) ? (TRACKER_NAMES[kind] as string) : kind;
}

/** The issue `key` of tracker `kind`, named with its tracker; the key alone when the tracker is unknown. */
export function issueWords(kind: string | null | undefined, key: string): string {
  return kind ? `${trackerWords(kind)} ${key}` : key;
}
