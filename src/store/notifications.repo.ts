import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import type { Db } from './db.ts';
import { features, mailSuppressions, notifications, requesters, requests } from './schema.ts';

/**
 * The notification outbox's read-claim-settle side, for the send and digest jobs and the redrive: a row is read
 * with everything its message needs, claimed (`pending` → `sending`) just before its message is handed over, and
 * settled `sent` or `failed` from `sending` (`suppressed`, or `failed` before any send, from `pending`), so a job
 * that runs twice changes nothing the second time. A status change or an unsubscribe only touches `pending` rows:
 * once claimed, the message is going out, and what happens next is news for the next message.
 */

/** A `sending` row this old was claimed by a worker that died mid-send: the redrive has it sent again. */
const SENDING_STALE_SECONDS = 600;

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

/** Settling is allowed from these states: sent only what was claimed, suppressed only what was not. */
const SETTLES_FROM: Record<Settled, Array<'pending' | 'sending'>> = {
  sent: ['sending'],
  failed: ['pending', 'sending'],
  suppressed: ['pending'],
};

/** Claimed so long ago that its worker must be gone (the database's clock: `updated_at` is set by it). */
const staleSending = sql`(${notifications.state} = 'sending' and ${notifications.updatedAt} < now() - ${sql.raw(
  `interval '${SENDING_STALE_SECONDS} seconds'`,
)})`;

/** Status mail, or a source's reply that is itself an email (the outbox marks those rows `byMail`). */
export function sentByMail(row: Pick<NotificationRow, 'channel' | 'detail'>): boolean {
  return row.channel === 'email' || row.detail['byMail'] === true;
}

/** Why no message may go now: erasure, then a stop, then (for mail) the address's suppression. */
function blockedBy(
  found: { requester: { erasedAt: Date | null }; stop: 'all' | 'feature' | null; suppressed: string | null },
  byMail: boolean,
): string | undefined {
  if (found.requester.erasedAt) return 'requester erased';
  if (found.stop === 'all') return 'unsubscribed';
  if (found.stop === 'feature') return 'unsubscribed from this feature';
  if (byMail && found.suppressed !== null) return `address suppressed (${found.suppressed})`;
  return undefined;
}

/**
 * Each row with its requester, feature and request, whether a stop holds for it, and the address's suppression:
 * one query for the lot (a digest loads many). Rows whose requester or feature is gone are left out.
 */
async function loadForSend(db: Db, rows: NotificationRow[]): Promise<NotificationToSend[]> {
  if (rows.length === 0) return [];
  const found = await db
    .select({
      id: notifications.id,
      requester: {
        id: requesters.id,
        email: requesters.email,
        emailKey: requesters.emailKey,
        name: requesters.name,
        tokenVersion: requesters.tokenVersion,
        notifyDigest: requesters.notifyDigest,
        erasedAt: requesters.erasedAt,
      },
      feature: { id: features.id, title: features.title },
      request: {
        id: requests.id,
        title: requests.title,
        body: requests.body,
        receivedAt: requests.receivedAt,
        source: requests.source,
        sourceRef: requests.sourceRef,
        sourceThread: requests.sourceThread,
      },
      // A stop of all mail says so first; then one of this feature.
      stop: sql<'all' | 'feature' | null>`(
        select case when u.feature_id is null then 'all' else 'feature' end from unsubscribes u
        where u.requester_id = ${requesters.id} and (u.feature_id is null or u.feature_id = ${features.id})
        order by u.feature_id nulls first limit 1)`,
      // The suppression of the address the message goes to (as application/mailed-address.ts picks it).
      suppressed: sql<string | null>`(
        select s.reason from mail_suppressions s
        where s.email_key = case
          when ${notifications.channel} = 'source' and ${requests.sourceThread}->>'replyTo' is not null
            then lower(trim(${requests.sourceThread}->>'replyTo'))
          else ${requesters.emailKey} end)`,
    })
    .from(notifications)
    .innerJoin(requesters, eq(requesters.id, notifications.requesterId))
    .innerJoin(features, eq(features.id, notifications.featureId))
    .leftJoin(requests, eq(requests.id, notifications.requestId))
    .where(
      inArray(
        notifications.id,
        rows.map((r) => r.id),
      ),
    );
  const byId = new Map(found.map((f) => [f.id, f]));
  const out: NotificationToSend[] = [];
  for (const notification of rows) {
    const f = byId.get(notification.id);
    if (!f) continue;
    out.push({
      notification,
      requester: f.requester,
      feature: f.feature,
      request: f.request,
      blockedBy: blockedBy(f, sentByMail(notification)),
    });
  }
  return out;
}

