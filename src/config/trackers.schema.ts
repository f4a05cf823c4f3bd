import { z } from 'zod';
import { jiraSpec } from '../connectors/jira/spec.ts';
import { linearSpec } from '../connectors/linear/spec.ts';
import { FEATURE_STATUSES } from '../domain/status.ts';
import { JIRA_STATUS_CATEGORIES, LINEAR_STATE_TYPES, type PushTarget } from '../domain/tracker.ts';

/**
 * YAML sections for tracker sync: which Jira sites and Linear workspaces, where features go (routing), when they are
 * pushed, and how tracker statuses map back. Secrets never sit in the file: a site names the environment variable
 * that holds its token (`apiTokenEnv`), and config/load.ts reads it.
 */

const siteId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, 'expected a short id: lowercase letters, digits, "-"');
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'expected an environment variable name');
const status = z.enum(FEATURE_STATUSES);
const positive = z.number().positive();
const rateLimit = z.strictObject({ max: z.number().int().positive(), perSeconds: positive });

const DURATION_UNIT_SECONDS = { m: 60, h: 3600, d: 86_400 } as const;
/** A duration such as `30m`, `72h` or `3d`, or `0`: its length in seconds. */
const reviewHold = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const match = /^\s*(\d{1,6})\s*([mhd])?\s*$/.exec(String(value));
  const amount = Number(match?.[1]);
  const unit = match?.[2] as keyof typeof DURATION_UNIT_SECONDS | undefined;
  if (match && (unit || amount === 0)) return amount * (unit ? DURATION_UNIT_SECONDS[unit] : 0);
  ctx.addIssue({
    code: 'custom',
    message: `expected a duration such as 30m, 72h or 3d (m, h or d), or 0 for no hold; got ${JSON.stringify(value)}`,
  });
  return z.NEVER;
});

export const jiraSiteSchema = z.strictObject({
  site: siteId,
  host: z.url({ protocol: /^https?$/, error: 'expected the site URL, e.g. https://acme.atlassian.net' }),
  email: z.email(),
  apiTokenEnv: envName,
  webhookSecretEnv: envName.optional(),
  /** Burst limit for this site's queue. */
  rateLimit: rateLimit.prefault(jiraSpec.rateLimit),
  customFields: z
    .strictObject({
      score: z.string().optional(),
      requestCount: z.string().optional(),
      revenue: z.string().optional(),
    })
    .prefault({}),
});

export const linearWorkspaceSchema = z.strictObject({
  workspace: siteId,
  apiKeyEnv: envName,
  apiUrl: z.url().optional(),
  webhookSecretEnv: envName.optional(),
  /** This workspace's queue budget. */
  rateLimit: rateLimit.prefault(linearSpec.rateLimit),
});

/** A routing target as YAML (and the API's push body) writes it. */
export const targetSchema = z.union([
  z.strictObject({
    jira: z.strictObject({
      site: siteId.default('default'),
      project: z.string().min(1),
      issueType: z.string().min(1).default('Task'),
    }),
  }),
  z.strictObject({
    linear: z.strictObject({ workspace: siteId.default('default'), team: z.string().min(1) }),
  }),
]);

export function toPushTarget(t: z.infer<typeof targetSchema>): PushTarget {
  return 'jira' in t ? { kind: 'jira', ...t.jira } : { kind: 'linear', ...t.linear };
}

const nonEmptyList = z
  .array(z.string().min(1))
  .min(1, 'expected at least one value (an empty list never matches)');

export const syncFileSchema = {
  trackers: z
    .strictObject({
      jira: z.array(jiraSiteSchema).default([]),
      linear: z.array(linearWorkspaceSchema).default([]),
    })
    .prefault({}),
  routing: z
    .strictObject({
      rules: z
        .array(
          z.strictObject({
            name: z.string().optional(),
            when: z
              .strictObject({
                tags: nonEmptyList.optional(),
                sources: nonEmptyList.optional(),
                keywords: nonEmptyList.optional(),
                tiers: nonEmptyList.optional(),
              })
              .prefault({}),
            target: targetSchema,
          }),
        )
        .default([]),
      default: targetSchema.optional(),
    })
    .optional(),
  push: z
    .strictObject({
      /** A feature is pushed once it has this many requests… */
      minRequests: z.number().int().min(1).default(1),
      /** …and at least this score. */
      minScore: z.number().min(0).default(0),
      /**
       * How long a feature triage created as a possible duplicate waits for a person (merge or dismiss) before it
       * is pushed anyway, as seconds once parsed; `0`: no wait.
       */
      holdForReview: reviewHold.prefault('72h'),
      /** New requests within this window make one tracker update. */
      coalesceSeconds: z.number().min(0).default(30),
      /** Label put on every issue we create. */
      label: z.string().min(1).default('customer-request'),
      priority: z
        .strictObject({
          urgent: positive.optional(),
          high: positive.default(20),
          medium: positive.default(5),
          low: positive.default(1),
        })
        .prefault({})
        .refine(
          (p) => (p.urgent ?? Number.POSITIVE_INFINITY) >= p.high && p.high >= p.medium && p.medium >= p.low,
          {
            error: 'expected urgent >= high >= medium >= low',
          },
        ),
      /** How several linked issues roll up into one feature status. */
      rollup: z.enum(['all', 'any', 'primary']).default('all'),
    })
    .prefault({}),
  /** Open tracker issues imported as features, so new requests can join them instead of making new issues. */
  backlog: z
    .strictObject({
      intervalSeconds: z.number().positive().default(3600),
      jira: z
        .array(z.strictObject({ site: siteId.default('default'), jql: z.string().trim().min(1) }))
        .default([]),
      linear: z
        .array(
          z.strictObject({
            workspace: siteId.default('default'),
            team: z.string().min(1),
            labels: z.array(z.string().min(1)).default([]),
          }),
        )
        .default([]),
    })
    .prefault({}),
  statusMap: z
    .strictObject({
      jira: z
        .strictObject({
          byCategory: z.partialRecord(z.enum(JIRA_STATUS_CATEGORIES), status).default({}),
          byName: z.record(z.string(), status).default({}),
        })
        .prefault({}),
      linear: z
        .strictObject({
          byType: z.partialRecord(z.enum(LINEAR_STATE_TYPES), status).default({}),
          byName: z.record(z.string(), status).default({}),
        })
        .prefault({}),
    })
    .prefault({}),
};
