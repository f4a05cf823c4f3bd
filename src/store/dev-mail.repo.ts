import { desc, eq } from 'drizzle-orm';
import type { Db } from './db.ts';
import { devMail } from './schema.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The development outbox as /dev/mail reads it (the mailer writes it: notifications.repo `saveDevMail`). */
export function createDevMailRepo(db: Db) {
  return {
    async latest(limit = 200) {
      return db
        .select({ id: devMail.id, to: devMail.to, subject: devMail.subject, createdAt: devMail.createdAt })
        .from(devMail)
        .orderBy(desc(devMail.createdAt), desc(devMail.id))
        .limit(limit);
    },
    async get(id: string) {
      if (!UUID.test(id)) return undefined;
      const [row] = await db.select().from(devMail).where(eq(devMail.id, id));
      return row;
    },
  };
}
