import type { Request, Response } from 'express';
import {
  type ConsoleSignIn,
  createConsoleSignIn,
  type SignInResult,
} from '../../application/console-sign-in.ts';
import { EMAIL } from '../../config/env.schema.ts';
import { createOidcClient } from '../../connectors/oidc/client.ts';
import { consoleReturnPath } from '../../rules/console-return-path.ts';
import { revokeConsoleSession } from '../../store/console-sessions.repo.ts';
import type { AppDeps } from '../app.ts';
import { ROUTES, type RouteHandlers } from '../route-table.ts';
import { CONSOLE_CSP, renderView, sendView } from '../views/views.ts';
import { readCookie, sessionCookieName, setSessionCookie } from './session.ts';
import { isProblem, type PageProblem, PROBLEMS } from './sign-in-problems.ts';

/**
 * The sign-in pages: the identity provider, an emailed one-time link, or (development) the local developer. The
 * forms here come before any session, so they carry no CSRF token: the session cookie is SameSite=Lax and every
 * POST must come from a page of this console (Sec-Fetch-Site, else Origin or Referer), or it is refused.
 */

/** What was done, in words, shown in the page's flash. */
const DONE: Record<string, string> = { 'signed-out': 'You are signed out.' };

/** Whether a POST was sent by a page of this console (a form before sign-in has no CSRF token to show it). */
function fromThisConsole(req: Request, publicUrl: string): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site === 'same-origin';
  const origins = [new URL(publicUrl).origin, `${req.protocol}://${req.get('host')}`];
  const origin = req.get('origin');
  if (origin && origin !== 'null') return origins.includes(origin);
  try {
    return origins.includes(new URL(req.get('referer') ?? '').origin);
  } catch {
    return false;
  }
}

/** What every sign-in handler reads: the settings, the sign-in steps, the OpenID Connect state cookie. */
interface SignInPagesContext {
  deps: AppDeps;
  publicUrl: string;
  signIn: ConsoleSignIn;
  /** The identity provider's host, shown on its button. */
  provider: string | undefined;
  redirectUri: string;
  stateCookie: string;
  stateCookieOptions: { httpOnly: true; sameSite: 'lax'; secure: boolean; path: '/' };
}

function signInPagesContext(deps: AppDeps): SignInPagesContext {
  const { config, log } = deps;
  const { publicUrl } = config;
  const secure = publicUrl.startsWith('https:');
  const oidcSettings = config.console.oidc;
  const productName = config.notifications.productName;
  const signIn = createConsoleSignIn({
    db: deps.store.db,
    config,
    mailer: deps.mailer,
    oidc: oidcSettings ? createOidcClient(oidcSettings) : undefined,
    composeLinkMail: (link) => ({
      subject: `Sign in to the ${productName} console`,
      text: `Someone (we hope you) asked to sign in to the ${productName} console.\n\nSign in: ${link}\n\nThe link works once, for 15 minutes. If you did not ask for it, ignore this message: nothing happens without it.\n`,
      html: renderView('console/sign-in-mail', { link, productName }),
    }),
    log,
  });
  return {
    deps,
    publicUrl,
    signIn,
    provider: oidcSettings ? new URL(oidcSettings.issuer).host : undefined,
    redirectUri: `${publicUrl}/console/sign-in/oidc/callback`,
    // Binds an OpenID Connect attempt to the browser that started it (the `__Host-` prefix on https, as the session).
    stateCookie: secure ? '__Host-ss_oidc' : 'ss_oidc',
    stateCookieOptions: { httpOnly: true, sameSite: 'lax', secure, path: '/' },
  };
}

/** The sign-in page, with a problem in words (and its status) or a sentence on what was done. */
function signInPage(
  ctx: SignInPagesContext,
  res: Response,
  opts: {
    problem?: PageProblem | undefined;
    done?: string | undefined;
    sent?: boolean;
    next?: string | undefined;
    email?: string;
  },
) {
  const problem = opts.problem ? PROBLEMS[opts.problem] : undefined;
  sendView(
    res,
    'console/sign-in',
    {
      layout: { session: undefined, nav: null, title: 'Sign in' },
      alert: problem?.text,
      done: opts.done,
      sent: opts.sent === true,
      next: consoleReturnPath(opts.next),
      email: opts.email ?? '',
      provider: ctx.provider,
      ways: ctx.signIn.ways,
    },
    { csp: CONSOLE_CSP, status: problem?.status ?? 200 },
  );
}

/** A session and the page asked for, or the sign-in page saying why not. */
function finish(ctx: SignInPagesContext, res: Response, result: SignInResult, next?: string) {
  if (!result.ok) return signInPage(ctx, res, { problem: result.problem, next });
  setSessionCookie(res, ctx.publicUrl, result.cookieValue, result.ttlSeconds);
  res.redirect(303, result.returnTo);
}

