import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFor } from '../src/store/console-sessions.repo.ts';
import { consoleSessions, consoleSignIns } from '../src/store/schema.ts';
import { getPage, postForm, sessionRow } from './helpers/console-http.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';
import { type SmtpTestServer, startSmtpServer } from './helpers/smtp.ts';

/**
 * Signing in to the console over HTTP against the real service: an emailed one-time link through a real SMTP
 * server, the local developer sign-in (no identity provider, not production), sessions that expire or are ended,
 * and the checks on where a sign-in may come from and go back to.
 */

let svc: TestService;
let smtp: SmtpTestServer;
const db = () => svc.runtime.store.db;

beforeAll(async () => {
  smtp = await startSmtpServer();
  svc = await startService({
    env: { SMTP_URL: smtp.url, MAIL_FROM: 'Acme <console@acme.test>' },
    yaml: ['console:', '  members: [ada@acme.io, Core.io]', '  viewers: [acme.io]', '  sessionTtl: 30m'].join(
      '\n',
    ),
  });
}, 120_000);
afterAll(async () => {
  await svc?.stop();
  await smtp?.close();
});

/** The emailed link's path (the mail names PUBLIC_URL; the test service listens on a port of its own). */
async function linkMailedTo(address: string): Promise<string> {
  const mails = await waitFor(`the sign-in mail to ${address}`, async () => {
    const found = smtp.to(address);
    return found.length > 0 ? found : undefined;
  });
  const text = String(mails[mails.length - 1]?.parsed.text ?? '');
  const link = /https?:\/\/\S+\/console\/sign-in\/email\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
  if (!link) throw new Error(`no sign-in link in: ${text}`);
  return new URL(link).pathname;
}

async function askForLink(email: string, next?: string) {
  return postForm(svc.url, '/console/sign-in/email', { email, ...(next ? { next } : {}) });
}

