import type { LinearClient } from '@linear/sdk';
import type { PushTarget } from '../../domain/tracker.ts';
import { type DemandOptions, demandMarkdown, replaceDemandMarkdown } from '../../rules/demand.ts';
import { ConnectorError } from '../errors.ts';
import type {
  CarriedRequest,
  CreatedIssue,
  CreateIssueInput,
  CustomerRequest,
  IssueContent,
  TrackerIssueRef,
} from '../tracker.ts';
import { chunks, IDS_PER_QUERY } from './changes.ts';
import {
  customerNeedEraseDocuments,
  customerNeedMoveDocuments,
  customerRequestDocuments,
  customerRequestFields,
  plannedNeedIds,
} from './customers.ts';
import {
  type CreatedIssueNode,
  EXISTING_NEEDS,
  type ExistingNeeds,
  ISSUE_AND_NEEDS_FOR_UPDATE,
  ISSUE_FOR_UPDATE,
  ISSUE_STATE,
  type IssueAndNeedsForUpdate,
  type IssueForUpdate,
  type IssueForUpdateNode,
  type IssueNode,
  type IssueState,
  NEEDS_ON_ISSUES,
  type NeedsOnIssues,
} from './documents.ts';
import { classifyLinearError } from './errors.ts';
import {
  ATTACHMENT_TITLE,
  attachmentMarks,
  duplicateOf,
  issueIdFor,
  MARK_METADATA_KEY,
  needIdFor,
  toIssueRef,
  toIssueState,
} from './map.ts';
import { createIssueDocuments, updateIssueDocuments } from './push-documents.ts';
import { type LinearWorkspace, request } from './workspace.ts';

/** What every Linear call of one configured workspace needs. */
export interface LinearContext {
  site: string;
  client: LinearClient;
  workspace: LinearWorkspace;
  /** A label put on every issue we create or update. */
  label?: string | undefined;
  demand?: DemandOptions | undefined;
}

/** Runs SDK calls; whatever fails comes out as a ConnectorError. */
export async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw classifyLinearError(error);
  }
}

/** Our label first, then the given ones, each name once (case-insensitively). */
function labelNames(ctx: LinearContext, labels: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const raw of [ctx.label ?? '', ...labels]) {
    const name = raw.trim();
    if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}

function description(ctx: LinearContext, existing: string, content: IssueContent): string {
  return replaceDemandMarkdown(existing, demandMarkdown(content.demand, ctx.demand));
}

/** The issue by UUID or identifier; undefined when Linear does not know it. */
export async function readIssue(ctx: LinearContext, idOrKey: string): Promise<IssueNode | undefined> {
  try {
    return (await request<IssueState>(ctx.client, ISSUE_STATE, { id: idOrKey })).issue;
  } catch (error) {
    const classified = classifyLinearError(error);
    if (classified.kind === 'not_found') return undefined;
    throw classified;
  }
}

export function stateOf(ctx: LinearContext, node: IssueNode) {
  const marks = attachmentMarks(node.attachments);
  return toIssueState(ctx.site, node, node.state, duplicateOf(node.relations.nodes), marks);
}

/** The team key of a target in this workspace; a target elsewhere is a configuration error. */
export function linearTeam(ctx: LinearContext, target: PushTarget): string {
  if (target.kind !== 'linear' || target.workspace !== ctx.site) {
    const message = `target ${JSON.stringify(target)} is not in Linear ${ctx.site}`;
    throw new ConnectorError('config', 'linear', message);
  }
  return target.team;
}

/** The attachment linking the issue back to its feature: upserted on issue + url, its metadata the link's mark. */
function linkBackInput(issueId: string, featureUrl: string, idempotencyKey: string) {
  return {
    issueId,
    url: featureUrl,
    title: ATTACHMENT_TITLE,
    metadata: { [MARK_METADATA_KEY]: idempotencyKey },
  };
}

/**
 * Creates the issue under the id its idempotency key names, with its link back and its customer requests, in one
 * call (more only past a batch of customer requests); the answer names the issue's first state. A create for this
 * key that already went through (we crashed before recording it, or the answer was lost) is refused by Linear for
 * the taken id ("Entity Issue with id … already exists"), and that issue is ours: nothing after the refused
 * `issueCreate` ran, so its link back and customer requests are written the way a later push writes them. Which
 * error class a taken id gets is not documented, so any refusal but a rate limit or a credential problem makes us
 * look for the issue before giving up.
 */
