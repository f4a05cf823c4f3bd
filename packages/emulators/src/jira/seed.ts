/**
 * The sandbox site as data: one project, its issue types, statuses in Jira's three categories, a workflow where every
 * status can be reached from every other (global transitions, as in a team-managed project), resolutions, the default
 * issue link types and the one user every credential acts as. Ids follow a fresh Jira Cloud site where they are known.
 */

export interface StatusCategory {
  id: number;
  key: 'new' | 'indeterminate' | 'done';
  colorName: string;
  name: string;
}

/** Jira's fixed categories (ids 2, 4, 3 on every Cloud site). */
export const STATUS_CATEGORIES: Record<StatusCategory['key'], StatusCategory> = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
};

export interface StatusDef {
  id: string;
  name: string;
  description: string;
  category: StatusCategory['key'];
  /** The resolution a transition into this status sets (done statuses only). */
  resolutionId?: string;
}

export const STATUSES: readonly StatusDef[] = [
  { id: '10000', name: 'To Do', description: '', category: 'new' },
  {
    id: '3',
    name: 'In Progress',
    description: 'This issue is being actively worked on.',
    category: 'indeterminate',
  },
  { id: '10001', name: 'Done', description: '', category: 'done', resolutionId: '10000' },
  {
    id: '10002',
    name: "Won't Do",
    description: 'This issue will not be worked on.',
    category: 'done',
    resolutionId: '10001',
  },
];

export const INITIAL_STATUS_ID = '10000';

export interface TransitionDef {
  id: string;
  name: string;
  toStatusId: string;
  /**
   * The transition shows a screen with the Resolution field: a client may set `fields.resolution` (else the target
   * status's resolution is set, as a post function would). Without it, setting the resolution is refused.
   */
  resolutionScreen?: boolean;
}

/** One global transition into each status; Done asks for a resolution, Won't Do sets its own. */
export const TRANSITIONS: readonly TransitionDef[] = [
  { id: '11', name: 'To Do', toStatusId: '10000' },
  { id: '21', name: 'In Progress', toStatusId: '3' },
  { id: '31', name: 'Done', toStatusId: '10001', resolutionScreen: true },
  { id: '41', name: "Won't Do", toStatusId: '10002' },
];

export interface ResolutionDef {
  id: string;
  name: string;
  description: string;
}

export const RESOLUTIONS: readonly ResolutionDef[] = [
  { id: '10000', name: 'Done', description: 'Work has been completed on this issue.' },
  { id: '10001', name: "Won't Do", description: "This issue won't be actioned." },
  { id: '10002', name: 'Duplicate', description: 'The problem is a duplicate of an existing issue.' },
];

export interface IssueTypeDef {
  id: string;
  name: string;
  description: string;
  avatarId: number;
}

export const ISSUE_TYPES: readonly IssueTypeDef[] = [
  { id: '10001', name: 'Task', description: 'A small, distinct piece of work.', avatarId: 10318 },
  { id: '10002', name: 'Story', description: 'A user-facing piece of functionality.', avatarId: 10315 },
  { id: '10003', name: 'Bug', description: 'A problem or error.', avatarId: 10303 },
];

export interface ProjectDef {
  id: string;
  key: string;
  name: string;
}

export const PROJECTS: readonly ProjectDef[] = [{ id: '10000', key: 'SBX', name: 'Sandbox' }];

export interface LinkTypeDef {
  id: string;
  name: string;
  inward: string;
  outward: string;
}

/** The link types a new Cloud site has. */
export const LINK_TYPES: readonly LinkTypeDef[] = [
  { id: '10000', name: 'Blocks', inward: 'is blocked by', outward: 'blocks' },
  { id: '10001', name: 'Cloners', inward: 'is cloned by', outward: 'clones' },
  { id: '10002', name: 'Duplicate', inward: 'is duplicated by', outward: 'duplicates' },
  { id: '10003', name: 'Relates', inward: 'relates to', outward: 'relates to' },
];

export const PRIORITY = { id: '3', name: 'Medium' };

/**
 * Not in UTC on purpose: Jira reads JQL date literals in the user's profile zone, so a service that formats them in
 * UTC gets the wrong issues, here as against a real site.
 */
export const SANDBOX_USER = {
  accountId: '712020:5b10ac8d82e05b22cc7d4ef5',
  displayName: 'Sandbox Product Owner',
  timeZone: 'America/New_York',
  locale: 'en_US',
};

export function statusById(id: string): StatusDef {
  const status = STATUSES.find((s) => s.id === id);
  if (!status) throw new Error(`no status ${id}`);
  return status;
}
