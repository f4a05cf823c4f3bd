import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/store/db.ts';
import { consoleSessions } from '../../src/store/schema.ts';

/** The console's sign-in over plain HTTP, as a browser would send it: forms, cookies, redirects read by hand. */

export interface FormAnswer {
  status: number;
  location: string | null;
  /** Cookies the answer set, by name ('' when cleared). */
  cookies: Map<string, { value: string; attributes: string }>;
  text: string;
}

async function answer(res: Response): Promise<FormAnswer> {
  const cookies = new Map<string, { value: string; attributes: string }>();
  for (const line of res.headers.getSetCookie()) {
    const [pair = '', ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    cookies.set(pair.slice(0, at).trim(), {
      value: decodeURIComponent(pair.slice(at + 1).trim()),
      attributes: attributes.join(';'),
    });
  }
  return { status: res.status, location: res.headers.get('location'), cookies, text: await res.text() };
}

/** A form POST from a page of `origin` (Origin header), unless `headers` say otherwise. */
export async function postForm(
  base: string,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = { origin: base },
): Promise<FormAnswer> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields),
  });
  return answer(res);
}

export async function getPage(url: string, headers: Record<string, string> = {}): Promise<FormAnswer> {
  return answer(await fetch(url, { redirect: 'manual', headers }));
}

/** The session row a cookie value names (the table keeps the value's SHA-256). */
export async function sessionRow(db: Db, cookieValue: string) {
  const idHash = createHash('sha256').update(cookieValue).digest('base64url');
  const [row] = await db.select().from(consoleSessions).where(eq(consoleSessions.idHash, idHash));
  return row;
}
