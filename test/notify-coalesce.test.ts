import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestLinks } from '../src/rules/notify/links.ts';
import { notifications, requesters, unsubscribes } from '../src/store/schema.ts';
import { loadTokenKey } from '../src/store/secrets.repo.ts';
import {
  type linearDriver,
  type MailingService,
  requesterIdOf,
  startMailingService,
} from './helpers/notify.ts';
import type { TestService } from './helpers/service.ts';
import { waitFor } from './helpers/service.ts';
import type { SmtpTestServer } from './helpers/smtp.ts';

/**
 * The coalescing window, undo, crashes and lost jobs. The window is long (10 minutes) so that what happens inside
 * it does not depend on how fast this machine is; a test "lets the window pass" by making the pending rows due
 * now and running their delayed jobs, which is what the clock would do.
 */

let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
let mailing: MailingService | undefined;

beforeAll(async () => {
  mailing = await startMailingService({
    env: {
      MAIL_FROM: 'ideas@example.com',
      PUBLIC_URL: 'https://ideas.example.com',
      NOTIFY_COALESCE_SECONDS: '600',
    },
    yaml: ['push:', '  coalesceSeconds: 1'].join('\n'),
  });
  ({ smtp, svc, drive } = mailing);
}, 120_000);
afterAll(() => mailing?.stop());

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
    // The SMTP server has the message a moment before the worker records it sent.
    const rows = await waitFor('the shipped row recorded sent', async () => {
      const all = await rowsOf(featureId);
      return all.some((r) => r.status === 'shipped' && r.state !== 'sending') ? all : undefined;
    });
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
  it('a send whose worker died after claiming it is sent again by the redrive, once stale, as the same message', async () => {
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
    // The worker died after the server said 250 and before `sent` was written: the row is still `sending`.
    await svc.runtime.store.db
      .update(notifications)
      .set({ state: 'sending', sentAt: null, updatedAt: sql`now()` })
      .where(eq(notifications.id, pending.id));
    // Claimed just now, it may still be in flight: the redrive leaves it (its completed job stays as it was).
    const job = await notifyQueue().getJob(`notify-send-${pending.id}`);
    await svc.runtime.reconcile();
    expect((await notifyQueue().getJob(`notify-send-${pending.id}`))?.timestamp).toBe(job?.timestamp);
    expect((await rowsOf(featureId))[0]?.state).toBe('sending');
    // Stale (claimed longer ago than any send takes): the redrive queues it again.
    await svc.runtime.store.db
      .update(notifications)
      .set({ updatedAt: sql`now() - interval '11 minutes'` })
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
    // Once recorded, neither the redrive nor a repeated job sends it again.
    await svc.runtime.reconcile();
    const again = await notifyQueue().add('notify-send', { notificationId: pending.id });
    await waitFor('repeat done', async () => ((await again.isCompleted()) ? true : undefined));
    expect(smtp.to('oli@acme.io')).toHaveLength(2);
    expect(await rowsOf(featureId)).toHaveLength(1);
  });

  it('a due row whose job was lost with Redis is sent by the redrive', async () => {
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
    const bothSent = () =>
      waitFor('both rows sent', async () => {
        const rows = [...(await rowsOf(a.featureId)), ...(await rowsOf(b.featureId))];
        return rows.every((r) => r.state === 'sent') ? true : undefined;
      });
    await bothSent();

    // Its worker died before recording: once stale, the redrive sends the same digest again.
    await svc.runtime.store.db
      .update(notifications)
      .set({ state: 'sending', sentAt: null, updatedAt: sql`now() - interval '11 minutes'` })
      .where(inArray(notifications.id, [ra.id, rb.id]));
    await svc.runtime.reconcile();
    const [, again] = await waitFor('the digest again', async () => {
      const got = smtp.to(quinn.email);
      return got.length === 2 ? got : undefined;
    });
    expect(again?.messageId).toBe(mail?.messageId);
    expect(again?.parsed.text).toBe(mail?.parsed.text);
    await bothSent();

    // The digest is about no one feature: its one-click unsubscribe (the header that arrived) stops all status mail.
    const header = mail?.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    const oneClick = /<https:\/\/ideas\.example\.com(\/unsubscribe\/[^>]+\/one-click)>/.exec(header)?.[1];
    if (!oneClick) throw new Error(`no one-click URL in ${header}`);
    // The footer's "stop or change" link is the same token's page.
    expect(mail?.parsed.text).toContain(`https://ideas.example.com${oneClick.replace(/\/one-click$/, '')}`);
    const res = await fetch(`${svc.url}${oneClick}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const stops = await svc.runtime.store.db
      .select()
      .from(unsubscribes)
      .where(eq(unsubscribes.requesterId, id));
    expect(stops.map((s) => [s.featureId, s.via])).toEqual([[null, 'one-click']]);
  });

  it('a digest row that quotes no request is settled failed, not queued again every reconcile', async () => {
    const uma = { email: 'uma@acme.io', name: 'Uma' };
    const { featureId, issueId } = await drive.featureWith('Read receipts', [uma]);
    const id = await requesterIdOf(svc, uma.email);
    await svc.runtime.store.db.update(requesters).set({ notifyDigest: true }).where(eq(requesters.id, id));
    await drive.move(issueId, 'started');
    const row = await pendingRow(featureId, 'in_progress');
    await svc.runtime.store.db
      .update(notifications)
      .set({ requestId: null, dueAt: sql`now()` })
      .where(eq(notifications.id, row.id));
    const delayed = await notifyQueue().getDelayed();
    for (const job of delayed.filter((j) => j.name === 'notify-digest' && j.data.requesterId === id)) {
      await job.promote();
    }
    const [failed] = await waitFor('the row settled', async () => {
      const rows = await rowsOf(featureId);
      return rows.every((r) => r.state !== 'pending') ? rows : undefined;
    });
    expect(failed).toMatchObject({ state: 'failed', reason: 'the request this notification quotes is gone' });
    expect(smtp.to(uma.email)).toHaveLength(0);
  });
});

describe('a change while a message is being sent', () => {
  /** Moves the feature to in_progress and lets the window pass with the SMTP server holding its reply. */
  async function sendInFlight(title: string, email: string) {
    const { featureId, issueId } = await drive.featureWith(title, [{ email, name: 'Someone' }]);
    await drive.move(issueId, 'started');
    const first = await pendingRow(featureId, 'in_progress');
    const hold = smtp.holdData(email);
    await windowPasses(featureId);
    // The server has the whole message and has not answered yet.
    await hold.reached;
    return { featureId, issueId, first, release: hold.release };
  }
  const stateOf = async (featureId: string) =>
    (await rowsOf(featureId)).map((r) => [r.status, r.state, r.reason]).sort();
  const messagesTo = (email: string, count: number) =>
    waitFor(`${count} messages to ${email}`, async () => {
      const got = smtp.to(email);
      return got.length === count ? got : undefined;
    });
  const sentRow = (featureId: string, id: string) =>
    waitFor(`row ${id} sent`, async () =>
      (await rowsOf(featureId)).find((r) => r.id === id && r.state === 'sent'),
    );

  it('an undo: the message is recorded sent, nothing is cancelled under it, the next move is announced', async () => {
    const { featureId, issueId, first, release } = await sendInFlight('Pinned views', 'rae@acme.io');
    await drive.move(issueId, 'backlog');
    await drive.statusIs(featureId, 'under_review');
    // Being sent is told: the undo cancels nothing (and under_review announces nothing).
    expect(await stateOf(featureId)).toEqual([['in_progress', 'sending', null]]);
    release();
    const [mail] = await messagesTo('rae@acme.io', 1);
    expect(mail?.messageId).toBe(first.messageId);
    await sentRow(featureId, first.id);
    // What they were told is in_progress: the next notifying move is news, sent as usual.
    await drive.move(issueId, 'unstarted');
    const next = await pendingRow(featureId, 'planned');
    await windowPasses(featureId);
    const [, second] = await messagesTo('rae@acme.io', 2);
    expect(second?.messageId).toBe(next.messageId);
    await sentRow(featureId, next.id);
    expect(await stateOf(featureId)).toEqual([
      ['in_progress', 'sent', null],
      ['planned', 'sent', null],
    ]);
  });

  it('a further move: the message is recorded sent, and the new status follows in its own message', async () => {
    const { featureId, issueId, first, release } = await sendInFlight('Shared inbox', 'sol@acme.io');
    await drive.move(issueId, 'completed');
    await drive.statusIs(featureId, 'shipped');
    const next = await pendingRow(featureId, 'shipped');
    // A new row with a window of its own, not a replacement of the one being sent.
    expect(next.dueAt.getTime()).toBeGreaterThan(first.dueAt.getTime());
    expect(await stateOf(featureId)).toEqual([
      ['in_progress', 'sending', null],
      ['shipped', 'pending', null],
    ]);
    release();
    const [mail] = await messagesTo('sol@acme.io', 1);
    expect(mail?.messageId).toBe(first.messageId);
    await sentRow(featureId, first.id);
    await windowPasses(featureId);
    const [, second] = await messagesTo('sol@acme.io', 2);
    expect(second?.messageId).toBe(next.messageId);
    await sentRow(featureId, next.id);
  });

  it('an unsubscribe: this message is recorded sent, the next ones are stopped', async () => {
    const email = 'tia@acme.io';
    const { featureId, issueId, first, release } = await sendInFlight('Saved replies', email);
    const id = await requesterIdOf(svc, email);
    const [person] = await svc.runtime.store.db.select().from(requesters).where(eq(requesters.id, id));
    const links = digestLinks({
      publicUrl: svc.url,
      key: await loadTokenKey(svc.runtime.store.db),
      requesterId: id,
      tokenVersion: person?.tokenVersion ?? 0,
    });
    const res = await fetch(links.oneClickUnsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await stateOf(featureId)).toEqual([['in_progress', 'sending', null]]);
    release();
    await messagesTo(email, 1);
    await sentRow(featureId, first.id);
    // The next change writes nothing for them.
    await drive.move(issueId, 'completed');
    await drive.statusIs(featureId, 'shipped');
    expect(await stateOf(featureId)).toEqual([['in_progress', 'sent', null]]);
  });
});
