import { randomUUID } from 'node:crypto';
import type { FeatureStatus } from '../domain/status.ts';
import { backIsNews, backNewsOf, carriedBackNews } from '../rules/notify/back-news.ts';
import { nextDigestAt } from '../rules/notify/digest-time.ts';
import { decideNotification, type PendingNotification } from '../rules/notify/outbox-decision.ts';
import type { Tx } from '../store/feature-writes.ts';
import {
  cancelNotifications,
  type EligibleRequester,
  eligibleRequesters,
  type FanOutOutcome,
  insertNotifications,
  lockOutboxRows,
  type NotifyPolicy,
} from '../store/notify-outbox.repo.ts';
import type { notifications } from '../store/schema.ts';

/**
 * Who is told about a feature's status change: called inside the transaction that records the change, it writes
 * one outbox row per eligible requester and channel (coalescing with rows still waiting, rules/notify), so the
 * news and the change commit together.
 */

interface FanOutChange {
  featureId: string;
  from: FeatureStatus;
  to: FeatureStatus;
  statusChangeId: string;
  /** A merge: the requests it moved away (they no longer point at `featureId`). Otherwise the feature's requests. */
  requestIds?: readonly string[] | undefined;
  /**
   * Kept on the rows (e.g. `mergedInto: { id, title }`). News of a step back (`back`, `unmergedFrom`; see
   * rules/notify/back-news.ts) is not held back by an earlier message announcing the same status, and an unmerge
   * or a reopening is written even for a status that does not notify.
   */
  detail?: Record<string, unknown> | undefined;
}

type NotificationRow = typeof notifications.$inferInsert;

/** The outbox as it stands for the feature, by requester and channel: what waits, and what each was last told. */
interface OutboxState {
  pending: Map<string, PendingNotification>;
  /** The waiting rows' details: news of a step back they carry outlives their replacement. */
  pendingDetail: Map<string, Record<string, unknown>>;
  told: Map<string, { status: FeatureStatus; at: number }>;
}

/** What the decisions came to: rows to cancel (by reason) and rows to write. */
interface FanOutPlan {
  cancels: Map<string, string[]>;
  inserts: NotificationRow[];
}

const outboxKey = (requesterId: string, channel: string) => `${requesterId}/${channel}`;

/** The Message-ID a row keeps for life: a resend after a crash carries the same one. */
function notificationMessageId(id: string, host: string): string {
  return `<${id}@${host}>`;
}

async function readOutbox(tx: Tx, change: FanOutChange): Promise<OutboxState> {
  const state: OutboxState = { pending: new Map(), pendingDetail: new Map(), told: new Map() };
  for (const row of await lockOutboxRows(tx, change.featureId)) {
    const k = outboxKey(row.requesterId, row.channel);
    if (row.state === 'pending') {
      const fromStatus = (row.detail['fromStatus'] as FeatureStatus | undefined) ?? change.from;
      state.pending.set(k, { id: row.id, status: row.status, fromStatus, dueAt: row.dueAt });
      state.pendingDetail.set(k, row.detail);
    } else {
      // A `sending` row is told already (its message is being handed over, since it was claimed): never cancelled;
      // what changed since is news for a new row.
      const at = (row.sentAt ?? row.updatedAt).getTime();
      if ((state.told.get(k)?.at ?? -1) < at) state.told.set(k, { status: row.status, at });
    }
  }
  return state;
}

/** Decides, for each of the requester's channels, what to cancel and what to write into `plan`. */
function planRequester(
  plan: FanOutPlan,
  policy: NotifyPolicy,
  change: FanOutChange,
  outbox: OutboxState,
  requester: EligibleRequester,
  now: Date,
): void {
  const notifies = policy.statuses.includes(change.to);
  for (const channel of policy.channelsFor({
    source: requester.source,
    sourceThread: requester.source_thread,
  })) {
    // A suppressed address gets no mail: status mail, nor a source's reply that is itself an email.
    const byMail = channel === 'email' || (policy.repliesByMail?.(requester.source) ?? false);
    const toReplyTo = channel === 'source' && typeof requester.source_thread?.['replyTo'] === 'string';
    if (byMail && (toReplyTo ? requester.reply_suppressed : requester.suppressed)) continue;
    const k = outboxKey(requester.requester_id, channel);
    const pending = outbox.pending.get(k);
    // What the requester knew before this window: a step back from there may be news whatever the status.
    const known = pending?.fromStatus ?? change.from;
    const back = carriedBackNews(change.detail, outbox.pendingDetail.get(k), known, change.to);
    const decision = decideNotification({
      from: change.from,
      to: change.to,
      notifies: notifies || backIsNews(back, known, change.to),
      pending,
      lastTold: outbox.told.get(k)?.status,
      now,
      coalesceSeconds: policy.coalesceSeconds,
    });
    if (decision.cancel) {
      const ids = plan.cancels.get(decision.cancel.reason) ?? [];
      ids.push(decision.cancel.id);
      plan.cancels.set(decision.cancel.reason, ids);
    }
    if (!decision.create) continue;
    const digest = channel === 'email' && requester.notify_digest;
    const id = randomUUID();
    plan.inserts.push({
      id,
      requesterId: requester.requester_id,
      featureId: change.featureId,
      requestId: requester.request_id,
      statusChangeId: change.statusChangeId,
      channel,
      status: decision.create.status,
      messageId: notificationMessageId(id, policy.messageIdHost),
      dueAt: digest ? nextDigestAt(decision.create.dueAt, policy.digestHourUtc) : decision.create.dueAt,
      // News of a step back is news of its own change, whatever was announced before.
      occasion: back.back ? change.statusChangeId : '',
      detail: {
        ...change.detail,
        ...back,
        fromStatus: decision.create.fromStatus,
        ...(digest ? { digest: true } : {}),
        ...(channel === 'source' && byMail ? { byMail: true } : {}),
      },
    });
  }
}

/** Writes the outbox rows for one status change; returns the rows created. The caller holds the feature's lock. */
export async function fanOutNotifications(
  tx: Tx,
  policy: NotifyPolicy,
  change: FanOutChange,
  now = new Date(),
): Promise<FanOutOutcome> {
  const outbox = await readOutbox(tx, change);
  // Nothing waiting and nothing to say: skip reading the requesters (most under_review churn ends here).
  const quiet = !policy.statuses.includes(change.to) && !backNewsOf(change.detail).back;
  if (quiet && outbox.pending.size === 0) return { created: [], cancelled: 0 };
  const plan: FanOutPlan = { cancels: new Map(), inserts: [] };
  for (const requester of await eligibleRequesters(tx, change)) {
    planRequester(plan, policy, change, outbox, requester, now);
  }
  // Cancel first: the once-key index ignores cancelled rows, so the replacement can take the key.
  let cancelled = 0;
  for (const [reason, ids] of plan.cancels) cancelled += await cancelNotifications(tx, ids, reason);
  const created = await insertNotifications(tx, plan.inserts);
  return { created, cancelled };
}
