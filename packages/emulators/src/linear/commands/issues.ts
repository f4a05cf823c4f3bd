import { isDeepStrictEqual } from 'node:util';
import { invalidInput, notFound, referenceNotFound } from '../errors.ts';
import type { IssueRecord, IssueRelationType, RelationRecord, WorkflowStateType } from '../model.ts';
import type { LinearState } from '../state.ts';
import { checkLabels, newId, requireIssue, requireIssueRef, requireTeamRef, requireText } from './common.ts';

/** Issue writes, shared by the GraphQL mutations and the emulator's page; each emits the Issue webhook event. */

export interface IssueCreateInput {
  id?: string | null;
  teamId: string;
  title?: string | null;
  description?: string | null;
  priority?: number | null;
  stateId?: string | null;
  labelIds?: string[] | null;
  assigneeId?: string | null;
  dueDate?: string | null;
  estimate?: number | null;
}

export interface IssueUpdateInput {
  title?: string | null;
  description?: string | null;
  priority?: number | null;
  stateId?: string | null;
  labelIds?: string[] | null;
  addedLabelIds?: string[] | null;
  removedLabelIds?: string[] | null;
  assigneeId?: string | null;
  dueDate?: string | null;
  estimate?: number | null;
}

/** The properties whose previous values an update webhook reports in `updatedFrom`. */
const TRACKED = [
  'title',
  'description',
  'priority',
  'stateId',
  'labelIds',
  'assigneeId',
  'dueDate',
  'estimate',
  'archivedAt',
  'trashed',
  'startedAt',
  'completedAt',
  'canceledAt',
  'startedTriageAt',
  'triagedAt',
] as const satisfies readonly (keyof IssueRecord)[];

function checkPriority(priority: number | null | undefined): number | undefined {
  if (priority === null || priority === undefined) return undefined;
  if (!Number.isInteger(priority) || priority < 0 || priority > 4)
    throw invalidInput('Argument Validation Error', 'priority must be an integer between 0 and 4.');
  return priority;
}

function checkAssignee(state: LinearState, assigneeId: string | null | undefined) {
  if (assigneeId && assigneeId !== state.viewer.id) throw referenceNotFound('assigneeId');
  return assigneeId;
}

function checkState(state: LinearState, teamId: string, stateId: string): string {
  const target = state.states.get(stateId);
  if (!target || target.teamId !== teamId) throw referenceNotFound('stateId');
  return stateId;
}

/** The lifecycle timestamps Linear keeps as an issue enters a state of this type. */
function enteringState(
  from: IssueRecord | undefined,
  type: WorkflowStateType,
  at: string,
): Partial<IssueRecord> {
  const wasTriage = from && from.startedTriageAt !== null && from.triagedAt === null;
  return {
    startedTriageAt: type === 'triage' ? at : (from?.startedTriageAt ?? null),
    triagedAt: type === 'triage' ? null : wasTriage ? at : (from?.triagedAt ?? null),
    startedAt:
      type === 'started'
        ? (from?.startedAt ?? at)
        : ['triage', 'backlog', 'unstarted'].includes(type)
          ? null
          : (from?.startedAt ?? null),
    completedAt: type === 'completed' ? at : null,
    canceledAt: type === 'canceled' || type === 'duplicate' ? at : null,
  };
}

export function createIssue(state: LinearState, input: IssueCreateInput): IssueRecord {
  const team = requireTeamRef(state, input.teamId);
  const id = newId(state.issues, 'Issue', input.id);
  const title = requireText(input.title, 'title');
  const priority = checkPriority(input.priority) ?? 0;
  const stateId = input.stateId ? checkState(state, team.id, input.stateId) : team.defaultStateId;
  const labelIds = checkLabels(state, team.id, input.labelIds ?? []);
  const assigneeId = checkAssignee(state, input.assigneeId) ?? null;
  const at = state.now();
  const number = state.nextIssueNumber(team.id);
  const issue: IssueRecord = {
    id,
    teamId: team.id,
    number,
    title,
    description: input.description ?? null,
    priority,
    stateId,
    labelIds,
    assigneeId,
    creatorId: state.viewer.id,
    dueDate: input.dueDate ?? null,
    estimate: input.estimate ?? null,
    sortOrder: -number * 1000,
    createdAt: at,
    updatedAt: at,
    archivedAt: null,
    trashed: false,
    startedAt: null,
    completedAt: null,
    canceledAt: null,
    startedTriageAt: null,
    triagedAt: null,
    ...enteringState(undefined, state.states.get(stateId)?.type ?? 'backlog', at),
  };
  state.issues.set(id, issue);
  state.bumpSync();
  state.emit({ type: 'Issue', action: 'create', entityId: id });
  return issue;
}

/**
 * Applies a change and, when something tracked changed, bumps `updatedAt` and emits the webhook event with the
 * previous values in `updatedFrom` (Linear's shape: `{ updatedAt, stateId, ... }`).
 */
function applyIssueChange(
  state: LinearState,
  issue: IssueRecord,
  patch: Partial<IssueRecord>,
  action: 'update' | 'remove' = 'update',
): IssueRecord {
  const before = { ...issue };
  const at = state.now();
  const next: Partial<IssueRecord> = { ...patch };
  if (patch.stateId !== undefined && patch.stateId !== issue.stateId) {
    Object.assign(next, enteringState(issue, state.states.get(patch.stateId)?.type ?? 'backlog', at));
  }
  Object.assign(issue, next);
  const updatedFrom: Record<string, unknown> = {};
  for (const key of TRACKED) {
    if (!isDeepStrictEqual(before[key], issue[key])) updatedFrom[key] = before[key];
  }
  if (Object.keys(updatedFrom).length === 0 && action === 'update') return issue;
  issue.updatedAt = at;
  state.bumpSync();
  state.emit({
    type: 'Issue',
    action,
    entityId: issue.id,
    updatedFrom: { updatedAt: before.updatedAt, ...updatedFrom },
  });
  return issue;
}

