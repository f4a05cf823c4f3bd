import { LinearClient, type LinearDocument } from '@linear/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LinearEmulator, startLinearEmulator } from './server.ts';

/**
 * Undoing a duplicate and moving customer needs, as Linear does them, through the real @linear/sdk:
 * `issueRelationDelete`, `customerNeedUpdate(input: { issueId })` and `customerNeedDelete`.
 */

const API_KEY = 'lin_api_sandbox';
let emulator: LinearEmulator;
let client: LinearClient;

beforeEach(async () => {
  emulator = await startLinearEmulator({ port: 0 });
  client = new LinearClient({ apiKey: API_KEY, apiUrl: emulator.apiUrl });
});
afterEach(async () => {
  await emulator.close();
});

async function newIssue(title: string): Promise<string> {
  const team = (await client.teams()).nodes.find((t) => t.key === 'SBX');
  const created = await client.createIssue({ teamId: team?.id ?? '', title });
  return (await created.issue)?.id ?? '';
}
const needsOf = async (issueId: string) => (await (await client.issue(issueId)).needs()).nodes;
const attachmentsOf = async (issueId: string) =>
  (await (await client.issue(issueId)).attachments()).nodes.map((a) => a.url);

describe('issueRelationDelete', () => {
  it('removes the duplicate relation and leaves the issue in its state; an unknown id is not found', async () => {
    const original = await newIssue('Dark mode');
    const copy = await newIssue('Night theme');
    const made = await client.createIssueRelation({
      issueId: copy,
      relatedIssueId: original,
      type: 'duplicate' as LinearDocument.IssueRelationType,
    });
    const relationId = (await made.issueRelation)?.id ?? '';
    expect((await (await client.issue(copy)).relations()).nodes).toHaveLength(1);

    const deleted = await client.deleteIssueRelation(relationId);
    expect(deleted).toMatchObject({ success: true, entityId: relationId });
    const issue = await client.issue(copy);
    expect((await issue.relations()).nodes).toEqual([]);
    expect((await (await client.issue(original)).inverseRelations()).nodes).toEqual([]);
    // Linear does not move an unmarked duplicate back: whoever reopens it sets its state.
    expect((await issue.state)?.type).toBe('duplicate');
    await expect(client.deleteIssueRelation(relationId)).rejects.toThrow(/not found/i);
  });
});

describe('customerNeedUpdate with issueId, and customerNeedDelete', () => {
  it('moves a need (same id) with its attachment to another issue, by id or identifier; a repeat is a no-op', async () => {
    const from = await newIssue('Dark mode');
    const to = await newIssue('Night theme');
    const need = await client.createCustomerNeed({
      issueId: from,
      body: 'Please',
      attachmentUrl: 'https://crm.example/tickets/1',
    });
    const needId = (await need.need)?.id ?? '';
    expect(await attachmentsOf(from)).toEqual(['https://crm.example/tickets/1']);

    await client.updateCustomerNeed(needId, { issueId: to });
    expect(await needsOf(from)).toEqual([]);
    const moved = await needsOf(to);
    expect(moved.map((n) => [n.id, n.body])).toEqual([[needId, 'Please']]);
    expect(await attachmentsOf(from)).toEqual([]);
    expect(await attachmentsOf(to)).toEqual(['https://crm.example/tickets/1']);
    expect((await moved[0]?.attachment)?.url).toBe('https://crm.example/tickets/1');

    await client.updateCustomerNeed(needId, { issueId: to });
    expect((await needsOf(to)).map((n) => n.id)).toEqual([needId]);

    const identifier = (await client.issue(from)).identifier;
    await client.updateCustomerNeed(needId, { issueId: identifier });
    expect((await needsOf(from)).map((n) => n.id)).toEqual([needId]);
    await expect(client.updateCustomerNeed(needId, { issueId: 'SBX-999' })).rejects.toThrow();
  });

  it('an attachment another need keeps using stays; one of the same URL on the target is reused', async () => {
    const from = await newIssue('Dark mode');
    const to = await newIssue('Night theme');
    const url = 'https://crm.example/tickets/7';
    const first = (await (await client.createCustomerNeed({ issueId: from, attachmentUrl: url })).need)?.id;
    const second = (await (await client.createCustomerNeed({ issueId: from, attachmentUrl: url })).need)?.id;
    await client.createAttachment({ issueId: to, url, title: 'Ticket 7' });

    await client.updateCustomerNeed(first ?? '', { issueId: to });
    expect(await attachmentsOf(from)).toEqual([url]);
    expect(await attachmentsOf(to)).toEqual([url]);
    await client.updateCustomerNeed(second ?? '', { issueId: to });
    expect(await attachmentsOf(from)).toEqual([]);
    expect(await attachmentsOf(to)).toEqual([url]);
    expect((await needsOf(to)).map((n) => n.id).sort()).toEqual([first, second].sort());
  });

  it('customerNeedDelete removes the need and its attachment unless kept; an unknown need is not found', async () => {
    const issue = await newIssue('Dark mode');
    const one = await client.createCustomerNeed({ issueId: issue, attachmentUrl: 'https://crm.example/1' });
    const two = await client.createCustomerNeed({ issueId: issue, attachmentUrl: 'https://crm.example/2' });
    const oneId = (await one.need)?.id ?? '';
    const twoId = (await two.need)?.id ?? '';

    expect(await client.deleteCustomerNeed(oneId)).toMatchObject({ success: true, entityId: oneId });
    await client.deleteCustomerNeed(twoId, { keepAttachment: true });
    expect(await needsOf(issue)).toEqual([]);
    expect(await attachmentsOf(issue)).toEqual(['https://crm.example/2']);
    await expect(client.deleteCustomerNeed(oneId)).rejects.toThrow(/not found/i);
  });
});
