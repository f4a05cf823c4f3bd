import { type JiraEmulator, startJiraEmulator } from '@suggested-sync/emulators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * jira.js's schema audit: with AUDIT_SCHEMAS=true set before jira.js loads, every response object is validated
 * strictly and each key its schemas do not document is recorded under Symbol.for('apis-code-gen.schemaAudit')
 * (node_modules/jira.js/src/core/schemaAudit.ts). The emulator must not invent fields. This file runs in its own
 * process (vitest pool 'forks'), so the variable and the strict schemas stay here.
 */

process.env['AUDIT_SCHEMAS'] = 'true';

const AUDIT = Symbol.for('apis-code-gen.schemaAudit');

interface Drift {
  kind: 'keys' | 'value';
  endpoint: string;
  path: string;
  keys?: string[];
  value?: string;
}

const drift = () => ((globalThis as { [AUDIT]?: Drift[] })[AUDIT] ?? []).slice();

let emulator: JiraEmulator;

beforeAll(async () => {
  emulator = await startJiraEmulator({ port: 0 });
});

afterAll(async () => {
  await emulator.close();
});

const adf = (text: string) => ({
  type: 'doc' as const,
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

describe('AUDIT_SCHEMAS=true', () => {
  it('is really strict in this process: an undocumented key is refused by the schemas', async () => {
    const { IssueLinkTypeSchema } = await import('jira.js/cloud');
    expect(IssueLinkTypeSchema.safeParse({ id: '1', invented: true }).success).toBe(false);
    expect(IssueLinkTypeSchema.safeParse({ id: '1' }).success).toBe(true);
  });

  it('records no undocumented field in any response the service reads', async () => {
    const { createCloudClient } = await import('jira.js');
    const jira = createCloudClient({
      host: emulator.url,
      auth: { type: 'basic', email: 'sandbox@example.com', apiToken: 'sandbox' },
      onSchemaMismatch: 'throw',
    });
    (globalThis as { [AUDIT]?: Drift[] })[AUDIT] = [];

    const created = await jira.issues.createIssue({
      fields: {
        project: { key: 'SBX' },
        issuetype: { name: 'Task' },
        summary: 'Dark mode',
        description: adf('Requested by 3 customers'),
        labels: ['suggested'],
      },
      properties: [{ key: 'featureRequest', value: { featureId: 'f-1' } }],
    });
    const other = await jira.issues.createIssue({
      fields: { project: { key: 'SBX' }, issuetype: { name: 'Bug' }, summary: 'Dark theme' },
    });
    await jira.issueLinks.linkIssues({
      type: { name: 'Duplicate' },
      inwardIssue: { key: other.key },
      outwardIssue: { key: created.key },
    });
    await jira.issueComments.addComment({ issueIdOrKey: created.key, body: adf('one more customer') });
    await jira.issueComments.addComment({ issueIdOrKey: created.key, body: 'a string comment via v2' });
    await jira.issueRemoteLinks.createOrUpdateRemoteIssueLink({
      issueIdOrKey: created.key,
      globalId: 'suggested:feature=f-1',
      application: { type: 'suggested', name: 'Suggested' },
      relationship: 'customer demand',
      object: { url: 'https://suggested.example/features/f-1', title: 'Dark mode' },
    });
    await jira.issues.doTransition({ issueIdOrKey: created.key, transition: { id: '31' } });

    const reads = {
      issue: await jira.issues.getIssue({ issueIdOrKey: created.key, properties: ['featureRequest'] }),
      someFields: await jira.issues.getIssue({ issueIdOrKey: other.key, fields: ['status', 'issuelinks'] }),
      searchIds: await jira.issueSearch.searchAndReconsileIssuesUsingJql({ jql: 'project = SBX' }),
      searchGet: await jira.issueSearch.searchAndReconsileIssuesUsingJql({
        jql: 'project = SBX ORDER BY updated DESC',
        fields: ['*all'],
        maxResults: 1,
      }),
      searchPost: await jira.issueSearch.searchAndReconsileIssuesUsingJqlPost({
        jql: 'statusCategory = done',
        fields: ['summary', 'status', 'updated', 'labels'],
        properties: ['featureRequest'],
      }),
      transitions: await jira.issues.getTransitions({ issueIdOrKey: created.key }),
      comments: await jira.issueComments.getComments({ issueIdOrKey: created.key }),
      comment: await jira.issueComments.getComment({ issueIdOrKey: created.key, id: '10000' }),
      remoteLinks: await jira.issueRemoteLinks.getRemoteIssueLinks({ issueIdOrKey: created.key }),
      remoteLink: await jira.issueRemoteLinks.getRemoteIssueLinks({
        issueIdOrKey: created.key,
        globalId: 'suggested:feature=f-1',
      }),
      remoteLinkById: await jira.issueRemoteLinks.getRemoteIssueLinkById({
        issueIdOrKey: created.key,
        linkId: '10000',
      }),
      linkTypes: await jira.issueLinkTypes.getIssueLinkTypes(),
      linkType: await jira.issueLinkTypes.getIssueLinkType({ issueLinkTypeId: '10002' }),
      link: await jira.issueLinks.getIssueLink({ linkId: '10000' }),
      propertyKeys: await jira.issueProperties.getIssuePropertyKeys({ issueIdOrKey: created.key }),
      property: await jira.issueProperties.getIssueProperty({
        issueIdOrKey: created.key,
        propertyKey: 'featureRequest',
      }),
      myself: await jira.myself.getCurrentUser(),
      serverInfo: await jira.serverInfo.getServerInfo(),
    };

    // The calls really happened and answered what the service reads.
    expect(created.key).toBe('SBX-1');
    expect(reads.searchGet.issues).toHaveLength(1);
    expect(reads.searchPost.issues?.[0]?.properties).toEqual({ featureRequest: { featureId: 'f-1' } });
    expect(reads.comments.comments).toHaveLength(2);
    expect(reads.link.outwardIssue?.key).toBe('SBX-1');
    expect(reads.serverInfo.deploymentType).toBe('Cloud');
    expect(emulator.calls.list().every((c) => c.status < 300)).toBe(true);

    expect(drift()).toEqual([]);
  });
});
