import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, requesters, unsubscribes } from '../src/store/schema.ts';
import { linearDriver, requesterIdOf } from './helpers/notify.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The coalescing window, undo, crashes and lost jobs. The window is long (10 minutes) so that what happens inside
 * it does not depend on how fast this machine is; a test "lets the window pass" by making the pending rows due
 * now and running their delayed jobs, which is what the clock would do.
 */

let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  svc = await startService({
    env: {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'ideas@example.com',
      PUBLIC_URL: 'https://ideas.example.com',
      NOTIFY_COALESCE_SECONDS: '600',
    },
    yaml: ['push:', '  coalesceSeconds: 1'].join('\n'),
  });
  drive = linearDriver(svc);
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await smtp?.close();
});

const notifyQueue = () => svc.runtime.queues.queue('notify');

/** The window passes: pending rows of the feature become due and their delayed jobs run now. */
async function windowPasses(featureId: string): Promise<void> {
  const due = await svc.runtime.store.db
    .update(notifications)
    .set({ dueAt: sql`now()` })
    .where(and(eq(notifications.featureId, featureId), eq(notifications.state, 'pending')))
    .returning({ id: notifications.id });
  for (const { id } of due) {
    const job = await notifyQueue().getJob(`notify-send-${id}`);
    if (job && (await job.isDelayed())) await job.promote();
  }
}

/** Runs the (delayed) send job of a row now and waits until it finished. */
async function runSendJob(notificationId: string): Promise<unknown> {
  const job = await notifyQueue().getJob(`notify-send-${notificationId}`);
  if (!job) throw new Error(`no job for ${notificationId}`);
  if (await job.isDelayed()) await job.promote();
  return waitFor(`job of ${notificationId} done`, async () => {
    const current = await notifyQueue().getJob(`notify-send-${notificationId}`);
    // The job object is a snapshot: only one read after it completed carries the return value.
    return current?.finishedOn && (await current.isCompleted()) ? current.returnvalue : undefined;
  });
}

const rowsOf = (featureId: string) => drive.rows(featureId);
const pendingRow = (featureId: string, status: string) =>
  waitFor(`a pending ${status} row`, async () =>
    (await rowsOf(featureId)).find((r) => r.state === 'pending' && r.status === status),
  );

describe('coalescing window', () => {
  it('two moves within the window send one message with the latest status', async () => {
    const { featureId, issueId } = await drive.featureWith('Saved searches', [
      { email: 'lee@acme.io', name: 'Lee' },
    ]);
    await drive.move(issueId, 'started');
    const first = await pendingRow(featureId, 'in_progress');
    await drive.move(issueId, 'completed');
    const second = await pendingRow(featureId, 'shipped');
    // The replacement keeps the first one's due time: a feature that keeps moving still gets told.
    expect(second.dueAt.getTime()).toBe(first.dueAt.getTime());
    await windowPasses(featureId);
    const [mail] = await waitFor('lee got mail', async () => {
      const got = smtp.to('lee@acme.io');
      return got.length ? got : undefined;
    });
    const rows = await rowsOf(featureId);
    expect(rows.map((r) => [r.status, r.state, r.reason]).sort()).toEqual([
      ['in_progress', 'cancelled', 'superseded by shipped'],
      ['shipped', 'sent', null],
    ]);
    expect(mail?.messageId).toBe(second.messageId);
    // The superseded row's job ran too (it was due first) and sent nothing.
    expect(await runSendJob(first.id)).toEqual({ skipped: 'cancelled' });
    expect(smtp.to('lee@acme.io')).toHaveLength(1);
  });

  it('a change undone within the window sends nothing', async () => {
    const { featureId, issueId } = await drive.featureWith('Bulk edit', [
      { email: 'mia@acme.io', name: 'Mia' },
    ]);
    await drive.move(issueId, 'started');
    const pending = await pendingRow(featureId, 'in_progress');
    await drive.move(issueId, 'backlog');
    await drive.statusIs(featureId, 'under_review');
    const [row] = await waitFor('the row cancelled', async () => {
      const rows = await rowsOf(featureId);
      return rows.every((r) => r.state === 'cancelled') ? rows : undefined;
    });
    expect(row).toMatchObject({ id: pending.id, reason: 'undone within window' });
    expect(await runSendJob(pending.id)).toEqual({ skipped: 'cancelled' });
    expect(smtp.to('mia@acme.io')).toHaveLength(0);
  });

  it('someone who unsubscribes during the window is not sent the pending message', async () => {
    const { featureId, issueId } = await drive.featureWith('Webhooks API', [
      { email: 'ned@acme.io', name: 'Ned' },
    ]);
    await drive.move(issueId, 'unstarted');
    const pending = await pendingRow(featureId, 'planned');
    const ned = await requesterIdOf(svc, 'ned@acme.io');
    await svc.runtime.store.db
      .insert(unsubscribes)
      .values({ requesterId: ned, featureId: null, via: 'one-click' });
    await windowPasses(featureId);
    expect(await runSendJob(pending.id)).toEqual({ suppressed: 'unsubscribed' });
    const [row] = await rowsOf(featureId);
    expect(row).toMatchObject({ state: 'suppressed', reason: 'unsubscribed' });
    expect(smtp.to('ned@acme.io')).toHaveLength(0);
  });
});

