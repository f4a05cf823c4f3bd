import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailSuppressions, notifications, requesters, unsubscribes } from '../src/store/schema.ts';
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
 * Status emails end to end in sandbox mode: requests posted to the API, their feature pushed to the Linear emulator,
 * the issue moved there with the real SDK, the webhook brings the change back, and the mail arrives at a real SMTP
 * server on loopback, parsed with mailparser. A 1-second coalescing window.
 */

const PUBLIC_URL = 'https://ideas.example.com';
let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
let mailing: MailingService | undefined;

beforeAll(async () => {
  mailing = await startMailingService({
    env: {
      MAIL_FROM: 'Acme Ideas <ideas@example.com>',
      PUBLIC_URL,
      NOTIFY_COALESCE_SECONDS: '1',
    },
    yaml: [
      'push:',
      '  coalesceSeconds: 1',
      'notifications:',
      '  productName: Acme Ideas',
      '  replyTo: Acme Support <support@example.com>',
    ].join('\n'),
  });
  ({ smtp, svc, drive } = mailing);
}, 120_000);
afterAll(() => mailing?.stop());

/** Waits until the feature has no pending or sending outbox rows (everything due was sent, failed or suppressed). */
const settled = (featureId: string) =>
  waitFor(`feature ${featureId} notifications settled`, async () => {
    const rows = await drive.rows(featureId);
    return rows.length > 0 && rows.every((r) => r.state !== 'pending' && r.state !== 'sending')
      ? rows
      : undefined;
  });

