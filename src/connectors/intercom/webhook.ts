import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookSignatureError } from '../errors.ts';
import { headerValue } from '../tracker.ts';
import { intercomSpec } from './spec.ts';

/**
 * Intercom webhook notifications are signed with the app's client secret: `X-Hub-Signature: sha1=<hex HMAC-SHA1
 * of the raw body>` (https://developers.intercom.com/docs/webhooks/setting-up-webhooks#signed-notifications).
 * Throws WebhookSignatureError when it does not match. Pure.
 */
export function verifyIntercomSignature(
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer,
  secret: string | undefined,
): void {
  if (!secret)
    throw new WebhookSignatureError('intercom', 'no webhook secret is configured (webhookSecretEnv)');
  const given = headerValue(headers, intercomSpec.webhook.signatureHeader);
  if (!given) throw new WebhookSignatureError('intercom', 'missing X-Hub-Signature header');
  const expected = Buffer.from(`sha1=${createHmac('sha1', secret).update(rawBody).digest('hex')}`);
  const actual = Buffer.from(given);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new WebhookSignatureError('intercom', 'bad X-Hub-Signature');
  }
}

/** Topics that can carry a newly tagged conversation; the others are acknowledged and ignored. */
export const CONVERSATION_TOPICS = new Set(['conversation_part.tag.created', 'conversation.admin.tagged']);

/** The notification's topic and conversation (`data.item`), or why there is none. */
export function parseIntercomNotification(
  rawBody: Buffer,
): { topic: string; item: unknown } | { invalid: string } {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { invalid: 'the body is not JSON' };
  }
  const b = body as { topic?: unknown; data?: { item?: unknown } } | null;
  if (typeof b?.topic !== 'string') return { invalid: 'the notification has no topic' };
  return { topic: b.topic, item: b.data?.item };
}
