import { mailedAddressKey } from '../../application/mailed-address.ts';
import { isConnectorError } from '../../connectors/errors.ts';
import { MailSendError } from '../../connectors/mail/client.ts';
import { classifySendError, type MailErrorFields } from '../../connectors/mail/errors.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import { type BackWording, backNewsOf, backWording } from '../../rules/notify/back-news.ts';
import { digestKey } from '../../rules/notify/digest-time.ts';
import { messageLinks } from '../../rules/notify/links.ts';
import { renderStatusMessage } from '../../rules/notify/render.ts';
import { renderSourceReply } from '../../rules/notify/source-reply.ts';
import { type NotificationToSend, sentByMail } from '../../store/notifications.repo.ts';
import { type NotifyContext, type NotifyDeps, notifyContext, suppressedKind } from './notify-deps.ts';

/** A job that fires a little early (clock skew between processes) still sends. */
const EARLY_SLACK_MS = 1_000;

type NotifySendResult = { skipped: string } | { sent: string } | { failed: string } | { suppressed: string };

/** `detail.mergedInto` as the fan-out wrote it. */
export function mergedIntoOf(detail: Record<string, unknown>): { title: string } | undefined {
  const merged = detail['mergedInto'] as { title?: unknown } | undefined;
  return typeof merged?.title === 'string' ? { title: merged.title } : undefined;
}

/** News of a step back the row carries (an issue reopened, an unmerge), worded for what the requester knew before. */
export function backOf(n: { status: string; detail: Record<string, unknown> }): {
  back?: BackWording | undefined;
  unmergedFrom?: { title: string } | undefined;
} {
  const news = backNewsOf(n.detail);
  const back = backWording(
    news,
    n.detail['fromStatus'] as FeatureStatus | undefined,
    n.status as FeatureStatus,
  );
  if (!back) return {};
  return { back, unmergedFrom: news.unmergedFrom ? { title: news.unmergedFrom.title } : undefined };
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
  const send = notifyContext(deps);
  return ({ notificationId }: { notificationId: string }) => sendNotification(send, notificationId);
}

type Quoted = NonNullable<NotificationToSend['request']>;

async function sendNotification(send: NotifyContext, notificationId: string): Promise<NotifySendResult> {
  const { store } = send;
  const item = await store.notifications.forSend(notificationId);
  if (!item) return failUnreadable(send, notificationId);
  const n = item.notification;
  const repeat = n.state === 'sending';
  const settled = await settleBeforeSend(send, item, repeat);
  if (settled) return settled;
  if (!item.request) return fail(send, item, 'request_gone', 'the request this notification quotes is gone');
  const rendered = await renderEmail(send, item, item.request);
  // A status change, unsubscribe or erasure that got to the row since it was read wins; after this, none does.
  if (!repeat && (await store.notifications.claim([n.id])).length === 0) {
    return { skipped: 'changed meanwhile' };
  }
  try {
    const notSent = await deliver(send, item, item.request, rendered);
    if (notSent) return notSent;
  } catch (err) {
    return await settleSendError(send, item, err);
  }
  return recordSent(send, item);
}

/** A row whose requester or feature cannot be read: settle it, or the redrive queues it every cycle. */
async function failUnreadable(
  { store, metrics }: NotifyContext,
  notificationId: string,
): Promise<NotifySendResult> {
  const reason = 'its requester or feature is gone';
  if (!(await store.notifications.markFailed([notificationId], reason))) return { skipped: 'gone' };
  metrics.notificationsFailed.inc({ reason: 'gone' });
  return { failed: reason };
}

/**
 * What ends this job before anything is sent: a row done already or not due, a digest row, a repeat whose send is
 * still in flight or was blocked since, a row now blocked (unsubscribe, erasure, suppressed address). A repeat is
 * claimed here.
 */
async function settleBeforeSend(
  send: NotifyContext,
  item: NotificationToSend,
  repeat: boolean,
): Promise<NotifySendResult | undefined> {
  const n = item.notification;
  if (n.state !== 'pending' && !repeat) return { skipped: n.state };
  if (!repeat && n.dueAt.getTime() > send.now() + EARLY_SLACK_MS) return { skipped: 'not due' };
  if (n.detail['digest'] === true) {
    // Its requester's digest sends it (the row was written for the digest; this job is a stray).
    await send.queues.enqueue('notify-digest', { requesterId: n.requesterId, digest: digestKey(n.dueAt) });
    return { skipped: 'digest' };
  }
  if (repeat) {
    // Claimed by a send that never finished: taken again only once stale (its worker is gone), never from a
    // send still in flight.
    if ((await send.store.notifications.claim([n.id])).length === 0) return { skipped: 'sending' };
    if (item.blockedBy) {
      // The first try may have arrived (its one-click may be how they stopped): do not send it again.
      return fail(send, item, 'unconfirmed', `send not confirmed, not repeated: ${item.blockedBy}`);
    }
  } else if (item.blockedBy) {
    return suppress(send, item, item.blockedBy);
  }
  return undefined;
}

