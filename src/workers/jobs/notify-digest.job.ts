import { MailSendError } from '../../connectors/mail/client.ts';
import type { FeatureStatus } from '../../domain/status.ts';
import { digestKey } from '../../rules/notify/digest-time.ts';
import { digestLinks, messageLinks } from '../../rules/notify/links.ts';
import { renderDigestMessage } from '../../rules/notify/render.ts';
import type { NotificationToSend } from '../../store/notifications.repo.ts';
import { type NotifyContext, type NotifyDeps, notifyContext, suppressedKind } from './notify-deps.ts';
import { backOf, mergedIntoOf } from './notify-send.job.ts';

/**
 * A digest's Message-ID: one per requester and digest hour (that of its oldest row), so a resend after a crash, which
 * lists the same rows, is the same message.
 */
export function digestMessageId(requesterId: string, digest: string, publicUrl: string): string {
  return `<digest-${digest}-${requesterId}@${new URL(publicUrl).hostname}>`;
}

/**
 * One requester's daily digest (requesters with `notify_digest`): every digest row of theirs due by now, claimed
 * (`sending`), in one message, then all marked sent together. Rows blocked by an unsubscribe or erasure are
 * suppressed first; failures are handled like single sends (notify-send.job.ts). A digest whose worker died after
 * claiming is sent again, once stale, with the same rows and Message-ID; rows that came due since wait for the
 * next run.
 */
export function createNotifyDigestJob(deps: NotifyDeps) {
  const notify = notifyContext(deps);
  return ({ requesterId, digest }: { requesterId: string; digest: string }) =>
    sendDigest(notify, requesterId, digest);
}

type Quoting = NotificationToSend & { request: NonNullable<NotificationToSend['request']> };
type DigestResult = { skipped: string } | { failed: string } | { sent: number };

async function sendDigest(notify: NotifyContext, requesterId: string, digest: string): Promise<DigestResult> {
  const { store, metrics, log } = notify;
  const due = await store.notifications.digestFor(requesterId, new Date(notify.now() + 1_000));
  // Stale `sending` rows: a digest that never finished goes again as it was, before anything new.
  const unfinished = due.filter((item) => item.notification.state === 'sending');
  const repeat = unfinished.length > 0;
  const rows = repeat ? await claimed(notify, unfinished) : due;
  const candidates = await settleBlocked(notify, rows, repeat);
  // A status change, unsubscribe or erasure that got to a row since it was read wins; after this, none does.
  const sendable = repeat ? candidates : await claimed(notify, candidates);
  const first = sendable[0];
  if (!first) return { skipped: due.length ? 'all suppressed' : 'nothing due' };
  const ids = sendable.map((i) => i.notification.id);
  const rendered = await renderDigest(notify, requesterId, first, sendable);
  try {
    await notify.mailer.send({
      to: { name: first.requester.name, address: first.requester.email },
      ...rendered,
      messageId: digestMessageId(requesterId, digestKey(first.notification.dueAt), notify.config.publicUrl),
    });
  } catch (err) {
    return await settleDigestError(notify, first, ids, err);
  }
  const sent = await store.notifications.markSent(ids);
  metrics.notificationsSent.inc({ channel: 'email', kind: 'digest' }, sent);
  log.info({ requesterId, digest, items: ids.length }, 'notification digest sent');
  return { sent: ids.length };
}

async function fail(
  { store, metrics }: NotifyContext,
  ids: string[],
  kind: string,
  reason: string,
): Promise<void> {
  const failed = await store.notifications.markFailed(ids, reason);
  if (failed) metrics.notificationsFailed.inc({ reason: kind }, failed);
}

/** The items whose rows this job got (claim); the others were settled or taken meanwhile. */
async function claimed<T extends NotificationToSend>({ store }: NotifyContext, items: T[]): Promise<T[]> {
  const taken = new Set(await store.notifications.claim(items.map((i) => i.notification.id)));
  return items.filter((i) => taken.has(i.notification.id));
}

/** Settles the rows that cannot go (blocked, or quoting a request that is gone); returns the others. */
async function settleBlocked(
  notify: NotifyContext,
  rows: NotificationToSend[],
  repeat: boolean,
): Promise<Quoting[]> {
  const candidates: Quoting[] = [];
  for (const item of rows) {
    const id = item.notification.id;
    if (item.blockedBy && repeat) {
      // The first try may have arrived (its one-click may be how they stopped): do not send it again.
      await fail(notify, [id], 'unconfirmed', `send not confirmed, not repeated: ${item.blockedBy}`);
    } else if (item.blockedBy) {
      if (await notify.store.notifications.markSuppressed([id], item.blockedBy)) {
        notify.metrics.notificationsSuppressed.inc({ reason: suppressedKind(item.blockedBy) });
      }
    } else if (!item.request) {
      // Settled, or the redrive would queue this digest again every cycle.
      await fail(notify, [id], 'request_gone', 'the request this notification quotes is gone');
    } else {
      candidates.push({ ...item, request: item.request });
    }
  }
  return candidates;
}

/** One message listing every row, each with its status page link. */
async function renderDigest(
  { config, tokenKey }: NotifyContext,
  requesterId: string,
  first: Quoting,
  sendable: Quoting[],
): Promise<ReturnType<typeof renderDigestMessage>> {
  const key = await tokenKey();
  return renderDigestMessage(
    {
      productName: config.notifications.productName,
      requester: { name: first.requester.name, email: first.requester.email },
      items: sendable.map((item) => ({
        feature: { title: item.feature.title },
        status: item.notification.status as FeatureStatus,
        mergedInto: mergedIntoOf(item.notification.detail),
        ...backOf(item.notification),
        request: {
          title: item.request.title,
          body: item.request.body,
          receivedAt: item.request.receivedAt.toISOString(),
        },
        statusPage: messageLinks({
          publicUrl: config.publicUrl,
          key,
          requesterId,
          tokenVersion: item.requester.tokenVersion,
          requestId: item.request.id,
          featureId: item.feature.id,
        }).statusPage,
      })),
      // About no one feature: the footer and List-Unsubscribe stop (or change) all of this requester's mail.
      links: digestLinks({
        publicUrl: config.publicUrl,
        key,
        requesterId,
        tokenVersion: first.requester.tokenVersion,
      }),
    },
    config.notifications.templates,
  );
}

/** A digest the server did not take: transient → every row pending again and the job retries; else all fail. */
async function settleDigestError(
  { store, metrics }: NotifyContext,
  first: Quoting,
  ids: string[],
  err: unknown,
): Promise<DigestResult> {
  if (!(err instanceof MailSendError)) throw err;
  if (err.failure.kind === 'transient') {
    // Not taken by the server: the rows are pending again and the job retries.
    for (const id of ids) await store.notifications.recordAttempt(id, err.failure.reason);
    throw err;
  }
  if (err.failure.hardBounce) {
    await store.notifications.suppressAddress(first.requester.emailKey, `hard bounce: ${err.failure.reason}`);
  }
  const failed = await store.notifications.markFailed(ids, err.failure.reason);
  metrics.notificationsFailed.inc(
    { reason: err.failure.hardBounce ? 'hard_bounce' : 'smtp_permanent' },
    failed,
  );
  return { failed: err.failure.reason };
}