export function updateIssue(state: LinearState, id: string, input: IssueUpdateInput): IssueRecord {
  const issue = requireIssue(state, id);
  const patch: Partial<IssueRecord> = {};
  if (input.title !== undefined) patch.title = requireText(input.title, 'title');
  if (input.description !== undefined) patch.description = input.description;
  const priority = checkPriority(input.priority);
  if (priority !== undefined) patch.priority = priority;
  if (input.stateId) patch.stateId = checkState(state, issue.teamId, input.stateId);
  if (input.assigneeId !== undefined) patch.assigneeId = checkAssignee(state, input.assigneeId) ?? null;
  if (input.dueDate !== undefined) patch.dueDate = input.dueDate;
  if (input.estimate !== undefined) patch.estimate = input.estimate;
  let labelIds = input.labelIds ? checkLabels(state, issue.teamId, input.labelIds) : issue.labelIds;
  if (input.addedLabelIds)
    labelIds = [...labelIds, ...checkLabels(state, issue.teamId, input.addedLabelIds, 'addedLabelIds')];
  if (input.removedLabelIds) labelIds = labelIds.filter((l) => !input.removedLabelIds?.includes(l));
  if (input.labelIds || input.addedLabelIds || input.removedLabelIds) patch.labelIds = [...new Set(labelIds)];
  return applyIssueChange(state, issue, patch);
}

export function addIssueLabel(state: LinearState, id: string, labelId: string, add: boolean): IssueRecord {
  const issue = requireIssue(state, id);
  if (add)
    return applyIssueChange(state, issue, {
      labelIds: checkLabels(state, issue.teamId, [...issue.labelIds, labelId], 'labelId'),
    });
  return applyIssueChange(state, issue, { labelIds: issue.labelIds.filter((l) => l !== labelId) });
}

/** `issueArchive`: archived issues leave default lists; with `trash` it is a delete, announced as "remove". */
export function archiveIssue(state: LinearState, id: string, trash?: boolean | null): IssueRecord {
  const issue = requireIssue(state, id);
  return applyIssueChange(
    state,
    issue,
    { archivedAt: state.now(), trashed: Boolean(trash) },
    trash ? 'remove' : 'update',
  );
}

export function unarchiveIssue(state: LinearState, id: string): IssueRecord {
  const issue = requireIssue(state, id);
  return applyIssueChange(state, issue, { archivedAt: null, trashed: false });
}

/**
 * `issueDelete` moves the issue to the trash (archived + trashed), as Linear does; `permanentlyDelete` removes
 * it and everything hanging off it. Either way webhooks get `action: "remove"`.
 */
export function deleteIssue(state: LinearState, id: string, permanently?: boolean | null): IssueRecord {
  const issue = requireIssue(state, id);
  if (!permanently)
    return applyIssueChange(state, issue, { archivedAt: state.now(), trashed: true }, 'remove');
  state.bumpSync();
  state.emit({ type: 'Issue', action: 'remove', entityId: issue.id });
  state.issues.delete(issue.id);
  for (const map of [state.attachments, state.comments, state.needs] as const) {
    for (const [key, value] of map) if (value.issueId === issue.id) map.delete(key);
  }
  for (const [key, r] of state.relations)
    if (r.issueId === issue.id || r.relatedIssueId === issue.id) state.relations.delete(key);
  return issue;
}

export interface IssueRelationCreateInput {
  id?: string | null;
  issueId: string;
  relatedIssueId: string;
  type: IssueRelationType;
}

/**
 * `issueRelationCreate`. Marking A a duplicate of B moves A to its team's "marked as duplicate" state (a state of
 * type duplicate), as Linear does, which fires A's update webhook with `updatedFrom.stateId`.
 */
export function createRelation(state: LinearState, input: IssueRelationCreateInput): RelationRecord {
  const issue = requireIssueRef(state, input.issueId);
  const related = requireIssueRef(state, input.relatedIssueId, 'relatedIssueId');
  if (issue.id === related.id)
    throw invalidInput('Argument Validation Error', 'An issue cannot be related to itself.');
  const existing = [...state.relations.values()].find(
    (r) => r.issueId === issue.id && r.relatedIssueId === related.id && r.type === input.type,
  );
  if (existing) return existing;
  const at = state.now();
  const relation: RelationRecord = {
    id: newId(state.relations, 'IssueRelation', input.id),
    type: input.type,
    issueId: issue.id,
    relatedIssueId: related.id,
    createdAt: at,
    updatedAt: at,
  };
  state.relations.set(relation.id, relation);
  state.bumpSync();
  if (input.type === 'duplicate') {
    const team = state.teams.get(issue.teamId);
    const target =
      team?.duplicateStateId ?? state.teamStates(issue.teamId).find((s) => s.type === 'canceled')?.id;
    if (target) applyIssueChange(state, issue, { stateId: target });
  }
  return relation;
}

/**
 * `issueRelationDelete`: the relation goes, the issue stays where it is. Unmarking a duplicate does not move it out
 * of the duplicate state in Linear; whoever reopens it sets its state.
 */
export function deleteRelation(state: LinearState, id: string): RelationRecord {
  const relation = state.relations.get(id);
  if (!relation) throw notFound('IssueRelation');
  state.relations.delete(id);
  state.bumpSync();
  return relation;
}
