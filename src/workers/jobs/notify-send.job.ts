import { isConnectorError } from '../../connectors/errors.ts';
import { MailSendError } from '../../connectors/mail/client.ts';
import { classifySendError, type MailErrorFields } from '../../connectors/mail/errors.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import { digestKey } from '../../rules/notify/digest-time.ts';
import { messageLinks } from '../../rules/notify/links.ts';
import { renderStatusMessage } from '../../rules/notify/render.ts';
import { renderSourceReply } from '../../rules/notify/source-reply.ts';
import { mailedAddressKey, type NotificationToSend, sentByMail } from '../../store/notifications.repo.ts';
import { tokenKeyOnce } from '../../store/secrets.repo.ts';
import { type NotifyDeps, suppressedKind } from './notify-deps.ts';

/** A job that fires a little early (clock skew between processes) still sends. */
const EARLY_SLACK_MS = 1_000;

export type NotifySendResult =
  | { skipped: string }
  | { sent: string }
  | { failed: string }
  | { suppressed: string };

/** `detail.mergedInto` as the fan-out wrote it. */
export function mergedIntoOf(detail: Record<string, unknown>): { title: string } | undefined {
  const merged = detail['mergedInto'] as { title?: unknown } | undefined;
  return typeof merged?.title === 'string' ? { title: merged.title } : undefined;
}

/**
 * Sends one notification: load → decide → claim → send → record. The row is the truth: anything but `pending` means
 * done already or being sent (a retried or duplicated job returns here). Unsubscribes, erasure and suppressed
 * addresses are checked again at send time, since they may have happened during the coalescing window. The row is
 * claimed (`sending`) just before the message is handed over, so a status change or unsubscribe arriving during
 * the send leaves it alone. SMTP 4xx and connection errors throw (BullMQ retries with backoff; the row is `pending`
 * again); 5xx marks the row failed with the server's reply. A worker that dies after claiming leaves the row
 * `sending`: once stale, the redrive queues it and it is sent again with the same Message-ID.
 */
