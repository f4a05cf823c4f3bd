import { isIP } from 'node:net';
import { z } from 'zod';

/** The environment variables (docs/configuration.md), each validated on its own. Cross-variable rules: cross-field.ts. */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const port = (fallback: number) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: 'expected a port number' })
      .int('expected a whole port number')
      .min(0, 'expected a port between 0 and 65535 (0 picks a free one)')
      .max(65535, 'expected a port between 0 and 65535 (0 picks a free one)')
      .default(fallback),
  );

const urlWithProtocols = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

export const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const mailbox = z
  .string()
  .refine((v) => EMAIL.test(v) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>$/.test(v.trim()), {
    error: 'expected an address like "Suggested <updates@example.com>" or "updates@example.com"',
  });

export const envSchema = z.object({
  NODE_ENV: z.preprocess(
    emptyToUndefined,
    z.enum(['development', 'production', 'test']).default('development'),
  ),
  PORT: port(3000),
  /** The address HTTP listens on; its default depends on NODE_ENV (config/load.ts). */
  HOST: optional(
    z
      .string()
      .trim()
      .refine((v) => isIP(v) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(v), {
        error: 'expected an IP address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0',
      }),
  ),
  PUBLIC_URL: optional(urlWithProtocols(['http:', 'https:'])),
  REDIS_URL: z.preprocess(
    emptyToUndefined,
    urlWithProtocols(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  ),
  DATABASE_URL: optional(urlWithProtocols(['postgres:', 'postgresql:'])),
  DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data')),
  CONFIG_FILE: optional(z.string()),
  JIRA_HOST: optional(urlWithProtocols(['http:', 'https:'])),
  JIRA_EMAIL: optional(z.string().regex(EMAIL, 'expected an email address')),
  JIRA_API_TOKEN: optional(z.string()),
  JIRA_WEBHOOK_SECRET: optional(z.string().min(16, 'expected at least 16 characters')),
  LINEAR_API_KEY: optional(z.string()),
  LINEAR_API_URL: optional(urlWithProtocols(['http:', 'https:'])),
  LINEAR_WEBHOOK_SECRET: optional(z.string().min(16, 'expected at least 16 characters')),
  SMTP_URL: optional(urlWithProtocols(['smtp:', 'smtps:'])),
  MAIL_FROM: optional(mailbox),
  API_KEYS: optional(
    z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean),
      )
      .refine((keys) => keys.every((k) => k.length >= 16), {
        error: 'expected comma-separated keys of at least 16 characters each',
      }),
  ),
  ADMIN_TOKEN: optional(z.string().min(16, 'expected at least 16 characters')),
  /** The console's OpenID Connect provider: all three or none (cross-field.ts). */
  OIDC_ISSUER: optional(urlWithProtocols(['http:', 'https:'])),
  OIDC_CLIENT_ID: optional(z.string()),
  OIDC_CLIENT_SECRET: optional(z.string()),
  LOG_LEVEL: z.preprocess(
    (v) => (typeof v === 'string' ? emptyToUndefined(v.toLowerCase()) : v),
    z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  ),
  JIRA_EMULATOR_PORT: port(4010),
  LINEAR_EMULATOR_PORT: port(4020),
  NOTIFY_COALESCE_SECONDS: z.preprocess(
    emptyToUndefined,
    z.coerce.number({ error: 'expected a number of seconds' }).int().min(0).default(120),
  ),
  QUEUE_PREFIX: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'expected letters, digits, "-" or "_" (no ":")')
      .default('ss'),
  ),
});

export type Env = z.infer<typeof envSchema>;
