import { LinearClient } from '@linear/sdk';
import { type LinearEmulator, startLinearEmulator } from '@suggested-sync/emulators';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.ts';
import { needIdFor } from '../../src/connectors/linear/map.ts';
import { createLinearTracker, type LinearTracker } from '../../src/connectors/linear/tracker.ts';
import type { CreateIssueInput, CustomerRequest, TrackerIssueRef } from '../../src/connectors/tracker.ts';
import type { FeatureDemand } from '../../src/domain/tracker.ts';

/**
 * The Linear tracker closing an issue as a duplicate of another, reopening it, and moving customer requests between
 * issues, over the real @linear/sdk against the Linear emulator.
 */

const API_KEY = 'lin_api_sandbox';
const SITE = 'sandbox';
const TARGET = { kind: 'linear', workspace: SITE, team: 'SBX' } as const;

let emulator: LinearEmulator;
let tracker: LinearTracker;
let po: LinearClient;

beforeEach(async () => {
  emulator = await startLinearEmulator({ port: 0 });
  tracker = createLinearTracker({ site: SITE, apiKey: API_KEY, apiUrl: emulator.apiUrl });
  po = new LinearClient({ apiKey: API_KEY, apiUrl: emulator.apiUrl });
});
afterEach(async () => {
  await emulator.close();
});

const demand = (featureId: string, title: string): FeatureDemand => ({
  featureId,
  title,
  status: 'under_review',
  score: 10,
  requestCount: 2,
  requesterCount: 2,
  companyCount: 0,
  totalRevenue: 0,
  tiers: [],
  companies: [],
  quotes: [],
  featureUrl: `https://suggested.example/v1/features/${featureId}`,
});
const input = (featureId: string, title: string): CreateIssueInput => ({
  target: TARGET,
  featureId,
  idempotencyKey: `${featureId}:linear:SBX`,
  title,
  demand: demand(featureId, title),
  labels: [],
});

const calls = async () =>
  ((await (await fetch(`${emulator.url}/_emulator/calls`)).json()) as { calls: Array<{ operation: string }> })
    .calls;
async function operationsDuring(work: () => Promise<unknown>): Promise<string[]> {
  const before = (await calls()).length;
  await work();
  return (await calls()).slice(before).map((c) => c.operation);
}
async function rejection(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    return error as ConnectorError;
  }
  throw new Error('expected a ConnectorError');
}
const teamId = () => emulator.state.findTeam('SBX')?.id ?? '';
const stateNamed = (name: string) => emulator.state.teamStates(teamId()).find((s) => s.name === name);
async function stateOf(ref: TrackerIssueRef) {
  return (await (await po.issue(ref.issueId)).state)?.name;
}
async function relationsOf(ref: TrackerIssueRef) {
  const relations = (await (await po.issue(ref.issueId)).relations()).nodes;
  return Promise.all(relations.map(async (r) => [r.type, (await r.relatedIssue)?.id]));
}
/** Only canceled states named "Canceled": a team with no state for duplicates. */
function removeDuplicateStates() {
  const team = emulator.state.findTeam('SBX');
  if (team) team.duplicateStateId = null;
  const duplicate = stateNamed('Duplicate');
  if (duplicate) emulator.state.states.delete(duplicate.id);
}

async function pair() {
  const survivor = (await tracker.createIssue(input('f-b', 'Dark mode'))).ref;
  const duplicate = (await tracker.createIssue(input('f-a', 'Night theme'))).ref;
  const target = {
    survivor,
    survivorTitle: 'Dark mode',
    featureUrl: 'https://suggested.example/v1/features/f-b',
  };
  return { survivor, duplicate, target };
}

describe('closeAsDuplicate', () => {
  it('relates, moves to Duplicate and leaves a note where the demand went, in one read and one write; a repeat only reads', async () => {
    const { survivor, duplicate, target } = await pair();
    await po.updateIssue(duplicate.issueId, {
      stateId: stateNamed('In Progress')?.id ?? '',
      description: `Notes by the product owner.\n\n${(await po.issue(duplicate.issueId)).description}`,
    });

    const ops = await operationsDuring(async () => {
      expect(await tracker.closeAsDuplicate(duplicate, target)).toEqual({ statusBefore: 'In Progress' });
    });
    expect(ops).toEqual(['issueForDuplicate', 'closeAsDuplicate']);
    expect(await stateOf(duplicate)).toBe('Duplicate');
    expect(await relationsOf(duplicate)).toEqual([['duplicate', survivor.issueId]]);
    const description = (await po.issue(duplicate.issueId)).description ?? '';
    expect(description).toMatch(/^Notes by the product owner\./);
    expect(description).toContain(`counted on [${survivor.issueKey}](${survivor.url}) (Dark mode)`);
    expect(description).toContain('(https://suggested.example/v1/features/f-b)');
    expect(description).not.toContain('2 requests');

    const again = await operationsDuring(() => tracker.closeAsDuplicate(duplicate, target));
    expect(again).toEqual(['issueForDuplicate']);
    expect(await relationsOf(duplicate)).toHaveLength(1);
  });

  it('a team without a duplicate state uses a canceled state named Duplicate; with neither it refuses, changing nothing', async () => {
    const { duplicate, target } = await pair();
    removeDuplicateStates();
    const refused = await rejection(tracker.closeAsDuplicate(duplicate, target));
    expect(refused.kind).toBe('invalid_input');
    expect(refused.message).toContain('closing SBX-2 as a duplicate: team SBX has no duplicate state');
    expect(await stateOf(duplicate)).toBe('Triage');
    expect(await relationsOf(duplicate)).toEqual([]);

    const canceled = stateNamed('Canceled');
    if (canceled)
      emulator.state.states.set('closed-dup', {
        ...canceled,
        id: 'closed-dup',
        name: 'Duplicated',
        position: 99,
      });
    const ops = await operationsDuring(async () => {
      expect(await tracker.closeAsDuplicate(duplicate, target)).toEqual({ statusBefore: 'Triage' });
    });
    // Linear put it in the first canceled state; ours is the one named for duplicates, set by a second write.
    expect(ops).toEqual(['issueForDuplicate', 'closeAsDuplicate', 'closeAsDuplicateState']);
    expect(await stateOf(duplicate)).toBe('Duplicated');

    // Reopened by hand with the relation kept: closing again sets the state, in the one write.
    await po.updateIssue(duplicate.issueId, { stateId: stateNamed('Todo')?.id ?? '' });
    const again = await operationsDuring(() => tracker.closeAsDuplicate(duplicate, target));
    expect(again).toEqual(['issueForDuplicate', 'closeAsDuplicate']);
    expect(await stateOf(duplicate)).toBe('Duplicated');
  });
});

