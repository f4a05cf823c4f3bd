import { z } from 'zod';
import { envName, replyBackSchema, sourceBase } from '../../config/source-base.schema.ts';

/** An Intercom workspace: conversations carrying a tag are feature requests; replies are sent as one admin. */
export const intercomSourceSchema = z.strictObject({
  ...sourceBase,
  kind: z.literal('intercom'),
  /** An access token with read conversations, read users/companies and write conversations. */
  tokenEnv: envName,
  /** Regional or test API base (default https://api.intercom.io). */
  baseUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Id of the tag marking feature requests (Settings → Tags, or GET /tags). */
  tagId: z.string().min(1),
  /** The admin replies are sent as. */
  adminId: z.string().min(1),
  /** Company custom attribute holding revenue; falls back to the standard `monthly_spend`. */
  revenueAttribute: z.string().min(1).optional(),
  /** Client secret of the Intercom app, to verify webhook notifications (X-Hub-Signature). */
  webhookSecretEnv: envName.optional(),
  replyBack: replyBackSchema.default('thread'),
});

export type IntercomSourceConfig = z.infer<typeof intercomSourceSchema>;