export async function createIssue(ctx: LinearContext, input: CreateIssueInput): Promise<CreatedIssue> {
  const id = issueIdFor(input.idempotencyKey);
  const team = await ctx.workspace.team(linearTeam(ctx, input.target));
  const state = ctx.workspace.intakeState(team);
  const labelIds = await Promise.all(
    labelNames(ctx, input.labels).map((n) => ctx.workspace.labelId(team.id, n)),
  );
  const fields = {
    id,
    teamId: team.id,
    stateId: state.id,
    title: input.title,
    description: description(ctx, '', input),
    ...(input.priority !== undefined ? { priority: input.priority } : {}),
    ...(labelIds.length > 0 ? { labelIds } : {}),
  };
  const requests = input.customerRequests ?? [];
  const carriedRequestIds = requests.map((r) => r.requestId);
  const [first, ...rest] = createIssueDocuments(
    fields,
    linkBackInput(id, input.demand.featureUrl, input.idempotencyKey),
    customerRequestFields(id, requests, new Set()),
  );
  if (!first) throw new Error('unreachable: a create makes at least one document');
  let created: CreatedIssueNode;
  try {
    created = (await request<CreateIssueAnswer>(ctx.client, first.query, first.variables)).issueCreate.issue;
  } catch (error) {
    const existing = await issueCreatedBefore(ctx, input, error);
    const ref = toIssueRef(ctx.site, existing);
    await ensureLinkBack(ctx, ref, {
      featureUrl: input.demand.featureUrl,
      idempotencyKey: input.idempotencyKey,
    });
    const carried = await carriedOrNone(carriedRequestIds, () => addCustomerRequests(ctx, ref, requests));
    return { ref, state: stateOf(ctx, existing), carriedRequestIds: carried };
  }
  const carried = await carriedOrNone(carriedRequestIds, async () => {
    for (const document of rest) await request(ctx.client, document.query, document.variables);
  });
  return {
    ref: toIssueRef(ctx.site, created),
    state: toIssueState(ctx.site, created, created.state),
    carriedRequestIds: carried,
  };
}

/**
 * The requests a create carried: all of them once `carry` went through, none when it failed. The issue exists by
 * then, so nothing is thrown: the push records the issue first, then carries the requests the normal way, where a
 * refusal fails the push on a link that names its issue (a Linear document that fails part-way may have run some
 * of its fields; a need already made is skipped then).
 */
async function carriedOrNone(
  requestIds: readonly string[],
  carry: () => Promise<void>,
): Promise<readonly string[]> {
  try {
    await carry();
    return requestIds;
  } catch {
    return [];
  }
}

type CreateIssueAnswer = { issueCreate: { success: boolean; issue: CreatedIssueNode } };

/** The issue an earlier create for this key made, when the create was refused for it; else the refusal. */
async function issueCreatedBefore(ctx: LinearContext, input: CreateIssueInput, error: unknown) {
  const kind = classifyLinearError(error).kind;
  if (kind === 'rate_limited' || kind === 'auth') throw error;
  const existing = await readIssue(ctx, issueIdFor(input.idempotencyKey)).catch(() => undefined);
  if (!existing) throw error;
  if (existing.trashed) {
    const message = `the issue created for ${input.idempotencyKey} was deleted; push with a new key`;
    throw new ConnectorError('invalid_input', 'linear', message, { cause: error });
  }
  return existing;
}

/** Upserted on issue + url, so a repeat does not add a second attachment; its metadata is the link's mark. */
export async function ensureLinkBack(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  { featureUrl, idempotencyKey }: { featureUrl: string; idempotencyKey: string },
): Promise<void> {
  await ctx.client.createAttachment(linkBackInput(ref.issueId, featureUrl, idempotencyKey));
}

async function issueForUpdate(ctx: LinearContext, ref: TrackerIssueRef) {
  const { issue } = await request<IssueForUpdate>(ctx.client, ISSUE_FOR_UPDATE, { id: ref.issueId });
  return liveIssue(ref, issue);
}

/**
 * One read (the issue, and which of the needs to add exist already) and at most one write (the description, priority
 * and labels when they changed, and the new customer requests), more only past a batch of ids or of requests.
 */
