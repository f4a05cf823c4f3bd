import { z } from 'zod';
import { targetSchema, toPushTarget } from '../config/trackers.schema.ts';
import { nulMessage, nulPaths, refuseNul } from '../domain/nul.ts';
import { receivedInFuture, requestInput } from '../domain/request.ts';
import { FEATURE_STATUSES } from '../domain/status.ts';

/** Response and query shapes of the HTTP API: typed answers, and the source of /openapi.json. */

export const featureStatus = z.enum(FEATURE_STATUSES);

export const acceptedRequest = z.object({
  id: z.uuid(),
  status: z.literal('received'),
  receivedAt: z.iso.datetime(),
  links: z.object({ self: z.string() }),
});

/**
 * A request as `POST /v1/requests` takes it: the intake schema, and a `receivedAt` not in the future (a rule that
 * needs the clock, checked once the rest is valid).
 */
export const submitRequestBody = requestInput.refine((input) => !receivedInFuture(input, new Date()), {
  path: ['receivedAt'],
  message: 'receivedAt must not be in the future',
  when: (payload) => payload.issues.length === 0,
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
  important: z.boolean(),
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

export const linkResponse = z.object({ link: trackerLinkView });

const statusChangeView = z.object({
  from: featureStatus,
  to: featureStatus,
  cause: z.enum(['tracker', 'reconcile', 'merge', 'unmerge', 'unlink', 'api', 'import']).meta({
    description:
      'tracker: a webhook; reconcile: read from the tracker after a missed webhook; merge: marked a duplicate; unlink: its issue was removed; api: linked by hand; import: imported from the backlog',
  }),
  at: z.iso.datetime(),
  issueKey: z.string().nullable(),
  trackerStatus: z.string().nullable(),
});

const scoreTerm = z.object({
  points: z.number().meta({ description: 'what this term adds to the score now' }),
  undecayed: z.number().meta({ description: 'what it would add without recency decay' }),
  count: z.number().int(),
  weight: z.number().meta({ description: 'its weight from `scoring:`' }),
});

const scoreBreakdownView = z
  .object({
    score: z.number(),
    terms: z.object({
      requesters: scoreTerm.meta({ description: 'count: distinct requesters' }),
      important: scoreTerm.meta({ description: 'count: requesters who marked a request important' }),
      companies: scoreTerm.meta({ description: 'count: distinct companies' }),
      revenue: scoreTerm.extend({ unit: z.number(), totalRevenue: z.number() }).meta({
        description: 'weight × log2(1 + revenue / unit) per company; count: companies with revenue',
      }),
      tiers: z
        .object({
          points: z.number(),
          undecayed: z.number(),
          count: z.number().int(),
          companiesByTier: z.record(z.string(), z.number().int()),
          multipliers: z.record(z.string(), z.number()),
        })
        .meta({ description: 'what tier multipliers added to the company and revenue points' }),
    }),
    recency: z.object({
      halfLifeDays: z.number(),
      undecayedScore: z.number(),
      newestRequestDays: z.number().nullable(),
      oldestRequestDays: z.number().nullable(),
    }),
    topCompanies: z.array(
      z.object({
        companyId: z.uuid(),
        name: z.string().nullable(),
        tier: z.string().nullable(),
        revenue: z.number().nullable(),
        multiplier: z.number(),
        ageDays: z.number(),
        decay: z.number(),
        points: z.number(),
      }),
    ),
    scoredAt: z.iso.datetime(),
  })
  .meta({
    description:
      'Why the feature has its score: each term with its points (after recency decay), its points before decay and what it counted; the terms add up to the score (up to rounding). See docs/dedupe-and-scoring.md.',
  });

const notificationCounts = z.object({
  sent: z.number().int(),
  pending: z.number().int(),
  failed: z.number().int(),
  suppressed: z.number().int(),
});

export const featureDetail = featureSummary.extend({
  scoreBreakdown: scoreBreakdownView.nullable().meta({ description: 'null until first scored' }),
  scoredAt: z.iso.datetime().nullable(),
  mergedInto: z
    .uuid()
    .nullable()
    .meta({ description: 'the surviving feature, when this one was merged into it' }),
  possibleDuplicate: z
    .object({
      of: z.uuid(),
      confidence: z.number(),
      /** Null while it waits in GET /v1/review. */
      reviewedAt: z.iso.datetime().nullable(),
      evidence: z.record(z.string(), z.unknown()),
    })
    .nullable()
    .meta({ description: 'what triage found this feature close to, when it was not sure enough to merge' }),
  merges: z
    .array(
      z.object({
        id: z.uuid(),
        from: z.uuid(),
        into: z.uuid(),
        cause: z.enum(['review', 'api', 'tracker']),
        actor: z.string().nullable(),
        requestIds: z.array(z.uuid()),
        at: z.iso.datetime(),
        undoneAt: z.iso.datetime().nullable(),
      }),
    )
    .meta({ description: 'merges into and out of this feature, newest first (the audit trail)' }),
  statusHistory: z.array(statusChangeView),
  actions: z
    .array(
      z.object({
        action: z.enum([
          'dismiss',
          'push',
          'link',
          'unlink',
          'edit-title',
          'export',
          'erase',
          'merge',
          'unmerge',
        ]),
        actor: z.string().meta({ description: 'a console user\'s email, or "api key <id>"' }),
        at: z.iso.datetime(),
        detail: z.record(z.string(), z.unknown()),
      }),
    )
    .meta({ description: 'what people did to this feature by hand, oldest first (merges are in `merges`)' }),
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
  notifications: notificationCounts
    .extend({
      byStatus: z
        .partialRecord(featureStatus, notificationCounts)
        .meta({ description: 'the same counts per announced status' }),
    })
    .meta({
      description:
        "status mail to this feature's requesters: rows sent, waiting (coalescing window or digest), failed for good, suppressed (unsubscribed, erased, bounced address); cancelled (coalesced or undone) rows are not counted",
    }),
});

export const pushFeatureBody = z.strictObject({
  /** Where to push, instead of what routing picks (the YAML routing target shape). */
  target: targetSchema
    .superRefine((target, ctx) => {
      for (const path of nulPaths(target)) {
        ctx.addIssue({ code: 'custom', path, message: nulMessage(String(path.at(-1) ?? 'target')) });
      }
    })
    .transform(toPushTarget)
    .optional(),
});

export const linkIssueBody = z.strictObject({
  issue: refuseNul(
    z.string().trim().min(1, 'issue is required: a key (ABC-12), an id, or the issue URL').max(2_000),
    'issue',
  ),
  tracker: z.enum(['jira', 'linear'], { error: 'tracker must be "jira" or "linear"' }).optional(),
  site: refuseNul(z.string().min(1).max(40), 'site').optional(),
});

/** `limit` of a paginated list. */
const pageLimit = z.coerce
  .number({ error: 'limit must be a number' })
  .int('limit must be a whole number')
  .min(1, 'limit must be between 1 and 100')
  .max(100, 'limit must be between 1 and 100')
  .default(20);

export const featureListQuery = z.strictObject({
  sort: z.enum(['score', 'recent'], { error: 'sort must be "score" or "recent"' }).default('score'),
  limit: pageLimit,
  cursor: z.string().max(500, 'cursor is too long').optional(),
});

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string(), pointer: z.string().optional(), detail: z.string() }))
    .optional()
    .meta({ description: 'the invalid fields, the first 20 of them' }),
  errorCount: z.number().int().optional().meta({ description: 'how many invalid fields there were in all' }),
});

