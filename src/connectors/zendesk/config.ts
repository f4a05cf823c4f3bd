import { z } from 'zod';
import { envName, rateLimitSchema, replyBackSchema, sourceBase } from '../../config/source-base.schema.ts';
import { zendeskSpec } from './spec.ts';

/** A Zendesk Support instance: which tickets are feature requests (a tag and/or a ticket form). */
export const zendeskSourceSchema = z
  .strictObject({
    ...sourceBase,
    kind: z.literal('zendesk'),
    /** Zendesk's incremental export limit by default. */
    rateLimit: rateLimitSchema(zendeskSpec.rateLimit.max, zendeskSpec.rateLimit.perSeconds),
    /** `acme` for https://acme.zendesk.com; or `baseUrl` (tests, proxies). */
    subdomain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'expected the subdomain only, e.g. acme')
      .optional(),
    baseUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** The agent the API token belongs to (API token auth is `email/token:TOKEN`). */
    email: z.email(),
    tokenEnv: envName,
    tag: z.string().min(1).optional(),
    formId: z.number().int().positive().optional(),
    replyBack: replyBackSchema.default('thread'),
  })
  .refine((c) => c.subdomain !== undefined || c.baseUrl !== undefined, {
    message: 'expected subdomain (or baseUrl)',
    path: ['subdomain'],
  })
  .refine((c) => c.tag !== undefined || c.formId !== undefined, {
    message: 'expected tag or formId: which tickets are feature requests',
    path: ['tag'],
  });

export type ZendeskSourceConfig = z.infer<typeof zendeskSourceSchema>;
