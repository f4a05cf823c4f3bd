import { invalidInput } from '../errors.ts';
import type { AttachmentRecord, CommentRecord } from '../model.ts';
import type { LinearState } from '../state.ts';
import { newId, requireIssueRef, requireText } from './common.ts';

/** Attachments and comments on issues. */

export interface AttachmentCreateInput {
  id?: string | null;
  issueId: string;
  url: string;
  title: string;
  subtitle?: string | null;
  metadata?: Record<string, unknown> | null;
  iconUrl?: string | null;
}

function checkUrl(url: string): string {
  try {
    new URL(url);
    return url;
  } catch {
    throw invalidInput('Argument Validation Error', 'url must be a URL address.');
  }
}

/**
 * `attachmentCreate`: "creates a new attachment, or updates existing if the same `url` and `issueId` is used"
 * (Linear's schema). The update keeps the existing id and announces an Attachment update.
 */
export function upsertAttachment(state: LinearState, input: AttachmentCreateInput): AttachmentRecord {
  const issue = requireIssueRef(state, input.issueId);
  const url = checkUrl(input.url);
  const title = requireText(input.title, 'title');
  const existing = [...state.attachments.values()].find((a) => a.issueId === issue.id && a.url === url);
  const at = state.now();
  if (existing) {
    existing.title = title;
    if (input.subtitle !== undefined) existing.subtitle = input.subtitle;
    if (input.metadata) existing.metadata = input.metadata;
    if (input.iconUrl !== undefined) existing.iconUrl = input.iconUrl;
    existing.updatedAt = at;
    state.bumpSync();
    state.emit({ type: 'Attachment', action: 'update', entityId: existing.id });
    return existing;
  }
  const attachment: AttachmentRecord = {
    id: newId(state.attachments, 'Attachment', input.id),
    issueId: issue.id,
    url,
    title,
    subtitle: input.subtitle ?? null,
    metadata: input.metadata ?? {},
    iconUrl: input.iconUrl ?? null,
    creatorId: state.viewer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.attachments.set(attachment.id, attachment);
  state.bumpSync();
  state.emit({ type: 'Attachment', action: 'create', entityId: attachment.id });
  return attachment;
}

/** `attachmentLinkURL`: any URL, titled with the URL itself unless a title is given. */
export function linkUrl(
  state: LinearState,
  args: { issueId: string; url: string; title?: string | null; id?: string | null },
): AttachmentRecord {
  return upsertAttachment(state, {
    issueId: args.issueId,
    url: args.url,
    title: args.title || args.url,
    id: args.id ?? null,
  });
}

export interface CommentCreateInput {
  id?: string | null;
  issueId?: string | null;
  body?: string | null;
}

export function createComment(state: LinearState, input: CommentCreateInput): CommentRecord {
  const issue = requireIssueRef(state, input.issueId);
  const body = requireText(input.body, 'body');
  const at = state.now();
  const comment: CommentRecord = {
    id: newId(state.comments, 'Comment', input.id),
    issueId: issue.id,
    body,
    userId: state.viewer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.comments.set(comment.id, comment);
  state.bumpSync();
  state.emit({ type: 'Comment', action: 'create', entityId: comment.id });
  return comment;
}
