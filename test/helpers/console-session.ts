import { expect } from 'vitest';
import { createConsoleSession } from '../../src/store/console-sessions.repo.ts';
import type { TestService } from './service.ts';

/**
 * A console session made in the database, as a sign-in would, and the console's pages and forms used with it:
 * for tests of the pages themselves (the sign-in flows have their own in console-http.ts).
 */

export interface ConsoleSession {
  /** The service's base URL. */
  url: string;
  email: string;
  /** The Cookie header that carries the session. */
  cookie: string;
  /** The token every POST form of this session carries as `_csrf`. */
  csrf: string;
}

/** A session for `email` with `role`, good for an hour. */
export async function signIn(
  svc: TestService,
  role: 'member' | 'viewer',
  email = 'po@example.com',
): Promise<ConsoleSession> {
  const { cookieValue, csrf } = await createConsoleSession(svc.runtime.store.db, {
    email,
    role,
    via: 'local',
    ttlSeconds: 3_600,
  });
  return { url: svc.url, email, cookie: `ss_session=${cookieValue}`, csrf };
}

/** A console page's HTML, once its status is the one expected (the start of the page says why when it is not). */
export async function openPage(session: ConsoleSession, path: string, status = 200): Promise<string> {
  const res = await fetch(`${session.url}${path}`, {
    headers: { cookie: session.cookie },
    redirect: 'manual',
  });
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(status);
  return text;
}

/**
 * A console form posted as its page would, with the session's `_csrf` unless the form names its own or
 * `csrf: false` leaves it out; redirects are left for the test to read.
 */
export function submitForm(
  session: ConsoleSession,
  path: string,
  form: Record<string, string>,
  { csrf = true }: { csrf?: boolean } = {},
): Promise<Response> {
  return fetch(`${session.url}${path}`, {
    method: 'POST',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(csrf ? { _csrf: session.csrf, ...form } : form),
    redirect: 'manual',
  });
}

/** A request accepted by the API and triaged: its id and its feature's, for the pages to show. */
export async function sendRequest(
  svc: TestService,
  request: Record<string, unknown>,
): Promise<{ id: string; featureId: string }> {
  const res = await svc.post('/v1/requests', request);
  expect(res.status).toBe(202);
  const { id } = (await res.json()) as { id: string };
  return { id, featureId: await svc.featureOf(id) };
}