function refuseCrossOrigin(ctx: SignInPagesContext, req: Request, res: Response): boolean {
  if (fromThisConsole(req, ctx.publicUrl)) return false;
  signInPage(ctx, res, { problem: 'cross-origin' });
  return true;
}

/** The page, local sign-in, the emailed link and signing out. */
function formHandlers(
  ctx: SignInPagesContext,
): Pick<
  RouteHandlers,
  | 'consoleSignInPage'
  | 'consoleSignInLocal'
  | 'consoleSignInEmail'
  | 'consoleEmailLinkPage'
  | 'consoleEmailLinkRedeem'
  | 'consoleSignOut'
> {
  const { signIn, publicUrl } = ctx;
  return {
    consoleSignInPage: ({ query }, _req, res) => {
      const problem = isProblem(query.error) ? query.error : undefined;
      const done = query.done !== undefined && Object.hasOwn(DONE, query.done) ? DONE[query.done] : undefined;
      signInPage(ctx, res, { problem, done, sent: query.sent !== undefined, next: query.next });
    },

    consoleSignInLocal: async (_input, req, res) => {
      if (refuseCrossOrigin(ctx, req, res)) return;
      const form = ROUTES.consoleSignInLocal.body.schema.safeParse(req.body);
      const next = form.success ? form.data.next : undefined;
      finish(ctx, res, await signIn.signInLocally(next), next);
    },

    consoleSignInEmail: (_input, req, res) => {
      if (refuseCrossOrigin(ctx, req, res)) return;
      const form = ROUTES.consoleSignInEmail.body.schema.safeParse(req.body);
      const next = form.success ? form.data.next : undefined;
      if (!signIn.ways.email) return signInPage(ctx, res, { problem: 'unavailable', next });
      const email = form.success ? form.data.email.trim() : '';
      if (!EMAIL.test(email)) return signInPage(ctx, res, { problem: 'bad-email', next, email });
      signIn.requestEmailLink(email, next);
      const back = next ? `&next=${encodeURIComponent(consoleReturnPath(next))}` : '';
      res.redirect(303, `/console/sign-in?sent=1${back}`);
    },

    consoleEmailLinkPage: async ({ params: { token } }, _req, res) => {
      const problem = await signIn.emailLinkProblem(token);
      if (problem) return signInPage(ctx, res, { problem });
      sendView(
        res,
        'console/sign-in-link',
        { layout: { session: undefined, nav: null, title: 'Sign in' }, token },
        { csp: CONSOLE_CSP },
      );
    },

    consoleEmailLinkRedeem: async ({ params: { token } }, req, res) => {
      if (refuseCrossOrigin(ctx, req, res)) return;
      finish(ctx, res, await signIn.redeemEmailLink(token));
    },

    consoleSignOut: async (_input, req, res) => {
      const cookie = readCookie(req, sessionCookieName(publicUrl));
      if (cookie) await revokeConsoleSession(ctx.deps.store.db, cookie);
      setSessionCookie(res, publicUrl, undefined);
      res.redirect(303, '/console/sign-in?done=signed-out');
    },
  };
}

/** The identity provider: off to it, and back from it. */
function oidcHandlers(
  ctx: SignInPagesContext,
): Pick<RouteHandlers, 'consoleOidcStart' | 'consoleOidcCallback'> {
  const { signIn, redirectUri, stateCookie, stateCookieOptions } = ctx;
  return {
    consoleOidcStart: async ({ query: { next } }, _req, res) => {
      const started = await signIn.startOidc(redirectUri, next);
      if (!started.ok) return signInPage(ctx, res, { problem: started.problem, next });
      res.cookie(stateCookie, started.state, { ...stateCookieOptions, maxAge: 10 * 60 * 1000 });
      res.redirect(303, started.url.href);
    },

    consoleOidcCallback: async (_input, req, res) => {
      // The URL the provider sent the browser to, as registered (a proxy in front may have rewritten the host).
      const at = req.originalUrl.indexOf('?');
      const callbackUrl = new URL(`${redirectUri}${at >= 0 ? req.originalUrl.slice(at) : ''}`);
      const result = await signIn.finishOidc(callbackUrl, readCookie(req, stateCookie));
      res.clearCookie(stateCookie, stateCookieOptions);
      finish(ctx, res, result);
    },
  };
}

export function signInPages(
  deps: AppDeps,
): ReturnType<typeof formHandlers> & ReturnType<typeof oidcHandlers> {
  const ctx = signInPagesContext(deps);
  return { ...formHandlers(ctx), ...oidcHandlers(ctx) };
}
