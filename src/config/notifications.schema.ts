import { z } from 'zod';
import { FEATURE_STATUSES, type FeatureStatus } from '../domain/status.ts';
import { mailTemplatesSchema } from './mail-templates.schema.ts';

/** What customers care about; `received` and `under_review` are triage churn and never notify. */
const DEFAULT_NOTIFY_STATUSES: readonly FeatureStatus[] = [
  'planned',
  'in_progress',
  'shipped',
  'declined',
  'merged',
];
const NEVER_NOTIFY: readonly FeatureStatus[] = ['received', 'under_review'];

const mailbox = z
  .string()
  .refine(
    (v) =>
      /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(v) ||
      /^[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>$/.test(v.trim()),
    { error: 'expected an address like "Support <support@example.com>" or "support@example.com"' },
  );

/** `notifications:` in the YAML file: which status changes email requesters, and how the mail looks. */
export const notificationsSchema = z
  .object({
    /** Off: no notification rows are written (and production does not require SMTP_URL). */
    enabled: z.boolean().default(true),
    statuses: z
      .array(z.enum(FEATURE_STATUSES))
      .refine((list) => !list.some((s) => NEVER_NOTIFY.includes(s)), {
        error: `${NEVER_NOTIFY.join(' and ')} never notify (triage churn); remove them`,
      })
      .default([...DEFAULT_NOTIFY_STATUSES]),
    /** The product named in subjects and bodies. */
    productName: z.string().trim().min(1).max(100).default('Suggested'),
    /** Where replies to status mail go (a support inbox); default: MAIL_FROM. */
    replyTo: mailbox.optional(),
    /** Requesters with `notify_digest` get one message a day at this hour (UTC) instead of one per change. */
    digest: z
      .object({ hourUtc: z.number().int().min(0).max(23).default(9) })
      .strict()
      .prefault({}),
    templates: mailTemplatesSchema,
  })
  .strict()
  .prefault({});
