import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { serviceSecrets } from './schema.ts';

const TOKEN_KEY = 'token-signing-key';

/**
 * The key that signs status-page and unsubscribe tokens: made on first use and shared through the database by every
 * process. Two processes starting at once may both generate one; `on conflict do nothing` and the re-read make them
 * all use the one that won. Losing it would break every link already mailed, so it is never rotated here (revoke
 * per requester with `token_version` instead).
 */
export async function loadTokenKey(db: Db): Promise<Buffer> {
  await db
    .insert(serviceSecrets)
    .values({ name: TOKEN_KEY, value: randomBytes(32).toString('base64') })
    .onConflictDoNothing();
  const [row] = await db.select().from(serviceSecrets).where(eq(serviceSecrets.name, TOKEN_KEY));
  if (!row) throw new Error('the token signing key could not be read back from service_secrets');
  const key = Buffer.from(row.value, 'base64');
  if (key.length !== 32) throw new Error(`service_secrets "${TOKEN_KEY}" is not a 32-byte base64 key`);
  return key;
}

/** The token signing key, read once per process (it never changes once made); a failed read is tried again. */
export function tokenKeyOnce(db: Db): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  return () => {
    key ??= loadTokenKey(db).catch((err: unknown) => {
      key = undefined;
      throw err;
    });
    return key;
  };
}
