import { z } from 'zod';
import { consoleSchema } from './console.schema.ts';
import { dedupeSchema } from './dedupe.schema.ts';
import { identitySchema } from './identity.schema.ts';
import { notificationsSchema } from './notifications.schema.ts';
import { scoringSchema } from './scoring.schema.ts';
import { sourcesSchema } from './sources.schema.ts';
import { syncFileSchema } from './trackers.schema.ts';

const positiveInt = z.number().int().positive();

/** YAML sections owned by this service so far; later features add theirs. Unknown keys are errors. */
export const fileSchema = z
  .object({
    ...syncFileSchema,
    dedupe: dedupeSchema,
    http: z
      .object({
        bodyLimitBytes: positiveInt.default(1_048_576),
        trustProxy: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    intake: z
      .object({
        rateLimit: z
          .object({ requests: positiveInt.default(6000), perSeconds: positiveInt.default(60) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    workers: z
      .object({
        concurrency: z
          .object({ triage: positiveInt.default(32) })
          .strict()
          .prefault({}),
        shutdownTimeoutMs: positiveInt.default(25_000),
        stalledIntervalMs: positiveInt.default(30_000),
        lockDurationMs: positiveInt.default(30_000),
      })
      .strict()
      .prefault({}),
    reconcile: z
      .object({
        intervalSeconds: z.number().positive().default(15),
        graceSeconds: z.number().min(0).default(5),
        retryFailedAfterSeconds: z.number().min(0).default(600),
        /** How often each tracker's linked issues changed since the last run are read (catches dropped webhooks). */
        trackerIntervalSeconds: z.number().positive().default(300),
        /** How often every linked issue is checked to still exist (finds issues deleted without a webhook). */
        trackerSweepSeconds: z.number().min(0).default(3600),
        /** Processed webhook deliveries are kept this long (their ids dedupe redeliveries meanwhile). */
        webhookRetentionDays: z.number().positive().default(7),
      })
      .strict()
      .prefault({}),
    retention: z
      .object({
        completedJobs: z
          .object({ count: positiveInt.default(1000), ageSeconds: positiveInt.default(86_400) })
          .strict()
          .prefault({}),
        failedJobs: z
          .object({ count: positiveInt.default(5000), ageSeconds: positiveInt.default(7 * 86_400) })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    sandbox: z
      .object({
        jira: z
          .object({
            email: z
              .string()
              .regex(/^[^\s@]+@[^\s@]+$/, 'expected an email address')
              .default('sandbox@example.com'),
            apiToken: z.string().min(1).default('sandbox'),
            bearerTokens: z.array(z.string().min(8)).default([]),
          })
          .strict()
          .prefault({}),
        linear: z
          .object({
            apiKey: z.string().min(1).default('lin_api_sandbox'),
            accessTokens: z.array(z.string().min(8)).default([]),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    identity: identitySchema,
    scoring: scoringSchema,
    /** Status emails to requesters: which changes notify, digest, templates (notifications.schema.ts). */
    notifications: notificationsSchema,
    /** Intake sources (Zendesk, Intercom, Slack, email inbox...): see sources.schema.ts. */
    sources: sourcesSchema,
    /** Who may sign in to the console, as a member or a viewer, and for how long (console.schema.ts). */
    console: consoleSchema,
  })
  .strict();

export type FileConfig = z.infer<typeof fileSchema>;