async function settle(
  db: Db,
  ids: readonly string[],
  state: Settled,
  reason: string | null,
): Promise<number> {
  if (ids.length === 0) return 0;
  const done = await db
    .update(notifications)
    .set({
      state,
      reason,
      ...(state === 'sent' ? { sentAt: sql`now()` } : {}),
      updatedAt: sql`now()`,
    })
    .where(and(inArray(notifications.id, [...ids]), inArray(notifications.state, SETTLES_FROM[state])))
    .returning({ id: notifications.id });
  return done.length;
}

/** What the send and digest jobs load, claim and record. */
function sendJobRows(db: Db) {
  return {
    /** One row with what its message needs; undefined when the row (or its requester or feature) is gone. */
    async forSend(id: string): Promise<NotificationToSend | undefined> {
      const rows = await db.select().from(notifications).where(eq(notifications.id, id));
      return (await loadForSend(db, rows))[0];
    },
    /** A requester's digest rows due by `dueBy` (pending, or claimed by a digest that never finished), oldest first. */
    async digestFor(requesterId: string, dueBy: Date): Promise<NotificationToSend[]> {
      const rows = await db
        .select()
        .from(notifications)
        .where(
          and(
            eq(notifications.requesterId, requesterId),
            eq(notifications.channel, 'email'),
            or(eq(notifications.state, 'pending'), staleSending),
            lte(notifications.dueAt, dueBy),
            sql`${notifications.detail}->>'digest' = 'true'`,
          ),
        )
        .orderBy(asc(notifications.dueAt), asc(notifications.createdAt));
      return loadForSend(db, rows);
    },
    /**
     * Takes rows for sending: `pending` ones, and `sending` ones whose send never finished (stale). Returns the ids it
     * got; a row it did not get was settled, cancelled or claimed by someone else meanwhile, and must not be sent.
     */
    async claim(ids: readonly string[]): Promise<string[]> {
      if (ids.length === 0) return [];
      const done = await db
        .update(notifications)
        .set({ state: 'sending', updatedAt: sql`now()` })
        .where(and(inArray(notifications.id, [...ids]), or(eq(notifications.state, 'pending'), staleSending)))
        .returning({ id: notifications.id });
      return done.map((r) => r.id);
    },
    /** Settles rows (see SETTLES_FROM); returns how many it settled (0: someone else settled them first). */
    markSent: (ids: readonly string[]) => settle(db, ids, 'sent', null),
    markFailed: (ids: readonly string[], reason: string) => settle(db, ids, 'failed', reason),
    markSuppressed: (ids: readonly string[], reason: string) => settle(db, ids, 'suppressed', reason),
    /**
     * One more failed try (the job retries): the server did not take the message, so the row is `pending` again
     * (a change or an unsubscribe may still act on it). The last reason is kept for operators.
     */
    async recordAttempt(id: string, reason: string): Promise<void> {
      await db
        .update(notifications)
        .set({
          state: 'pending',
          attempts: sql`${notifications.attempts} + 1`,
          reason,
          updatedAt: sql`now()`,
        })
        .where(and(eq(notifications.id, id), inArray(notifications.state, ['pending', 'sending'])));
    },
    /** A hard bounce: no more mail to this address. */
    async suppressAddress(emailKey: string, reason: string): Promise<void> {
      await db.insert(mailSuppressions).values({ emailKey, reason }).onConflictDoNothing();
    },
  };
}

/** What the redrive finds due, and a feature's outbox summary. */
function outboxReads(db: Db) {
  return {
    /**
     * For the redrive (oldest first, at most `limit` of each): pending rows due by `before`, and stale `sending`
     * rows (their worker died between claiming and recording; sent again, with the same Message-ID).
     */
    async due(before: Date, limit: number) {
      const columns = {
        id: notifications.id,
        requesterId: notifications.requesterId,
        dueAt: notifications.dueAt,
        detail: notifications.detail,
      };
      const pending = await db
        .select(columns)
        .from(notifications)
        .where(and(eq(notifications.state, 'pending'), lte(notifications.dueAt, before)))
        .orderBy(asc(notifications.dueAt))
        .limit(limit);
      const stale = await db
        .select(columns)
        .from(notifications)
        .where(staleSending)
        .orderBy(asc(notifications.updatedAt))
        .limit(limit);
      return [...pending, ...stale];
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
        // A message being handed over is not settled yet: it counts as pending.
        const state = row.state === 'sending' ? 'pending' : row.state;
        total[state] += row.count;
        const entry = byStatus[row.status] ?? counts();
        entry[state] += row.count;
        byStatus[row.status] = entry;
      }
      return { ...total, byStatus };
    },
  };
}

export function createNotificationsRepo(db: Db) {
  return {
    ...sendJobRows(db),
    ...outboxReads(db),
  };
}
