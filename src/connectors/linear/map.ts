import { createHash } from 'node:crypto';
import { isUuid } from '../../domain/ids.ts';
import { type IssueMarks, markVerdict, type TrackerIssueState } from '../../domain/tracker.ts';
import type { TrackerIssueRef } from '../tracker.ts';

/** Linear shapes → ours. Pure: no client, no clock. */

/** What we read of an issue: an SDK `Issue`, a GraphQL node we selected, or a webhook's `data` all have it. */
export interface LinearIssueFields {
  id: string;
  identifier: string;
  url: string;
  updatedAt: Date | string;
}

/** The issue's workflow state: an SDK `WorkflowState`, or `data.state` of a webhook. */
export interface LinearStateFields {
  name: string;
  type: string;
}

/**
 * An issue link without the slug Linear ends it with (`…/issue/ENG-123/<title-slug>`): the slug is the issue's
 * title, maybe a customer's words we must be able to forget, and Linear opens the link without it.
 */
export function issueLink(url: string): string {
  return url.replace(/(\/issue\/[A-Za-z][A-Za-z0-9_]*-\d+)\/[^?#]*/, '$1');
}

export function toIssueRef(site: string, issue: Omit<LinearIssueFields, 'updatedAt'>): TrackerIssueRef {
  return { kind: 'linear', site, issueId: issue.id, issueKey: issue.identifier, url: issueLink(issue.url) };
}

/**
 * The state we store for a linked issue. `category` is Linear's state type (triage, backlog, unstarted, started,
 * completed, canceled, duplicate), which the status map turns into a feature status.
 */
export function toIssueState(
  site: string,
  issue: LinearIssueFields,
  state: LinearStateFields,
  duplicateOfIssueId?: string | undefined,
  marks?: IssueMarks | undefined,
): TrackerIssueState {
  return {
    kind: 'linear',
    site,
    issueId: issue.id,
    issueKey: issue.identifier,
    url: issueLink(issue.url),
    statusName: state.name,
    category: state.type,
    updatedAt: new Date(issue.updatedAt).toISOString(),
    ...(duplicateOfIssueId ? { duplicateOfIssueId } : {}),
    ...(marks ? { marks } : {}),
  };
}

/** Where our attachment's metadata names the link that wrote it (`ensureLinkBack`). */
export const MARK_METADATA_KEY = 'suggestedSyncLink';

/** The title of the attachment that links an issue back to its feature. */
export const ATTACHMENT_TITLE = 'Suggested Sync feature';

/** What every feature URL (an attachment's `url`) has in its path, whatever PUBLIC_URL is. */
export const FEATURE_URL_PATH = '/v1/features/';

/**
 * The link marks an issue's attachments carry (our link backs, read by `documents.ts`): complete only when the read
 * saw them all; with more than a page, a mark not seen may be on the next one.
 */
export function attachmentMarks(attachments: {
  nodes: ReadonlyArray<{ metadata: unknown }>;
  pageInfo: { hasNextPage: boolean };
}): IssueMarks {
  const seen = attachments.nodes.flatMap(({ metadata }) => {
    const key =
      typeof metadata === 'object' && metadata !== null
        ? (metadata as Record<string, unknown>)[MARK_METADATA_KEY]
        : undefined;
    return typeof key === 'string' ? [key] : [];
  });
  return { seen, complete: !attachments.pageInfo.hasNextPage };
}

/**
 * An issue we created has the id derived from its link's idempotency key, a mark no other issue can carry; one we
 * did not create carries the key in our attachment's metadata once a push wrote it.
 */
export function linearCarriesMark(
  issue: { issueId: string; marks?: IssueMarks | undefined },
  idempotencyKey: string,
): boolean | undefined {
  if (issue.issueId === issueIdFor(idempotencyKey)) return true;
  return markVerdict(issue.marks, idempotencyKey);
}

/** Linear's relations of an issue (`Issue.relations`: this issue is the source). */
interface LinearRelationFields {
  type: string;
  relatedIssue: { id: string } | null;
}

/**
 * "A duplicate of B" is a relation of type `duplicate` from A to B; marking a duplicate in Linear also moves A to
 * its team's duplicate state. https://linear.app/docs/issue-relations
 */
export function duplicateOf(relations: readonly LinearRelationFields[]): string | undefined {
  return relations.find((r) => r.type === 'duplicate' && r.relatedIssue)?.relatedIssue?.id;
}

/**
 * A UUID v4-shaped value from a SHA-256 of `key`: Linear accepts a client-chosen `id` on create only as a UUID v4
 * ("UUID v4; if none is provided, the backend will generate one", `IssueCreateInput.id` in the schema at
 * https://linear.app/developers/graphql), so the version nibble is 4 and the variant bits are 10.
 */
export function uuidFromKey(key: string): string {
  const b = createHash('sha256').update(key, 'utf8').digest().subarray(0, 16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The issue's id for a create idempotency key: a retried create after a crash names the same issue. */
export function issueIdFor(idempotencyKey: string): string {
  return uuidFromKey(`issue:${idempotencyKey}`);
}

/** A customer request's id on one issue: a retried batch finds the needs it already made. */
export function needIdFor(issueId: string, requestId: string): string {
  return uuidFromKey(`need:${issueId}:${requestId}`);
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*-\d+$/;
/** Linear's issue links: `https://linear.app/<workspace>/issue/ENG-123/<title-slug>` (the slug optional). */
const APP_URL_PATH = /^\/[^/]+\/issue\/([A-Za-z][A-Za-z0-9_]*-\d+)(?:\/[^/]*)?\/?$/;
/** The sandbox emulator's issue links: `http://127.0.0.1:4020/#SBX-1`. */
const HASH_ID = /^#([A-Za-z][A-Za-z0-9_]*-\d+)$/;

/**
 * What to pass to Linear's `issue(id:)` for a UUID, an identifier (`ENG-123`) or an issue URL; undefined when the
 * text names no issue. Linear's `issue(id:)` takes a UUID or an identifier. With `hosts`, a URL names an issue
 * only on one of them (the workspace's app host).
 */
export function issueLookupKey(idKeyOrUrl: string, hosts?: readonly string[]): string | undefined {
  const text = idKeyOrUrl.trim();
  if (isUuid(text)) return text.toLowerCase();
  if (IDENTIFIER.test(text)) return text.toUpperCase();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (hosts && !hosts.includes(url.host.toLowerCase())) return undefined;
  const found =
    APP_URL_PATH.exec(url.pathname)?.[1] ?? (url.pathname === '/' ? HASH_ID.exec(url.hash)?.[1] : undefined);
  return found?.toUpperCase();
}