describe('crashes and lost jobs', () => {
  it('a send repeated after the SMTP server accepted (crash before recording) is the same message', async () => {
    const { featureId, issueId } = await drive.featureWith('Custom fields', [
      { email: 'oli@acme.io', name: 'Oli' },
    ]);
    await drive.move(issueId, 'started');
    const pending = await pendingRow(featureId, 'in_progress');
    await windowPasses(featureId);
    await waitFor('first delivery', async () => (smtp.to('oli@acme.io').length === 1 ? true : undefined));
    await waitFor('row sent', async () =>
      (await rowsOf(featureId))[0]?.state === 'sent' ? true : undefined,
    );
    // The worker died after the server said 250 and before `sent` was written: the row is still pending.
    await svc.runtime.store.db
      .update(notifications)
      .set({ state: 'pending', sentAt: null })
      .where(eq(notifications.id, pending.id));
    // The reconciler finds it due and pending (its job completed) and queues it again.
    await svc.runtime.store.db
      .update(notifications)
      .set({ dueAt: sql`now() - interval '1 minute'` })
      .where(eq(notifications.id, pending.id));
    await svc.runtime.reconcile();
    const [first, second] = await waitFor('the resend', async () => {
      const got = smtp.to('oli@acme.io');
      return got.length === 2 ? got : undefined;
    });
    // Same Message-ID, same message: receiving systems (and people) can tell it is a duplicate.
    expect(second?.messageId).toBe(pending.messageId);
    expect(first?.messageId).toBe(pending.messageId);
    expect(second?.parsed.subject).toBe(first?.parsed.subject);
    expect(second?.parsed.text).toBe(first?.parsed.text);
    await waitFor('row sent again', async () =>
      (await rowsOf(featureId))[0]?.state === 'sent' ? true : undefined,
    );
    // Once recorded, neither the reconciler nor a repeated job sends it again.
    await svc.runtime.reconcile();
    const again = await notifyQueue().add('notify-send', { notificationId: pending.id });
    await waitFor('repeat done', async () => ((await again.isCompleted()) ? true : undefined));
    expect(smtp.to('oli@acme.io')).toHaveLength(2);
    expect(await rowsOf(featureId)).toHaveLength(1);
  });

  it('a due row whose job was lost with Redis is sent by the reconciler', async () => {
    const { featureId, issueId } = await drive.featureWith('Dashboards', [
      { email: 'pia@acme.io', name: 'Pia' },
    ]);
    await drive.move(issueId, 'started');
    const pending = await pendingRow(featureId, 'in_progress');
    // Redis lost the delayed job.
    await (await notifyQueue().getJob(`notify-send-${pending.id}`))?.remove();
    await svc.runtime.store.db
      .update(notifications)
      .set({ dueAt: sql`now() - interval '1 minute'` })
      .where(eq(notifications.id, pending.id));
    await svc.runtime.reconcile();
    await waitFor('pia got mail', async () => (smtp.to('pia@acme.io').length === 1 ? true : undefined));
    await waitFor('row sent', async () =>
      (await rowsOf(featureId))[0]?.state === 'sent' ? true : undefined,
    );
  });
});

describe('digest', () => {
  it('a digest requester gets one message listing several changes', async () => {
    const quinn = { email: 'quinn@acme.io', name: 'Quinn' };
    const a = await drive.featureWith('Gantt charts', [quinn]);
    const b = await drive.featureWith('Time tracking', [quinn]);
    const id = await requesterIdOf(svc, quinn.email);
    await svc.runtime.store.db.update(requesters).set({ notifyDigest: true }).where(eq(requesters.id, id));
    await drive.move(a.issueId, 'started');
    await drive.move(b.issueId, 'completed');
    const ra = await pendingRow(a.featureId, 'in_progress');
    const rb = await pendingRow(b.featureId, 'shipped');
    // Both wait for the same daily digest hour, not the coalescing window.
    expect(ra.detail['digest']).toBe(true);
    expect(ra.dueAt.getTime()).toBe(rb.dueAt.getTime());
    expect(ra.dueAt.getUTCHours()).toBe(svc.config.notifications.digest.hourUtc);
    // The digest hour comes.
    await svc.runtime.store.db
      .update(notifications)
      .set({ dueAt: sql`now()` })
      .where(inArray(notifications.id, [ra.id, rb.id]));
    const delayed = await notifyQueue().getDelayed();
    for (const job of delayed.filter((j) => j.name === 'notify-digest')) await job.promote();
    const [mail] = await waitFor('the digest', async () => {
      const got = smtp.to(quinn.email);
      return got.length ? got : undefined;
    });
    expect(smtp.to(quinn.email)).toHaveLength(1);
    expect(mail?.messageId).toMatch(/^<digest-\d{8}T\d{2}-[0-9a-f-]{36}@ideas\.example\.com>$/);
    expect(mail?.parsed.text).toContain('Gantt charts');
    expect(mail?.parsed.text).toContain('Time tracking');
    await waitFor('both rows sent', async () => {
      const rows = [...(await rowsOf(a.featureId)), ...(await rowsOf(b.featureId))];
      return rows.every((r) => r.state === 'sent') ? true : undefined;
    });
  });
});