export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'Idempotency-Key must be 1-255 visible ASCII characters');

export const mergeResponse = z.object({ mergeId: z.uuid(), featureId: z.uuid(), intoId: z.uuid() });

export const unmergeResponse = z.object({
  mergeId: z.uuid(),
  featureId: z.uuid(),
  from: z.uuid().meta({ description: 'the feature the requests came back from' }),
  requestIds: z.array(z.uuid()),
  linkIds: z.array(z.uuid()),
});

export const mergeFeatureBody = z.strictObject({
  into: z.uuid({
    error: (i) =>
      i.input === undefined
        ? 'into is required: the id of the feature to merge into'
        : 'into must be a feature id',
  }),
});

export const reviewQuery = z.strictObject({
  limit: pageLimit,
  after: z.string().max(500, 'after is too long').optional(),
});

/** One feature waiting for review: what triage found it close to, and why. */
const reviewItem = z.object({
  feature: z.object({
    id: z.uuid(),
    title: z.string(),
    requestCount: z.number().int(),
    createdAt: z.string(),
  }),
  possibleDuplicateOf: z.object({
    id: z.uuid(),
    title: z.string(),
    requestCount: z.number().int(),
    status: featureStatus,
    /** Set when the candidate was itself merged since: merge into this one instead. */
    mergedIntoId: z.uuid().nullable(),
  }),
  confidence: z.number(),
  evidence: z.record(z.string(), z.unknown()),
  /** True while the feature is kept off the tracker for this review (no issue made yet, the hold not over). */
  heldFromTracker: z.boolean(),
  /** When the hold ends and the feature is pushed anyway (with a "possible duplicate" note); null when not held. */
  heldUntil: z.iso.datetime().nullable(),
});

export const reviewList = z.object({
  data: z.array(reviewItem),
  links: z.object({ next: z.string().nullable() }),
});

/** One threshold triage decides with, and why it has that value. */
const thresholdInUse = z.object({
  value: z.number(),
  /** The configured value, kept until enough answers support another. */
  prior: z.number(),
  source: z.enum(['prior', 'answers']),
  /** Answered pairs on its far side (at or above auto-merge, below review). */
  measuredOn: z.number().int(),
  /** Of those, the share answered the way the threshold assumes; null when there are none. */
  rightShare: z.number().nullable(),
});

/** What dedupe learned from the team's answers: `GET /v1/review/stats`. */
export const reviewStats = z.object({
  /** Every answer remembered: review answers and merges made by hand or in a tracker. */
  answers: z.number().int(),
  merges: z.number().int(),
  dismissals: z.number().int(),
  /** Answers to review items (merge either way round, or not a duplicate). */
  reviewAnswers: z.number().int(),
  /** Of those, the share that merged the item with the candidate review showed first; null before any. */
  firstCandidateAccepted: z.number().nullable(),
  thresholds: z.object({
    /** The share of right answers a threshold must keep. */
    target: z.number(),
    /** Answered pairs a threshold needs before it leaves its prior. */
    minimumAnswers: z.number().int(),
    /** Answers with the scores review asked with (merges by hand carry none). */
    answers: z.number().int(),
    merges: z.number().int(),
    dismissals: z.number().int(),
    autoMerge: thresholdInUse,
    review: thresholdInUse,
  }),
  learned: z.object({
    answers: z.number().int(),
    dismissedPairs: z.number().int(),
    associations: z.number().int(),
    /** The strongest word associations merges taught, with the number of merges and their weight (0..1). */
    strongest: z.array(
      z.object({ a: z.string(), b: z.string(), merges: z.number().int(), weight: z.number() }),
    ),
  }),
});
