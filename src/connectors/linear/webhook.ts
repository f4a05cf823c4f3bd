import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue, type TrackerEvent, type WebhookHeaders, type WebhookVerdict } from '../tracker.ts';
import { type LinearIssueFields, type LinearStateFields, toIssueState } from './map.ts';
import { linearSpec } from './spec.ts';

/**
 * Linear webhooks (https://linear.app/developers/webhooks#securing-webhooks): `Linear-Signature` is the hex
 * HMAC-SHA256 of the raw body with the webhook's secret, no prefix; `webhookTimestamp` in the signed body is the
 * send time in epoch ms, and a delivery more than a minute away from now is refused (replay). The SDK's
 * LinearWebhookClient checks the same, but against `Date.now()` with no way to pass `now`, so this does it with
 * the caller's clock; webhook.test.ts checks that both agree.
 */

export function verifyLinearWebhook(
  headers: WebhookHeaders,
  rawBody: Buffer,
  secret: string,
  nowMs: number,
): WebhookVerdict {
  if (!secret) return { ok: false, reason: 'no webhook secret configured' };
  const signature = headerValue(headers, linearSpec.webhook.signatureHeader);
  if (!signature) return { ok: false, reason: 'missing Linear-Signature header' };
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('hex'));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad Linear-Signature' };
  }
  let timestamp: unknown;
  try {
    timestamp = (JSON.parse(rawBody.toString('utf8')) as { webhookTimestamp?: unknown })?.webhookTimestamp;
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
    return { ok: false, reason: 'missing or invalid webhookTimestamp' };
  }
  if (Math.abs(nowMs - timestamp) > linearSpec.webhook.timestampToleranceMs) {
    return { ok: false, reason: 'webhookTimestamp outside the 60 s window (replayed or clock skew)' };
  }
  return { ok: true };
}

interface Envelope {
  type?: unknown;
  action?: unknown;
  createdAt?: unknown;
  data?: Record<string, unknown> | null;
}

/**
 * What one verified delivery means. `Issue` create/update → issue-changed (from `data.state`; an issue marked a
 * duplicate arrives as an update into a state of type `duplicate`), remove → issue-deleted; an `IssueRelation` of
 * type duplicate created → duplicate-marked. Everything else is ignored with a reason.
 */
export function parseLinearWebhook(rawBody: Buffer | string, workspace: string): TrackerEvent[] {
  let body: Envelope;
  try {
    body = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as Envelope;
  } catch {
    return [{ type: 'ignored', reason: 'body is not JSON' }];
  }
  const { type, action } = body;
  const data = body.data && typeof body.data === 'object' ? body.data : undefined;
  if (!data) return [{ type: 'ignored', reason: `${String(type)} ${String(action)} without data` }];
  if (type === 'Issue') return [issueEvent(body, data, workspace)];
  if (type === 'IssueRelation' && action === 'create') return [relationEvent(body, data)];
  return [{ type: 'ignored', reason: `${String(type)} ${String(action)} is not an issue change we track` }];
}

function issueEvent(body: Envelope, data: Record<string, unknown>, workspace: string): TrackerEvent {
  const id = text(data['id']);
  if (!id) return { type: 'ignored', reason: 'Issue event without data.id' };
  const at = isoOf(data['updatedAt']) ?? isoOf(body.createdAt);
  // A delete moves the issue to the trash: `action: "remove"` with `data.trashed: true`.
  if (body.action === 'remove' || data['trashed'] === true) {
    return at
      ? { type: 'issue-deleted', issueId: id, at }
      : { type: 'ignored', reason: 'remove without a time' };
  }
  if (body.action !== 'create' && body.action !== 'update') {
    return { type: 'ignored', reason: `Issue ${String(body.action)} is not a change we track` };
  }
  const state = data['state'] as Partial<Record<keyof LinearStateFields, unknown>> | null | undefined;
  const identifier = text(data['identifier']);
  const url = text(data['url']);
  const name = text(state?.name);
  const stateType = text(state?.type);
  if (!identifier || !url || !at || !name || !stateType) {
    return { type: 'ignored', reason: `Issue ${body.action} without identifier, url, updatedAt or state` };
  }
  const issue: LinearIssueFields = { id, identifier, url, updatedAt: at };
  return { type: 'issue-changed', state: toIssueState(workspace, issue, { name, type: stateType }) };
}

/** `IssueRelation` data: `{ id, type, issueId, relatedIssueId, issue?, relatedIssue?, createdAt, ... }`. */
function relationEvent(body: Envelope, data: Record<string, unknown>): TrackerEvent {
  if (data['type'] !== 'duplicate') {
    return { type: 'ignored', reason: `IssueRelation of type ${String(data['type'])}` };
  }
  const issueId = text(data['issueId']) ?? text((data['issue'] as { id?: unknown } | null)?.id);
  const duplicateOfIssueId =
    text(data['relatedIssueId']) ?? text((data['relatedIssue'] as { id?: unknown } | null)?.id);
  const at = isoOf(data['createdAt']) ?? isoOf(body.createdAt);
  if (!issueId || !duplicateOfIssueId || !at) {
    return { type: 'ignored', reason: 'duplicate IssueRelation without issue, related issue or time' };
  }
  return { type: 'duplicate-marked', issueId, duplicateOfIssueId, at };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isoOf(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
