import { z } from 'zod';
import { targetSchema, toPushTarget } from '../config/sync.schema.ts';
import { FEATURE_STATUSES } from '../domain/status.ts';

/** Response and query shapes of the HTTP API: typed answers, and the source of /openapi.json. */

export const featureStatus = z.enum(FEATURE_STATUSES);

export const acceptedRequest = z.object({
  id: z.uuid(),
  status: z.literal('received'),
  receivedAt: z.iso.datetime(),
  links: z.object({ self: z.string() }),
});

export const featureSummary = z.object({
  id: z.uuid(),
  title: z.string(),
  status: featureStatus,
  score: z.number(),
  requestCount: z.number().int(),
  requesterCount: z.number().int(),
  companyCount: z.number().int(),
  lastRequestedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  links: z.object({ self: z.string() }),
});

export const requestView = z.object({
  id: z.uuid(),
  title: z.string(),
  body: z.string(),
  source: z.string(),
  sourceRef: z.string().nullable(),
  url: z.string().nullable(),
  tags: z.array(z.string()),
  receivedAt: z.iso.datetime(),
  createdAt: z.iso.datetime(),
  triagedAt: z.iso.datetime().nullable(),
  status: featureStatus.meta({ description: 'received until triaged, then the status of its feature' }),
  requester: z.object({ id: z.uuid().nullable(), email: z.string(), name: z.string().nullable() }),
  company: z.object({ id: z.uuid(), name: z.string().nullable(), domain: z.string().nullable() }).nullable(),
  feature: z
    .object({ id: z.uuid(), title: z.string(), status: featureStatus, links: z.object({ self: z.string() }) })
    .nullable(),
});

export const featureList = z.object({
  data: z.array(featureSummary),
  nextCursor: z.string().nullable(),
  links: z.object({ next: z.string().nullable() }),
});

export const trackerLinkView = z.object({
  id: z.uuid(),
  tracker: z.enum(['jira', 'linear']),
  site: z.string(),
  state: z.enum(['pending', 'linked', 'unlinked', 'failed']).meta({
    description: 'pending: issue not created yet; failed: the tracker refused the push (see lastError)',
  }),
  issueKey: z.string().nullable(),
  url: z.string().nullable(),
  trackerStatus: z.string().nullable(),
  pushedAt: z.iso.datetime().nullable(),
  awaitingPush: z.boolean(),
  lastError: z.object({ kind: z.string(), message: z.string(), at: z.iso.datetime() }).nullable(),
});

export const statusChangeView = z.object({
  from: featureStatus,
  to: featureStatus,
  cause: z.enum(['tracker', 'reconcile', 'merge', 'unlink', 'api', 'import']).meta({
    description:
      'tracker: a webhook; reconcile: read from the tracker after a missed webhook; merge: marked a duplicate; unlink: its issue was removed; api: linked by hand; import: imported from the backlog',
  }),
  at: z.iso.datetime(),
  issueKey: z.string().nullable(),
  trackerStatus: z.string().nullable(),
});

export const featureDetail = featureSummary.extend({
  mergedInto: z
    .uuid()
    .nullable()
    .meta({ description: 'the surviving feature, when this one was merged into it' }),
  statusHistory: z.array(statusChangeView),
  links: z.array(trackerLinkView),
  requests: z.array(
    z.object({
      id: z.uuid(),
      title: z.string(),
      source: z.string(),
      url: z.string().nullable(),
      receivedAt: z.iso.datetime(),
      requester: z.object({ id: z.uuid(), name: z.string().nullable() }).nullable(),
      company: z
        .object({ id: z.uuid(), name: z.string().nullable(), domain: z.string().nullable() })
        .nullable(),
    }),
  ),
});

export const pushFeatureBody = z.strictObject({
  /** Where to push, instead of what routing picks (the YAML routing target shape). */
  target: targetSchema.transform(toPushTarget).optional(),
});

export const linkIssueBody = z.strictObject({
  issue: z.string().trim().min(1, 'issue is required: a key (ABC-12), an id, or the issue URL').max(2_000),
  tracker: z.enum(['jira', 'linear'], { error: 'tracker must be "jira" or "linear"' }).optional(),
  site: z.string().min(1).max(40).optional(),
});

export const featureListQuery = z.strictObject({
  sort: z.enum(['score', 'recent'], { error: 'sort must be "score" or "recent"' }).default('score'),
  limit: z.coerce
    .number({ error: 'limit must be a number' })
    .int('limit must be a whole number')
    .min(1, 'limit must be between 1 and 100')
    .max(100, 'limit must be between 1 and 100')
    .default(20),
  cursor: z.string().max(500, 'cursor is too long').optional(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string(), pointer: z.string().optional(), detail: z.string() }))
    .optional(),
});

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters');
