import { and, eq } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devMail } from '../src/store/schema.ts';
import { getPage, postForm, sessionRow } from './helpers/console-http.ts';
import { loginOverHttp, type OidcProviderHandle, startOidcProvider } from './helpers/oidc-provider.ts';
import { freePort } from './helpers/redis.ts';
import { startService, type TestService, waitFor } from './helpers/service.ts';

/**
 * Signing in to the console through a real OpenID provider (oidc-provider on loopback): discovery, the
 * authorization code flow with PKCE, state and nonce, roles from the address or the groups claim; then a service
 * whose provider cannot be reached, which says so (and, without SMTP_URL, mails its links to the dev outbox).
 */

const CLIENT = { clientId: 'console-test', clientSecret: 'console-test-client-secret-0001' };
// PUBLIC_URL's default (the service listens on a port of its own): the redirect URI the provider knows.
const REDIRECT_URI = 'http://localhost:3000/console/sign-in/oidc/callback';

let provider: OidcProviderHandle;
let svc: TestService;
let unreachable: TestService;

beforeAll(async () => {
  provider = await startOidcProvider({
    client: { ...CLIENT, redirectUri: REDIRECT_URI },
    accounts: [
      { sub: 'ada', email: 'Ada@Acme.io', name: 'Ada Lovelace' },
      { sub: 'zoe', email: 'zoe@elsewhere.com', groups: ['product'] },
      { sub: 'sam', email: 'sam@elsewhere.com', groups: ['support', 'sales'] },
      { sub: 'mallory', email: 'mallory@evil-acme.io', groups: ['sales'] },
    ],
  });
  const yaml = [
    'console:',
    '  members: [ada@acme.io]',
    '  viewers: [acme.io]',
    '  groups: { members: [product], viewers: [support] }',
  ].join('\n');
  svc = await startService({
    env: {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: CLIENT.clientId,
      OIDC_CLIENT_SECRET: CLIENT.clientSecret,
    },
    yaml,
  });
  unreachable = await startService({
    env: {
      OIDC_ISSUER: `http://127.0.0.1:${await freePort()}`,
      OIDC_CLIENT_ID: CLIENT.clientId,
      OIDC_CLIENT_SECRET: CLIENT.clientSecret,
    },
    yaml,
  });
}, 180_000);
afterAll(async () => {
  await svc?.stop();
  await unreachable?.stop();
  await provider?.close();
});

/** Starts a sign-in as a browser would: the service's redirect to the provider, and the cookie it set. */
async function start(next?: string) {
  const res = await getPage(
    `${svc.url}/console/sign-in/oidc${next ? `?next=${encodeURIComponent(next)}` : ''}`,
  );
  expect(res.status).toBe(303);
  return {
    authorizationUrl: res.location ?? '',
    browser: `ss_oidc=${res.cookies.get('ss_oidc')?.value ?? ''}`,
  };
}

/** The provider's redirect back, sent to the test service. */
const onService = (callback: URL) => `${svc.url}${callback.pathname}${callback.search}`;

async function signIn(login: string, next?: string) {
  const { authorizationUrl, browser } = await start(next);
  const callback = await loginOverHttp(authorizationUrl, login);
  expect(callback.origin + callback.pathname).toBe(REDIRECT_URI);
  return { callback, browser, res: await getPage(onService(callback), { cookie: browser }) };
}

