import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { LinearClient } from '@linear/sdk';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestLinks, messageLinks } from '../src/rules/notify/links.ts';
import { signToken } from '../src/rules/notify/tokens.ts';
import { notifications, requesters, requests, unsubscribes } from '../src/store/schema.ts';
import { loadTokenKey } from '../src/store/secrets.repo.ts';
import { chromiumMissing, chromiumSkipReason, launchChromium } from './helpers/browser.ts';
import { startService, type TestService, validRequest, waitFor } from './helpers/service.ts';
import { type ReceivedMail, type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * The requester's side of a status email, end to end: the service in sandbox mode sends real mail to a loopback
 * SMTP server; the status page and unsubscribe flow are driven in headless Chromium from the links in that mail;
 * after unsubscribing, the next status change mails the other requester and not them. Screenshots of both pages go
 * to test-results/notify-pages/ (git-ignored).
 */

const artifacts = path.resolve(process.env['TEST_ARTIFACTS_DIR'] ?? 'test-results', 'notify-pages');
const HOSTILE_TITLE = 'Dark <script>alert(1)</script> mode & "quotes"';
const HOSTILE_BODY = 'Please <img src=x onerror=alert(2)>\nnight owls → 🌙';

let svc: TestService;
let smtp: SmtpTestServer;
let browser: Browser | undefined;
let linear: LinearClient;
const ids = { featureId: '', issueId: '', ada: '', bob: '', adaRequest: '', bobRequest: '' };

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  smtp = await startSmtpServer();
  svc = await startService({
    env: { SMTP_URL: smtp.url, NOTIFY_COALESCE_SECONDS: '0', MAIL_FROM: 'Acme <updates@acme.test>' },
    yaml: ['push:', '  coalesceSeconds: 1', 'notifications:', '  productName: Acme Roadmap'].join('\n'),
  });
  const emulators = svc.emulators();
  linear = new LinearClient({ apiKey: emulators.credentials.linear.apiKey, apiUrl: emulators.linear.apiUrl });
  if (!chromiumMissing) browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
  await smtp?.close();
});

const db = () => svc.runtime.store.db;

/** The mail's link, on this test's service (PUBLIC_URL names port 3000; the test service listens elsewhere). */
function onService(url: string): string {
  const u = new URL(url);
  return `${svc.url}${u.pathname}${u.search}`;
}

/** A header's value as sent (mailparser turns List-Unsubscribe into an object). */
function header(mail: ReceivedMail | undefined, name: string): string {
  const line = mail?.parsed.headerLines.find((h) => h.key === name)?.line ?? '';
  return line.slice(line.indexOf(':') + 1).trim();
}

function linkIn(mail: ReceivedMail, pattern: RegExp): string {
  const found = pattern.exec(mail.parsed.text ?? '')?.[0];
  if (!found) throw new Error(`no ${pattern} in the message text`);
  return onService(found);
}

const linearStateId = (type: string) => {
  const state = svc.emulators().linear.state;
  return state.teamStates(state.findTeam('SBX')?.id ?? '').find((s) => s.type === type)?.id ?? '';
};

