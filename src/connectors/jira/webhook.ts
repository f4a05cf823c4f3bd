import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TrackerEvent, WebhookHeaders, WebhookVerdict } from '../tracker.ts';
import { isDuplicateLinkType, JiraShapeError, type JiraSiteRef, jiraIssueState, jiraMarks } from './map.ts';
import { jiraSpec } from './spec.ts';

/**
 * Admin-registered Jira webhooks (https://developer.atlassian.com/cloud/jira/platform/webhooks/): the check of their
 * signature over the raw body, and what a delivery means for us. Pure.
 */

function header(headers: WebhookHeaders, name: string): string | readonly string[] | undefined {
  if (headers[name] !== undefined) return headers[name];
  const found = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return found === undefined ? undefined : headers[found];
}

/**
 * `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>` (WebSub style; not `X-Hub-Signature-256`). The raw
 * bytes must be the ones received: re-serialised JSON would not match. Compares lengths, then in constant time.
 */
export function verifyJiraWebhook(headers: WebhookHeaders, rawBody: Buffer, secret: string): WebhookVerdict {
  if (secret === '') return { ok: false, reason: 'no webhook secret is configured' };
  const value = header(headers, jiraSpec.webhook.signatureHeader);
  if (value === undefined || value === '') return { ok: false, reason: 'missing X-Hub-Signature header' };
  if (typeof value !== 'string') return { ok: false, reason: 'more than one X-Hub-Signature header' };
  const match = /^sha256=([0-9a-f]+)$/i.exec(value.trim());
  if (!match?.[1]) return { ok: false, reason: 'X-Hub-Signature is not of the form sha256=<hex>' };
  const given = Buffer.from(match[1].toLowerCase(), 'utf8');
  const expected = Buffer.from(createHmac('sha256', secret).update(rawBody).digest('hex'), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'X-Hub-Signature does not match the body' };
  }
  return { ok: true };
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const idText = (value: unknown): string | undefined =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;

function ignored(reason: string): TrackerEvent[] {
  return [{ type: 'ignored', reason }];
}

/**
 * One delivery as the events it means. Issue created / updated carry the issue's state (payloads use the v2
 * representation, whose `status`, `updated` and `issuelinks` read like v3's) with incomplete marks: labels but no
 * entity properties, so unless the old mark label shows, the mark is checked by reading the issue again. Deleted
 * names the issue; a new `Duplicate` link names which issue duplicates which (`sourceIssueId` is the link's inward
 * side, the issue that "duplicates" `destinationIssueId`). Everything else, or anything unreadable, is ignored with
 * the reason.
 */
export function parseJiraWebhook(rawBody: Buffer | string, site: JiraSiteRef): TrackerEvent[] {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return ignored('body is not JSON');
  }
  if (!isRecord(payload)) return ignored('body is not a JSON object');
  const event = typeof payload['webhookEvent'] === 'string' ? payload['webhookEvent'] : undefined;
  if (!event) return ignored('no webhookEvent in the body');
  // `timestamp` is the event's time in epoch milliseconds.
  const stamp = payload['timestamp'];
  const at = typeof stamp === 'number' && Number.isFinite(stamp) ? new Date(stamp).toISOString() : undefined;

  switch (event) {
    case 'jira:issue_created':
    case 'jira:issue_updated':
      try {
        return [{ type: 'issue-changed', state: jiraIssueState(payload['issue'], site) }];
      } catch (err) {
        if (err instanceof JiraShapeError) return ignored(`${event}: ${err.message}`);
        throw err;
      }
    case 'jira:issue_deleted': {
      const issue = isRecord(payload['issue']) ? payload['issue'] : undefined;
      const issueId = issue ? idText(issue['id']) : undefined;
      if (!issue || !issueId || !at) return ignored(`${event} without issue id or timestamp`);
      // The payload carries the issue as it was, labels but no properties: an issue created with the old mark label
      // shows whose it was; any other shows no mark, and the deletion applies to the link that names its id.
      const marks = jiraMarks(issue);
      return [{ type: 'issue-deleted', issueId, at, ...(marks ? { marks } : {}) }];
    }
    case 'issuelink_created': {
      const link = isRecord(payload['issueLink']) ? payload['issueLink'] : {};
      if (!isDuplicateLinkType(link['issueLinkType'])) return ignored(`${event}: not a Duplicate link`);
      const issueId = idText(link['sourceIssueId']);
      const duplicateOfIssueId = idText(link['destinationIssueId']);
      if (!issueId || !duplicateOfIssueId || !at) return ignored(`${event} without issue ids or timestamp`);
      return [{ type: 'duplicate-marked', issueId, duplicateOfIssueId, at }];
    }
    case 'issuelink_deleted':
      // Jira sends the ids only, not whether the issue is still a duplicate: the next read of it tells.
      return ignored(`${event}: a removed link is seen on the issue's next read (webhook or reconcile)`);
    default:
      return ignored(`${event} is not an event we act on`);
  }
}