async function suppress(
  { store, metrics }: NotifyContext,
  item: NotificationToSend,
  reason: string,
): Promise<NotifySendResult> {
  if (await store.notifications.markSuppressed([item.notification.id], reason)) {
    metrics.notificationsSuppressed.inc({ reason: suppressedKind(reason) });
  }
  return { suppressed: reason };
}

async function fail(
  { store, metrics, log }: NotifyContext,
  item: NotificationToSend,
  kind: string,
  reason: string,
): Promise<NotifySendResult> {
  if (await store.notifications.markFailed([item.notification.id], reason)) {
    metrics.notificationsFailed.inc({ reason: kind });
    log.warn({ notificationId: item.notification.id, reason }, 'notification failed');
  }
  return { failed: reason };
}

/** The status email for this row, with the requester's signed links. */
async function renderEmail(
  { config, tokenKey }: NotifyContext,
  item: NotificationToSend,
  request: Quoted,
): Promise<ReturnType<typeof renderStatusMessage>> {
  const n = item.notification;
  const links = messageLinks({
    publicUrl: config.publicUrl,
    key: await tokenKey(),
    requesterId: item.requester.id,
    tokenVersion: item.requester.tokenVersion,
    requestId: request.id,
    featureId: item.feature.id,
  });
  return renderStatusMessage(
    {
      productName: config.notifications.productName,
      requester: { name: item.requester.name, email: item.requester.email },
      feature: { title: item.feature.title },
      status: n.status as FeatureStatus,
      mergedInto: mergedIntoOf(n.detail),
      ...backOf(n),
      request: { title: request.title, body: request.body, receivedAt: request.receivedAt.toISOString() },
      links,
    },
    config.notifications.templates,
  );
}

/** Hands the message over: a reply where they asked (channel `source`), or the email. */
async function deliver(
  send: NotifyContext,
  item: NotificationToSend,
  request: Quoted,
  rendered: ReturnType<typeof renderStatusMessage>,
): Promise<NotifySendResult | undefined> {
  const { config } = send;
  const n = item.notification;
  if (n.channel !== 'source') {
    await send.mailer.send({
      to: { name: item.requester.name, address: item.requester.email },
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: rendered.headers,
      messageId: n.messageId,
    });
    return undefined;
  }
  if (!send.replyInSource) {
    return fail(send, item, 'no_reply_connector', `no reply connector for source ${request.source}`);
  }
  await send.replyInSource({
    requestId: request.id,
    source: request.source,
    sourceRef: request.sourceRef,
    sourceThread: request.sourceThread,
    // Not the email: the thread is shared, so no links that act for the requester (source-reply.ts).
    text: renderSourceReply({
      productName: config.notifications.productName,
      feature: { title: item.feature.title },
      status: n.status as FeatureStatus,
      mergedInto: mergedIntoOf(n.detail),
      ...backOf(n),
      messageId: n.messageId,
    }),
    messageId: n.messageId,
  });
  return undefined;
}

/**
 * A send that failed: a transient failure is recorded as an attempt and thrown (BullMQ retries); a permanent one
 * fails the row, and a hard bounce suppresses the address.
 */
async function settleSendError(
  send: NotifyContext,
  item: NotificationToSend,
  err: unknown,
): Promise<NotifySendResult> {
  const { store } = send;
  const n = item.notification;
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
    return fail(send, item, err.failure.hardBounce ? 'hard_bounce' : 'smtp_permanent', err.failure.reason);
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
    return fail(send, item, `source_${err.kind}`, `${err.provider} ${err.kind}: ${err.message}`);
  }
  throw err;
}

async function recordSent(
  { store, metrics, log }: NotifyContext,
  item: NotificationToSend,
): Promise<NotifySendResult> {
  const n = item.notification;
  if (await store.notifications.markSent([n.id])) {
    metrics.notificationsSent.inc({ channel: n.channel, kind: 'single' });
  }
  log.info(
    { notificationId: n.id, featureId: n.featureId, status: n.status, channel: n.channel },
    'notification sent',
  );
  return { sent: n.messageId };
}