export async function updateIssue(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  content: IssueContent,
  requests: readonly CustomerRequest[] = [],
) {
  const planned = plannedNeedIds(ref.issueId, requests);
  const [firstIds = [], ...moreIds] = chunks(planned, IDS_PER_QUERY);
  const data = await request<IssueAndNeedsForUpdate | IssueForUpdate>(
    ctx.client,
    planned.length > 0 ? ISSUE_AND_NEEDS_FOR_UPDATE : ISSUE_FOR_UPDATE,
    planned.length > 0 ? { id: ref.issueId, ids: firstIds, first: firstIds.length } : { id: ref.issueId },
  );
  const issue = liveIssue(ref, data.issue);
  const existing = new Set('customerNeeds' in data ? data.customerNeeds.nodes.map((n) => n.id) : []);
  for (const ids of moreIds) for (const id of await existingNeedIds(ctx, ids)) existing.add(id);
  const patch = await issuePatch(ctx, issue, content);
  const documents = updateIssueDocuments(
    issue.id,
    patch,
    customerRequestFields(ref.issueId, requests, existing),
  );
  for (const document of documents) await request(ctx.client, document.query, document.variables);
  return toIssueState(ctx.site, issue, issue.state, undefined, attachmentMarks(issue.attachments));
}

function liveIssue(ref: TrackerIssueRef, issue: IssueForUpdateNode): IssueForUpdateNode {
  if (issue.trashed) throw new ConnectorError('not_found', 'linear', `issue ${ref.issueKey} was deleted`);
  return issue;
}

/** What the update changes: the demand section, the priority, labels added (never replaced); undefined: nothing. */
async function issuePatch(ctx: LinearContext, issue: IssueForUpdateNode, content: IssueContent) {
  const patch: { description?: string; priority?: number; addedLabelIds?: string[] } = {};
  const next = description(ctx, issue.description ?? '', content);
  if (next !== (issue.description ?? '')) patch.description = next;
  if (content.priority !== undefined && content.priority !== issue.priority)
    patch.priority = content.priority;
  const have = new Set(issue.labels.nodes.map((l) => l.name.toLowerCase()));
  const missing = labelNames(ctx, content.labels).filter((n) => !have.has(n.toLowerCase()));
  if (missing.length > 0) {
    // Added, never replaced: labels the product owner set stay.
    patch.addedLabelIds = await Promise.all(missing.map((n) => ctx.workspace.labelId(issue.team.id, n)));
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

/** The attachment linking back has a fixed title: only the issue's title can carry the feature's. */
export async function retitleIssue(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  { from, to }: { from: string; to: string },
): Promise<boolean> {
  const issue = await issueForUpdate(ctx, ref);
  if (issue.title !== from || to === from) return false;
  await ctx.client.updateIssue(issue.id, { title: to });
  return true;
}

async function existingNeedIds(ctx: LinearContext, planned: readonly string[]): Promise<string[]> {
  const existing: string[] = [];
  for (const ids of chunks(planned, IDS_PER_QUERY)) {
    const data = await request<ExistingNeeds>(ctx.client, EXISTING_NEEDS, { ids, first: ids.length });
    existing.push(...data.customerNeeds.nodes.map((n) => n.id));
  }
  return existing;
}

export async function addCustomerRequests(
  ctx: LinearContext,
  ref: TrackerIssueRef,
  requests: readonly CustomerRequest[],
): Promise<void> {
  if (requests.length === 0) return;
  const existing = new Set(await existingNeedIds(ctx, plannedNeedIds(ref.issueId, requests)));
  for (const document of customerRequestDocuments(ref.issueId, requests, existing)) {
    await request(ctx.client, document.query, document.variables);
  }
}

/** A need's id derives from the issue it was created on, wherever a merge moved it since. */
const carriedNeedIds = (requests: readonly CarriedRequest[]) => [
  ...new Set(requests.map((r) => needIdFor(r.createdOnIssueId, r.requestId))),
];

/** A need a product owner deleted in Linear is already gone: only the ones that exist are updated. */
export async function eraseCustomerRequests(
  ctx: LinearContext,
  requests: readonly CarriedRequest[],
): Promise<void> {
  const existing = await existingNeedIds(ctx, carriedNeedIds(requests));
  for (const document of customerNeedEraseDocuments(existing)) {
    await request(ctx.client, document.query, document.variables);
  }
}

/**
 * The needs moved to `to` (deleted when undefined): one read of where they are, then only those that exist and are
 * not there yet are written, so a repeat after a crash sends nothing it already did.
 */
export async function moveCustomerRequests(
  ctx: LinearContext,
  requests: readonly CarriedRequest[],
  to: TrackerIssueRef | undefined,
): Promise<void> {
  const pending: string[] = [];
  for (const ids of chunks(carriedNeedIds(requests), IDS_PER_QUERY)) {
    const data = await request<NeedsOnIssues>(ctx.client, NEEDS_ON_ISSUES, { ids, first: ids.length });
    for (const need of data.customerNeeds.nodes) if (need.issue?.id !== to?.issueId) pending.push(need.id);
  }
  for (const document of customerNeedMoveDocuments(pending, to?.issueId)) {
    await request(ctx.client, document.query, document.variables);
  }
}
