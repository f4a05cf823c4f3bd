import { emailKey } from '../rules/normalise.ts';
import type { NotificationRow, NotificationToSend } from '../store/notifications.repo.ts';

/** A source reply by mail goes to its thread's `replyTo` when it has one; everything else to the requester. */
function repliesToThread(
  row: Pick<NotificationRow, 'channel'>,
  request: { sourceThread: Record<string, unknown> | null } | null,
): string | undefined {
  const replyTo = request?.sourceThread?.['replyTo'];
  return row.channel === 'source' && typeof replyTo === 'string' ? replyTo : undefined;
}

/** The key of the address a row's message goes to by mail (for suppression). */
export function mailedAddressKey(
  item: Pick<NotificationToSend, 'notification' | 'request' | 'requester'>,
): string {
  const replyTo = repliesToThread(item.notification, item.request);
  return replyTo ? emailKey(replyTo) : item.requester.emailKey;
}
