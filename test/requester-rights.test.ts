import { eq } from 'drizzle-orm';
import { createCloudClient } from 'jira.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../src/rules/notify/tokens.ts';
import type { RequesterExport } from '../src/store/requester-rights.repo.ts';
import { devMail, requesters } from '../src/store/schema.ts';
import { loadTokenKey } from '../src/store/secrets.repo.ts';
import { tokenRequester } from '../src/store/status-page.repo.ts';
import { linearDriver, requesterIdOf } from './helpers/notify.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * Requester rights end to end (sandbox mode: the real service, its Jira and Linear emulators, the real SDKs):
 * the export shows what a person sent; erasure leaves nothing personal in our database or in the tracker issues
 * that quoted them, revokes their links, and changes no count or score.
 */

const ADMIN = 'admin-token-requester-rights-0123';
/** Long enough that an erasure right after a status change lands while its mail still waits in the outbox. */
const COALESCE_SECONDS = 5;
let smtp: SmtpTestServer;
let svc: TestService;
beforeAll(async () => {
  smtp = await startSmtpServer();
  svc = await startService({
    yaml: 'push:\n  coalesceSeconds: 1\n',
    env: {
      ADMIN_TOKEN: ADMIN,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Ideas <ideas@example.com>',
      NOTIFY_COALESCE_SECONDS: String(COALESCE_SECONDS),
    },
  });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await smtp?.close();
});

