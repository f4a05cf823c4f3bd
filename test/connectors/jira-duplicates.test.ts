import { type JiraEmulator, startJiraEmulator } from '@suggested-sync/emulators';
import { type CloudClient, createCloudClient } from 'jira.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../src/connectors/errors.ts';
import { DUPLICATE_PROPERTY } from '../../src/connectors/jira/duplicates.ts';
import { createJiraTracker, type JiraTracker } from '../../src/connectors/jira/tracker.ts';
import type { TrackerIssueRef } from '../../src/connectors/tracker.ts';
import { type AdfDoc, adfPlainText, DEMAND_TITLE } from '../../src/rules/demand.ts';

/**
 * Closing an issue as a duplicate of another and reopening it, through the Jira tracker and the real jira.js 6
 * (schemas enforced) against the Jira emulator: what the product owner sees on the issues afterwards.
 */

const EMAIL = 'sandbox@example.com';
const TOKEN = 'sandbox';
const FEATURE_URL = 'http://127.0.0.1:3000/v1/features/f_survivor';

let emulator: JiraEmulator;
let tracker: JiraTracker;
let po: CloudClient;

beforeEach(async () => {
  emulator = await startJiraEmulator({ port: 0 });
  tracker = createJiraTracker({
    site: 'default',
    host: emulator.url,
    email: EMAIL,
    apiToken: TOKEN,
    onSchemaMismatch: 'throw',
  });
  po = createCloudClient({
    host: emulator.url,
    auth: { type: 'basic', email: EMAIL, apiToken: TOKEN },
    onSchemaMismatch: 'throw',
  });
});
afterEach(async () => {
  await emulator.close();
});

const paragraph = (text: string) => ({ type: 'paragraph', content: [{ type: 'text', text }] });

/** An issue with the product owner's words and a demand section of ours. */
async function issue(summary: string): Promise<TrackerIssueRef> {
  const made = await po.issues.createIssue({
    fields: {
      project: { key: 'SBX' },
      issuetype: { name: 'Task' },
      summary,
      description: {
        type: 'doc',
        version: 1,
        content: [
          paragraph('Notes from the PO'),
          { type: 'heading', attrs: { level: 3 }, content: [{ type: 'text', text: DEMAND_TITLE }] },
          paragraph('3 requests from 2 requesters'),
          paragraph('Updated by Suggested Sync'),
        ],
      },
    },
  });
  return {
    kind: 'jira',
    site: 'default',
    issueId: made.id,
    issueKey: made.key,
    url: `${emulator.url}/browse/${made.key}`,
  };
}

const record = (ref: TrackerIssueRef) => {
  const found = emulator.state.findIssue(ref.issueKey);
  if (!found) throw new Error(`no issue ${ref.issueKey}`);
  return found;
};
const statusOf = (ref: TrackerIssueRef) =>
  ({ '10000': 'To Do', '3': 'In Progress', '10001': 'Done', '10002': "Won't Do" })[record(ref).statusId];
const resolutionOf = (ref: TrackerIssueRef) => record(ref).resolutionId;
const descriptionText = (ref: TrackerIssueRef) =>
  (record(ref).description as AdfDoc).content.map((n) => adfPlainText(n));
