import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { invalidInput, notFound, referenceNotFound } from '../errors.ts';
import type { CustomerNeedRecord, CustomerRecord, CustomerTierRecord } from '../model.ts';
import type { LinearState } from '../state.ts';
import { newId, requireIssueRef } from './common.ts';
import { upsertAttachment } from './content.ts';

/** Customers, their tiers, and customer needs (Linear's "customer requests"). */

export interface CustomerFields {
  id?: string | null;
  name?: string | null;
  domains?: string[] | null;
  revenue?: number | null;
  size?: number | null;
  tierId?: string | null;
  logoUrl?: string | null;
  slackChannelId?: string | null;
}

export interface CustomerUpsertInput extends CustomerFields {
  externalId?: string | null;
  tierName?: string | null;
}

export interface CustomerCreateInput extends CustomerFields {
  externalIds?: string[] | null;
}

const normaliseDomains = (domains: readonly string[]) => [
  ...new Set(domains.map((d) => d.trim().toLowerCase())),
];

/** The tier a customer input names: an existing one, or one to create once the whole input is valid. */
interface TierChoice {
  id: string;
  create?: CustomerTierRecord;
}

/**
 * `tierId` or `tierName` (mutually exclusive); a tier name Linear does not know yet is created. Changes nothing:
 * `commitTier` creates the tier, after every other check has passed, so a failed mutation leaves no tier behind.
 */
function chooseTier(
  state: LinearState,
  tierId?: string | null,
  tierName?: string | null,
): TierChoice | undefined {
  if (tierId && tierName)
    throw invalidInput('Argument Validation Error', 'tierId and tierName are mutually exclusive.');
  if (tierId) {
    if (!state.tiers.has(tierId)) throw referenceNotFound('tierId');
    return { id: tierId };
  }
  if (!tierName) return undefined;
  const wanted = tierName.trim().toLowerCase();
  const found = [...state.tiers.values()].find((t) => t.name.toLowerCase() === wanted);
  if (found) return { id: found.id };
  const at = state.now();
  const create: CustomerTierRecord = {
    id: newId(state.tiers, 'CustomerTier', null),
    name: tierName.trim(),
    displayName: tierName.trim(),
    color: '#95a2b3',
    position: state.tiers.size,
    description: null,
    createdAt: at,
    updatedAt: at,
  };
  return { id: create.id, create };
}

function commitTier(state: LinearState, tier: TierChoice | undefined): void {
  if (tier?.create) state.tiers.set(tier.id, tier.create);
}

function checkUnique(
  state: LinearState,
  self: string | null,
  domains: readonly string[],
  externalIds: readonly string[],
) {
  for (const other of state.customers.values()) {
    if (other.id === self) continue;
    if (other.domains.some((d) => domains.includes(d)))
      throw invalidInput('Argument Validation Error', 'A customer with one of these domains already exists.');
    if (other.externalIds.some((e) => externalIds.includes(e)))
      throw invalidInput('Argument Validation Error', 'A customer with this external id already exists.');
  }
}

function insertCustomer(
  state: LinearState,
  input: CustomerFields,
  externalIds: string[],
  tier: TierChoice | undefined,
) {
  if (!input.name?.trim())
    throw invalidInput('Argument Validation Error', 'name is required when creating a customer.');
  const domains = normaliseDomains(input.domains ?? []);
  checkUnique(state, null, domains, externalIds);
  const id = newId(state.customers, 'Customer', input.id);
  commitTier(state, tier);
  const at = state.now();
  const customer: CustomerRecord = {
    id,
    name: input.name.trim(),
    slugId: randomBytes(6).toString('hex'),
    domains,
    externalIds,
    revenue: input.revenue ?? null,
    size: input.size ?? null,
    tierId: tier?.id ?? null,
    logoUrl: input.logoUrl ?? null,
    slackChannelId: input.slackChannelId ?? null,
    createdAt: at,
    updatedAt: at,
  };
  state.customers.set(customer.id, customer);
  state.bumpSync();
  state.emit({ type: 'Customer', action: 'create', entityId: customer.id });
  return customer;
}

export function createCustomer(state: LinearState, input: CustomerCreateInput): CustomerRecord {
  return insertCustomer(state, input, [...new Set(input.externalIds ?? [])], chooseTier(state, input.tierId));
}

/**
 * `customerUpsert`: "matches against existing customers using `id`, `externalId`, `slackChannelId`, or
 * `domains`" (Linear's schema), updates the match with what was given, or creates (then `name` is required).
 */