describe('OpenID Connect sign-in', () => {
  it('offers the provider and no local sign-in', async () => {
    const page = await getPage(`${svc.url}/console/sign-in`);
    expect(page.text).toContain(`Sign in with ${new URL(provider.issuer).host}`);
    expect(page.text).not.toContain('developer@localhost');
    const local = await postForm(svc.url, '/console/sign-in/local', {});
    expect(local.status).toBe(404);
    expect(local.cookies.has('ss_session')).toBe(false);
  });

  it('sends the browser to the provider with PKCE, state and nonce, the redirect URI under PUBLIC_URL', async () => {
    const { authorizationUrl, browser } = await start('/console/review');
    const url = new URL(authorizationUrl);
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('scope')).toBe('openid email profile groups');
    expect(url.searchParams.get('nonce')).toBeTruthy();
    expect(browser).toBe(`ss_oidc=${url.searchParams.get('state')}`);
  });

  it('signs a listed address in as a member and goes back to the page asked for', async () => {
    const { res, callback, browser } = await signIn('ada', '/console/features/1?sort=recent');
    expect(res.status).toBe(303);
    expect(res.location).toBe('/console/features/1?sort=recent');
    const session = res.cookies.get('ss_session');
    expect(session?.attributes).toMatch(/Max-Age=43200/);
    expect(await sessionRow(svc.runtime.store.db, session?.value ?? '')).toMatchObject({
      email: 'ada@acme.io',
      name: 'Ada Lovelace',
      role: 'member',
      via: 'oidc',
    });
    // The provider's answer is used once.
    const replay = await getPage(onService(callback), { cookie: browser });
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('not started in this browser, or was already finished');
    expect(replay.cookies.get('ss_session')).toBeUndefined();
  });

  it('gives the role of the groups claim', async () => {
    const zoe = await signIn('zoe');
    expect(zoe.res.location).toBe('/console');
    const db = svc.runtime.store.db;
    expect((await sessionRow(db, zoe.res.cookies.get('ss_session')?.value ?? ''))?.role).toBe('member');
    const sam = await signIn('sam');
    expect((await sessionRow(db, sam.res.cookies.get('ss_session')?.value ?? ''))?.role).toBe('viewer');
  });

  it('refuses someone the rules do not name, saying so, with no session', async () => {
    const { res } = await signIn('mallory');
    expect(res.status).toBe(403);
    expect(res.text).toContain('This account may not use the console');
    expect(res.cookies.get('ss_session')).toBeUndefined();
  });

  it('refuses an answer brought to another browser than the one that started', async () => {
    const { authorizationUrl, browser } = await start();
    const callback = await loginOverHttp(authorizationUrl, 'ada');
    const elsewhere = await getPage(onService(callback));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.cookies.get('ss_session')).toBeUndefined();
    // The browser that started it can still finish it.
    const here = await getPage(onService(callback), { cookie: browser });
    expect(here.status).toBe(303);
  });

  it('says so when the person cancels at the provider', async () => {
    const { authorizationUrl, browser } = await start();
    const state = new URL(authorizationUrl).searchParams.get('state') ?? '';
    const query = new URLSearchParams({ error: 'access_denied', state, iss: provider.issuer });
    const res = await getPage(`${svc.url}/console/sign-in/oidc/callback?${query}`, { cookie: browser });
    expect(res.status).toBe(403);
    expect(res.text).toContain('The identity provider did not sign you in');
  });

  it('logs no address or secret', () => {
    const all = svc.logs.join('\n');
    expect(all).toContain('"via":"oidc"');
    for (const secret of [CLIENT.clientSecret, 'acme.io', 'elsewhere.com', 'ss_oidc', 'ss_session'])
      expect(all).not.toContain(secret);
  });
});

describe('a provider that cannot be reached', () => {
  it('is named as such on the sign-in page, with a 502', async () => {
    const res = await getPage(`${unreachable.url}/console/sign-in/oidc?next=/console/review`);
    expect(res.status).toBe(502);
    expect(res.text).toContain('The identity provider cannot be reached right now');
    expect(res.cookies.has('ss_oidc')).toBe(false);
    expect(unreachable.logs.join('\n')).toContain('console OpenID Connect sign-in failed');
    expect(unreachable.logs.join('\n')).not.toContain(CLIENT.clientSecret);
  });

  it('leaves the emailed link, which without SMTP_URL goes to the dev outbox', async () => {
    const sent = await postForm(unreachable.url, '/console/sign-in/email', { email: 'ada@acme.io' });
    expect(sent.status).toBe(303);
    const db = unreachable.runtime.store.db;
    const mail = await waitForDevMail(db, 'ada@acme.io');
    const text = (await simpleParser(mail.raw)).text ?? '';
    const link = /\/console\/sign-in\/email\/[A-Za-z0-9_-]{43}/.exec(text)?.[0];
    if (!link) throw new Error(`no sign-in link in: ${text}`);
    const page = await getPage(`${unreachable.url}${link}`);
    expect(page.text).toContain('<button type="submit">Sign in</button>');
    const signedIn = await postForm(unreachable.url, link, {});
    expect(signedIn.status).toBe(303);
    expect((await sessionRow(db, signedIn.cookies.get('ss_session')?.value ?? ''))?.via).toBe('email');
  });
});

async function waitForDevMail(db: TestService['runtime']['store']['db'], to: string) {
  return waitFor('the sign-in mail in the dev outbox', async () => {
    const [row] = await db
      .select()
      .from(devMail)
      .where(and(eq(devMail.to, to), eq(devMail.subject, 'Sign in to the Suggested console')));
    return row;
  });
}
