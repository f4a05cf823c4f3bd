import { LinearDocument } from '@linear/sdk';
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadLinearSchema } from './schema.ts';

/**
 * Every document @linear/sdk 98 sends for the operations the emulator claims to answer must validate against
 * the emulator's schema: the SDK's documents are the contract (they select every field of a fragment, so a
 * field missing here would make Linear's own client fail against the emulator).
 */
const SUPPORTED = [
  'Viewer',
  'User',
  'Organization',
  'Teams',
  'Team',
  'Team_States',
  'Team_Labels',
  'WorkflowStates',
  'WorkflowState',
  'Issue',
  'Issues',
  'Issue_Attachments',
  'Issue_Comments',
  'Issue_Labels',
  'Issue_Needs',
  'Issue_Relations',
  'Issue_InverseRelations',
  'IssueRelation',
  'IssueLabel',
  'IssueLabels',
  'Attachment',
  'Attachments',
  'AttachmentsForUrl',
  'Comment',
  'Customer',
  'Customers',
  'CustomerNeed',
  'CustomerNeeds',
  'CustomerTier',
  'CustomerTiers',
  'RateLimitStatus',
  'Webhook',
  'Webhooks',
  'CreateIssue',
  'UpdateIssue',
  'ArchiveIssue',
  'UnarchiveIssue',
  'DeleteIssue',
  'IssueAddLabel',
  'IssueRemoveLabel',
  'CreateIssueRelation',
  'DeleteIssueRelation',
  'CreateAttachment',
  'AttachmentLinkUrl',
  'CreateComment',
  'CustomerUpsert',
  'CreateCustomer',
  'CreateCustomerNeed',
  'UpdateCustomerNeed',
  'DeleteCustomerNeed',
  'CreateIssueLabel',
  'CreateWebhook',
  'DeleteWebhook',
] as const;

const documents = LinearDocument as unknown as Record<string, { toString(): string } | undefined>;

describe('schema.graphql', () => {
  const schema = loadLinearSchema();

  it.each(SUPPORTED)('validates the SDK document %sDocument', (name) => {
    const document = documents[`${name}Document`];
    expect(document, `@linear/sdk has no ${name}Document`).toBeDefined();
    const errors = validate(schema, parse(String(document)));
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('rejects what Linear rejects: an unknown field, and an operation it does not support', () => {
    const unknownField = validate(schema, parse('query { issue(id: "x") { id nosuch } }'));
    expect(unknownField.map((e) => e.message)).toEqual(['Cannot query field "nosuch" on type "Issue".']);
    const unsupported = validate(schema, parse(String(documents['ProjectsDocument'])));
    expect(unsupported.length).toBeGreaterThan(0);
  });
});
