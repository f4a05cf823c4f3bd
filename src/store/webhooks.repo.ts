import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { TrackerEvent } from '../connectors/tracker.ts';
import type { TrackerKind } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { webhookDeliveries } from './schema.ts';

type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/**
 * What a delivery keeps: the events it means (issue ids and keys, status, times, our marks), never the provider's
 * body, whose issue descriptions quote customers and would outlive their erasure for the retention period.
 */
interface StoredDelivery {
  events: TrackerEvent[];
}

/** The events a stored delivery keeps; undefined for a row stored before, which holds the provider's body. */
export function storedEvents(payload: unknown): TrackerEvent[] | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const events = (payload as Partial<StoredDelivery>).events;
  return Array.isArray(events) ? events : undefined;
}

/**
 * Inbound tracker webhooks, recorded before they are acknowledged: the row is the work (a job only carries its
 * id), and its unique delivery id makes a redelivery a no-op. A row holds the parsed events, not the body.
 */
export function createWebhooksRepo(db: Db) {
  return {
    /** Records a delivery; `duplicate` when this delivery id was recorded before. */
    async record(input: {
      provider: TrackerKind;
      site: string;
      deliveryId: string;
      events: readonly TrackerEvent[];
    }): Promise<{ id: string; duplicate: false } | { duplicate: true }> {
      const { events, ...delivery } = input;
      const payload: StoredDelivery = { events: [...events] };
      const [row] = await db
        .insert(webhookDeliveries)
        .values({ ...delivery, payload })
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      return row ? { id: row.id, duplicate: false } : { duplicate: true };
    },

    async get(id: string): Promise<WebhookDelivery | undefined> {
      const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      return row;
    },

    /** With `events`, the row keeps those instead of what it held (a body stored before rows held events). */
    async markProcessed(id: string, outcome: string, events?: readonly TrackerEvent[]): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set({
          processedAt: sql`now()`,
          outcome: outcome.slice(0, 500),
          ...(events ? { payload: { events: [...events] } satisfies StoredDelivery } : {}),
        })
        .where(eq(webhookDeliveries.id, id));
    },

    /** Deliveries recorded before `before` and not processed yet: the redrive's work list. */
    async unprocessed(
      before: Date,
      limit: number,
    ): Promise<Array<Pick<WebhookDelivery, 'id' | 'provider' | 'site'>>> {
      return db
        .select({
          id: webhookDeliveries.id,
          provider: webhookDeliveries.provider,
          site: webhookDeliveries.site,
        })
        .from(webhookDeliveries)
        .where(and(isNull(webhookDeliveries.processedAt), lt(webhookDeliveries.receivedAt, before)))
        .orderBy(webhookDeliveries.receivedAt)
        .limit(limit);
    },

    /** Forgets processed deliveries received before `before` (their delivery ids are no longer retried by then). */
    async prune(before: Date): Promise<number> {
      const rows = await db
        .delete(webhookDeliveries)
        .where(
          and(sql`${webhookDeliveries.processedAt} is not null`, lt(webhookDeliveries.receivedAt, before)),
        )
        .returning({ id: webhookDeliveries.id });
      return rows.length;
    },
  };
}