const target = (survivor: TrackerIssueRef) => ({
  survivor,
  survivorTitle: 'Dark mode',
  featureUrl: FEATURE_URL,
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('Jira: close an issue as a duplicate', () => {
  it('links it as duplicating the survivor, moves it to Done with resolution Duplicate, and leaves a note', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    await po.issues.doTransition({ issueIdOrKey: dup.issueKey, transition: { id: '21' } });

    expect(await tracker.closeAsDuplicate(dup, target(survivor))).toEqual({ statusBefore: 'In Progress' });

    // The closed issue is the link's inward side: it "duplicates" the survivor, which "is duplicated by" it.
    const links = [...emulator.state.links.values()];
    expect(links).toEqual([
      expect.objectContaining({
        typeId: '10002',
        inwardIssueId: dup.issueId,
        outwardIssueId: survivor.issueId,
      }),
    ]);
    expect((await tracker.getIssue(dup.issueId))?.duplicateOfIssueId).toBe(survivor.issueId);
    expect(statusOf(dup)).toBe('Done');
    expect(resolutionOf(dup)).toBe('10002');
    expect(descriptionText(dup)).toEqual([
      'Notes from the PO',
      DEMAND_TITLE,
      'The customer demand for this need is counted on SBX-2 (Dark mode).',
      'Open the surviving feature in Suggested Sync',
      'Updated by Suggested Sync',
    ]);
    expect(JSON.stringify(record(dup).description)).toContain(`"href":"${survivor.url}"`);
    expect(statusOf(survivor)).toBe('To Do');
  });

  it('is safe to repeat: no second link or transition, and the status before the first close is kept', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    await po.issues.doTransition({ issueIdOrKey: dup.issueKey, transition: { id: '21' } });
    await tracker.closeAsDuplicate(dup, target(survivor));
    const calls = emulator.calls.list().length;
    expect(await tracker.closeAsDuplicate(dup, target(survivor))).toEqual({ statusBefore: 'In Progress' });
    expect(emulator.state.links.size).toBe(1);
    const writes = emulator.calls
      .list()
      .slice(calls)
      .filter((c) => c.method !== 'GET');
    expect(writes).toEqual([]);
  });

  it('takes a done transition without a resolution screen when that is all the workflow offers', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    emulator.state.unavailableTransitions.add('31');
    await tracker.closeAsDuplicate(dup, target(survivor));
    expect(statusOf(dup)).toBe("Won't Do");
    expect(emulator.state.links.size).toBe(1);
  });

  it('refuses, naming the issue and its status, when no transition leads to done; nothing is changed', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    emulator.state.unavailableTransitions.add('31').add('41');
    const before = structuredClone(record(dup).description);
    const err = await rejectionOf(tracker.closeAsDuplicate(dup, target(survivor)));
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as ConnectorError).kind).toBe('invalid_input');
    expect((err as ConnectorError).message).toContain(`${dup.issueKey} (status "To Do")`);
    expect(emulator.state.links.size).toBe(0);
    expect(record(dup).properties.has(DUPLICATE_PROPERTY)).toBe(false);
    expect(statusOf(dup)).toBe('To Do');
    expect(record(dup).description).toEqual(before);
  });

  it('refuses when the surviving issue is gone', async () => {
    const dup = await issue('Dark theme');
    const gone = { ...dup, issueId: '99999', issueKey: 'SBX-99' };
    const err = await rejectionOf(tracker.closeAsDuplicate(dup, target(gone)));
    expect((err as ConnectorError).kind).toBe('invalid_input');
    expect((err as ConnectorError).message).toContain('SBX-99');
  });
});

describe('Jira: reopen an issue closed as a duplicate', () => {
  it('removes our link and moves it back to the status it had, clearing the resolution', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    await po.issues.doTransition({ issueIdOrKey: dup.issueKey, transition: { id: '21' } });
    const { statusBefore } = await tracker.closeAsDuplicate(dup, target(survivor));
    // A Duplicate link the product owner made to another issue stays.
    const other = await issue('Night theme');
    await po.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { id: dup.issueId },
      outwardIssue: { id: other.issueId },
    });

    await tracker.reopenDuplicate(dup, { survivor, statusBefore });
    expect([...emulator.state.links.values()]).toEqual([
      expect.objectContaining({ inwardIssueId: dup.issueId, outwardIssueId: other.issueId }),
    ]);
    expect(statusOf(dup)).toBe('In Progress');
    expect(resolutionOf(dup)).toBeNull();
    expect(record(dup).properties.has(DUPLICATE_PROPERTY)).toBe(false);

    await tracker.reopenDuplicate(dup, { survivor, statusBefore });
    expect(statusOf(dup)).toBe('In Progress');
  });

  it('falls back to a status of category To Do when the one it had is gone', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    await tracker.closeAsDuplicate(dup, target(survivor));
    // A close recorded by an older run: only the link row knows the status, and the workflow has no such status.
    await po.issueProperties.deleteIssueProperty({
      issueIdOrKey: dup.issueId,
      propertyKey: DUPLICATE_PROPERTY,
    });
    await tracker.reopenDuplicate(dup, { survivor, statusBefore: 'Triage' });
    expect(statusOf(dup)).toBe('To Do');
    expect(emulator.state.links.size).toBe(0);
  });

  it('leaves an issue someone reopened already where they put it', async () => {
    const dup = await issue('Dark theme');
    const survivor = await issue('Dark mode');
    const { statusBefore } = await tracker.closeAsDuplicate(dup, target(survivor));
    await po.issues.doTransition({ issueIdOrKey: dup.issueKey, transition: { id: '21' } });
    await tracker.reopenDuplicate(dup, { survivor, statusBefore });
    expect(statusOf(dup)).toBe('In Progress');
    expect(emulator.state.links.size).toBe(0);
  });
});
