import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifications, requesters } from '../src/store/schema.ts';
import {
  type linearDriver,
  type MailingService,
  requesterIdOf,
  startMailingService,
} from './helpers/notify.ts';
import { type TestService, waitFor } from './helpers/service.ts';
import type { ReceivedMail, SmtpTestServer } from './helpers/smtp.ts';

/**
 * A requester's status never goes back by accident, and when a person takes it back they are told so, end to end:
 * issues moved and linked through the Linear emulator, merges through the API, mail to a real SMTP server on
 * loopback. The roll-up is `all` (the least advanced link), the default.
 */

const ADMIN = 'admin-token-status-step-back-0123';
let smtp: SmtpTestServer;
let svc: TestService;
let drive: ReturnType<typeof linearDriver>;
let mailing: MailingService | undefined;

beforeAll(async () => {
  mailing = await startMailingService({
    env: { MAIL_FROM: 'Acme <updates@acme.test>', NOTIFY_COALESCE_SECONDS: '0', ADMIN_TOKEN: ADMIN },
    yaml: ['push:', '  coalesceSeconds: 1'].join('\n'),
  });
  ({ smtp, svc, drive } = mailing);
}, 120_000);
afterAll(() => mailing?.stop());

interface FeatureView {
  status: string;
  statusHistory: Array<{ from: string; to: string; cause: string }>;
  links: Array<{ state: string; issueKey: string | null }>;
}

const feature = async (id: string) => (await (await svc.get(`/v1/features/${id}`)).json()) as FeatureView;

/** The `n`-th message to this address (1-based), once it arrived. */
const nthMailTo = (address: string, n: number): Promise<ReceivedMail> =>
  waitFor(`mail ${n} to ${address}`, async () => smtp.to(address)[n - 1], 60_000);

/** Waits until every outbox row of the feature is settled (nothing pending or being sent). */
const settled = (featureId: string) =>
  waitFor(`outbox of ${featureId} settled`, async () => {
    const rows = await drive.rows(featureId);
    return rows.every((r) => r.state !== 'pending' && r.state !== 'sending') ? rows : undefined;
  });

