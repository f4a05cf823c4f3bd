import { z } from 'zod';

/**
 * Fields every `sources:` entry shares. Each kind's schema (`src/connectors/<kind>/config.ts`) spreads
 * `sourceBase` and adds its own fields, its `replyBack` default (`replyBackSchema.default(...)`) and its
 * credentials as environment variable names: any field ending in `Env` (e.g. `tokenEnv: ZENDESK_TOKEN`) is read
 * at start by `resolveSources` into `secrets.<name without Env>` (here `secrets.token`), and a missing variable
 * is listed with the other configuration problems.
 */

export const sourceId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,40}$/, 'expected a short id: lowercase letters, digits, "-"');
export const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an environment variable name');
export const replyBackSchema = z.enum(['thread', 'email', 'both']);

/** A source's request budget, with its kind's default. */
export const rateLimitSchema = (requests: number, perSeconds: number) =>
  z
    .strictObject({
      requests: z.number().int().positive().default(requests),
      perSeconds: z.number().positive().default(perSeconds),
    })
    .prefault({});

export const sourceBase = {
  id: sourceId,
  enabled: z.boolean().default(true),
  schedule: z.strictObject({ everySeconds: z.number().int().positive().default(300) }).prefault({}),
  /** Requests this service makes to the provider, per source. */
  rateLimit: rateLimitSchema(10, 1),
  /** Time cursors start this far before the stored cursor: late-indexed items are re-read, duplicates are free. */
  lagWindowSeconds: z.number().int().min(0).default(300),
  /** With replyBack 'thread', also email the requester (by default a requester told in the thread is not emailed). */
  alsoEmail: z.boolean().default(false),
};