describe('reopenDuplicate', () => {
  it('deletes our relation and restores the status it had, in one read and one write; a repeat only reads', async () => {
    const { survivor, duplicate, target } = await pair();
    await po.updateIssue(duplicate.issueId, { stateId: stateNamed('In Progress')?.id ?? '' });
    const { statusBefore } = await tracker.closeAsDuplicate(duplicate, target);

    const ops = await operationsDuring(() => tracker.reopenDuplicate(duplicate, { survivor, statusBefore }));
    expect(ops).toEqual(['issueForDuplicate', 'reopenDuplicate']);
    expect(await stateOf(duplicate)).toBe('In Progress');
    expect(await relationsOf(duplicate)).toEqual([]);

    const again = await operationsDuring(() =>
      tracker.reopenDuplicate(duplicate, { survivor, statusBefore }),
    );
    expect(again).toEqual(['issueForDuplicate']);
    expect(await stateOf(duplicate)).toBe('In Progress');
  });

  it('a status that is gone (or unknown) reopens in the first backlog state; a state the product owner chose since stays', async () => {
    const { survivor, duplicate, target } = await pair();
    await tracker.closeAsDuplicate(duplicate, target);
    await tracker.reopenDuplicate(duplicate, { survivor, statusBefore: 'Waiting for design' });
    expect(await stateOf(duplicate)).toBe('Backlog');

    await tracker.closeAsDuplicate(duplicate, target);
    await po.updateIssue(duplicate.issueId, { stateId: stateNamed('Done')?.id ?? '' });
    await tracker.reopenDuplicate(duplicate, { survivor, statusBefore: null });
    expect(await stateOf(duplicate)).toBe('Done');
    expect(await relationsOf(duplicate)).toEqual([]);
  });

  it('with no state to go back to it refuses, naming the step, and keeps the relation', async () => {
    const { survivor, duplicate, target } = await pair();
    await tracker.closeAsDuplicate(duplicate, target);
    for (const s of emulator.state.teamStates(teamId()))
      if (s.type === 'backlog' || s.type === 'unstarted') emulator.state.states.delete(s.id);
    const refused = await rejection(tracker.reopenDuplicate(duplicate, { survivor, statusBefore: 'Todo' }));
    expect(refused.kind).toBe('invalid_input');
    expect(refused.message).toContain('reopening SBX-2: team SBX has no state named "Todo", nor a backlog');
    expect(await relationsOf(duplicate)).toHaveLength(1);
  });
});

describe('moveCustomerRequests and eraseCustomerRequests after a move', () => {
  const requests: CustomerRequest[] = ['r1', 'r2', 'r3'].map((id) => ({
    requestId: id,
    text: `Request ${id}`,
    url: `https://crm.example/tickets/${id}`,
    company: null,
  }));

  it('moves the needs (same ids, attachments too) in one read and one write; a repeat only reads; deleted ones are skipped', async () => {
    const { survivor, duplicate } = await pair();
    await tracker.addCustomerRequests(duplicate, requests);
    const carried = requests.map((r) => ({ requestId: r.requestId, createdOnIssueId: duplicate.issueId }));
    await po.deleteCustomerNeed(needIdFor(duplicate.issueId, 'r3'));

    const ops = await operationsDuring(() => tracker.moveCustomerRequests(carried, survivor));
    expect(ops).toEqual(['needsOnIssues', 'moveCustomerRequests']);
    const onSurvivor = (await (await po.issue(survivor.issueId)).needs()).nodes;
    expect(onSurvivor.map((n) => n.id).sort()).toEqual(
      ['r1', 'r2'].map((r) => needIdFor(duplicate.issueId, r)).sort(),
    );
    expect((await (await po.issue(duplicate.issueId)).needs()).nodes).toEqual([]);
    const urls = (await (await po.issue(survivor.issueId)).attachments()).nodes.map((a) => a.url);
    expect(urls).toContain('https://crm.example/tickets/r1');

    expect(await operationsDuring(() => tracker.moveCustomerRequests(carried, survivor))).toEqual([
      'needsOnIssues',
    ]);

    // Erased where it is now, by the id it was created with.
    await tracker.eraseCustomerRequests(survivor, carried.slice(0, 1));
    const erased = await po.customerNeed({ id: needIdFor(duplicate.issueId, 'r1') });
    expect(erased.body ?? null).toBeNull();

    await tracker.moveCustomerRequests(carried, undefined);
    expect((await (await po.issue(survivor.issueId)).needs()).nodes).toEqual([]);
  });
});