const admin = (path: string, method = 'GET', token = ADMIN) =>
  fetch(`${svc.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });

/** A 200, or a failure that says what the service answered instead. */
async function expectOk(res: Response): Promise<void> {
  if (res.status !== 200) expect(`${res.status} ${await res.text()}`).toBe('200');
}

interface RequestView {
  feature: { id: string } | null;
  requester: { id: string; email: string; name: string | null } | null;
}

async function submit(body: Record<string, unknown>): Promise<{ requestId: string; featureId: string }> {
  const res = await svc.post('/v1/requests', body);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { requestId: id, featureId: await svc.featureOf(id) };
}

async function requesterOf(requestId: string): Promise<string> {
  const view = (await (await svc.get(`/v1/requests/${requestId}`)).json()) as RequestView;
  if (!view.requester) throw new Error(`request ${requestId} has no requester`);
  return view.requester.id;
}

async function settledLink(featureId: string) {
  return waitFor(
    `feature ${featureId} pushed`,
    async () => {
      const [link] = await svc.runtime.store.links.forFeature(featureId);
      return link?.state === 'linked' && link.issueId && !link.dirtySince ? link : undefined;
    },
    60_000,
  );
}

/** The score the feature's demand gives at a fixed time: unchanged demand, same score. */
async function scoreAt(featureId: string, at: Date) {
  await svc.runtime.store.rescore.rescoreFeature(featureId, at);
  const found = await svc.runtime.store.features.get(featureId);
  if (!found) throw new Error(`feature ${featureId} is gone`);
  const f = found.feature;
  return {
    score: f.score,
    requests: f.requestCount,
    requesters: f.requesterCount,
    companies: f.companyCount,
  };
}

describe('requester rights', () => {
  it('are admin-only, and an unknown requester is a 404', async () => {
    const someone = '00000000-0000-4000-8000-000000000000';
    expect((await fetch(`${svc.url}/v1/requesters/${someone}/export`)).status).toBe(401);
    expect((await admin(`/v1/requesters/${someone}/export`, 'GET', svc.apiKey)).status).toBe(403);
    expect((await admin(`/v1/requesters/${someone}`, 'DELETE', svc.apiKey)).status).toBe(403);
    expect((await admin(`/v1/requesters/${someone}/export`)).status).toBe(404);
    expect((await admin(`/v1/requesters/${someone}`, 'DELETE')).status).toBe(404);
    expect((await admin('/v1/requesters/not-a-uuid/export')).status).toBe(404);
  });

  it('export shows what they sent; erasure leaves nothing personal here or in Linear, and no count moves', async () => {
    const bob = await submit({
      title: 'Dark mode',
      body: 'Night shifts hurt our eyes.',
      requester: { email: 'bob@beta.io', name: 'Bob Beta', company: { name: 'Beta', revenue: 5000 } },
    });
    const zelda = await submit({
      title: 'Dark mode',
      body: 'We read dashboards at 3am. Regards, Zelda Quixote, zelda.q@acme.io',
      url: 'https://support.acme.io/tickets/4711',
      requester: {
        email: 'Zelda.Q@acme.io',
        name: 'Zelda Quixote',
        externalId: 'crm-zq-1',
        company: { name: 'Acme', revenue: 120000, tier: 'enterprise' },
      },
    });
    expect(zelda.featureId).toBe(bob.featureId);
    const featureId = bob.featureId;
    const zeldaId = await requesterOf(zelda.requestId);

    const linear = svc.emulators().linear;
    const link = await waitFor('both requests on the Linear issue', async () => {
      const l = await settledLink(featureId);
      const needs = [...linear.state.needs.values()].filter((n) => n.issueId === l.issueId);
      return needs.length === 2 && linear.state.issues.get(l.issueId ?? '')?.description?.includes('Zelda')
        ? l
        : undefined;
    });
    const issueId = link.issueId ?? '';
    const needsOf = () => [...linear.state.needs.values()].filter((n) => n.issueId === issueId);
    expect(needsOf().some((n) => n.body?.includes('Zelda Quixote'))).toBe(true);

    // Export: the row, the company, the request as sent, its feature and triage, the issue that shows it.
    const before = await admin(`/v1/requesters/${zeldaId}/export`);
    await expectOk(before);
    const exported = (await before.json()) as RequesterExport;
    expect(exported.requester).toMatchObject({
      id: zeldaId,
      email: 'Zelda.Q@acme.io',
      name: 'Zelda Quixote',
      externalId: 'crm-zq-1',
      erasedAt: null,
    });
    expect(exported.company).toMatchObject({ name: 'Acme', revenue: 120000, tier: 'enterprise' });
    expect(exported.requests).toEqual([
      expect.objectContaining({
        id: zelda.requestId,
        source: 'api',
        title: 'Dark mode',
        body: 'We read dashboards at 3am. Regards, Zelda Quixote, zelda.q@acme.io',
        url: 'https://support.acme.io/tickets/4711',
        featureId,
        triage: expect.objectContaining({ featureId, action: 'attached' }),
      }),
    ]);
    expect(exported.features).toEqual([
      expect.objectContaining({
        id: featureId,
        status: expect.any(String),
        trackerIssues: [expect.objectContaining({ tracker: 'linear', issueKey: link.issueKey })],
      }),
    ]);
    expect(exported.notifications).toEqual([]);
    expect(exported.suppression).toBeNull();

    // A status-page link issued before the erasure.
    const key = await loadTokenKey(svc.runtime.store.db);
    const [row] = await svc.runtime.store.db.select().from(requesters).where(eq(requesters.id, zeldaId));
    const token = signToken(key, {
      purpose: 'status',
      requesterId: zeldaId,
      requestId: zelda.requestId,
      featureId,
      version: row?.tokenVersion ?? -1,
    });
    const claims = verifyToken(key, token, 'status');
    if (!claims) throw new Error('a fresh token does not verify');
    expect(await tokenRequester(svc.runtime.store.db, claims)).toBeDefined();
    const page = await fetch(`${svc.url}/r/${token}`);
    await expectOk(page);
    expect(await page.text()).toContain('Dark mode');

    // What the mailer writes to the development outbox when SMTP_URL is unset (one message to each of them).
    for (const [to, id] of [
      ['Zelda.Q@acme.io', 'zelda'],
      ['bob@beta.io', 'bob'],
    ] as const) {
      await svc.runtime.store.devMail.save({
        messageId: `<rights-${id}@test>`,
        to,
        subject: 'Dark mode is in progress',
        raw: `To: ${to}\r\nSubject: Dark mode is in progress\r\n\r\nHello`,
      });
    }

    const at = new Date();
    const counted = await scoreAt(featureId, at);
    expect(counted).toMatchObject({ requests: 2, requesters: 2, companies: 2 });

    const erase = await admin(`/v1/requesters/${zeldaId}`, 'DELETE');
    await expectOk(erase);
    expect(await erase.json()).toMatchObject({ erased: true, alreadyErased: false, requests: 1 });
    // Idempotent: a repeat succeeds and says so.
    const again = await admin(`/v1/requesters/${zeldaId}`, 'DELETE');
    await expectOk(again);
    expect(await again.json()).toMatchObject({ erased: true, alreadyErased: true });

    // Nothing personal is left in what we hold about them.
    const after = (await (await admin(`/v1/requesters/${zeldaId}/export`)).json()) as RequesterExport;
    const text = JSON.stringify(after).toLowerCase();
    for (const personal of ['zelda', 'quixote', 'crm-zq-1', 'dashboards at 3am', 'tickets/4711'])
      expect(text).not.toContain(personal);
    expect(after.requester).toMatchObject({
      email: `erased-${zeldaId}@invalid`,
      name: null,
      externalId: null,
      erasedAt: expect.any(String),
    });
    expect(after.requests).toHaveLength(1);
    const view = await (await svc.get(`/v1/requests/${zelda.requestId}`)).text();
    expect(view.toLowerCase()).not.toContain('zelda');

    // Their copy in the development outbox is gone; Bob's stays.
    const outbox = await svc.runtime.store.db.select({ to: devMail.to }).from(devMail);
    expect(outbox.map((m) => m.to.toLowerCase())).toEqual(['bob@beta.io']);

    // Their links are dead: the row's token version moved past the one the link carries.
    const [erasedRow] = await svc.runtime.store.db
      .select()
      .from(requesters)
      .where(eq(requesters.id, zeldaId));
    expect(erasedRow?.tokenVersion).toBeGreaterThan(claims.version);
    expect(await tokenRequester(svc.runtime.store.db, claims)).toBeUndefined();
    const gone = await fetch(`${svc.url}/r/${token}`);
    expect(gone.status).toBe(404);
    expect((await gone.text()).toLowerCase()).not.toContain('zelda');

    // Counts and score are what they were.
    expect(await scoreAt(featureId, at)).toEqual(counted);

    // Linear: the description no longer quotes or names them; their customer request stays but is emptied.
    await waitFor('the Linear issue rewritten', async () => {
      const description = linear.state.issues.get(issueId)?.description ?? '';
      return !description.includes('Zelda') && description.includes('Night shifts') ? true : undefined;
    });
    await waitFor('their customer request emptied', async () =>
      needsOf().every((n) => !n.body?.includes('Zelda')) ? true : undefined,
    );
    const needs = needsOf();
    expect(needs).toHaveLength(2);
    expect(needs.filter((n) => n.body === null)).toHaveLength(1);
    expect(needs.some((n) => n.body?.includes('Night shifts'))).toBe(true);
    const attachments = [...linear.state.attachments.values()].map((a) => a.url);
    expect(attachments.some((u) => u.includes('tickets/4711'))).toBe(false);
    const description = linear.state.issues.get(issueId)?.description ?? '';
    expect(description.toLowerCase()).not.toContain('zelda');
    expect(description).toContain('2 requesters');
  });

  it('a Jira issue that quoted them is rewritten without their name or words', async () => {
    const grace = await submit({
      title: 'SAML single sign-on',
      body: 'Okta please. Grace Hopperton, grace@navy.io',
      tags: ['jira'],
      requester: { email: 'grace@navy.io', name: 'Grace Hopperton', company: { name: 'Navy' } },
    });
    const link = await waitFor('the Jira issue quoting her', async () => {
      const l = await settledLink(grace.featureId);
      const issue = [...svc.emulators().jira.state.issues.values()].find((i) => i.key === l.issueKey);
      return JSON.stringify(issue?.description).includes('Grace Hopperton') ? l : undefined;
    });
    const graceId = await requesterOf(grace.requestId);
    await expectOk(await admin(`/v1/requesters/${graceId}`, 'DELETE'));

    const jira = svc.emulators().jira;
    await waitFor('the Jira description rewritten', async () => {
      const issue = [...jira.state.issues.values()].find((i) => i.key === link.issueKey);
      const adf = JSON.stringify(issue?.description ?? null);
      // Her request named the feature and nobody else asked: the summary we wrote is renamed too.
      const renamed = issue?.summary !== 'SAML single sign-on';
      return adf.includes('Customer demand') && !adf.includes('Grace') && renamed ? true : undefined;
    });
    const issue = [...jira.state.issues.values()].find((i) => i.key === link.issueKey);
    const adf = JSON.stringify(issue?.description).toLowerCase();
    expect(adf).not.toContain('grace@navy.io');
    expect(adf).not.toContain('okta please');
    expect(adf).toContain('1 requester');
    expect(issue?.summary).toMatch(/^Feature request \S+ \(requester erased\)$/);
  });

  it('an issue that lost its link mark is not re-pushed, and the answer names it for cleaning by hand', async () => {
    const ada = await submit({
      title: 'Per-seat invoices',
      body: 'Split by seat please. Ada Lovelock',
      tags: ['jira'],
      requester: { email: 'ada@engine.io', name: 'Ada Lovelock', company: { name: 'Engine' } },
    });
    const link = await settledLink(ada.featureId);
    // The issue no longer carries the mark (its label and property removed): it may be someone else's issue now.
    const issue = [...svc.emulators().jira.state.issues.values()].find((i) => i.key === link.issueKey);
    if (!issue) throw new Error('no issue');
    issue.labels = [];
    issue.properties.clear();
    const e = svc.emulators();
    const jira = createCloudClient({
      host: e.jira.url,
      auth: { type: 'basic', email: e.credentials.jira.email, apiToken: e.credentials.jira.apiToken },
    });
    await jira.issues.doTransition({ issueIdOrKey: issue.key, transition: { id: '21' } });
    await waitFor('the webhook to find the mark gone', async () =>
      (await svc.runtime.store.links.get(link.id))?.markLostAt ? true : undefined,
    );
    const adaId = await requesterOf(ada.requestId);
    const res = await admin(`/v1/requesters/${adaId}`, 'DELETE');
    await expectOk(res);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['trackerLinksRepushed']).toBe(0);
    expect(body['trackerLinksNotRepushed']).toEqual([
      { linkId: link.id, tracker: 'jira', site: 'sandbox', issueKey: link.issueKey, url: link.url },
    ]);
  });

  it("an SMTP reply naming the address is neither logged nor kept, and erasure clears the row's reason", async () => {
    smtp.failRcpt({ code: 550, message: '5.1.1 <kim@acme.io>: mailbox unavailable', address: 'kim@acme.io' });
    const drive = linearDriver(svc);
    const { featureId, issueId } = await drive.featureWith('Audit export', [
      { email: 'kim@acme.io', name: 'Kim', body: 'We need the audit log as CSV.' },
    ]);
    const kimId = await requesterIdOf(svc, 'kim@acme.io');
    await drive.move(issueId, 'started');
    const [failed] = await waitFor('the hard bounce recorded', async () => {
      const rows = await drive.rows(featureId);
      return rows.length === 1 && rows[0]?.state === 'failed' ? rows : undefined;
    });
    expect(failed?.reason).toContain('550 5.1.1');
    expect(failed?.reason).not.toContain('kim@');
    const failureLogs = svc.logs.filter((line) => line.includes('notification failed'));
    expect(failureLogs.length).toBeGreaterThan(0);
    for (const line of failureLogs) expect(line).not.toContain('kim@');

    await expectOk(await admin(`/v1/requesters/${kimId}`, 'DELETE'));
    const [after] = await drive.rows(featureId);
    expect(after).toMatchObject({ id: failed?.id, state: 'failed', reason: null });
  });

  it('an erased requester gets no mail: what was waiting is cancelled, and a later change makes none', async () => {
    const drive = linearDriver(svc);
    const { featureId, issueId } = await drive.featureWith('Offline mode', [
      { email: 'carl@acme.io', name: 'Carl', body: 'Our field teams lose signal.' },
      { email: 'dana@globex.io', name: 'Dana', body: 'Trains, tunnels, no network.' },
    ]);
    const carlId = await requesterIdOf(svc, 'carl@acme.io');

    await drive.move(issueId, 'started');
    await waitFor('both messages waiting in the outbox', async () => {
      const rows = await drive.rows(featureId);
      return rows.length === 2 && rows.every((r) => r.state === 'pending') ? true : undefined;
    });
    const erase = await admin(`/v1/requesters/${carlId}`, 'DELETE');
    await expectOk(erase);
    expect(await erase.json()).toMatchObject({ cancelledNotifications: 1 });

    await waitFor(
      'Dana told',
      async () => (smtp.to('dana@globex.io').length === 1 ? true : undefined),
      30_000,
    );
    const rows = await drive.rows(featureId);
    expect(rows.find((r) => r.requesterId === carlId)).toMatchObject({
      state: 'cancelled',
      reason: 'erased',
    });

    await drive.move(issueId, 'completed');
    await drive.statusIs(featureId, 'shipped');
    await waitFor(
      'Dana told again',
      async () => (smtp.to('dana@globex.io').length === 2 ? true : undefined),
      30_000,
    );
    // No row was even made for Carl for the second change, and no message went to his old or new address.
    const after = await drive.rows(featureId);
    expect(after.filter((r) => r.requesterId === carlId)).toHaveLength(1);
    expect(smtp.rcptAttempts.filter((a) => a.includes('carl') || a.includes('erased-'))).toEqual([]);
    const exported = (await (await admin(`/v1/requesters/${carlId}/export`)).json()) as RequesterExport;
    expect(exported.notifications).toEqual([
      expect.objectContaining({ status: 'in_progress', state: 'cancelled', reason: 'erased', sentAt: null }),
    ]);
  });
});
