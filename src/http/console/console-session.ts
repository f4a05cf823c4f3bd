import type { Request } from 'express';
import type { ConsoleRole } from '../../store/schema/console.ts';

/** The signed-in person a console request acts for, as the session check (session.ts) found them. */
export interface ConsoleSession {
  email: string;
  name: string | null;
  role: ConsoleRole;
  /** This session's CSRF token: every state-changing form sends it as `_csrf`. */
  csrf: string;
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set on `session` routes once the cookie named a live session. */
    consoleSession?: ConsoleSession;
  }
}

/** The session of a `session` route (the route table's auth check guarantees one). */
export function sessionOf(req: Request): ConsoleSession {
  const session = req.consoleSession;
  if (!session)
    throw new Error('a console page ran without a session: its route must declare auth "session"');
  return session;
}

/** What every console template's layout reads: the person, the active nav entry, the page title. */
export function layoutData(
  req: Request,
  nav: 'features' | 'review' | 'requesters' | 'health' | null,
  title: string,
) {
  return { session: sessionOf(req), nav, title };
}
