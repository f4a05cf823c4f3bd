import { z } from 'zod';
import { envName, replyBackSchema, sourceBase } from '../../config/source-base.schema.ts';
import { emailInboxSpec } from './spec.ts';

/**
 * A mailbox read over IMAP: every message that arrives in it (auto-replies and bulk mail aside) is a request from
 * its sender. Replies go out over SMTP in the same thread.
 */
export const emailInboxSourceSchema = z.strictObject({
  ...sourceBase,
  kind: z.literal('email-inbox'),
  host: z.string().min(1),
  /** 993 with `secure` (implicit TLS), 143 without (STARTTLS when the server offers it). */
  port: z.number().int().min(1).max(65535).default(emailInboxSpec.port),
  secure: z.boolean().default(true),
  user: z.string().min(1),
  passwordEnv: envName,
  mailbox: z.string().min(1).default(emailInboxSpec.mailbox),
  /** Messages fetched per page; the cursor is stored after each page. */
  pageSize: z.number().int().min(1).max(500).default(emailInboxSpec.pageSize),
  /** SMTP for replies, e.g. `SMTP_URL` to reuse the service's; without it the source cannot reply. */
  smtpUrlEnv: envName.optional(),
  /** From address of replies; default: `user` when it is an address. */
  replyFrom: z.string().min(3).optional(),
  replyBack: replyBackSchema.default('thread'),
});

export type EmailInboxSourceConfig = z.infer<typeof emailInboxSourceSchema>;
