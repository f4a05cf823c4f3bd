import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from './db.ts';
import { type ConsoleRole, consoleSessions } from './schema.ts';

/**
 * Console sessions: the cookie carries 32 random bytes; the table keeps only their SHA-256, so reading the table
 * signs no one in. The CSRF token is derived from the cookie's value, so it needs no column and changes with the
 * session.
 */

/** A secret as the console's tables keep it (sessions here, sign-ins in console-sign-ins.repo.ts): its SHA-256. */
export const hash = (value: string) => createHash('sha256').update(value).digest('base64url');

/** The CSRF token of the session whose cookie holds `cookieValue`. */
export function csrfFor(cookieValue: string): string {
  return hash(`csrf\0${cookieValue}`);
}

export interface NewConsoleSession {
  email: string;
  name?: string | null;
  role: ConsoleRole;
  via: 'oidc' | 'email' | 'local';
  ttlSeconds: number;
}

export async function createConsoleSession(
  db: Db,
  session: NewConsoleSession,
): Promise<{ cookieValue: string; csrf: string }> {
  const cookieValue = randomBytes(32).toString('base64url');
  await db.insert(consoleSessions).values({
    idHash: hash(cookieValue),
    email: session.email,
    name: session.name ?? null,
    role: session.role,
    via: session.via,
    expiresAt: sql`now() + make_interval(secs => ${session.ttlSeconds})`,
  });
  return { cookieValue, csrf: csrfFor(cookieValue) };
}

/** The live session a cookie names (not revoked, not expired), its last use noted; undefined otherwise. */
export async function findConsoleSession(db: Db, cookieValue: string) {
  const [row] = await db
    .update(consoleSessions)
    .set({ lastSeenAt: sql`now()` })
    .where(
      and(
        eq(consoleSessions.idHash, hash(cookieValue)),
        isNull(consoleSessions.revokedAt),
        gt(consoleSessions.expiresAt, sql`now()`),
      ),
    )
    .returning({ email: consoleSessions.email, name: consoleSessions.name, role: consoleSessions.role });
  return row;
}

/** Ends the session a cookie names (signing out). */
export async function revokeConsoleSession(db: Db, cookieValue: string): Promise<void> {
  await db
    .update(consoleSessions)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(consoleSessions.idHash, hash(cookieValue)), isNull(consoleSessions.revokedAt)));
}
