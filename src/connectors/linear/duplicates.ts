import { replaceDemandMarkdown } from '../../rules/demand.ts';
import { duplicateNoteMarkdown } from '../../rules/demand-markdown.ts';
import { nameKey } from '../../rules/status-map.ts';
import { ConnectorError } from '../errors.ts';
import type { DuplicateTarget, TrackerIssueRef } from '../tracker.ts';
import type { StateNode } from './documents.ts';
import type { LinearContext } from './issue-writes.ts';
import { request } from './workspace.ts';

/**
 * A merge in Suggested Sync as a duplicate in Linear, and its undoing. Closing is a `duplicate` relation from the
 * issue to the survivor's issue (Linear then moves the issue to its team's duplicate state itself; we set that state
 * when it did not, a second write) and our demand section rewritten to say where the demand is counted now.
 * Reopening deletes that relation and moves the issue back. Each is one read and one write: the mutations of a step go
 * in one GraphQL document, whose fields run in order. https://linear.app/docs/issue-relations
 */

const ISSUE_FOR_DUPLICATE = /* GraphQL */ `
  query issueForDuplicate($id: String!) {
    issue(id: $id) {
      id identifier description trashed
      state { id name type }
      team { id key states(first: 100) { nodes { id name type position } } }
      relations(first: 100) { nodes { id type relatedIssue { id } } }
    }
  }`;
interface IssueForDuplicate {
  issue: {
    id: string;
    identifier: string;
    description: string | null;
    trashed: boolean | null;
    state: { id: string; name: string; type: string };
    team: { id: string; key: string; states: { nodes: StateNode[] } };
    relations: { nodes: Array<{ id: string; type: string; relatedIssue: { id: string } | null }> };
  };
}
type Issue = IssueForDuplicate['issue'];

async function readIssue(ctx: LinearContext, ref: TrackerIssueRef): Promise<Issue> {
  const { issue } = await request<IssueForDuplicate>(ctx.client, ISSUE_FOR_DUPLICATE, { id: ref.issueId });
  if (issue.trashed) throw new ConnectorError('not_found', 'linear', `issue ${ref.issueKey} was deleted`);
  return issue;
}

const byPosition = (states: readonly StateNode[]) => [...states].sort((a, b) => a.position - b.position);

/** The team's state for duplicates: one of type `duplicate`, else a canceled one named like "Duplicate". */
export function duplicateState(states: readonly StateNode[]): StateNode | undefined {
  const sorted = byPosition(states);
  return (
    sorted.find((s) => s.type === 'duplicate') ??
    sorted.find((s) => s.type === 'canceled' && /duplicate/i.test(s.name))
  );
}

/**
 * Where a reopened duplicate goes: the state named `statusBefore` (unless that is the duplicate state itself),
 * else the team's first backlog or unstarted state.
 */
export function reopenState(
  states: readonly StateNode[],
  statusBefore: string | null,
): StateNode | undefined {
  const closed = duplicateState(states);
  const named =
    statusBefore === null
      ? undefined
      : states.find(
          (s) => nameKey(s.name) === nameKey(statusBefore) && s.type !== 'duplicate' && s.id !== closed?.id,
        );
  return named ?? byPosition(states).find((s) => s.type === 'backlog' || s.type === 'unstarted');
}

/** Our relations: this issue a duplicate of the survivor's. */
const oursTo = (issue: Issue, survivorId: string) =>
  issue.relations.nodes.filter((r) => r.type === 'duplicate' && r.relatedIssue?.id === survivorId);

interface Field {
  text: string;
  params: Record<string, [type: string, value: unknown]>;
}

/** One document of mutation fields (aliased m0, m1, …), run in order; nothing is sent for none. */
async function mutate(
  ctx: LinearContext,
  name: string,
  fields: readonly Field[],
): Promise<Record<string, unknown>> {
  if (fields.length === 0) return {};
  const params: string[] = [];
  const variables: Record<string, unknown> = {};
  const body = fields.map((f, i) => {
    let text = f.text;
    for (const [param, [type, value]] of Object.entries(f.params)) {
      const variable = `${param}${i}`;
      params.push(`$${variable}: ${type}`);
      variables[variable] = value;
      text = text.replaceAll(`$${param}`, `$${variable}`);
    }
    return `  m${i}: ${text}`;
  });
  const query = `mutation ${name}(${params.join(', ')}) {\n${body.join('\n')}\n}`;
  return request<Record<string, unknown>>(ctx.client, query, variables);
}