describe('status emails', () => {
  it('each requester gets exactly one message per notifying change, quoting their own request', async () => {
    const { featureId, issueId } = await drive.featureWith('Dark mode', [
      { email: 'ann@acme.io', name: 'Ann', body: 'We work at night, a dark theme please.' },
      { email: 'bob@globex.io', name: 'Bob', body: 'Bright screens hurt in our control room.' },
    ]);
    // received → under_review (the issue landed in triage) notifies nobody.
    expect(await drive.rows(featureId)).toEqual([]);

    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    await smtp.waitFor(2);
    await settled(featureId);

    const [ann] = smtp.to('ann@acme.io');
    const [bob] = smtp.to('bob@globex.io');
    expect(smtp.to('ann@acme.io')).toHaveLength(1);
    expect(smtp.to('bob@globex.io')).toHaveLength(1);
    if (!ann || !bob) throw new Error('both requesters should have mail');
    expect(ann.parsed.from?.text).toBe('"Acme Ideas" <ideas@example.com>');
    expect(ann.parsed.replyTo?.text).toBe('"Acme Support" <support@example.com>');
    expect(ann.parsed.to && !Array.isArray(ann.parsed.to) ? ann.parsed.to.value[0]?.address : '').toBe(
      'ann@acme.io',
    );
    const rows = await drive.rows(featureId);
    expect(rows.map((r) => [r.status, r.state])).toEqual([
      ['in_progress', 'sent'],
      ['in_progress', 'sent'],
    ]);
    // The Message-ID is the row's, on the host of PUBLIC_URL.
    expect(new Set(rows.map((r) => r.messageId))).toEqual(new Set([ann.messageId, bob.messageId]));
    expect(ann.messageId).toMatch(/^<[0-9a-f-]{36}@ideas\.example\.com>$/);
    // RFC 8058 one-click unsubscribe, pointing at this service.
    const listUnsubscribe = ann.parsed.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    expect(listUnsubscribe).toContain(`<${PUBLIC_URL}/unsubscribe/`);
    expect(ann.parsed.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    // Each quotes their own words, never the other's.
    expect(ann.parsed.text).toContain('We work at night, a dark theme please.');
    expect(ann.parsed.text).not.toContain('control room');
    expect(bob.parsed.text).toContain('Bright screens hurt in our control room.');
    expect(ann.parsed.html).toBeTruthy();
    expect(ann.parsed.subject).toContain('Dark mode');

    // The feature says what was sent to how many.
    const res = await svc.get(`/v1/features/${featureId}`);
    const view = (await res.json()) as { notifications: Record<string, unknown> };
    expect(view.notifications).toMatchObject({
      sent: 2,
      pending: 0,
      failed: 0,
      suppressed: 0,
      byStatus: { in_progress: { sent: 2, pending: 0, failed: 0, suppressed: 0 } },
    });

    // The next notifying change sends one more each, announcing it.
    await drive.move(issueId, 'completed');
    await drive.statusIs(featureId, 'shipped');
    await smtp.waitFor(4);
    await settled(featureId);
    expect(smtp.to('ann@acme.io')).toHaveLength(2);
    expect(smtp.to('bob@globex.io')).toHaveLength(2);
    expect(
      (await drive.rows(featureId)).filter((r) => r.status === 'shipped' && r.state === 'sent'),
    ).toHaveLength(2);
  });

  it('unsubscribed and erased requesters get nothing; the others still do', async () => {
    const { featureId, issueId } = await drive.featureWith('CSV export', [
      { email: 'cat@initech.io', name: 'Cat' },
      { email: 'dan@initech.io', name: 'Dan' },
      { email: 'eve@initech.io', name: 'Eve' },
    ]);
    const dan = await requesterIdOf(svc, 'dan@initech.io');
    const eve = await requesterIdOf(svc, 'eve@initech.io');
    await svc.runtime.store.db.insert(unsubscribes).values({ requesterId: dan, featureId, via: 'page' });
    await svc.runtime.store.db.update(requesters).set({ erasedAt: new Date() }).where(eq(requesters.id, eve));

    const before = smtp.messages.length;
    await drive.move(issueId, 'unstarted');
    await drive.statusIs(featureId, 'planned');
    await settled(featureId);
    const rows = await drive.rows(featureId);
    expect(rows.map((r) => [r.status, r.state])).toEqual([['planned', 'sent']]);
    const arrived = smtp.messages.slice(before).filter((m) => m.envelope.to[0]?.endsWith('@initech.io'));
    expect(arrived.map((m) => m.envelope.to[0])).toEqual(['cat@initech.io']);
  });

  it('a duplicated webhook and a replayed status change do not send twice', async () => {
    const { featureId, issueId } = await drive.featureWith('Audit log', [
      { email: 'fay@umbrella.io', name: 'Fay' },
    ]);
    // Every delivery of the next move arrives twice, with the same delivery id.
    const fault = await fetch(`${svc.emulators().linear.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ webhooks: { duplicate: 2 } }),
    });
    expect(fault.status).toBe(200);
    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    await settled(featureId);
    await svc.emulators().linear.deliverer.idle();
    // A reconcile reads the same issue state again: stale, nothing new.
    await svc.runtime.queues.enqueue('tracker-reconcile', { kind: 'linear', site: 'sandbox' });
    await waitFor('tracker events drained', async () => {
      const counts = await svc.runtime.queues
        .queue('tracker-events')
        .getJobCounts('waiting', 'active', 'delayed');
      return counts['waiting'] === 0 && counts['active'] === 0 && counts['delayed'] === 0 ? true : undefined;
    });
    // The send job enqueued again (a redelivered job) finds its row sent and does nothing.
    const [row] = await drive.rows(featureId);
    if (!row) throw new Error('expected a row');
    const again = await svc.runtime.queues.queue('notify').add('notify-send', { notificationId: row.id });
    await waitFor('the repeated send job finished', async () =>
      (await again.isCompleted()) ? true : undefined,
    );
    expect((await svc.runtime.queues.queue('notify').getJob(again.id ?? ''))?.returnvalue).toEqual({
      skipped: 'sent',
    });
    expect(smtp.to('fay@umbrella.io')).toHaveLength(1);
    expect(await drive.rows(featureId)).toHaveLength(1);
  });

  it("a merge tells the merged-away feature's requesters, naming the surviving feature", async () => {
    const from = await drive.featureWith('Kanban board', [{ email: 'jo@stark.io', name: 'Jo' }]);
    const into = await drive.featureWith('Calendar sync', [{ email: 'kim@stark.io', name: 'Kim' }]);
    const res = await svc.post(`/v1/features/${from.featureId}/merge`, { into: into.featureId });
    expect(res.status).toBe(200);
    const [mail] = await waitFor('jo told of the merge', async () => {
      const got = smtp.to('jo@stark.io');
      return got.length ? got : undefined;
    });
    expect(mail?.parsed.text).toContain('Calendar sync');
    const rows = await settled(from.featureId);
    expect(rows.map((r) => [r.status, r.state])).toEqual([['merged', 'sent']]);
    expect(rows[0]?.detail['mergedInto']).toEqual({ id: into.featureId, title: 'Calendar sync' });
    // The survivor's own requester hears nothing about it.
    expect((await drive.rows(into.featureId)).filter((r) => r.status === 'merged')).toEqual([]);
    expect(smtp.to('kim@stark.io')).toHaveLength(0);
  });

  it('SMTP 451 then success delivers exactly once', async () => {
    smtp.failData({ code: 451, message: '4.3.0 try again later', times: 2, address: 'gus@hooli.io' });
    const { featureId, issueId } = await drive.featureWith('Offline mode', [
      { email: 'gus@hooli.io', name: 'Gus' },
    ]);
    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    const [row] = await settled(featureId);
    expect(row).toMatchObject({ state: 'sent', attempts: 2 });
    expect(smtp.to('gus@hooli.io')).toHaveLength(1);
  });

  it('SMTP 550 marks the row failed with the reply and suppresses the address', async () => {
    smtp.failRcpt({ code: 550, message: '5.1.1 mailbox unavailable', address: 'hal@hooli.io' });
    const { featureId, issueId } = await drive.featureWith('Two-factor login', [
      { email: 'hal@hooli.io', name: 'Hal' },
      { email: 'ivy@hooli.io', name: 'Ivy' },
    ]);
    const hal = await requesterIdOf(svc, 'hal@hooli.io');
    await drive.move(issueId, 'started');
    await drive.statusIs(featureId, 'in_progress');
    const rows = await settled(featureId);
    const halRow = rows.find((r) => r.requesterId === hal);
    expect(halRow?.state).toBe('failed');
    expect(halRow?.reason).toContain('550');
    expect(halRow?.reason).toContain('mailbox unavailable');
    const [suppressed] = await svc.runtime.store.db
      .select()
      .from(mailSuppressions)
      .where(eq(mailSuppressions.emailKey, 'hal@hooli.io'));
    expect(suppressed?.reason).toContain('550');
    expect(smtp.to('hal@hooli.io')).toHaveLength(0);
    expect(smtp.to('ivy@hooli.io')).toHaveLength(1);

    // The next change writes no row for the suppressed address at all.
    await drive.move(issueId, 'completed');
    await drive.statusIs(featureId, 'shipped');
    await waitFor('ivy told it shipped', async () =>
      smtp.to('ivy@hooli.io').length === 2 ? true : undefined,
    );
    const shipped = (await drive.rows(featureId)).filter((r) => r.status === 'shipped');
    expect(shipped.map((r) => r.requesterId)).not.toContain(hal);
    const res = await svc.get(`/v1/features/${featureId}`);
    const view = (await res.json()) as { notifications: { failed: number } };
    expect(view.notifications.failed).toBe(1);
    // Failed for good: not retried by the redrive either.
    await svc.runtime.reconcile();
    const after = await svc.runtime.store.db
      .select()
      .from(notifications)
      .where(eq(notifications.requesterId, hal));
    expect(after.map((r) => r.state)).toEqual(['failed']);
  });
});
