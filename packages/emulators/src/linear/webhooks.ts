import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookDeliverer } from '../shared/webhook-deliverer.ts';
import type { ChangeEvent, WebhookRecord } from './model.ts';
import type { LinearState } from './state.ts';
import { eventData, userChild } from './webhook-payloads.ts';

/** Whether a webhook hears about a change of this type in this team (null team: a workspace-wide entity). */
export function subscribes(webhook: WebhookRecord, type: string, teamId: string | null): boolean {
  if (!webhook.enabled || !webhook.resourceTypes.includes(type)) return false;
  return webhook.allPublicTeams || teamId === null || webhook.teamId === teamId;
}

/** The signature Linear puts in `Linear-Signature`: hex HMAC-SHA256 of the raw body, no prefix. */
export function sign(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Turns every change event into Linear's webhook deliveries (https://linear.app/developers/webhooks):
 * `{ action, type, data, updatedFrom, url, actor, createdAt, organizationId, webhookId, webhookTimestamp }`
 * with `Linear-Signature`, `Linear-Delivery` (one uuid per delivery, kept across retries) and `Linear-Event`.
 * `webhookTimestamp` is stamped, and the body signed, at each attempt: the SDK's verifier rejects a timestamp
 * more than a minute old, so a retry must not replay the first attempt's body.
 */
export function startWebhooks(state: LinearState, deliverer: WebhookDeliverer): () => void {
  return state.on((event: ChangeEvent) => {
    const hooks = [...state.webhooks.values()];
    if (hooks.length === 0) return;
    const found = eventData(state, event);
    if (!found) return;
    const createdAt = new Date(state.nowMs()).toISOString();
    const actor = userChild(state);
    for (const webhook of hooks) {
      if (!subscribes(webhook, event.type, found.teamId)) continue;
      const { secret, url, id: webhookId } = webhook;
      const deliveryId = randomUUID();
      deliverer.send({
        deliveryId,
        url,
        event: event.type,
        build: () => {
          const payload = {
            action: event.action,
            actor,
            createdAt,
            data: found.data,
            ...(event.updatedFrom ? { updatedFrom: event.updatedFrom } : {}),
            url: found.url,
            type: event.type,
            organizationId: state.organization.id,
            webhookId,
            webhookTimestamp: Date.now(),
          };
          const body = JSON.stringify(payload);
          return {
            body,
            headers: {
              'content-type': 'application/json; charset=utf-8',
              'user-agent': 'Linear-Webhook',
              'linear-delivery': deliveryId,
              'linear-event': event.type,
              'linear-signature': sign(secret, body),
            },
          };
        },
      });
    }
  });
}
