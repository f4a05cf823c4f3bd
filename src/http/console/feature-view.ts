import type { TrackerLink } from '../../store/links.repo.ts';
import { formatTime } from './format-time.ts';
import { consoleStatusWords } from './status-words.ts';
import { issueWords, trackerWords } from './tracker-words.ts';

/**
 * How the features pages word what the store holds: statuses, causes, a link's last error, and a feature's
 * timeline (status changes, merges and recorded actions in one list, newest first).
 */

const CAUSES: Record<string, string> = {
  tracker: 'the tracker said so',
  reconcile: 'the tracker, read again',
  merge: 'a merge',
  unmerge: 'a merge undone',
  unlink: 'an issue unlinked',
  api: 'a person',
  import: 'the backlog import',
};

const ERROR_KINDS: Record<string, string> = {
  rate_limited: 'the tracker asked us to slow down; the push is retried',
  transient: 'the tracker could not be reached or failed; the push is retried',
  auth: 'the tracker refused our credentials: check the token in the configuration',
  not_found: 'the tracker no longer has the issue or project (or our token cannot see it)',
  invalid_input: 'the tracker refused what we sent (a field or value it does not accept)',
  config: 'the tracker configuration is wrong (project, team or field): see the Health page',
};

export const featureLabels = {
  status: consoleStatusWords,
  tracker: trackerWords,
  issue: issueWords,
  time: formatTime,
  points: (n: number) => (Math.round(n * 100) / 100).toLocaleString('en'),
  money: (n: number) => Math.round(n).toLocaleString('en'),
};

/** A link's last error, in words (the stored message may quote the tracker; the kind says what to do). */
export function linkErrorWords(link: Pick<TrackerLink, 'lastErrorKind' | 'lastError'>): string | null {
  if (!link.lastErrorKind && !link.lastError) return null;
  return ERROR_KINDS[link.lastErrorKind ?? ''] ?? 'the last push failed';
}

export interface TimelineEntry {
  at: Date;
  /** What happened, in words. */
  what: string;
  /** Who or what did it. */
  by: string;
  /** Another feature it names (a merge), with its title. */
  other?: { id: string; title: string } | undefined;
}

interface TimelineInput {
  featureId: string;
  changes: ReadonlyArray<{
    fromStatus: string;
    toStatus: string;
    cause: string;
    changedAt: Date;
    detail: Record<string, unknown>;
  }>;
  merges: ReadonlyArray<{
    fromFeatureId: string;
    intoFeatureId: string;
    cause: string;
    actor: string | null;
    createdAt: Date;
    undoneAt: Date | null;
    undoneBy: string | null;
  }>;
  audit: ReadonlyArray<{ at: Date; actor: string; action: string; detail: Record<string, unknown> }>;
  titles: ReadonlyMap<string, string>;
  /** The tracker of each of the feature's links, unlinked ones too, by link id. */
  linkTrackers: ReadonlyMap<string, string>;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

/** The issue a record names, with its tracker (named in the record, or known from its link). */
function issueIn(detail: Record<string, unknown>, linkTrackers: ReadonlyMap<string, string>): string {
  const key = text(detail['issueKey']);
  if (!key) return '';
  return issueWords(text(detail['tracker']) || linkTrackers.get(text(detail['linkId'])), key);
}

function auditWords(action: string, detail: Record<string, unknown>, issue: string): string | undefined {
  if (action === 'push') return `Pushed to the tracker by hand${issue ? ` (${issue})` : ''}`;
  if (action === 'link') return `Linked issue ${issue}`;
  if (action === 'unlink') return `Unlinked issue ${issue}`;
  if (action === 'edit-title') return `Retitled “${text(detail['title'])}”`;
  if (action === 'export') return 'Exported its requests as CSV';
  if (action === 'dismiss') return 'Answered: not a duplicate';
  // Merges are told from feature_merges, which says more.
  return undefined;
}

function changeWords(c: TimelineInput['changes'][number], issue: string): string {
  const from = featureLabels.status(c.fromStatus);
  const to = featureLabels.status(c.toStatus);
  const trackerStatus = text(c.detail['trackerStatus']);
  const said = issue ? ` (${issue}${trackerStatus ? `: ${trackerStatus}` : ''})` : '';
  return from === to ? `Stayed ${to}${said}` : `${from} → ${to}${said}`;
}

/** The feature's history in one list, newest first (ties: the order things are recorded in). */
export function featureTimeline(input: TimelineInput): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const c of input.changes) {
    const what = changeWords(c, issueIn(c.detail, input.linkTrackers));
    entries.push({ at: c.changedAt, what, by: CAUSES[c.cause] ?? c.cause });
  }
  for (const m of input.merges) {
    const out = m.fromFeatureId === input.featureId;
    const otherId = out ? m.intoFeatureId : m.fromFeatureId;
    const other = { id: otherId, title: input.titles.get(otherId) ?? otherId };
    const by = m.actor ?? (m.cause === 'tracker' ? 'the tracker' : m.cause);
    entries.push({ at: m.createdAt, what: out ? 'Merged into' : 'Merged in from', by, other });
    if (m.undoneAt) {
      const what = out ? 'Merge undone: taken back out of' : 'Merge undone: taken back out by';
      entries.push({ at: m.undoneAt, what, by: m.undoneBy ?? 'unknown', other });
    }
  }
  for (const a of input.audit) {
    const what = auditWords(a.action, a.detail, issueIn(a.detail, input.linkTrackers));
    if (what) entries.push({ at: a.at, what, by: a.actor });
  }
  // A stable sort: entries of the same instant keep the order above.
  return entries.sort((a, b) => b.at.getTime() - a.at.getTime());
}
