import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { TrackerKind } from '../domain/tracker.ts';
import type { Db } from './db.ts';
import { webhookDeliveries } from './schema.ts';

export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;

/**
 * Inbound tracker webhooks, recorded before they are acknowledged: the row is the work (a job only carries its
 * id), and its unique delivery id makes a redelivery a no-op.
 */
export function createWebhooksRepo(db: Db) {
  return {
    /** Records a delivery; `duplicate` when this delivery id was recorded before. */
    async record(input: {
      provider: TrackerKind;
      site: string;
      deliveryId: string;
      payload: unknown;
    }): Promise<{ id: string; duplicate: false } | { duplicate: true }> {
      const [row] = await db
        .insert(webhookDeliveries)
        .values(input)
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id });
      return row ? { id: row.id, duplicate: false } : { duplicate: true };
    },

    async get(id: string): Promise<WebhookDelivery | undefined> {
      const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      return row;
    },

    async markProcessed(id: string, outcome: string): Promise<void> {
      await db
        .update(webhookDeliveries)
        .set({ processedAt: sql`now()`, outcome: outcome.slice(0, 500) })
        .where(eq(webhookDeliveries.id, id));
    },

    /** Deliveries recorded before `before` and not processed yet: the reconciler's work list. */
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

export type WebhooksRepo = ReturnType<typeof createWebhooksRepo>;
