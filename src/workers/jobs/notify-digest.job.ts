import { MailSendError } from '../../connectors/mail/client.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import { messageLinks } from '../../sync/notify/links.ts';
import { renderDigestMessage } from '../../sync/notify/render.ts';
import { type NotifyDeps, suppressedKind, tokenKeyOnce } from './notify-deps.ts';
import { mergedIntoOf } from './notify-send.job.ts';

/** A digest's Message-ID: one per requester and digest hour, so a resend after a crash is the same message. */
export function digestMessageId(requesterId: string, digest: string, publicUrl: string): string {
  return `<digest-${digest}-${requesterId}@${new URL(publicUrl).hostname}>`;
}

/**
 * One requester's daily digest (requesters with `notify_digest`): every digest row of theirs due by now, in one
 * message, then all marked sent together. Rows blocked by an unsubscribe or erasure are suppressed first; failures
 * are handled like single sends (notify-send.job.ts).
 */
export function createNotifyDigestJob(deps: NotifyDeps) {
  const { store, mailer, config, metrics, log } = deps;
  const now = deps.now ?? (() => Date.now());
  const tokenKey = tokenKeyOnce(store);

  return async ({ requesterId, digest }: { requesterId: string; digest: string }) => {
    const rows = await store.notifications.digestFor(requesterId, new Date(now() + 1_000));
    const sendable = [];
    for (const item of rows) {
      if (item.blockedBy) {
        if (await store.notifications.markSuppressed([item.notification.id], item.blockedBy)) {
          metrics.notificationsSuppressed.inc({ reason: suppressedKind(item.blockedBy) });
        }
      } else if (item.request) {
        sendable.push({ ...item, request: item.request });
      }
    }
    const first = sendable[0];
    if (!first) return { skipped: rows.length ? 'all suppressed' : 'nothing due' };
    const ids = sendable.map((i) => i.notification.id);
    const key = await tokenKey();
    const linksFor = (item: typeof first) =>
      messageLinks({
        publicUrl: config.publicUrl,
        key,
        requesterId,
        tokenVersion: item.requester.tokenVersion,
        requestId: item.request.id,
        featureId: item.feature.id,
      });
    const firstLinks = linksFor(first);
    const rendered = renderDigestMessage(
      {
        productName: config.notifications.productName,
        requester: { name: first.requester.name, email: first.requester.email },
        items: sendable.map((item) => ({
          feature: { title: item.feature.title },
          status: item.notification.status as FeatureStatus,
          mergedInto: mergedIntoOf(item.notification.detail),
          request: {
            title: item.request.title,
            body: item.request.body,
            receivedAt: item.request.receivedAt.toISOString(),
          },
          statusPage: linksFor(item).statusPage,
        })),
        links: { unsubscribe: firstLinks.unsubscribe, oneClickUnsubscribe: firstLinks.oneClickUnsubscribe },
      },
      config.notifications.templates,
    );
    try {
      await mailer.send({
        to: { name: first.requester.name, address: first.requester.email },
        ...rendered,
        messageId: digestMessageId(requesterId, digest, config.publicUrl),
      });
    } catch (err) {
      if (!(err instanceof MailSendError)) throw err;
      if (err.failure.kind === 'transient') throw err;
      if (err.failure.hardBounce) {
        await store.notifications.suppressAddress(
          first.requester.emailKey,
          `hard bounce: ${err.failure.reason}`,
        );
      }
      const failed = await store.notifications.markFailed(ids, err.failure.reason);
      metrics.notificationsFailed.inc(
        { reason: err.failure.hardBounce ? 'hard_bounce' : 'smtp_permanent' },
        failed,
      );
      return { failed: err.failure.reason };
    }
    const sent = await store.notifications.markSent(ids);
    metrics.notificationsSent.inc({ channel: 'email', kind: 'digest' }, sent);
    log.info({ requesterId, digest, items: ids.length }, 'notification digest sent');
    return { sent: ids.length };
  };
}
