import { desc, eq } from 'drizzle-orm';
import { isUuid } from '../domain/ids.ts';
import type { Db } from './db.ts';
import { devMail } from './schema.ts';

/** The development outbox: the mailer writes it without SMTP_URL, /dev/mail reads it. */
export function createDevMailRepo(db: Db) {
  return {
    /** One rendered message; once per Message-ID. */
    async save(mail: { messageId: string; to: string; subject: string; raw: string }): Promise<void> {
      await db.insert(devMail).values(mail).onConflictDoNothing();
    },
    async latest(limit = 200) {
      return db
        .select({ id: devMail.id, to: devMail.to, subject: devMail.subject, createdAt: devMail.createdAt })
        .from(devMail)
        .orderBy(desc(devMail.createdAt), desc(devMail.id))
        .limit(limit);
    },
    async get(id: string) {
      if (!isUuid(id)) return undefined;
      const [row] = await db.select().from(devMail).where(eq(devMail.id, id));
      return row;
    },
  };
}
