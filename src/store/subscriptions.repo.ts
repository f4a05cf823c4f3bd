import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { mergeChain } from './feature-writes.ts';
import { features, notifications, requesters, unsubscribes } from './schema.ts';

/** How a stop was asked for (`unsubscribes.via`); `merge`: copied to the survivor by a merge (status.repo.ts). */
type UnsubscribeVia = 'page' | 'one-click' | 'api' | 'merge';

export interface SubscriptionState {
  /** The live feature the token is about, if any (its title for the page): a merged feature's survivor. */
  feature: { id: string; title: string } | null;
  stoppedFeature: boolean;
  stoppedAll: boolean;
  digest: boolean;
}

/**
 * A requester's mail choices: stop one feature's mail, stop all, or one daily digest instead. A link names the
 * feature it was sent about, which may since have been merged: a stop through it holds for that feature and every
 * feature it was merged into, so it reaches the live one where the request now is.
 */
export function createSubscriptionsRepo(db: Db) {
  return {
    async state(requesterId: string, tokenFeatureId: string | undefined): Promise<SubscriptionState> {
      const featureId = tokenFeatureId
        ? (await db.transaction((tx) => mergeChain(tx, tokenFeatureId))).at(-1)
        : undefined;
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
        // Each row locked against a merge: a stop written for these cannot miss the copy a concurrent merge makes
        // to its survivor, and cannot land on a feature merged away meanwhile.
        const chain =
          input.featureId === null ? [] : await mergeChain(tx, input.featureId, { lock: 'key share' });
        await tx
          .insert(unsubscribes)
          .values(
            (input.featureId === null ? [null] : chain).map((featureId) => ({
              requesterId: input.requesterId,
              featureId,
              via: input.via,
            })),
          )
          .onConflictDoNothing();
        await tx
          .update(notifications)
          .set({ state: 'suppressed', reason: 'unsubscribed', updatedAt: sql`now()` })
          .where(
            and(
              eq(notifications.requesterId, input.requesterId),
              eq(notifications.state, 'pending'),
              eq(notifications.channel, 'email'),
              input.featureId === null ? undefined : inArray(notifications.featureId, chain),
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
  };
}
