import { createHmac, timingSafeEqual } from 'node:crypto';
import { headerValue } from '../tracker.ts';
import { slackSpec } from './spec.ts';

/**
 * Slack Events API requests: the v0 signature check over the raw body, and what a delivery means for us. Pure.
 * https://api.slack.com/authentication/verifying-requests-from-slack
 */

type SlackHeaders = Record<string, string | string[] | undefined>;
type SlackVerdict = { ok: true } | { ok: false; reason: string };

/**
 * `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>`.
 * The raw bytes must be the ones received. Compares lengths, then in constant time.
 */
export function verifySlackSignature(
  headers: SlackHeaders,
  rawBody: Buffer,
  signingSecret: string,
  nowMs: number,
): SlackVerdict {
  if (signingSecret === '') return { ok: false, reason: 'no signing secret is configured' };
  const stamp = headerValue(headers, slackSpec.webhook.timestampHeader);
  const signature = headerValue(headers, slackSpec.webhook.signatureHeader);
  if (!stamp) return { ok: false, reason: 'missing X-Slack-Request-Timestamp header' };
  if (!signature) return { ok: false, reason: 'missing X-Slack-Signature header' };
  if (!/^\d{1,12}$/.test(stamp)) return { ok: false, reason: 'X-Slack-Request-Timestamp is not a Unix time' };
  if (Math.abs(nowMs / 1000 - Number(stamp)) > slackSpec.webhook.maxSignatureAgeSeconds) {
    return {
      ok: false,
      reason: 'X-Slack-Request-Timestamp is more than 5 minutes from now (stale or replayed)',
    };
  }
  const match = /^v0=([0-9a-f]+)$/i.exec(signature.trim());
  if (!match?.[1]) return { ok: false, reason: 'X-Slack-Signature is not of the form v0=<hex>' };
  const given = Buffer.from(match[1].toLowerCase(), 'utf8');
  const expected = Buffer.from(signSlackBody(signingSecret, stamp, rawBody).slice('v0='.length), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'X-Slack-Signature does not match the body' };
  }
  return { ok: true };
}

/** The signature Slack sends for this body at this timestamp (`v0=<hex>`); also what tests sign with. */
export function signSlackBody(signingSecret: string, timestamp: string, rawBody: Buffer | string): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(rawBody);
  return `v0=${hmac.digest('hex')}`;
}

/** A reaction on a message, as the Events API tells it. */
interface SlackReaction {
  eventId: string | undefined;
  /** Emoji name without skin tone. */
  reaction: string;
  /** Who reacted. */
  user: string | undefined;
  channel: string;
  /** The reacted message's `ts`. */
  ts: string;
}

type SlackEvent =
  | { type: 'url_verification'; challenge: string }
  | { type: 'reaction_added'; reaction: SlackReaction }
  | { type: 'ignored'; reason: string }
  | { type: 'malformed'; reason: string };

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * One Events API delivery. `url_verification` carries the challenge to echo; an `event_callback` with a
 * `reaction_added` event on a message is a reaction; other events are ignored; a body we cannot read is malformed.
 * https://api.slack.com/events/reaction_added
 */
export function parseSlackEvent(rawBody: Buffer | string): SlackEvent {
  let payload: unknown;
  try {
    payload = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8'));
  } catch {
    return { type: 'malformed', reason: 'body is not JSON' };
  }
  if (!isRecord(payload)) return { type: 'malformed', reason: 'body is not a JSON object' };
  const type = text(payload['type']);
  if (type === 'url_verification') {
    const challenge = text(payload['challenge']);
    return challenge
      ? { type: 'url_verification', challenge }
      : { type: 'malformed', reason: 'url_verification without a challenge' };
  }
  if (type !== 'event_callback')
    return { type: 'ignored', reason: `${type ?? 'an untyped'} request is not an event we act on` };
  const event = payload['event'];
  if (!isRecord(event)) return { type: 'malformed', reason: 'event_callback without an event object' };
  const eventType = text(event['type']);
  if (eventType !== 'reaction_added')
    return { type: 'ignored', reason: `${eventType ?? 'untyped'} event is not one we act on` };
  const item = event['item'];
  if (!isRecord(item)) return { type: 'malformed', reason: 'reaction_added without an item' };
  if (item['type'] !== 'message')
    return { type: 'ignored', reason: `reaction on a ${String(item['type'])}, not a message` };
  const channel = text(item['channel']);
  const ts = text(item['ts']);
  const reaction = text(event['reaction']);
  if (!channel || !ts || !/^\d+\.\d+$/.test(ts)) {
    return { type: 'malformed', reason: 'reaction_added without the message channel and ts' };
  }
  if (!reaction) return { type: 'malformed', reason: 'reaction_added without a reaction name' };
  return {
    type: 'reaction_added',
    reaction: {
      eventId: text(payload['event_id']),
      // A skin-toned reaction is named `thumbsup::skin-tone-2`: the tone does not change which emoji it is.
      reaction: reaction.replace(/::skin-tone-\d$/, ''),
      user: text(event['user']),
      channel,
      ts,
    },
  };
}