export function upsertCustomer(state: LinearState, input: CustomerUpsertInput): CustomerRecord {
  const domains = input.domains ? normaliseDomains(input.domains) : undefined;
  const all = [...state.customers.values()];
  const match =
    (input.id ? state.customers.get(input.id) : undefined) ??
    (input.externalId ? all.find((c) => c.externalIds.includes(input.externalId ?? '')) : undefined) ??
    (input.slackChannelId ? all.find((c) => c.slackChannelId === input.slackChannelId) : undefined) ??
    (domains?.length ? all.find((c) => c.domains.some((d) => domains.includes(d))) : undefined);
  if (!match && !input.name?.trim())
    throw invalidInput('Argument Validation Error', 'name is required when creating a customer.');
  const tier = chooseTier(state, input.tierId, input.tierName);
  if (!match) {
    return insertCustomer(
      state,
      { ...input, domains: domains ?? [] },
      input.externalId ? [input.externalId] : [],
      tier,
    );
  }

  // Built and checked on a copy: a failed upsert leaves the customer (and the tiers) as they were.
  const next: CustomerRecord = { ...match };
  if (input.name?.trim()) next.name = input.name.trim();
  if (domains) next.domains = domains;
  if (input.externalId && !next.externalIds.includes(input.externalId))
    next.externalIds = [...next.externalIds, input.externalId];
  if (input.revenue !== undefined) next.revenue = input.revenue;
  if (input.size !== undefined) next.size = input.size;
  if (tier !== undefined) next.tierId = tier.id;
  if (input.logoUrl !== undefined) next.logoUrl = input.logoUrl;
  if (input.slackChannelId !== undefined) next.slackChannelId = input.slackChannelId;
  checkUnique(state, match.id, next.domains, next.externalIds);
  commitTier(state, tier);
  const updatedFrom: Record<string, unknown> = {};
  for (const key of Object.keys(match) as (keyof CustomerRecord)[]) {
    if (!isDeepStrictEqual(match[key], next[key])) updatedFrom[key] = match[key];
  }
  if (Object.keys(updatedFrom).length === 0) return match;
  const from = { updatedAt: match.updatedAt, ...updatedFrom };
  Object.assign(match, next, { updatedAt: state.now() });
  state.bumpSync();
  state.emit({ type: 'Customer', action: 'update', entityId: match.id, updatedFrom: from });
  return match;
}

export interface CustomerNeedCreateInput {
  id?: string | null;
  customerId?: string | null;
  customerExternalId?: string | null;
  issueId?: string | null;
  body?: string | null;
  priority?: number | null;
  attachmentId?: string | null;
  attachmentUrl?: string | null;
}

