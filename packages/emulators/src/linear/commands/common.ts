import { randomUUID } from 'node:crypto';
import { conflict, invalidInput, notFound, referenceNotFound } from '../errors.ts';
import type { IssueRecord, TeamRecord } from '../model.ts';
import type { LinearState } from '../state.ts';

/** A UUID of any version: what Linear accepts as a client-supplied id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The id of a new entity: the client's when given (Linear keeps a client-supplied UUID, which is what makes a
 * retried create idempotent), else a fresh one. A taken id is Linear's insert conflict.
 */
export function newId(existing: ReadonlyMap<string, unknown>, entity: string, id: string | null | undefined) {
  if (id === null || id === undefined) return randomUUID();
  if (!UUID.test(id)) throw invalidInput('Argument Validation Error', 'id must be a UUID.');
  if (existing.has(id)) throw conflict(entity, id);
  return id;
}

/** An issue named by a root argument (`issue(id:)`, `issueUpdate(id:)`): UUID or identifier. */
export function requireIssue(state: LinearState, id: string): IssueRecord {
  const issue = state.findIssue(id);
  if (!issue) throw notFound('Issue');
  return issue;
}

/** An issue named by an input field (`issueId`). */
export function requireIssueRef(state: LinearState, id: string | null | undefined, field = 'issueId') {
  const issue = id ? state.findIssue(id) : undefined;
  if (!issue) throw referenceNotFound(field);
  return issue;
}

export function requireTeamRef(
  state: LinearState,
  id: string | null | undefined,
  field = 'teamId',
): TeamRecord {
  const team = id ? state.findTeam(id) : undefined;
  if (!team) throw referenceNotFound(field);
  return team;
}

/** Labels must exist and belong to the issue's team or to the whole workspace. */
export function checkLabels(
  state: LinearState,
  teamId: string,
  labelIds: readonly string[],
  field = 'labelIds',
) {
  for (const id of labelIds) {
    const label = state.labels.get(id);
    if (!label || (label.teamId !== null && label.teamId !== teamId)) throw referenceNotFound(field);
  }
  return [...new Set(labelIds)];
}

export function requireText(value: string | null | undefined, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidInput('Argument Validation Error', `${field} should not be empty.`);
  }
  return value;
}

/** Copies only the properties a caller set (GraphQL inputs omit what was not sent). */
export function defined<T extends object>(input: T): Partial<T> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;
}
