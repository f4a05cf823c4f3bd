import type { TrackerEvents } from '../../application/tracker-events.ts';
import type { Trackers } from '../../connectors/tracker-registry.ts';
import type { Logger } from '../../log.ts';
import type { JobPayload } from '../../queue/catalog.ts';
import type { Store } from '../../store/store.ts';
import { storedEvents } from '../../store/webhooks.repo.ts';

/**
 * Applies one recorded webhook delivery. The row holds the events the delivery means, so a retry, a redrive after a Redis flush or a
 * second job for the same delivery reads the same thing; a processed row is not applied again, and every apply
 * step is itself idempotent (an issue state no newer than the one stored changes nothing).
 */
export function createTrackerEventJob({
  store,
  trackers,
  sync,
  log,
}: {
  store: Store;
  trackers: Trackers;
  sync: TrackerEvents;
  log: Logger;
}) {
  return async ({ deliveryId }: JobPayload<'tracker-event'>) => {
    const delivery = await store.webhooks.get(deliveryId);
    if (!delivery) return { skipped: 'delivery not found' };
    if (delivery.processedAt) return { skipped: 'already processed' };
    const tracker = trackers.get(delivery.provider, delivery.site);
    if (!tracker) {
      const outcome = `no ${delivery.provider} tracker "${delivery.site}" is configured`;
      await store.webhooks.markProcessed(delivery.id, outcome);
      return { skipped: outcome };
    }
    // A row stored before rows kept events holds the provider's body: parsed here, and reduced to its events.
    const kept = storedEvents(delivery.payload);
    const events = kept ?? tracker.parseWebhook(JSON.stringify(delivery.payload));
    const outcomes = await sync.applyEvents(tracker, events, 'tracker');
    await store.webhooks.markProcessed(delivery.id, outcomes.join('; '), kept ? undefined : events);
    log.debug({ deliveryId, provider: delivery.provider, outcomes }, 'webhook applied');
    return { outcomes };
  };
}
