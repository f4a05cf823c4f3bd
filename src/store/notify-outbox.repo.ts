import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import { queryRows } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { type NOTIFICATION_CHANNELS, notifications } from './schema.ts';

/**
 * The notification outbox's write side, as the fan-out (application/notification-fan-out.ts) uses it inside the
 * transaction that records a feature's status change: the rows already there, the requesters who may hear, and
 * the rows it cancels and writes. The send job and the redrive take it from there.
 */

export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Which channels a request's requester hears on (the sources helper plugs in reply-in-source per source). */
export type ChannelsFor = (request: {
  source: string;
  sourceThread: Record<string, unknown> | null;
}) => NotificationChannel[];

export const emailOnly: ChannelsFor = () => ['email'];

/** A row this transaction created: what to enqueue once it commits. */
interface CreatedNotification {
  id: string;
  requesterId: string;
  channel: NotificationChannel;
  dueAt: Date;
  digest: boolean;
}

export interface FanOutOutcome {
  created: CreatedNotification[];
  cancelled: number;
}

export interface NotifyPolicy {
  /** Statuses that notify (config `notifications.statuses`). */
  statuses: readonly FeatureStatus[];
  coalesceSeconds: number;
  /** Right-hand side of every Message-ID (the host of PUBLIC_URL). */
  messageIdHost: string;
  digestHourUtc: number;
  channelsFor: ChannelsFor;
  /**
   * Whether a source's `source` replies are emails (see `repliesByMail` in connectors/reply-back.ts). Such a reply
   * goes to its thread's `replyTo` when it has one, else to the requester.
   */
  repliesByMail?: ((source: string) => boolean) | undefined;
}

/** The requesters a change is told to: a merge's moved requests, or else the feature's requests. */
interface Audience {
  featureId: string;
  requestIds?: readonly string[] | undefined;
}

export interface EligibleRequester {
  requester_id: string;
  request_id: string;
  source: string;
  source_thread: Record<string, unknown> | null;
  notify_digest: boolean;
  suppressed: boolean;
  /** Whether the thread's `replyTo` address (if any) is suppressed. */
  reply_suppressed: boolean;
}

const INSERT_CHUNK = 500;

/**
 * The feature's rows still waiting, being sent or sent, locked: a send job claiming one of them waits for this
 * transaction, then finds it as this left it (and the other way round: a row claimed first is read as `sending`).
 */
export async function lockOutboxRows(tx: Tx, featureId: string) {
  return tx
    .select({
      id: notifications.id,
      requesterId: notifications.requesterId,
      channel: notifications.channel,
      status: notifications.status,
      state: notifications.state,
      dueAt: notifications.dueAt,
      sentAt: notifications.sentAt,
      updatedAt: notifications.updatedAt,
      detail: notifications.detail,
    })
    .from(notifications)
    .where(
      and(
        eq(notifications.featureId, featureId),
        inArray(notifications.state, ['pending', 'sending', 'sent']),
      ),
    )
    .for('update');
}

/** The requesters who may hear about a change of the feature, each with their first request on it. */
export async function eligibleRequesters(tx: Tx, audience: Audience): Promise<EligibleRequester[]> {
  const which = audience.requestIds
    ? audience.requestIds.length
      ? sql`r.id in (${sql.join(
          audience.requestIds.map((id) => sql`${id}`),
          sql`, `,
        )})`
      : sql`false`
    : sql`r.feature_id = ${audience.featureId}`;
  return queryRows<EligibleRequester>(
    tx,
    sql`select distinct on (r.requester_id)
          r.requester_id, r.id as request_id, r.source, r.source_thread, q.notify_digest,
          exists (select 1 from mail_suppressions s where s.email_key = q.email_key) as suppressed,
          exists (
            select 1 from mail_suppressions s where s.email_key = lower(trim(r.source_thread->>'replyTo'))
          ) as reply_suppressed
        from requests r
        join requesters q on q.id = r.requester_id
        where ${which}
          and q.erased_at is null
          and not exists (
            select 1 from unsubscribes u
            where u.requester_id = q.id and (u.feature_id is null or u.feature_id = ${audience.featureId})
          )
        order by r.requester_id, r.received_at, r.created_at`,
  );
}

/** Cancels the rows still pending among `ids`; returns how many it cancelled. */
export async function cancelNotifications(tx: Tx, ids: readonly string[], reason: string): Promise<number> {
  const done = await tx
    .update(notifications)
    .set({ state: 'cancelled', reason, updatedAt: sql`now()` })
    .where(and(inArray(notifications.id, [...ids]), eq(notifications.state, 'pending')))
    .returning({ id: notifications.id });
  return done.length;
}

/**
 * Writes the rows; one whose once key (requester, feature, status, channel) is taken is skipped: a status already
 * announced is not announced again. Returns the rows written.
 */
export async function insertNotifications(
  tx: Tx,
  rows: ReadonlyArray<typeof notifications.$inferInsert>,
): Promise<CreatedNotification[]> {
  const created: CreatedNotification[] = [];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    const done = await tx
      .insert(notifications)
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflictDoNothing()
      .returning({
        id: notifications.id,
        requesterId: notifications.requesterId,
        channel: notifications.channel,
        dueAt: notifications.dueAt,
        detail: notifications.detail,
      });
    for (const row of done) {
      created.push({
        id: row.id,
        requesterId: row.requesterId,
        channel: row.channel,
        dueAt: row.dueAt,
        digest: row.detail['digest'] === true,
      });
    }
  }
  return created;
}
