import { type JiraEmulator, startJiraEmulator } from '@suggested-sync/emulators/jira/server';
import { createCloudClient, isApiError } from 'jira.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

/**
 * The emulated workflow as a client that closes issues sees it: transition screens with the Resolution field
 * (`expand=transitions.fields`), a resolution refused where no screen asks for one, transitions a workflow withholds,
 * and Duplicate links made and removed. Through jira.js 6 with its schemas enforced.
 */

let emulator: JiraEmulator;

beforeEach(async () => {
  emulator = await startJiraEmulator({ port: 0 });
});
afterEach(async () => {
  await emulator.close();
});

const client = () =>
  createCloudClient({
    host: emulator.url,
    auth: { type: 'basic', email: 'sandbox@example.com', apiToken: 'sandbox' },
    onSchemaMismatch: 'throw',
  });

async function task(summary: string) {
  return client().issues.createIssue({
    fields: { project: { key: 'SBX' }, issuetype: { name: 'Task' }, summary },
  });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('Jira emulator workflow', () => {
  it('lists screen fields on request, and sets a resolution only through a screen that has it', async () => {
    const jira = client();
    const issue = await task('Dark mode');
    const plain = await jira.issues.getTransitions({ issueIdOrKey: issue.key });
    expect(plain.transitions?.every((t) => t.fields === undefined)).toBe(true);
    const { transitions } = await jira.issues.getTransitions({
      issueIdOrKey: issue.key,
      expand: 'transitions.fields',
    });
    const done = transitions?.find((t) => t.id === '31');
    expect(done?.hasScreen).toBe(true);
    expect(
      done?.fields?.['resolution']?.allowedValues?.map((v: unknown) => (v as { name: string }).name),
    ).toContain('Duplicate');
    expect(transitions?.find((t) => t.id === '41')?.fields).toEqual({});

    const refused = await rejectionOf(
      jira.issues.doTransition({
        issueIdOrKey: issue.key,
        transition: { id: '41' },
        fields: { resolution: { name: 'Duplicate' } },
      }),
    );
    expect(isApiError(refused) && refused.status).toBe(400);
    expect(emulator.state.findIssue(issue.key)?.statusId).toBe('10000');

    await jira.issues.doTransition({
      issueIdOrKey: issue.key,
      transition: { id: '31' },
      fields: { resolution: { name: 'Duplicate' } },
    });
    const read = await jira.issues.getIssue({ issueIdOrKey: issue.key, fields: ['status', 'resolution'] });
    expect(read.fields?.['resolution']).toMatchObject({ name: 'Duplicate' });
  });

  it('withholds the transitions the workflow does not offer', async () => {
    const jira = client();
    const issue = await task('Dark mode');
    emulator.state.unavailableTransitions.add('31');
    const { transitions } = await jira.issues.getTransitions({ issueIdOrKey: issue.key });
    expect(transitions?.map((t) => t.id)).toEqual(['21', '41']);
    const refused = await rejectionOf(
      jira.issues.doTransition({ issueIdOrKey: issue.key, transition: { id: '31' } }),
    );
    expect(isApiError(refused) && refused.status).toBe(400);
  });

  it('shows a Duplicate link on both issues from their sides, and deletes it by id', async () => {
    const jira = client();
    const dup = await task('Dark theme');
    const original = await task('Dark mode');
    await jira.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { id: dup.id },
      outwardIssue: { id: original.id },
    });
    const read = await jira.issues.getIssue({ issueIdOrKey: dup.key, fields: ['issuelinks'] });
    const links = read.fields?.['issuelinks'] as Array<{ id: string; outwardIssue?: { key: string } }>;
    expect(links.map((l) => l.outwardIssue?.key)).toEqual([original.key]);
    await jira.issueLinks.deleteIssueLink({ linkId: links[0]?.id ?? '' });
    expect(emulator.state.links.size).toBe(0);
  });
});