export function createNotifySendJob(deps: NotifyDeps) {
  const { store, mailer, config, metrics, log } = deps;
  const now = deps.now ?? (() => Date.now());
  const tokenKey = tokenKeyOnce(store.db);

  async function suppress(item: NotificationToSend, reason: string): Promise<NotifySendResult> {
    if (await store.notifications.markSuppressed([item.notification.id], reason)) {
      metrics.notificationsSuppressed.inc({ reason: suppressedKind(reason) });
    }
    return { suppressed: reason };
  }

  async function fail(item: NotificationToSend, kind: string, reason: string): Promise<NotifySendResult> {
    if (await store.notifications.markFailed([item.notification.id], reason)) {
      metrics.notificationsFailed.inc({ reason: kind });
      log.warn({ notificationId: item.notification.id, reason }, 'notification failed');
    }
    return { failed: reason };
  }

  return async ({ notificationId }: { notificationId: string }): Promise<NotifySendResult> => {
    const item = await store.notifications.forSend(notificationId);
    if (!item) {
      // A row whose requester or feature cannot be read: settle it, or the redrive queues it every cycle.
      const reason = 'its requester or feature is gone';
      if (!(await store.notifications.markFailed([notificationId], reason))) return { skipped: 'gone' };
      metrics.notificationsFailed.inc({ reason: 'gone' });
      return { failed: reason };
    }
    const n = item.notification;
    const repeat = n.state === 'sending';
    if (n.state !== 'pending' && !repeat) return { skipped: n.state };
    if (!repeat && n.dueAt.getTime() > now() + EARLY_SLACK_MS) return { skipped: 'not due' };
    if (n.detail['digest'] === true) {
      // Its requester's digest sends it (the row was written for the digest; this job is a stray).
      await deps.queues.enqueue('notify-digest', { requesterId: n.requesterId, digest: digestKey(n.dueAt) });
      return { skipped: 'digest' };
    }
    if (repeat) {
      // Claimed by a send that never finished: taken again only once stale (its worker is gone), never from a
      // send still in flight.
      if ((await store.notifications.claim([n.id])).length === 0) return { skipped: 'sending' };
      if (item.blockedBy) {
        // The first try may have arrived (its one-click may be how they stopped): do not send it again.
        return fail(item, 'unconfirmed', `send not confirmed, not repeated: ${item.blockedBy}`);
      }
    } else if (item.blockedBy) {
      return suppress(item, item.blockedBy);
    }
    if (!item.request) return fail(item, 'request_gone', 'the request this notification quotes is gone');

    const links = messageLinks({
      publicUrl: config.publicUrl,
      key: await tokenKey(),
      requesterId: item.requester.id,
      tokenVersion: item.requester.tokenVersion,
      requestId: item.request.id,
      featureId: item.feature.id,
    });
    const rendered = renderStatusMessage(
      {
        productName: config.notifications.productName,
        requester: { name: item.requester.name, email: item.requester.email },
        feature: { title: item.feature.title },
        status: n.status as FeatureStatus,
        mergedInto: mergedIntoOf(n.detail),
        request: {
          title: item.request.title,
          body: item.request.body,
          receivedAt: item.request.receivedAt.toISOString(),
        },
        links,
      },
      config.notifications.templates,
    );

    // A status change, unsubscribe or erasure that got to the row since it was read wins; after this, none does.
    if (!repeat && (await store.notifications.claim([n.id])).length === 0) {
      return { skipped: 'changed meanwhile' };
    }
    try {
      if (n.channel === 'source') {
        if (!deps.replyInSource) {
          return fail(item, 'no_reply_connector', `no reply connector for source ${item.request.source}`);
        }
        await deps.replyInSource({
          requestId: item.request.id,
          source: item.request.source,
          sourceRef: item.request.sourceRef,
          sourceThread: item.request.sourceThread,
          // Not the email: the thread is shared, so no links that act for the requester (source-reply.ts).
          text: renderSourceReply({
            productName: config.notifications.productName,
            feature: { title: item.feature.title },
            status: n.status as FeatureStatus,
            mergedInto: mergedIntoOf(n.detail),
            messageId: n.messageId,
          }),
          messageId: n.messageId,
        });
      } else {
        await mailer.send({
          to: { name: item.requester.name, address: item.requester.email },
          subject: rendered.subject,
          text: rendered.text,
          html: rendered.html,
          headers: rendered.headers,
          messageId: n.messageId,
        });
      }
    } catch (err) {
      if (err instanceof MailSendError) {
        if (err.failure.kind === 'transient') {
          await store.notifications.recordAttempt(n.id, err.failure.reason);
          throw err;
        }
        if (err.failure.hardBounce) {
          await store.notifications.suppressAddress(
            item.requester.emailKey,
            `hard bounce: ${err.failure.reason}`,
          );
        }
        return fail(item, err.failure.hardBounce ? 'hard_bounce' : 'smtp_permanent', err.failure.reason);
      }
      if (isConnectorError(err)) {
        if (err.kind === 'transient' || err.kind === 'rate_limited') {
          await store.notifications.recordAttempt(n.id, `${err.provider} ${err.kind}: ${err.message}`);
          throw err;
        }
        // A source whose reply is an email (an inbox) can hard-bounce like status mail does.
        const smtp = sentByMail(n) && err.cause ? classifySendError(err.cause as MailErrorFields) : undefined;
        if (smtp?.kind === 'permanent' && smtp.hardBounce) {
          await store.notifications.suppressAddress(mailedAddressKey(item), `hard bounce: ${smtp.reason}`);
        }
        return fail(item, `source_${err.kind}`, `${err.provider} ${err.kind}: ${err.message}`);
      }
      throw err;
    }
    if (await store.notifications.markSent([n.id])) {
      metrics.notificationsSent.inc({ channel: n.channel, kind: 'single' });
    }
    log.info(
      { notificationId: n.id, featureId: n.featureId, status: n.status, channel: n.channel },
      'notification sent',
    );
    return { sent: n.messageId };
  };
}
