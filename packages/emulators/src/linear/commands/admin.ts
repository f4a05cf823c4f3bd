import { randomBytes } from 'node:crypto';
import { invalidInput, notFound } from '../errors.ts';
import type { LabelRecord, WebhookRecord } from '../model.ts';
import type { LinearState } from '../state.ts';
import { newId, requireTeamRef, requireText } from './common.ts';

/** Issue labels and webhooks. */

export interface IssueLabelCreateInput {
  id?: string | null;
  name?: string | null;
  color?: string | null;
  description?: string | null;
  teamId?: string | null;
}

/** A team label, or a workspace label without `teamId`; names are unique within their scope. */
export function createLabel(state: LinearState, input: IssueLabelCreateInput): LabelRecord {
  const name = requireText(input.name, 'name').trim();
  const teamId = input.teamId ? requireTeamRef(state, input.teamId).id : null;
  const clash = [...state.labels.values()].some(
    (l) =>
      l.name.toLowerCase() === name.toLowerCase() &&
      (l.teamId === teamId || l.teamId === null || teamId === null),
  );
  if (clash) throw invalidInput('Argument Validation Error', `A label named "${name}" already exists.`);
  const at = state.now();
  const label: LabelRecord = {
    id: newId(state.labels, 'IssueLabel', input.id),
    name,
    color: input.color ?? '#bec2c8',
    description: input.description ?? null,
    teamId,
    creatorId: state.viewer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.labels.set(label.id, label);
  state.bumpSync();
  state.emit({ type: 'IssueLabel', action: 'create', entityId: label.id });
  return label;
}

export interface WebhookCreateInput {
  id?: string | null;
  url: string;
  label?: string | null;
  teamId?: string | null;
  allPublicTeams?: boolean | null;
  resourceTypes: string[];
  secret?: string | null;
  enabled?: boolean | null;
}

/**
 * `webhookCreate`: for one team or all public teams, for the given resource types, signed with `secret`
 * (Linear generates one when none is given).
 */
export function createWebhook(state: LinearState, input: WebhookCreateInput): WebhookRecord {
  const url = requireText(input.url, 'url');
  if (!/^https?:\/\//.test(url))
    throw invalidInput('Argument Validation Error', 'url must be a URL address.');
  if (!input.teamId && !input.allPublicTeams)
    throw invalidInput('Argument Validation Error', 'Either teamId or allPublicTeams must be set.');
  if (input.resourceTypes.length === 0)
    throw invalidInput('Argument Validation Error', 'resourceTypes should not be empty.');
  const teamId = input.teamId ? requireTeamRef(state, input.teamId).id : null;
  const at = state.now();
  const webhook: WebhookRecord = {
    id: newId(state.webhooks, 'Webhook', input.id),
    url,
    label: input.label ?? null,
    teamId,
    allPublicTeams: Boolean(input.allPublicTeams) && teamId === null,
    resourceTypes: [...new Set(input.resourceTypes)],
    secret: input.secret || `lin_wh_${randomBytes(24).toString('hex')}`,
    enabled: input.enabled ?? true,
    creatorId: state.viewer.id,
    createdAt: at,
    updatedAt: at,
  };
  state.webhooks.set(webhook.id, webhook);
  state.bumpSync();
  return webhook;
}

export function deleteWebhook(state: LinearState, id: string): void {
  if (!state.webhooks.delete(id)) throw notFound('Webhook');
  state.bumpSync();
}