const issueUpdate = (id: string, input: Record<string, unknown>): Field => ({
  text: 'issueUpdate(id: $id, input: $input) { success }',
  params: { id: ['String!', id], input: ['IssueUpdateInput!', input] },
});

type RelationCreated = { issueRelation: { issue: { state: { id: string; type: string } } } };

export async function closeAsDuplicate(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  target: DuplicateTarget,
): Promise<{ statusBefore: string }> {
  const issue = await readIssue(ctx, ref);
  const states = issue.team.states.nodes;
  const closed = duplicateState(states);
  if (!closed) {
    const message = `closing ${issue.identifier} as a duplicate: team ${issue.team.key} has no duplicate state (a state of type duplicate, or a canceled state named "Duplicate")`;
    throw new ConnectorError('invalid_input', 'linear', message);
  }
  const related = oursTo(issue, target.survivor.issueId).length > 0;
  const isClosed = issue.state.id === closed.id || issue.state.type === 'duplicate';
  // Closed already by an attempt whose answer we lost: what it was before is gone, so say where reopening goes.
  const statusBefore =
    related && isClosed ? (reopenState(states, null)?.name ?? issue.state.name) : issue.state.name;
  const section = duplicateNoteMarkdown({
    survivorKey: target.survivor.issueKey,
    survivorUrl: target.survivor.url,
    survivorTitle: target.survivorTitle,
    featureUrl: target.featureUrl,
  });
  const description = replaceDemandMarkdown(issue.description ?? '', section);
  const changed = description !== (issue.description ?? '') ? { description } : {};
  const fields: Field[] = [];
  if (!related) {
    const relation = { issueId: issue.id, relatedIssueId: target.survivor.issueId, type: 'duplicate' };
    fields.push({
      text: 'issueRelationCreate(input: $relation) { success issueRelation { issue { state { id type } } } }',
      params: { relation: ['IssueRelationCreateInput!', relation] },
    });
  }
  // Related already but not closed (an attempt cut short, or reopened by hand since): the state is ours to set.
  const update = related && !isClosed ? { ...changed, stateId: closed.id } : changed;
  if (Object.keys(update).length > 0) fields.push(issueUpdate(issue.id, update));
  const data = await mutate(ctx, 'closeAsDuplicate', fields);
  // Linear moves a new duplicate to its team's duplicate state itself; where it did not, we do.
  const after = related ? undefined : (data['m0'] as RelationCreated | undefined)?.issueRelation.issue.state;
  if (after && after.id !== closed.id && after.type !== 'duplicate') {
    await mutate(ctx, 'closeAsDuplicateState', [issueUpdate(issue.id, { stateId: closed.id })]);
  }
  return { statusBefore };
}

export async function reopenDuplicate(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  { survivor, statusBefore }: { survivor: TrackerIssueRef; statusBefore: string | null },
): Promise<void> {
  const issue = await readIssue(ctx, ref);
  const states = issue.team.states.nodes;
  const closed = duplicateState(states);
  // Still where closing put it: it goes back. Moved on by the product owner since: their state stays.
  const isClosed = issue.state.id === closed?.id || issue.state.type === 'duplicate';
  const back = isClosed ? reopenState(states, statusBefore) : undefined;
  if (isClosed && !back) {
    const wanted = statusBefore === null ? '' : ` named "${statusBefore}", nor`;
    const message = `reopening ${issue.identifier}: team ${issue.team.key} has no state${wanted} a backlog or unstarted state to move it to`;
    throw new ConnectorError('invalid_input', 'linear', message);
  }
  const fields: Field[] = oursTo(issue, survivor.issueId).map((r) => ({
    text: 'issueRelationDelete(id: $id) { success }',
    params: { id: ['String!', r.id] },
  }));
  if (back) fields.push(issueUpdate(issue.id, { stateId: back.id }));
  await mutate(ctx, 'reopenDuplicate', fields);
}
