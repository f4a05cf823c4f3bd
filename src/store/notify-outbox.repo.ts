import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FeatureStatus } from '../domain/status.ts';
import { nextDigestAt } from '../rules/notify/digest-time.ts';
import { decideNotification, type PendingNotification } from '../rules/notify/outbox-decision.ts';
import { queryRows } from './db.ts';
import type { Tx } from './feature-writes.ts';
import { type NOTIFICATION_CHANNELS, notifications } from './schema.ts';

/**
 * The notification outbox's write side: called inside the transaction that records a feature's status change, it
 * writes one `notifications` row per eligible requester and channel (coalescing with rows still waiting), so the
 * news and the change commit together. The send job and the redrive take it from there.
 */

export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Which channels a request's requester hears on (the sources helper plugs in reply-in-source per source). */
export type ChannelsFor = (request: {
  source: string;
  sourceThread: Record<string, unknown> | null;
}) => NotificationChannel[];

export const emailOnly: ChannelsFor = () => ['email'];

/** A row this transaction created: what to enqueue once it commits. */
export interface CreatedNotification {
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
  /**
   * Told, after the transaction committed, which rows it created (to queue their sends) and how many it cancelled.
   * Must not throw: the change is committed already (a lost enqueue is the redrive's to repair).
   */
  afterCommit?: ((outcome: FanOutOutcome) => Promise<void>) | undefined;
}

export interface FanOutChange {
  featureId: string;
  from: FeatureStatus;
  to: FeatureStatus;
  statusChangeId: string;
  /** A merge: the requests it moved away (they no longer point at `featureId`). Otherwise the feature's requests. */
  requestIds?: readonly string[] | undefined;
  /** Kept on the rows (e.g. `mergedInto: { id, title }`). */
  detail?: Record<string, unknown> | undefined;
}

interface Eligible {
  requester_id: string;
  request_id: string;
  source: string;
  source_thread: Record<string, unknown> | null;
  notify_digest: boolean;
  suppressed: boolean;
  /** Whether the thread's `replyTo` address (if any) is suppressed. */
  reply_suppressed: boolean;
}

/** The Message-ID a row keeps for life: a resend after a crash carries the same one. */
export function notificationMessageId(id: string, host: string): string {
  return `<${id}@${host}>`;
}

const INSERT_CHUNK = 500;

/** The requesters who may hear about this change, each with their first request on the feature. */
async function eligibleRequesters(tx: Tx, change: FanOutChange): Promise<Eligible[]> {
  const which = change.requestIds
    ? change.requestIds.length
      ? sql`r.id in (${sql.join(
          change.requestIds.map((id) => sql`${id}`),
          sql`, `,
        )})`
      : sql`false`
    : sql`r.feature_id = ${change.featureId}`;
  return queryRows<Eligible>(
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
            where u.requester_id = q.id and (u.feature_id is null or u.feature_id = ${change.featureId})
          )
        order by r.requester_id, r.received_at, r.created_at`,
  );
}

/** Writes the outbox rows for one status change; returns the rows created. The caller holds the feature's lock. */
export async function fanOutNotifications(
  tx: Tx,
  policy: NotifyPolicy,
  change: FanOutChange,
  now = new Date(),
): Promise<FanOutOutcome> {
  const notifies = policy.statuses.includes(change.to);
  const rows = await tx
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
        eq(notifications.featureId, change.featureId),
        inArray(notifications.state, ['pending', 'sending', 'sent']),
      ),
    )
    // A send job claiming one of these rows waits for this transaction, then finds it as this left it (and the
    // other way round: a row claimed first is read here as `sending`).
    .for('update');
  const key = (requesterId: string, channel: string) => `${requesterId}/${channel}`;
  const pending = new Map<string, PendingNotification>();
  const told = new Map<string, { status: FeatureStatus; at: number }>();
  for (const row of rows) {
    const k = key(row.requesterId, row.channel);
    if (row.state === 'pending') {
      const fromStatus = (row.detail['fromStatus'] as FeatureStatus | undefined) ?? change.from;
      pending.set(k, { id: row.id, status: row.status, fromStatus, dueAt: row.dueAt });
    } else {
      // A `sending` row is told already (its message is being handed over, since it was claimed): never cancelled;
      // what changed since is news for a new row.
      const at = (row.sentAt ?? row.updatedAt).getTime();
      if ((told.get(k)?.at ?? -1) < at) told.set(k, { status: row.status, at });
    }
  }
  // Nothing waiting and nothing to say: skip reading the requesters (most under_review churn ends here).
  if (!notifies && pending.size === 0) return { created: [], cancelled: 0 };

  const cancels = new Map<string, string[]>();
  const inserts: Array<typeof notifications.$inferInsert> = [];
  for (const requester of await eligibleRequesters(tx, change)) {
    for (const channel of policy.channelsFor({
      source: requester.source,
      sourceThread: requester.source_thread,
    })) {
      // A suppressed address gets no mail: status mail, nor a source's reply that is itself an email.
      const byMail = channel === 'email' || (policy.repliesByMail?.(requester.source) ?? false);
      const toReplyTo = channel === 'source' && typeof requester.source_thread?.['replyTo'] === 'string';
      if (byMail && (toReplyTo ? requester.reply_suppressed : requester.suppressed)) continue;
      const k = key(requester.requester_id, channel);
      const decision = decideNotification({
        from: change.from,
        to: change.to,
        notifies,
        pending: pending.get(k),
        lastTold: told.get(k)?.status,
        now,
        coalesceSeconds: policy.coalesceSeconds,
      });
      if (decision.cancel) {
        const ids = cancels.get(decision.cancel.reason) ?? [];
        ids.push(decision.cancel.id);
        cancels.set(decision.cancel.reason, ids);
      }
      if (!decision.create) continue;
      const digest = channel === 'email' && requester.notify_digest;
      const id = randomUUID();
      inserts.push({
        id,
        requesterId: requester.requester_id,
        featureId: change.featureId,
        requestId: requester.request_id,
        statusChangeId: change.statusChangeId,
        channel,
        status: decision.create.status,
        messageId: notificationMessageId(id, policy.messageIdHost),
        dueAt: digest ? nextDigestAt(decision.create.dueAt, policy.digestHourUtc) : decision.create.dueAt,
        detail: {
          ...change.detail,
          fromStatus: decision.create.fromStatus,
          ...(digest ? { digest: true } : {}),
          ...(channel === 'source' && byMail ? { byMail: true } : {}),
        },
      });
    }
  }
  // Cancel first: the once-key index ignores cancelled rows, so the replacement can take the key.
  let cancelled = 0;
  for (const [reason, ids] of cancels) {
    const done = await tx
      .update(notifications)
      .set({ state: 'cancelled', reason, updatedAt: sql`now()` })
      .where(and(inArray(notifications.id, ids), eq(notifications.state, 'pending')))
      .returning({ id: notifications.id });
    cancelled += done.length;
  }
  const created: CreatedNotification[] = [];
  for (let i = 0; i < inserts.length; i += INSERT_CHUNK) {
    // The once key (requester, feature, status, channel): a status already announced is not announced again.
    const done = await tx
      .insert(notifications)
      .values(inserts.slice(i, i + INSERT_CHUNK))
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
  return { created, cancelled };
}
