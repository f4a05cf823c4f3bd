import {
  createLabel,
  createWebhook,
  deleteWebhook,
  type IssueLabelCreateInput,
  type WebhookCreateInput,
} from '../commands/admin.ts';
import {
  type AttachmentCreateInput,
  type CommentCreateInput,
  createComment,
  linkUrl,
  upsertAttachment,
} from '../commands/content.ts';
import {
  type CustomerCreateInput,
  type CustomerNeedCreateInput,
  type CustomerNeedUpdateInput,
  type CustomerUpsertInput,
  createCustomer,
  createNeed,
  deleteNeed,
  updateNeed,
  upsertCustomer,
} from '../commands/customers.ts';
import {
  addIssueLabel,
  archiveIssue,
  createIssue,
  createRelation,
  deleteIssue,
  deleteRelation,
  type IssueCreateInput,
  type IssueRelationCreateInput,
  type IssueUpdateInput,
  unarchiveIssue,
  updateIssue,
} from '../commands/issues.ts';
import { issueView, relationView } from '../presenters/issue.ts';
import {
  attachmentView,
  commentView,
  customerNeedView,
  customerView,
  webhookView,
} from '../presenters/records.ts';
import { labelView } from '../presenters/workspace.ts';
import type { LinearState } from '../state.ts';

/** Root `Mutation` fields: run the command, answer Linear's `...Payload { lastSyncId success <entity> }`. */
export function mutationRoot(state: LinearState): Record<string, unknown> {
  const payload = (entity: Record<string, unknown>) => ({
    lastSyncId: state.lastSyncId,
    success: true,
    ...entity,
  });
  return {
    issueCreate: ({ input }: { input: IssueCreateInput }) =>
      payload({ issue: issueView(state, createIssue(state, input)) }),
    issueUpdate: ({ id, input }: { id: string; input: IssueUpdateInput }) =>
      payload({ issue: issueView(state, updateIssue(state, id, input)) }),
    issueAddLabel: ({ id, labelId }: { id: string; labelId: string }) =>
      payload({ issue: issueView(state, addIssueLabel(state, id, labelId, true)) }),
    issueRemoveLabel: ({ id, labelId }: { id: string; labelId: string }) =>
      payload({ issue: issueView(state, addIssueLabel(state, id, labelId, false)) }),
    issueArchive: ({ id, trash }: { id: string; trash?: boolean | null }) =>
      payload({ entity: issueView(state, archiveIssue(state, id, trash)) }),
    issueUnarchive: ({ id }: { id: string }) =>
      payload({ entity: issueView(state, unarchiveIssue(state, id)) }),
    issueDelete: ({ id, permanentlyDelete }: { id: string; permanentlyDelete?: boolean | null }) =>
      payload({ entity: issueView(state, deleteIssue(state, id, permanentlyDelete)) }),
    issueRelationCreate: ({ input }: { input: IssueRelationCreateInput }) =>
      payload({ issueRelation: relationView(state, createRelation(state, input)) }),
    issueRelationDelete: ({ id }: { id: string }) => {
      deleteRelation(state, id);
      return payload({ entityId: id });
    },
    attachmentCreate: ({ input }: { input: AttachmentCreateInput }) =>
      payload({ attachment: attachmentView(state, upsertAttachment(state, input)) }),
    attachmentLinkURL: (args: { issueId: string; url: string; title?: string | null; id?: string | null }) =>
      payload({ attachment: attachmentView(state, linkUrl(state, args)) }),
    commentCreate: ({ input }: { input: CommentCreateInput }) =>
      payload({ comment: commentView(state, createComment(state, input)) }),
    customerUpsert: ({ input }: { input: CustomerUpsertInput }) =>
      payload({ customer: customerView(state, upsertCustomer(state, input)) }),
    customerCreate: ({ input }: { input: CustomerCreateInput }) =>
      payload({ customer: customerView(state, createCustomer(state, input)) }),
    customerNeedCreate: ({ input }: { input: CustomerNeedCreateInput }) =>
      payload({ need: customerNeedView(state, createNeed(state, input)) }),
    customerNeedUpdate: ({
      id,
      input,
      clearAttachment,
    }: {
      id: string;
      input: CustomerNeedUpdateInput;
      clearAttachment?: boolean | null;
    }) =>
      payload({
        need: customerNeedView(state, updateNeed(state, id, input, clearAttachment)),
        updatedRelatedNeeds: [],
      }),
    customerNeedDelete: ({ id, keepAttachment }: { id: string; keepAttachment?: boolean | null }) => {
      deleteNeed(state, id, keepAttachment);
      return payload({ entityId: id });
    },
    issueLabelCreate: ({ input }: { input: IssueLabelCreateInput }) =>
      payload({ issueLabel: labelView(state, createLabel(state, input)) }),
    webhookCreate: ({ input }: { input: WebhookCreateInput }) =>
      payload({ webhook: webhookView(state, createWebhook(state, input)) }),
    webhookDelete: ({ id }: { id: string }) => {
      deleteWebhook(state, id);
      return payload({ entityId: id });
    },
  };
}
