import { isConnectorError } from '../../connectors/errors.ts';
import { MailSendError } from '../../connectors/mail/client.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import type { NotificationToSend } from '../../store/notifications.repo.ts';
import { digestKey } from '../../sync/notify/digest-time.ts';
import { messageLinks } from '../../sync/notify/links.ts';
import { renderStatusMessage } from '../../sync/notify/render.ts';
import { type NotifyDeps, suppressedKind, tokenKeyOnce } from './notify-deps.ts';

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
 * Sends one notification: load → decide → send → record. The row is the truth: anything but `pending` means done
 * already (a retried or duplicated job returns here). Unsubscribes, erasure and suppressed addresses are checked
 * again at send time, since they may have happened during the coalescing window. SMTP 4xx and connection errors
 * throw (BullMQ retries with backoff; the row stays pending); 5xx marks the row failed with the server's reply.
 * A crash after the server accepted and before `sent` is recorded sends again with the same Message-ID.
 */
export function createNotifySendJob(deps: NotifyDeps) {
  const { store, mailer, config, metrics, log } = deps;
  const now = deps.now ?? (() => Date.now());
  const tokenKey = tokenKeyOnce(store);

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
    if (!item) return { skipped: 'gone' };
    const n = item.notification;
    if (n.state !== 'pending') return { skipped: n.state };
    if (n.dueAt.getTime() > now() + EARLY_SLACK_MS) return { skipped: 'not due' };
    if (item.blockedBy) return suppress(item, item.blockedBy);
    if (n.detail['digest'] === true) {
      // Its requester's digest sends it (the row was written for the digest; this job is a stray).
      await deps.queues.enqueue('notify-digest', { requesterId: n.requesterId, digest: digestKey(n.dueAt) });
      return { skipped: 'digest' };
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
          text: rendered.text,
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