describe('an emailed one-time link', () => {
  let linkPath = '';

  it('is mailed to an allowed address, with the same answer an unknown address gets', async () => {
    const stranger = await askForLink('mallory@evil-acme.io', '/console/features');
    const allowed = await askForLink('Ada@Acme.io', '/console/features');
    expect(allowed.status).toBe(303);
    expect(stranger.status).toBe(303);
    expect(stranger.location).toBe(allowed.location);
    expect(allowed.location).toBe('/console/sign-in?sent=1&next=%2Fconsole%2Ffeatures');
    linkPath = await linkMailedTo('ada@acme.io');

    const page = await getPage(`${svc.url}${allowed.location}`);
    expect(page.text).toContain('If this address may sign in, a link is on its way');
    // The stranger was asked for first: had a mail gone to them, it would have been sent before Ada's.
    expect(smtp.rcptAttempts).not.toContain('mallory@evil-acme.io');
    expect(smtp.messages).toHaveLength(1);
  });

  it('opens on a page with a Sign in button, and opening it signs no one in', async () => {
    const page = await getPage(`${svc.url}${linkPath}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(
      new RegExp(`<form method="post" action="${linkPath}">\\s*<button type="submit">Sign in</button>`),
    );
    expect(page.cookies.size).toBe(0);
    const again = await getPage(`${svc.url}${linkPath}`);
    expect(again.status).toBe(200);
    const [row] = await db().select().from(consoleSignIns).where(eq(consoleSignIns.kind, 'email'));
    expect(row?.usedAt).toBeNull();
  });

  it('signs in once when its button is pressed, then goes back to the page asked for', async () => {
    const signedIn = await postForm(svc.url, linkPath, {});
    expect(signedIn.status).toBe(303);
    expect(signedIn.location).toBe('/console/features');
    const cookie = signedIn.cookies.get('ss_session');
    expect(cookie?.attributes).toMatch(/HttpOnly/i);
    expect(cookie?.attributes).toMatch(/SameSite=Lax/i);
    // sessionTtl: 30m
    expect(cookie?.attributes).toMatch(/Max-Age=1800/);
    const row = await sessionRow(db(), cookie?.value ?? '');
    expect(row).toMatchObject({ email: 'ada@acme.io', role: 'member', via: 'email', revokedAt: null });
    const lifetime = ((row?.expiresAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0)) / 1000;
    expect(lifetime).toBeCloseTo(1800, -1);

    const reused = await postForm(svc.url, linkPath, {});
    expect(reused.status).toBe(410);
    expect(reused.text).toContain('This sign-in link has already been used');
    expect(reused.cookies.has('ss_session')).toBe(false);
    expect((await getPage(`${svc.url}${linkPath}`)).text).toContain('already been used');
  });

  it('signs a viewer in as a viewer (their domain is listed as viewers)', async () => {
    await askForLink('bob@acme.io');
    const signedIn = await postForm(svc.url, await linkMailedTo('bob@acme.io'), {});
    expect(signedIn.location).toBe('/console');
    const row = await sessionRow(db(), signedIn.cookies.get('ss_session')?.value ?? '');
    expect(row?.role).toBe('viewer');
  });

  it('says so when the link has expired, and signs no one in', async () => {
    await askForLink('eve@core.io');
    const path = await linkMailedTo('eve@core.io');
    await db()
      .update(consoleSignIns)
      .set({ expiresAt: sql`now() - interval '1 minute'` })
      .where(sql`${consoleSignIns.email} = 'eve@core.io'`);
    const page = await getPage(`${svc.url}${path}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('This sign-in link has expired');
    const pressed = await postForm(svc.url, path, {});
    expect(pressed.status).toBe(410);
    expect(pressed.cookies.has('ss_session')).toBe(false);
  });

  it('says so for a link never sent, and for an address that is not one', async () => {
    const unknown = await getPage(`${svc.url}/console/sign-in/email/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('not one we sent');
    const bad = await askForLink('not an address');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('Enter your email address');
  });

  it('refuses a redirect off the console after sign-in', async () => {
    for (const next of ['https://evil.example/console', '//evil.example/console', '/\\evil.example']) {
      smtp.messages.length = 0;
      await askForLink('ada@acme.io', next);
      const signedIn = await postForm(svc.url, await linkMailedTo('ada@acme.io'), {});
      expect(signedIn.status).toBe(303);
      expect(signedIn.location).toBe('/console');
    }
  });
});

describe('sessions', () => {
  async function signInLocally(next?: string) {
    const res = await postForm(svc.url, '/console/sign-in/local', next ? { next } : {});
    return { res, cookie: res.cookies.get('ss_session')?.value ?? '' };
  }
  const signOut = (cookie: string) =>
    postForm(
      svc.url,
      '/console/sign-out',
      { _csrf: csrfFor(cookie) },
      { origin: svc.url, cookie: `ss_session=${cookie}` },
    );

  it('local sign-in (development, no identity provider) is the local developer, a member', async () => {
    const page = await getPage(`${svc.url}/console/sign-in`);
    expect(page.text).toContain('Sign in as developer@localhost');
    expect(page.text).toContain('action="/console/sign-in/email"');
    const { res, cookie } = await signInLocally('/console/review?done=merged');
    expect(res.location).toBe('/console/review?done=merged');
    expect(await sessionRow(db(), cookie)).toMatchObject({
      email: 'developer@localhost',
      role: 'member',
      via: 'local',
    });
  });

  it('signing out ends the session: the same cookie then leads to sign-in', async () => {
    const { cookie } = await signInLocally();
    const out = await signOut(cookie);
    expect(out.status).toBe(303);
    expect(out.location).toBe('/console/sign-in?done=signed-out');
    expect((await getPage(`${svc.url}${out.location}`)).text).toContain(
      '<p class="flash" role="status">You are signed out.</p>',
    );
    expect(out.cookies.get('ss_session')?.value).toBe('');
    expect((await sessionRow(db(), cookie))?.revokedAt).not.toBeNull();
    const after = await signOut(cookie);
    expect(after.status).toBe(303);
    expect(after.location).toBe('/console/sign-in?next=%2Fconsole');
  });

  it('a page that does not exist keeps the header of a signed-in visitor, and shows none to others', async () => {
    const { cookie } = await signInLocally();
    const signedIn = await getPage(`${svc.url}/console/no-such-page`, { cookie: `ss_session=${cookie}` });
    expect(signedIn.status).toBe(404);
    expect(signedIn.text).toContain('<h1>Page not found</h1>');
    expect(signedIn.text).toContain('developer@localhost');
    expect(signedIn.text).toContain(`name="_csrf" value="${csrfFor(cookie)}"`);
    const signedOut = await getPage(`${svc.url}/console/no-such-page`);
    expect(signedOut.status).toBe(404);
    expect(signedOut.text).toContain('<h1>Page not found</h1>');
    expect(signedOut.text).not.toContain('action="/console/sign-out"');
  });

  it('an expired session leads to sign-in', async () => {
    const { cookie } = await signInLocally();
    await db()
      .update(consoleSessions)
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where(eq(consoleSessions.idHash, (await sessionRow(db(), cookie))?.idHash ?? ''));
    const res = await signOut(cookie);
    expect(res.location).toBe('/console/sign-in?next=%2Fconsole');
    expect((await sessionRow(db(), cookie))?.revokedAt).toBeNull();
  });

  it('refuses a redirect off the console', async () => {
    for (const next of ['https://evil.example/', '//evil.example/console', 'javascript:alert(1)']) {
      expect((await signInLocally(next)).res.location).toBe('/console');
    }
  });
});

describe('forms before sign-in', () => {
  it('are refused when they come from another site, or say nothing of where they come from', async () => {
    const refusals = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site', origin: svc.url },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { referer: 'https://evil.example/page' },
      {},
    ];
    for (const headers of refusals) {
      const local = await postForm(svc.url, '/console/sign-in/local', {}, headers);
      expect(local.status, JSON.stringify(headers)).toBe(403);
      expect(local.text).toContain('did not come from this console');
      expect(local.cookies.has('ss_session')).toBe(false);
    }
    const before = smtp.messages.length;
    const mail = await postForm(svc.url, '/console/sign-in/email', { email: 'ada@acme.io' }, refusals[0]);
    expect(mail.status).toBe(403);
    const link = await postForm(svc.url, `/console/sign-in/email/${'A'.repeat(43)}`, {}, refusals[0]);
    expect(link.status).toBe(403);
    // Then a form from this console is taken: had the refused one been sent, it would arrive first.
    await askForLink('ada@acme.io');
    await waitFor('the mail', async () => (smtp.messages.length > before ? true : undefined));
    expect(smtp.messages).toHaveLength(before + 1);
  });

  it('are taken from this console, by Sec-Fetch-Site or Referer', async () => {
    const fetchSite = await postForm(
      svc.url,
      '/console/sign-in/local',
      {},
      { 'sec-fetch-site': 'same-origin' },
    );
    expect(fetchSite.status).toBe(303);
    const referer = await postForm(
      svc.url,
      '/console/sign-in/local',
      {},
      { referer: `${svc.url}/console/sign-in` },
    );
    expect(referer.status).toBe(303);
  });
});

describe('the logs', () => {
  it('hold no address, link or session', () => {
    const all = svc.logs.join('\n');
    expect(all).toContain('console sign-in');
    for (const secret of ['ada@acme.io', 'bob@acme.io', 'mallory', 'ss_session'])
      expect(all).not.toContain(secret);
    expect(all).not.toMatch(/\/console\/sign-in\/email\/[A-Za-z0-9_-]{43}/);
  });
});
