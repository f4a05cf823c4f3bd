import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { features, notifications, requesters, unsubscribes } from './schema.ts';

/** How a stop was asked for (`unsubscribes.via`). */
export type UnsubscribeVia = 'page' | 'one-click' | 'api';

export interface SubscriptionState {
  /** The feature the token is about, if any (its title for the page). */
  feature: { id: string; title: string } | null;
  stoppedFeature: boolean;
  stoppedAll: boolean;
  digest: boolean;
}

/** A requester's mail choices: stop one feature's mail, stop all, or one daily digest instead. */
export function createSubscriptionsRepo(db: Db) {
  return {
    async state(requesterId: string, featureId: string | undefined): Promise<SubscriptionState> {
      const [requester] = await db
        .select({ digest: requesters.notifyDigest })
        .from(requesters)
        .where(eq(requesters.id, requesterId));
      const stops = await db
        .select({ featureId: unsubscribes.featureId })
        .from(unsubscribes)
        .where(eq(unsubscribes.requesterId, requesterId));
      const [feature] = featureId
        ? await db
            .select({ id: features.id, title: features.title })
            .from(features)
            .where(eq(features.id, featureId))
        : [];
      return {
        feature: feature ?? null,
        stoppedFeature: featureId !== undefined && stops.some((s) => s.featureId === featureId),
        stoppedAll: stops.some((s) => s.featureId === null),
        digest: requester?.digest ?? false,
      };
    },

    /**
     * Records the stop (idempotent: asking twice is one row) and suppresses what is already queued for it, in one
     * transaction, so no message the requester has not yet received goes out after they said stop.
     */
    async unsubscribe(input: {
      requesterId: string;
      featureId: string | null;
      via: UnsubscribeVia;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx
          .insert(unsubscribes)
          .values({ requesterId: input.requesterId, featureId: input.featureId, via: input.via })
          .onConflictDoNothing();
        await tx
          .update(notifications)
          .set({ state: 'suppressed', reason: 'unsubscribed', updatedAt: sql`now()` })
          .where(
            and(
              eq(notifications.requesterId, input.requesterId),
              eq(notifications.state, 'pending'),
              eq(notifications.channel, 'email'),
              input.featureId === null ? undefined : eq(notifications.featureId, input.featureId),
            ),
          );
      });
    },

    /** One daily digest instead of a message per change (or back). */
    async setDigest(requesterId: string, digest: boolean): Promise<void> {
      await db
        .update(requesters)
        .set({ notifyDigest: digest, updatedAt: sql`now()` })
        .where(eq(requesters.id, requesterId));
    },

    /** Whether mail about this feature is stopped (for that feature, or for all mail). */
    async isStopped(requesterId: string, featureId: string): Promise<boolean> {
      const rows = await db
        .select({ id: unsubscribes.id })
        .from(unsubscribes)
        .where(
          and(
            eq(unsubscribes.requesterId, requesterId),
            or(isNull(unsubscribes.featureId), eq(unsubscribes.featureId, featureId)),
          ),
        )
        .limit(1);
      return rows.length > 0;
    },
  };
}

export type SubscriptionsRepo = ReturnType<typeof createSubscriptionsRepo>;
