import { and, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import { hash } from './console-sessions.repo.ts';
import type { Db } from './db.ts';
import { consoleSignIns } from './schema.ts';

/**
 * Sign-ins under way: an OpenID Connect authorization (keyed by its state) or an emailed link (keyed by its
 * token). Only the key's SHA-256 is stored, so reading the table starts no one's sign-in; each is used once.
 */

export interface NewOidcSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  returnTo: string;
  ttlSeconds: number;
}

export async function saveOidcSignIn(db: Db, signIn: NewOidcSignIn): Promise<void> {
  await db.insert(consoleSignIns).values({
    idHash: hash(signIn.state),
    kind: 'oidc',
    nonce: signIn.nonce,
    codeVerifier: signIn.codeVerifier,
    returnTo: signIn.returnTo,
    expiresAt: sql`now() + make_interval(secs => ${signIn.ttlSeconds})`,
  });
}

export async function saveEmailSignIn(
  db: Db,
  signIn: { token: string; email: string; returnTo: string; ttlSeconds: number },
): Promise<void> {
  await db.insert(consoleSignIns).values({
    idHash: hash(signIn.token),
    kind: 'email',
    email: signIn.email,
    returnTo: signIn.returnTo,
    expiresAt: sql`now() + make_interval(secs => ${signIn.ttlSeconds})`,
  });
}

/** Why a key signs no one in: never issued (or not of this kind), past its expiry, or already used. */
export type SignInRefusal = 'unknown' | 'expired' | 'used';

const live = (kind: 'oidc' | 'email', key: string) =>
  and(
    eq(consoleSignIns.idHash, hash(key)),
    eq(consoleSignIns.kind, kind),
    isNull(consoleSignIns.usedAt),
    gt(consoleSignIns.expiresAt, sql`now()`),
  );

/** Why the sign-in `key` names cannot be used (undefined: it can). Changes nothing. */
export async function signInRefusal(
  db: Db,
  kind: 'oidc' | 'email',
  key: string,
): Promise<SignInRefusal | undefined> {
  const [row] = await db
    .select({
      used: sql<boolean>`${consoleSignIns.usedAt} is not null`,
      expired: sql<boolean>`${consoleSignIns.expiresAt} <= now()`,
    })
    .from(consoleSignIns)
    .where(and(eq(consoleSignIns.idHash, hash(key)), eq(consoleSignIns.kind, kind)));
  if (!row) return 'unknown';
  if (row.used) return 'used';
  if (row.expired) return 'expired';
  return undefined;
}

/**
 * Marks the sign-in used and returns what it holds, or why it cannot be used. One statement, so two requests with
 * the same key cannot both have it.
 */
export async function takeSignIn(db: Db, kind: 'oidc' | 'email', key: string) {
  const [row] = await db.update(consoleSignIns).set({ usedAt: sql`now()` }).where(live(kind, key)).returning({
    email: consoleSignIns.email,
    nonce: consoleSignIns.nonce,
    codeVerifier: consoleSignIns.codeVerifier,
    returnTo: consoleSignIns.returnTo,
  });
  if (row) return { ok: true as const, ...row };
  return { ok: false as const, refusal: (await signInRefusal(db, kind, key)) ?? 'used' };
}

/** Deletes sign-ins that expired over a day ago (their rows only say that someone once tried). */
export async function deleteStaleSignIns(db: Db): Promise<number> {
  const rows = await db
    .delete(consoleSignIns)
    .where(lt(consoleSignIns.expiresAt, sql`now() - interval '1 day'`))
    .returning({ idHash: consoleSignIns.idHash });
  return rows.length;
}
