import type { FeatureStatus } from '../../domain/status.ts';

/**
 * What one requester's outbox gets when their feature's status changes: the notification coalescing rules as data in,
 * decision out (no clock, no database). Per requester, feature and channel there is at most one `pending` row; a
 * change arriving while it waits replaces it (keeping its due time, so a feature that keeps moving still sends), and a
 * change back to what the requester already knows cancels it (nothing to say).
 */

export interface PendingNotification {
  id: string;
  /** The status it would announce. */
  status: FeatureStatus;
  /** What the requester knew before it (the status before the first change of this window). */
  fromStatus: FeatureStatus;
  dueAt: Date;
}

export interface OutboxDecisionInput {
  /** The feature's status before this change and after it. */
  from: FeatureStatus;
  to: FeatureStatus;
  /** Whether `to` is one of the configured notifying statuses. */
  notifies: boolean;
  /** The requester's waiting row for this feature and channel, if any. */
  pending: PendingNotification | undefined;
  /** The last status this requester was actually sent for this feature and channel. */
  lastTold: FeatureStatus | undefined;
  now: Date;
  coalesceSeconds: number;
}

export type OutboxDecision = {
  cancel?: { id: string; reason: string } | undefined;
  create?: { status: FeatureStatus; fromStatus: FeatureStatus; dueAt: Date } | undefined;
};

export function decideNotification(input: OutboxDecisionInput): OutboxDecision {
  const { from, to, notifies, pending, lastTold, now, coalesceSeconds } = input;
  const windowEnd = new Date(now.getTime() + coalesceSeconds * 1000);
  if (pending) {
    // Back to what they know (told it, or it is where the window started): the change was undone; say nothing.
    if (to === lastTold || to === pending.fromStatus) {
      return { cancel: { id: pending.id, reason: 'undone within window' } };
    }
    const cancel = { id: pending.id, reason: `superseded by ${to}` };
    // Moved on to a status nobody is told about (back to review): the pending news is no longer true.
    if (!notifies) return { cancel };
    return { cancel, create: { status: to, fromStatus: pending.fromStatus, dueAt: pending.dueAt } };
  }
  if (!notifies || to === lastTold) return {};
  return { create: { status: to, fromStatus: from, dueAt: windowEnd } };
}
