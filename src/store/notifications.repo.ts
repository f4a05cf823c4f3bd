import { and, asc, eq, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { Db } from './db.ts';
import {
  devMail,
  features,
  mailSuppressions,
  notifications,
  requesters,
  requests,
  unsubscribes,
} from './schema.ts';

/**
 * The notification outbox's read-and-settle side, for the send and digest jobs and the reconciler: a row is read
 * with everything its message needs, and settled (`sent`, `failed`, `suppressed`) only while it is still pending,
 * so a job that runs twice changes nothing the second time.
 */

export type NotificationRow = typeof notifications.$inferSelect;

export interface NotificationToSend {
  notification: NotificationRow;
  requester: {
    id: string;
    email: string;
    emailKey: string;
    name: string | null;
    tokenVersion: number;
    notifyDigest: boolean;
    erasedAt: Date | null;
  };
  feature: { id: string; title: string };
  request: {
    id: string;
    title: string;
    body: string;
    receivedAt: Date;
    source: string;
    sourceRef: string | null;
    sourceThread: Record<string, unknown> | null;
  } | null;
  /** Why no mail may go to this requester about this feature now, if anything says so. */
  blockedBy: string | undefined;
}

type Settled = 'sent' | 'failed' | 'suppressed';

export function createNotificationsRepo(db: Db) {
  async function blockedBy(requesterId: string, featureId: string, emailKey: string, channel: string) {
    const [unsubscribed] = await db
      .select({ featureId: unsubscribes.featureId })
      .from(unsubscribes)
      .where(
        and(
          eq(unsubscribes.requesterId, requesterId),
          or(isNull(unsubscribes.featureId), eq(unsubscribes.featureId, featureId)),
        ),
      )
      .limit(1);
    if (unsubscribed) return unsubscribed.featureId ? 'unsubscribed from this feature' : 'unsubscribed';
    if (channel !== 'email') return undefined;
    const [suppressed] = await db
      .select({ reason: mailSuppressions.reason })
      .from(mailSuppressions)
      .where(eq(mailSuppressions.emailKey, emailKey));
    return suppressed ? `address suppressed (${suppressed.reason})` : undefined;
  }

  async function load(rows: NotificationRow[]): Promise<NotificationToSend[]> {
    const out: NotificationToSend[] = [];
    for (const notification of rows) {
      const [requester] = await db
        .select({
          id: requesters.id,
          email: requesters.email,
          emailKey: requesters.emailKey,
          name: requesters.name,
          tokenVersion: requesters.tokenVersion,
          notifyDigest: requesters.notifyDigest,
          erasedAt: requesters.erasedAt,
        })
        .from(requesters)
        .where(eq(requesters.id, notification.requesterId));
      const [feature] = await db
        .select({ id: features.id, title: features.title })
        .from(features)
        .where(eq(features.id, notification.featureId));
      if (!requester || !feature) continue;
      const [request] = notification.requestId
        ? await db
            .select({
              id: requests.id,
              title: requests.title,
              body: requests.body,
              receivedAt: requests.receivedAt,
              source: requests.source,
              sourceRef: requests.sourceRef,
              sourceThread: requests.sourceThread,
            })
            .from(requests)
            .where(eq(requests.id, notification.requestId))
        : [];
      out.push({
        notification,
        requester,
        feature,
        request: request ?? null,
        blockedBy: requester.erasedAt
          ? 'requester erased'
          : await blockedBy(requester.id, feature.id, requester.emailKey, notification.channel),
      });
    }
    return out;
  }

  async function settle(ids: readonly string[], state: Settled, reason: string | null): Promise<number> {
    if (ids.length === 0) return 0;
    const done = await db
      .update(notifications)
      .set({
        state,
        reason,
        ...(state === 'sent' ? { sentAt: sql`now()` } : {}),
        updatedAt: sql`now()`,
      })
      .where(and(inArray(notifications.id, [...ids]), eq(notifications.state, 'pending')))
      .returning({ id: notifications.id });
    return done.length;
  }

  return {
    /** One row with what its message needs; undefined when the row (or its requester or feature) is gone. */
    async forSend(id: string): Promise<NotificationToSend | undefined> {
      const rows = await db.select().from(notifications).where(eq(notifications.id, id));
      return (await load(rows))[0];
    },

    /** A requester's digest rows due by `dueBy`, oldest first. */
    async digestFor(requesterId: string, dueBy: Date): Promise<NotificationToSend[]> {
      const rows = await db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.requesterId, requesterId),
            eq(notifications.channel, 'email'),
            eq(notifications.state, 'pending'),
            lte(notifications.dueAt, dueBy),
            sql`${notifications.detail}->>'digest' = 'true'`,
          ),
        )
        .orderBy(asc(notifications.dueAt), asc(notifications.createdAt));
      return load(rows);
    },

    /** Settles pending rows; returns how many were still pending (0: someone else settled them first). */
    markSent: (ids: readonly string[]) => settle(ids, 'sent', null),
    markFailed: (ids: readonly string[], reason: string) => settle(ids, 'failed', reason),
    markSuppressed: (ids: readonly string[], reason: string) => settle(ids, 'suppressed', reason),

    /** One more failed try (the job retries); the last reason is kept for operators. */
    async recordAttempt(id: string, reason: string): Promise<void> {
      await db
        .update(notifications)
        .set({ attempts: sql`${notifications.attempts} + 1`, reason, updatedAt: sql`now()` })
        .where(and(eq(notifications.id, id), eq(notifications.state, 'pending')));
    },

    /** A hard bounce: no more mail to this address. */
    async suppressAddress(emailKey: string, reason: string): Promise<void> {
      await db.insert(mailSuppressions).values({ emailKey, reason }).onConflictDoNothing();
    },

    /** Pending rows due by `before`, for the reconciler (oldest first, at most `limit`). */
    async due(before: Date, limit: number) {
      return db
        .select({
          id: notifications.id,
          requesterId: notifications.requesterId,
          dueAt: notifications.dueAt,
          detail: notifications.detail,
        })
        .from(notifications)
        .where(and(eq(notifications.state, 'pending'), lte(notifications.dueAt, before)))
        .orderBy(asc(notifications.dueAt))
        .limit(limit);
    },

    /** What a feature's requesters were told: counts by state, and by announced status. */
    async summary(featureId: string) {
      const rows = await db
        .select({
          status: notifications.status,
          state: notifications.state,
          count: sql<number>`count(*)::int`,
        })
        .from(notifications)
        .where(eq(notifications.featureId, featureId))
        .groupBy(notifications.status, notifications.state);
      const counts = () => ({ sent: 0, pending: 0, failed: 0, suppressed: 0 });
      const total = counts();
      const byStatus: Partial<Record<FeatureStatus, ReturnType<typeof counts>>> = {};
      for (const row of rows) {
        if (row.state === 'cancelled') continue;
        total[row.state] += row.count;
        const entry = byStatus[row.status] ?? counts();
        entry[row.state] += row.count;
        byStatus[row.status] = entry;
      }
      return { ...total, byStatus };
    },

    /** Without SMTP_URL: the rendered message goes to the dev outbox (/dev/mail); once per Message-ID. */
    async saveDevMail(mail: { messageId: string; to: string; subject: string; raw: string }): Promise<void> {
      await db.insert(devMail).values(mail).onConflictDoNothing();
    },
  };
}

export type NotificationsRepo = ReturnType<typeof createNotificationsRepo>;