/** `customerNeedCreate` on an issue; `attachmentUrl` creates (or reuses) the issue's attachment for that URL. */
export function createNeed(state: LinearState, input: CustomerNeedCreateInput): CustomerNeedRecord {
  if (input.customerId && input.customerExternalId)
    throw invalidInput(
      'Argument Validation Error',
      'customerId and customerExternalId are mutually exclusive.',
    );
  if (input.attachmentId && input.attachmentUrl)
    throw invalidInput('Argument Validation Error', 'attachmentId and attachmentUrl are mutually exclusive.');
  if (!input.issueId)
    throw invalidInput('Argument Validation Error', 'Either issueId or projectId must be provided.');
  let customer: CustomerRecord | undefined;
  if (input.customerId) {
    customer = state.customers.get(input.customerId);
    if (!customer) throw referenceNotFound('customerId');
  } else if (input.customerExternalId) {
    customer = [...state.customers.values()].find((c) =>
      c.externalIds.includes(input.customerExternalId ?? ''),
    );
    if (!customer) throw referenceNotFound('customerExternalId');
  }
  const issue = requireIssueRef(state, input.issueId);
  const priority = input.priority ?? 0;
  if (priority !== 0 && priority !== 1)
    throw invalidInput('Argument Validation Error', 'priority must be 0 or 1.');
  const id = newId(state.needs, 'CustomerNeed', input.id);
  let attachmentId: string | null = null;
  if (input.attachmentId) {
    const attachment = state.attachments.get(input.attachmentId);
    if (!attachment || attachment.issueId !== issue.id) throw referenceNotFound('attachmentId');
    attachmentId = attachment.id;
  } else if (input.attachmentUrl) {
    attachmentId = upsertAttachment(state, {
      issueId: issue.id,
      url: input.attachmentUrl,
      title: input.attachmentUrl,
    }).id;
  }
  const at = state.now();
  const need: CustomerNeedRecord = {
    id,
    customerId: customer?.id ?? null,
    issueId: issue.id,
    body: input.body ?? null,
    priority,
    attachmentId,
    creatorId: state.viewer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.needs.set(need.id, need);
  state.bumpSync();
  state.emit({ type: 'CustomerNeed', action: 'create', entityId: need.id });
  return need;
}

export interface CustomerNeedUpdateInput {
  body?: string | null;
  priority?: number | null;
  customerId?: string | null;
  customerExternalId?: string | null;
  attachmentUrl?: string | null;
  issueId?: string | null;
  applyPriorityToRelatedNeeds?: boolean | null;
}

/**
 * `customerNeedUpdate`: `body: null` clears the body; `clearAttachment` removes the need's attachment (and the
 * attachment itself when no other need uses it); `attachmentUrl` replaces it. `issueId` (a UUID or an identifier)
 * moves the need, keeping its id, to another issue, and its attachment with it ("The need's attachment will also
 * be moved to the target issue", Linear's schema).
 */
export function updateNeed(
  state: LinearState,
  id: string,
  input: CustomerNeedUpdateInput,
  clearAttachment?: boolean | null,
): CustomerNeedRecord {
  const need = state.needs.get(id);
  if (!need) throw notFound('CustomerNeed');
  if (input.customerId && input.customerExternalId)
    throw invalidInput(
      'Argument Validation Error',
      'customerId and customerExternalId are mutually exclusive.',
    );
  const target = input.issueId ? requireIssueRef(state, input.issueId) : undefined;
  if (input.priority !== undefined && input.priority !== null && input.priority !== 0 && input.priority !== 1)
    throw invalidInput('Argument Validation Error', 'priority must be 0 or 1.');
  let customerId = need.customerId;
  if (input.customerId) {
    if (!state.customers.has(input.customerId)) throw referenceNotFound('customerId');
    customerId = input.customerId;
  } else if (input.customerExternalId) {
    const found = [...state.customers.values()].find((c) =>
      c.externalIds.includes(input.customerExternalId ?? ''),
    );
    if (!found) throw referenceNotFound('customerExternalId');
    customerId = found.id;
  }
  if (target && target.id !== need.issueId) moveNeed(state, need, target.id);
  const dropped = clearAttachment || input.attachmentUrl ? need.attachmentId : null;
  let attachmentId = clearAttachment ? null : need.attachmentId;
  if (input.attachmentUrl) {
    attachmentId = upsertAttachment(state, {
      issueId: need.issueId,
      url: input.attachmentUrl,
      title: input.attachmentUrl,
    }).id;
  }
  if (input.body !== undefined) need.body = input.body;
  if (input.priority !== undefined && input.priority !== null) need.priority = input.priority;
  need.customerId = customerId;
  need.attachmentId = attachmentId;
  need.updatedAt = state.now();
  if (dropped && dropped !== attachmentId) dropUnusedAttachment(state, dropped);
  state.bumpSync();
  state.emit({ type: 'CustomerNeed', action: 'update', entityId: need.id });
  return need;
}

/** An attachment no need uses any more is removed with the need that used it. */
function dropUnusedAttachment(state: LinearState, attachmentId: string): void {
  const shared = [...state.needs.values()].some((n) => n.attachmentId === attachmentId);
  if (!shared && state.attachments.delete(attachmentId))
    state.emit({ type: 'Attachment', action: 'remove', entityId: attachmentId });
}

/**
 * The need, and its attachment, onto another issue. The attachment moves when no need left behind uses it, else a
 * copy is made there; an attachment of the same URL already on the target (attachments are unique per issue and
 * URL) is used instead.
 */
function moveNeed(state: LinearState, need: CustomerNeedRecord, issueId: string): void {
  const attachment = need.attachmentId ? state.attachments.get(need.attachmentId) : undefined;
  need.issueId = issueId;
  if (!attachment) return;
  const there = [...state.attachments.values()].find(
    (a) => a.issueId === issueId && a.url === attachment.url,
  );
  const leftBehind = [...state.needs.values()].some(
    (n) => n.attachmentId === attachment.id && n.issueId === attachment.issueId,
  );
  if (!there && !leftBehind) {
    attachment.issueId = issueId;
    attachment.updatedAt = state.now();
    state.emit({ type: 'Attachment', action: 'update', entityId: attachment.id });
    return;
  }
  need.attachmentId = (
    there ?? upsertAttachment(state, { issueId, url: attachment.url, title: attachment.title })
  ).id;
  if (!leftBehind) dropUnusedAttachment(state, attachment.id);
}

/**
 * `customerNeedDelete`: the need goes, and with it its attachment (unless `keepAttachment`, or another need still
 * uses it).
 */
export function deleteNeed(
  state: LinearState,
  id: string,
  keepAttachment?: boolean | null,
): CustomerNeedRecord {
  const need = state.needs.get(id);
  if (!need) throw notFound('CustomerNeed');
  state.needs.delete(id);
  if (need.attachmentId && !keepAttachment) dropUnusedAttachment(state, need.attachmentId);
  state.bumpSync();
  state.emit({ type: 'CustomerNeed', action: 'remove', entityId: need.id });
  return need;
}
