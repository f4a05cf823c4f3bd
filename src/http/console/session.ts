import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { csrfFor, findConsoleSession } from '../../store/console-sessions.repo.ts';
import type { AppDeps } from '../app.ts';
import type { ConsoleSession } from './console-session.ts';
import { sendConsoleError } from './error-page.ts';

/**
 * The console's checks, as the route table's `session` auth kind, `role: 'member'` and CSRF stand for them. A
 * signed-out visitor of a page is sent to sign in and brought back; a state-changing form must carry the session's
 * CSRF token, and a viewer may not change anything.
 */

/** The session cookie's name: `__Host-` (Secure, this host only, path /) when the console is served over https. */
export function sessionCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https:') ? '__Host-ss_session' : 'ss_session';
}

/** The value of cookie `name` in the request's Cookie header. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

/** Sets (or, with `undefined`, clears) the session cookie. */
export function setSessionCookie(
  res: Response,
  publicUrl: string,
  value: string | undefined,
  maxAgeSeconds = 0,
) {
  const secure = publicUrl.startsWith('https:');
  res.cookie(sessionCookieName(publicUrl), value ?? '', {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    ...(value ? { maxAge: maxAgeSeconds * 1000 } : { maxAge: 0 }),
  });
}

/** Where a signed-out visitor of `req` is sent: the sign-in page, with the page to come back to. */
export function signInPath(req: Request): string {
  const back = req.method === 'GET' ? req.originalUrl : '/console';
  return `/console/sign-in?next=${encodeURIComponent(back)}`;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A refused console request, as a page in the console's layout (the person is in a browser). */
function refusePage(req: Request, res: Response, title: string, detail: string) {
  sendConsoleError(req, res, { status: 403, title, detail });
}

/** The live session the request's cookie names, if any, as `req.consoleSession` holds it. */
export async function sessionFromCookie(deps: AppDeps, req: Request): Promise<ConsoleSession | undefined> {
  const value = readCookie(req, sessionCookieName(deps.config.publicUrl));
  const found = value ? await findConsoleSession(deps.store.db, value) : undefined;
  return value && found ? { ...found, csrf: csrfFor(value) } : undefined;
}

export function consoleSessionMiddleware(deps: AppDeps): {
  session: RequestHandler;
  csrf: RequestHandler;
  member: RequestHandler;
} {
  const session: RequestHandler = async (req, res, next) => {
    const found = await sessionFromCookie(deps, req);
    if (!found) return void res.redirect(303, signInPath(req));
    req.consoleSession = found;
    next();
  };
  const csrf: RequestHandler = (req, res, next) => {
    const sent = (req.body as Record<string, unknown> | undefined)?.['_csrf'];
    const expected = req.consoleSession?.csrf;
    if (typeof sent !== 'string' || !expected || !sameToken(sent, expected)) {
      return refusePage(
        req,
        res,
        'This form has expired',
        'This form has expired or did not come from this console: reload the page and try again.',
      );
    }
    next();
  };
  const member: RequestHandler = (req, res, next) => {
    if (req.consoleSession?.role !== 'member') {
      return refusePage(
        req,
        res,
        'Members only',
        'Your role is viewer: only members can change features, reviews and requesters.',
      );
    }
    next();
  };
  return { session, csrf, member };
}