describe('a status goes back only for a reason a person took', () => {
  it('linking a second issue, still in triage, leaves a feature being built as it is and tells no one', async () => {
    const f = await drive.featureWith('Offline sync', [
      { email: 'ola@acme.io', name: 'Ola', body: 'Work on planes without a connection.' },
    ]);
    await drive.move(f.issueId, 'started');
    await drive.statusIs(f.featureId, 'in_progress');
    expect((await nthMailTo('ola@acme.io', 1)).parsed.subject).toContain('is being built');
    const rowsBefore = await settled(f.featureId);

    // The product owner files the same need for another team's app and links it by hand; it sits in triage.
    const emulators = svc.emulators();
    const state = emulators.linear.state;
    const team = state.findTeam('SBX')?.id ?? '';
    const triage = state.teamStates(team).find((s) => s.type === 'triage')?.id ?? '';
    const created = await drive.linear.createIssue({
      teamId: team,
      title: 'Offline sync (iOS)',
      stateId: triage,
    });
    const issueKey = (await created.issue)?.identifier ?? '';
    const linked = await svc.post(`/v1/features/${f.featureId}/links`, {
      issue: issueKey,
      tracker: 'linear',
    });
    expect(linked.status).toBe(201);

    const after = await feature(f.featureId);
    expect(after.links.filter((l) => l.state === 'linked').map((l) => l.issueKey)).toContain(issueKey);
    expect(after.status).toBe('in_progress');
    expect(after.statusHistory.at(-1)?.to).toBe('in_progress');
    expect((await drive.rows(f.featureId)).length).toBe(rowsBefore.length);
    expect(smtp.to('ola@acme.io')).toHaveLength(1);

    // Work on the new issue moving forward still moves nothing back, and the first one shipping waits for it.
    await drive.move(f.issueId, 'completed');
    await waitFor('the link applied', async () => {
      const links = await svc.runtime.store.links.forFeature(f.featureId);
      return links.find((l) => l.issueId === f.issueId && l.mappedStatus === 'shipped');
    });
    expect((await feature(f.featureId)).status).toBe('in_progress');
  });

  it('a shipped issue reopened tells its requesters it was reopened and is being built again', async () => {
    const f = await drive.featureWith('Saved filters', [
      { email: 'sam@acme.io', name: 'Sam', body: 'Keep my report queries for next week.' },
    ]);
    await drive.move(f.issueId, 'started');
    expect((await nthMailTo('sam@acme.io', 1)).parsed.subject).toContain('is being built');
    await drive.move(f.issueId, 'completed');
    expect((await nthMailTo('sam@acme.io', 2)).parsed.subject).toContain('has shipped');

    await drive.move(f.issueId, 'started');
    const reopened = await nthMailTo('sam@acme.io', 3);
    expect(reopened.parsed.subject).toBe(
      'Suggested: your request “Saved filters” was reopened — it is being built again',
    );
    expect(reopened.parsed.text).toContain('“Saved filters” was reopened: it is being built again.');
    expect(reopened.parsed.html).toContain('was reopened: it is being built again');
    const history = (await feature(f.featureId)).statusHistory.map((h) => `${h.from}>${h.to}`);
    expect(history.slice(-2)).toEqual(['in_progress>shipped', 'shipped>in_progress']);
  });

  it('a digest lists a reopened feature in the same words', async () => {
    const f = await drive.featureWith('Bulk invoice export', [
      { email: 'ria@acme.io', name: 'Ria', body: 'Download every invoice of a quarter in one zip.' },
    ]);
    await drive.move(f.issueId, 'started');
    await nthMailTo('ria@acme.io', 1);
    await drive.move(f.issueId, 'completed');
    await nthMailTo('ria@acme.io', 2);
    // Ria chose one daily summary since.
    const ria = await requesterIdOf(svc, 'ria@acme.io');
    await svc.runtime.store.db.update(requesters).set({ notifyDigest: true }).where(eq(requesters.id, ria));

    await drive.move(f.issueId, 'started');
    const row = await waitFor('the digest row', async () =>
      (await drive.rows(f.featureId)).find((r) => r.state === 'pending' && r.detail['digest'] === true),
    );
    expect(row).toMatchObject({ status: 'in_progress', detail: { back: 'reopened', fromStatus: 'shipped' } });
    // The digest hour comes.
    await svc.runtime.store.db
      .update(notifications)
      .set({ dueAt: sql`now()` })
      .where(eq(notifications.id, row.id));
    const queue = svc.runtime.queues.queue('notify');
    for (const job of (await queue.getDelayed()).filter((j) => j.name === 'notify-digest'))
      await job.promote();
    const digest = await nthMailTo('ria@acme.io', 3);
    expect(digest.parsed.text).toContain('“Bulk invoice export”: reopened — being built again');
  });

  it('an unmerge tells the requesters it gave back that they are no longer merged, and the status now', async () => {
    const a = await drive.featureWith('Calendar invites', [
      { email: 'nia@acme.io', name: 'Nia', body: 'Send ics attachments with bookings.' },
    ]);
    const b = await drive.featureWith('Dark mode', [
      { email: 'dan@acme.io', name: 'Dan', body: 'Black background at night, please.' },
    ]);
    await drive.move(a.issueId, 'unstarted');
    expect((await nthMailTo('nia@acme.io', 1)).parsed.subject).toContain('is planned');

    const merged = await svc.post(`/v1/features/${a.featureId}/merge`, { into: b.featureId });
    expect(merged.status).toBe(200);
    expect((await nthMailTo('nia@acme.io', 2)).parsed.subject).toContain('was merged into “Dark mode”');

    const unmerged = await svc.post(`/v1/features/${a.featureId}/unmerge`, {});
    expect(unmerged.status).toBe(200);
    const back = await nthMailTo('nia@acme.io', 3);
    expect(back.parsed.subject).toBe(
      'Suggested: your request “Calendar invites” is no longer merged into “Dark mode”',
    );
    expect(back.parsed.text).toContain(
      '“Calendar invites” is no longer merged into “Dark mode”: it is planned.',
    );
    // Dan's request never moved: he hears nothing of it.
    expect(smtp.to('dan@acme.io')).toHaveLength(0);

    // Dan's words named the feature: once he is erased, the notice kept on Nia's row no longer holds them.
    const erased = await fetch(`${svc.url}/v1/requesters/${await requesterIdOf(svc, 'dan@acme.io')}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(erased.status).toBe(200);
    const kept = JSON.stringify((await drive.rows(a.featureId)).map((r) => r.detail));
    expect(kept).toContain('unmergedFrom');
    expect(kept).not.toContain('Dark mode');
  });
});
