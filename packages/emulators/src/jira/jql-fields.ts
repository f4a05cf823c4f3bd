import { zonedTimeToEpoch } from './time-zone.ts';

/** The JQL fields and operators the emulator knows, and how it reads dates. */

export type JqlField =
  | 'project'
  | 'key'
  | 'id'
  | 'labels'
  | 'status'
  | 'statusCategory'
  | 'issuetype'
  | 'resolution'
  | 'updated'
  | 'created';

export type JqlOperator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'not in' | 'is' | 'is not';

export const FIELDS: Record<string, JqlField> = {
  project: 'project',
  key: 'key',
  issuekey: 'key',
  id: 'id',
  labels: 'labels',
  status: 'status',
  statuscategory: 'statusCategory',
  issuetype: 'issuetype',
  type: 'issuetype',
  resolution: 'resolution',
  updated: 'updated',
  updateddate: 'updated',
  created: 'created',
  createddate: 'created',
};

/** Real JQL fields the emulator does not search on: say so rather than pretend they do not exist. */
export const UNSUPPORTED = new Set([
  'summary',
  'description',
  'text',
  'comment',
  'assignee',
  'reporter',
  'creator',
  'priority',
  'resolutiondate',
  'duedate',
  'component',
  'fixversion',
  'sprint',
  'parent',
  'watcher',
  'environment',
]);

const EQUALITY: JqlOperator[] = ['=', '!=', 'in', 'not in'];
export const OPERATORS: Record<JqlField, JqlOperator[]> = {
  project: EQUALITY,
  key: EQUALITY,
  id: EQUALITY,
  labels: [...EQUALITY, 'is', 'is not'],
  status: EQUALITY,
  statusCategory: EQUALITY,
  issuetype: EQUALITY,
  resolution: [...EQUALITY, 'is', 'is not'],
  updated: ['=', '!=', '>', '>=', '<', '<='],
  created: ['=', '!=', '>', '>=', '<', '<='],
};

export const DATE_FORMATS =
  "Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.";
const PERIOD_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000 };

/**
 * Jira reads a date literal in the searching user's profile time zone
 * (https://support.atlassian.com/jira-software-cloud/docs/jql-fields/#Updated): `"2026-11-28 10:00"` from a user in
 * New York is 15:00 UTC. A date that does not exist (`2026-13-45`, `2026-02-30`, `25:00`) is invalid, not rolled
 * over. Periods (`-5d`) count from `now`; epoch milliseconds are accepted too.
 */
export function parseJqlDate(text: string, now: number, timeZone: string): number | undefined {
  const value = text.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const absolute = /^(\d{4})[-/](\d{2})[-/](\d{2})(?: (\d{2}):(\d{2}))?$/.exec(value);
  if (absolute) {
    const [, y = '', mo = '', d = '', h = '00', mi = '00'] = absolute;
    const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi));
    // Date.UTC rolls 2026-13-45 over into 2027; a date that does not exist does not come back unchanged.
    const exists =
      !Number.isNaN(wall) && new Date(wall).toISOString().startsWith(`${y}-${mo}-${d}T${h}:${mi}`);
    return exists ? zonedTimeToEpoch(timeZone, wall) : undefined;
  }
  const period = /^([+-])?\s*((?:\d+\s*[wdhm]\s*)+)$/.exec(value);
  if (period) {
    let offset = 0;
    for (const [, n, unit] of (period[2] ?? '').matchAll(/(\d+)\s*([wdhm])/g)) {
      offset += Number(n) * (PERIOD_MS[unit ?? 'm'] ?? 0);
    }
    return period[1] === '-' ? now - offset : now + offset;
  }
  return undefined;
}