async function submit(email: string, name: string): Promise<string> {
  const res = await svc.post('/v1/requests', {
    title: HOSTILE_TITLE,
    body: HOSTILE_BODY,
    requester: { email, name },
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function requesterOf(requestId: string): Promise<string> {
  return waitFor(`request ${requestId} triaged`, async () => {
    const [row] = await db()
      .select({ r: requests.requesterId })
      .from(requests)
      .where(eq(requests.id, requestId));
    return row?.r ?? undefined;
  });
}

/** Waits until nothing is pending for the feature: every notification of the change is sent or settled otherwise. */
const outboxSettled = () =>
  waitFor('the outbox to settle', async () => {
    const [row] = await db()
      .select({ n: sql<number>`count(*)::int` })
      .from(notifications)
      .where(
        and(
          eq(notifications.featureId, ids.featureId),
          sql`${notifications.state} in ('pending', 'sending')`,
        ),
      );
    return row?.n === 0 ? true : undefined;
  });

describe('status mail to a requester, and the pages its links open', () => {
  it('two requesters of one feature each get one planned message when the issue is planned', async () => {
    ids.adaRequest = await submit('ada@acme.io', 'Ada "<b>" Lovelace');
    ids.featureId = await svc.featureOf(ids.adaRequest);
    ids.bobRequest = await submit('bob@beta.io', 'Bob');
    expect(await svc.featureOf(ids.bobRequest)).toBe(ids.featureId);
    ids.ada = await requesterOf(ids.adaRequest);
    ids.bob = await requesterOf(ids.bobRequest);
    const link = await waitFor('the issue', async () => {
      const [l] = await svc.runtime.store.links.forFeature(ids.featureId);
      return l?.state === 'linked' && l.issueId && !l.dirtySince ? l : undefined;
    });
    ids.issueId = link.issueId ?? '';
    await linear.updateIssue(ids.issueId, { stateId: linearStateId('unstarted') });

    const mails = await smtp.waitFor(2, 60_000);
    expect(mails.flatMap((m) => m.envelope.to).sort()).toEqual(['ada@acme.io', 'bob@beta.io']);
    const [mail] = smtp.to('ada@acme.io');
    expect(mail?.parsed.subject).toBe(
      'Acme Roadmap: your request “Dark <script>alert(1)</script> mode & "quotes"” is planned',
    );
    expect(header(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(header(mail, 'list-unsubscribe')).toMatch(
      /^<https?:\/\/[^>]+\/unsubscribe\/[A-Za-z0-9_-]+\/one-click>$/,
    );
    expect(String(mail?.parsed.html)).not.toContain('<script>');
    expect(String(mail?.parsed.html)).toContain('Dark &lt;script&gt;alert(1)&lt;/script&gt; mode');
  });

  it.skipIf(chromiumMissing)(
    `the status page shows the feature, its status, the timeline and the request, escaped${chromiumMissing ? ` (skipped: ${chromiumSkipReason})` : ''}`,
    async () => {
      const [mail] = smtp.to('ada@acme.io');
      if (!mail || !browser) throw new Error('the planned message and a browser are needed');
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      const res = await page.goto(linkIn(mail, /https?:\/\/[^\s]+\/r\/[A-Za-z0-9_-]+/));
      expect(res?.status()).toBe(200);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('h1').textContent()).toBe(HOSTILE_TITLE);
      expect(await page.locator('.status').textContent()).toBe('planned');
      const timeline = await page.getByRole('region', { name: 'Timeline' }).textContent();
      expect(timeline).toContain('you sent your request');
      expect(timeline).toContain('planned');
      const asked = page.getByRole('region', { name: 'What you asked' });
      expect(await asked.locator('blockquote').textContent()).toBe(HOSTILE_BODY);
      expect(await page.locator('img, script').count()).toBe(0);
      expect(dialogs).toEqual([]);
      await page.screenshot({ path: path.join(artifacts, 'status-page.png'), fullPage: true });

      // From the status page to the unsubscribe page, choosing this feature only.
      await page.getByRole('link', { name: 'Stop emails about this request' }).click();
      await page.waitForURL(/\/unsubscribe\/[A-Za-z0-9_-]+$/);
      expect(await page.locator('h1').textContent()).toBe('Stop status emails');
      const choice = page.getByLabel(`Stop emails about “${HOSTILE_TITLE}”`);
      expect(await choice.isChecked()).toBe(true);
      // Opening the page changed nothing.
      expect(await db().select().from(unsubscribes).where(eq(unsubscribes.requesterId, ids.ada))).toEqual([]);
      await page.screenshot({ path: path.join(artifacts, 'unsubscribe-page.png'), fullPage: true });
      await page.getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('heading', { name: 'You are unsubscribed' }).waitFor();
      expect(await page.getByRole('status').textContent()).toContain(
        `no more emails about “${HOSTILE_TITLE}”`,
      );
      await page.screenshot({ path: path.join(artifacts, 'unsubscribed.png'), fullPage: true });
      expect(dialogs).toEqual([]);
      await page.close();

      const rows = await db().select().from(unsubscribes).where(eq(unsubscribes.requesterId, ids.ada));
      expect(rows).toMatchObject([{ featureId: ids.featureId, via: 'page' }]);
    },
  );

  it.skipIf(chromiumMissing)(
    'after unsubscribing, the next change mails the other requester and not them',
    async () => {
      await linear.updateIssue(ids.issueId, { stateId: linearStateId('started') });
      const bobs = await waitFor(
        'the in-progress message to bob',
        async () => {
          const m = smtp.to('bob@beta.io');
          return m.length >= 2 ? m : undefined;
        },
        60_000,
      );
      expect(bobs[1]?.parsed.subject).toContain('is being built');
      await outboxSettled();
      expect(smtp.to('ada@acme.io')).toHaveLength(1);
      const adaRows = await db()
        .select({ status: notifications.status, state: notifications.state })
        .from(notifications)
        .where(and(eq(notifications.requesterId, ids.ada), eq(notifications.status, 'in_progress')));
      expect(adaRows.every((r) => r.state !== 'sent')).toBe(true);
    },
  );
});

describe('one-click unsubscribe and token checks over plain HTTP', () => {
  it('RFC 8058: a GET on the one-click URL changes nothing; the POST unsubscribes and answers 200', async () => {
    const [mail] = smtp.to('bob@beta.io');
    if (!mail) throw new Error('bob has a message');
    const oneClick = onService(/<([^>]+)>/.exec(header(mail, 'list-unsubscribe'))?.[1] ?? '');
    expect(oneClick).toMatch(/\/unsubscribe\/[A-Za-z0-9_-]+\/one-click$/);

    const get = await fetch(oneClick, { redirect: 'manual' });
    expect(get.status).toBe(303);
    expect(await db().select().from(unsubscribes).where(eq(unsubscribes.requesterId, ids.bob))).toEqual([]);

    const post = await fetch(oneClick, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(post.status).toBe(200);
    const again = await fetch(oneClick, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
    expect(again.status).toBe(200);
    const rows = await db().select().from(unsubscribes).where(eq(unsubscribes.requesterId, ids.bob));
    expect(rows).toMatchObject([{ featureId: ids.featureId, via: 'one-click' }]);
  });

  it('the unsubscribe form: a daily digest instead, all mail, and a missing choice', async () => {
    const [mail] = smtp.to('bob@beta.io');
    if (!mail) throw new Error('bob has a message');
    const pageUrl = linkIn(mail, /https?:\/\/[^\s]+\/unsubscribe\/[A-Za-z0-9_-]+(?=\s|$)/);
    const post = (body: string) =>
      fetch(pageUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });

    const missing = await post('choice=everything');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('Choose one of the options');

    const digest = await post('choice=digest');
    expect(digest.status).toBe(200);
    expect(await digest.text()).toContain('one daily summary');
    const [bob] = await db().select().from(requesters).where(eq(requesters.id, ids.bob));
    expect(bob?.notifyDigest).toBe(true);

    const all = await post('choice=all');
    expect(all.status).toBe(200);
    expect(await all.text()).toContain('no more status emails');
    const rows = await db().select().from(unsubscribes).where(eq(unsubscribes.requesterId, ids.bob));
    expect(rows.map((r) => [r.featureId, r.via])).toHaveLength(2);
    expect(rows.map((r) => [r.featureId, r.via])).toEqual(
      expect.arrayContaining([
        [ids.featureId, 'one-click'],
        [null, 'page'],
      ]),
    );
  });

  it('a request whose feature was merged: the mail names the survivor, the status page shows it', async () => {
    const res = await svc.post('/v1/requests', {
      title: 'Offline sync for tablets',
      body: 'Field crews lose signal.',
      requester: { email: 'carol@gamma.io', name: 'Carol' },
    });
    const { id } = (await res.json()) as { id: string };
    const carolFeature = await svc.featureOf(id);
    expect(carolFeature).not.toBe(ids.featureId);
    const merge = await svc.post(`/v1/features/${carolFeature}/merge`, { into: ids.featureId });
    expect(merge.status).toBeLessThan(300);

    const [mail] = await waitFor(
      'the merged message to carol',
      async () => (smtp.to('carol@gamma.io').length ? smtp.to('carol@gamma.io') : undefined),
      60_000,
    );
    expect(mail?.parsed.subject).toBe(
      `Acme Roadmap: your request “Offline sync for tablets” was merged into “${HOSTILE_TITLE}”`,
    );
    if (!mail) throw new Error('carol has a message');
    const page = await fetch(linkIn(mail, /https?:\/\/[^\s]+\/r\/[A-Za-z0-9_-]+/));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(
      '<h1>Dark &lt;script&gt;alert(1)&lt;/script&gt; mode &amp; &quot;quotes&quot;</h1>',
    );
    expect(html).toContain(
      'Your request first joined “Offline sync for tablets”, which was merged into this one',
    );
    expect(html).toContain('“Offline sync for tablets” was merged into “Dark &lt;script&gt;');
    expect(html).toContain('<blockquote>Field crews lose signal.</blockquote>');
    expect(html).not.toContain('<script>');
  });

  it('a digest’s one-click link (no feature in it) stops all status mail', async () => {
    const key = await loadTokenKey(db());
    const [ada] = await db().select().from(requesters).where(eq(requesters.id, ids.ada));
    const links = digestLinks({
      publicUrl: svc.url,
      key,
      requesterId: ids.ada,
      tokenVersion: ada?.tokenVersion ?? 0,
    });
    const page = await fetch(links.unsubscribe);
    expect(await page.text()).toContain('Stop all status emails from us');
    const res = await fetch(links.oneClickUnsubscribe, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const rows = await db()
      .select()
      .from(unsubscribes)
      .where(and(eq(unsubscribes.requesterId, ids.ada), isNull(unsubscribes.featureId)));
    expect(rows).toMatchObject([{ via: 'one-click' }]);
  });

  it('another requester’s request, a tampered token, a wrong purpose, a revoked or erased requester: 404', async () => {
    const key = await loadTokenKey(db());
    const [ada] = await db().select().from(requesters).where(eq(requesters.id, ids.ada));
    const adaLinks = messageLinks({
      publicUrl: svc.url,
      key,
      requesterId: ids.ada,
      tokenVersion: ada?.tokenVersion ?? 0,
      requestId: ids.adaRequest,
      featureId: ids.featureId,
    });
    expect((await fetch(adaLinks.statusPage)).status).toBe(200);

    const foreign = signToken(key, {
      purpose: 'status',
      requesterId: ids.ada,
      requestId: ids.bobRequest,
      featureId: ids.featureId,
      version: ada?.tokenVersion ?? 0,
    });
    const token = adaLinks.statusPage.split('/r/')[1] ?? '';
    const tampered = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const unsubscribeToken = adaLinks.unsubscribe.split('/unsubscribe/')[1] ?? '';
    for (const [what, url] of [
      ['a token naming another requester’s request', `${svc.url}/r/${foreign}`],
      ['a tampered token', `${svc.url}/r/${tampered}`],
      ['an unsubscribe token on the status page', `${svc.url}/r/${unsubscribeToken}`],
      ['a status token on the unsubscribe page', `${svc.url}/unsubscribe/${token}`],
      ['junk', `${svc.url}/r/not-a-token`],
    ] as const) {
      const res = await fetch(url);
      expect(res.status, what).toBe(404);
      expect(await res.text(), what).toContain('This link does not work');
    }
    const post = await fetch(`${svc.url}/unsubscribe/${tampered}/one-click`, { method: 'POST' });
    expect(post.status).toBe(404);

    // Revoked: bumping the version retires every link issued before.
    await db()
      .update(requesters)
      .set({ tokenVersion: sql`${requesters.tokenVersion} + 1` })
      .where(eq(requesters.id, ids.ada));
    expect((await fetch(adaLinks.statusPage)).status).toBe(404);
    expect((await fetch(adaLinks.unsubscribe)).status).toBe(404);

    // Erased: nothing about them is shown, whatever the token.
    const [bob] = await db().select().from(requesters).where(eq(requesters.id, ids.bob));
    const bobLinks = messageLinks({
      publicUrl: svc.url,
      key,
      requesterId: ids.bob,
      tokenVersion: bob?.tokenVersion ?? 0,
      requestId: ids.bobRequest,
      featureId: ids.featureId,
    });
    expect((await fetch(bobLinks.statusPage)).status).toBe(200);
    await db().update(requesters).set({ erasedAt: new Date() }).where(eq(requesters.id, ids.bob));
    expect((await fetch(bobLinks.statusPage)).status).toBe(404);
  });

  it('the dev outbox does not exist when SMTP_URL is set', async () => {
    expect((await fetch(`${svc.url}/dev/mail`)).status).toBe(404);
  });
});

// Last in the file: it spends this client's page budget for the minute.
describe('the token pages are rate-limited per client', () => {
  it('past 60 a minute a client gets 429 with Retry-After; intake has its own budget', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 70 && !limited; i++) {
      const res = await fetch(`${svc.url}/r/not-a-token-${i}`);
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.body?.cancel();
    }
    // Earlier tests here spent some of the same minute's budget; the first ones now were still answered.
    expect(statuses[0]).toBe(404);
    expect(limited?.status).toBe(429);
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited?.text()).toContain('Too many requests');
    const keys = await svc.runtime.redis.keys(`${svc.config.queuePrefix}:ratelimit:pages*`);
    expect(keys.length).toBeGreaterThan(0);
    expect((await svc.post('/v1/requests', validRequest({ sourceRef: 'after-pages' }))).status).toBe(202);
  });
});
