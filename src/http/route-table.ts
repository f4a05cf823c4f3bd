import { z } from 'zod';
import { consolePageRoutes, consoleSignInRoutes } from './console/console-routes.ts';
import { pageRoutes } from './pages/page-routes.ts';
import { featureId, pathId } from './params.ts';
import { defineRoute, type RouteHandler } from './route.ts';
import {
  acceptedRequest,
  featureDetail,
  featureList,
  featureListQuery,
  idempotencyKeyHeader,
  linkIssueBody,
  linkResponse,
  mergeFeatureBody,
  mergeResponse,
  pushFeatureBody,
  requestView,
  reviewList,
  reviewQuery,
  reviewStats,
  submitRequestBody,
  unmergeResponse,
} from './schemas.ts';

/**
 * Every endpoint of the HTTP API, once: in this order they are mounted (the intake sources' webhook before the
 * trackers' `/webhooks/:provider/:site`), a wrong method on any of their paths answers 405 naming the methods
 * there, and /openapi.json describes them.
 */

const opsRoutes = {
  healthz: defineRoute({
    method: 'get',
    path: '/healthz',
    auth: 'none',
    summary: 'Alive',
    responses: { 200: { description: 'Process is up', schema: z.object({ status: z.literal('ok') }) } },
  }),
  readyz: defineRoute({
    method: 'get',
    path: '/readyz',
    auth: 'none',
    summary: 'Database and Redis reachable (trackers, sources, schedules and links reported, not required)',
    responses: { 200: { description: 'Ready ("ok", or "degraded" naming what is unhealthy)' } },
    problems: { 503: 'Not ready; names what is unreachable' },
  }),
  metrics: defineRoute({
    method: 'get',
    path: '/metrics',
    auth: 'none',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'text/plain exposition', contentType: 'text/plain' } },
  }),
  openapi: defineRoute({
    method: 'get',
    path: '/openapi.json',
    auth: 'none',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1' } },
  }),
};

const intakeRoutes = {
  sourceWebhook: defineRoute({
    method: 'post',
    path: '/webhooks/sources/:sourceId',
    auth: 'webhookSignature',
    summary:
      'Intake source webhooks (intercom: X-Hub-Signature with the app client secret): items are stored like a pulled page',
    params: z.object({ sourceId: z.string() }),
    body: { kind: 'raw', description: 'the delivery as the source sends it' },
    responses: {
      200: {
        description:
          '{"status": "accepted", "created", "replayed", "rejected"} | {"status": "ignored", "reason"} | a challenge answer',
      },
    },
    problems: {
      400: 'The delivery is not what the source sends',
      401: 'Missing or wrong signature (or no secret configured)',
      404: 'No such source, or it takes no webhooks',
      503: 'The source could not be read to complete the delivery; redeliver later',
    },
  }),
  submitRequest: defineRoute({
    method: 'post',
    path: '/v1/requests',
    auth: 'apiKey',
    rateLimit: 'intake',
    summary:
      'Submit a customer request (committed before 202; idempotent on source+sourceRef and Idempotency-Key)',
    headers: z.object({ 'Idempotency-Key': idempotencyKeyHeader.optional() }),
    body: { kind: 'json', schema: submitRequestBody, required: true },
    responses: {
      202: {
        description: 'Accepted (or an idempotent repeat: header Idempotent-Replayed)',
        schema: acceptedRequest,
      },
    },
    problems: {
      400: 'Invalid body or Idempotency-Key: every invalid or unknown field is listed in `errors`',
      413: 'Body over the size limit',
      415: 'Body is not application/json',
      422: 'Idempotency-Key reused with a different body, or sourceRef reused with a different body',
    },
  }),
  getRequest: defineRoute({
    method: 'get',
    path: '/v1/requests/:id',
    auth: 'apiKey',
    summary: 'A request, with its feature once triaged',
    params: z.object({ id: pathId('request') }),
    responses: { 200: { description: 'The request', schema: requestView } },
    problems: { 404: 'No such request' },
  }),
};

const featureRoutes = {
  listFeatures: defineRoute({
    method: 'get',
    path: '/v1/features',
    auth: 'apiKey',
    summary:
      'Features, paginated by cursor, sorted by score (the demand behind each, docs/dedupe-and-scoring.md) or by most recent request',
    query: featureListQuery,
    responses: { 200: { description: 'A page of features', schema: featureList } },
    problems: { 400: 'Invalid query' },
  }),
  getFeature: defineRoute({
    method: 'get',
    path: '/v1/features/:id',
    auth: 'apiKey',
    summary:
      'A feature with its requests, requester and company counts, its score breakdown (why it has its score), and what status mail its requesters were sent',
    params: z.object({ id: featureId }),
    responses: { 200: { description: 'The feature', schema: featureDetail } },
    problems: { 404: 'No such feature' },
  }),
  pushFeature: defineRoute({
    method: 'post',
    path: '/v1/features/:id/push',
    auth: 'apiKey',
    summary: 'Push the feature now (past the push bar), to the routed target or the one named',
    params: z.object({ id: featureId }),
    body: { kind: 'json', schema: pushFeatureBody, required: false },
    responses: { 202: { description: 'The link the push job works on', schema: linkResponse } },
    problems: {
      400: 'Invalid body',
      404: 'No such feature',
      409: 'The feature was merged into another, or no tracker is configured for the target',
    },
  }),
  linkIssue: defineRoute({
    method: 'post',
    path: '/v1/features/:id/links',
    auth: 'apiKey',
    summary: 'Link an issue that already exists (by key, id or URL) instead of creating one',
    params: z.object({ id: featureId }),
    body: { kind: 'json', schema: linkIssueBody, required: true },
    responses: {
      201: { description: 'Linked; the issue now carries the demand', schema: linkResponse },
    },
    problems: {
      400: 'Invalid body, or several trackers could hold the issue: name `tracker` and `site`',
      404: 'No such feature, or the tracker has no such issue',
      409: 'Another feature links this issue (named in `featureId`)',
      415: 'Body is not application/json',
      502: 'The tracker refused our credentials or failed',
      503: 'The tracker is rate limiting us; see Retry-After',
    },
  }),
  unlinkIssue: defineRoute({
    method: 'delete',
    path: '/v1/features/:id/links/:linkId',
    auth: 'apiKey',
    summary: 'Unlink an issue from the feature (the issue itself is left alone)',
    // A link id that is no UUID names no link of the feature: the handler answers 404 saying both.
    params: z.object({ id: featureId, linkId: z.string().meta({ format: 'uuid' }) }),
    responses: { 204: { description: 'Unlinked (or was already)' } },
    problems: {
      404: 'No such link',
      409: 'The link moved to another feature by a merge meanwhile; look again',
    },
  }),
};

const reviewRoutes = {
  listReview: defineRoute({
    method: 'get',
    path: '/v1/review',
    auth: 'apiKey',
    summary:
      'Features triage marked "possible duplicate of" another (confidence between the review and auto-merge thresholds), oldest first, with the evidence and whether each is held from the tracker until a decision',
    query: reviewQuery,
    responses: { 200: { description: 'A page of the review queue', schema: reviewList } },
    problems: { 400: 'Invalid query' },
  }),
  reviewStats: defineRoute({
    method: 'get',
    path: '/v1/review/stats',
    auth: 'apiKey',
    summary:
      "What dedupe learned from the team's answers: the answers, the thresholds triage decides with and why (the configured prior until enough answers support another), the dismissed pairs and word associations, and the share of review items whose first candidate was accepted",
    responses: { 200: { description: 'The numbers in use and why', schema: reviewStats } },
  }),
  dismissReview: defineRoute({
    method: 'post',
    path: '/v1/review/:id/dismiss',
    auth: 'apiKey',
    summary:
      'Not a duplicate: the feature leaves the review queue as it is, and is pushed to its tracker once it passes the push bar',
    params: z.object({ id: featureId }),
    responses: { 204: { description: 'Dismissed' } },
    problems: { 404: 'The feature is not waiting for review' },
  }),
  mergeFeature: defineRoute({
    method: 'post',
    path: '/v1/features/:id/merge',
    auth: 'apiKey',
    summary:
      'Merge the feature into another: its requests (so requesters and companies) and issues move there, both are rescored and re-pushed, the merge is recorded',
    params: z.object({ id: featureId }),
    body: { kind: 'json', schema: mergeFeatureBody, required: true },
    responses: { 200: { description: 'Merged', schema: mergeResponse } },
    problems: {
      400: 'Invalid body, an unknown target, or the feature itself',
      404: 'No such feature',
      409: 'Already merged (unmerge it first), or the target was merged meanwhile',
      415: 'Body is not application/json',
    },
  }),
  unmergeFeature: defineRoute({
    method: 'post',
    path: '/v1/features/:id/unmerge',
    auth: 'apiKey',
    summary:
      'Undo the latest merge of this feature: exactly the requests and issues that merge moved come back, both features are rescored and re-pushed',
    params: z.object({ id: featureId }),
    responses: { 200: { description: 'Unmerged', schema: unmergeResponse } },
    problems: { 404: 'No such feature', 409: 'The feature is not merged' },
  }),
};

const adminRoutes = {
  reconcile: defineRoute({
    method: 'post',
    path: '/v1/admin/reconcile',
    auth: 'adminToken',
    summary: 'Run the redrive now: make sure every pending piece of work has a job (ADMIN_TOKEN)',
    responses: { 200: { description: 'What the redrive found: added, retried and present jobs per queue' } },
    problems: { 503: 'The database or Redis is not reachable; names which (Retry-After)' },
  }),
  forgetDedupeLearning: defineRoute({
    method: 'post',
    path: '/v1/admin/dedupe/forget',
    auth: 'adminToken',
    summary:
      "Forget everything dedupe learned from the team's answers (ADMIN_TOKEN): the answers are deleted, and every process decides with the configured thresholds and no learned words again",
    responses: { 200: { description: '{"forgotten": <answers deleted>}' } },
  }),
  exportRequester: defineRoute({
    method: 'get',
    path: '/v1/requesters/:id/export',
    auth: 'adminToken',
    summary:
      'Everything held about a requester (ADMIN_TOKEN): the row, company, requests as sent, their features ' +
      'and triage, tracker issues, notifications (state, status, when), unsubscribes, digest choice, suppression',
    params: z.object({ id: pathId('requester') }),
    responses: { 200: { description: 'The export, as JSON (Cache-Control: no-store)' } },
    problems: { 404: 'No requester with this id' },
  }),
  eraseRequester: defineRoute({
    method: 'delete',
    path: '/v1/requesters/:id',
    auth: 'adminToken',
    summary:
      'Erase a requester (ADMIN_TOKEN): personal data anonymised everywhere, unsent mail cancelled, links ' +
      'revoked, tracker issues that quoted them re-pushed; counts and scores unchanged. Idempotent',
    params: z.object({ id: pathId('requester') }),
    responses: {
      200: {
        description:
          '{"id", "erased": true, "alreadyErased", "requests", "features", "featuresRenamed", "cancelledNotifications", "trackerLinksRepushed", "trackerLinksNotRepushed": [{"linkId", "tracker", "site", "issueKey", "url"}]}',
      },
    },
    problems: { 404: 'No requester with this id' },
  }),
};

const trackerWebhook = {
  method: 'post',
  auth: 'webhookSignature',
  summary:
    'Tracker webhooks (jira: X-Hub-Signature; linear: Linear-Signature and a 60 s webhookTimestamp window); /webhooks/{provider}/{site} for a named site',
  body: { kind: 'raw', description: 'the delivery as the tracker sends it' },
  responses: { 200: { description: '{"status": "accepted" | "duplicate" | "ignored"}' } },
  problems: {
    400: 'The body is not JSON',
    401: 'Missing or wrong signature (or no secret configured); names the problem',
    404: 'No such tracker configured',
  },
} as const;
const trackerKind = z.enum(['jira', 'linear'], {
  error: (i) => `no webhook endpoint for "${String(i.input)}"`,
});

const trackerWebhookRoutes = {
  trackerWebhook: defineRoute({
    ...trackerWebhook,
    path: '/webhooks/:provider',
    params: z.object({ provider: trackerKind }),
  }),
  trackerSiteWebhook: defineRoute({
    ...trackerWebhook,
    path: '/webhooks/:provider/:site',
    params: z.object({ provider: trackerKind, site: z.string() }),
  }),
};

export const ROUTES = {
  ...opsRoutes,
  ...intakeRoutes,
  ...featureRoutes,
  ...reviewRoutes,
  ...adminRoutes,
  ...trackerWebhookRoutes,
  ...pageRoutes,
  ...consoleSignInRoutes,
  ...consolePageRoutes,
};

type RouteName = keyof typeof ROUTES;
export type RouteHandlers = { [K in RouteName]: RouteHandler<(typeof ROUTES)[K]> };
/** The routes every process serves; the rest are the API's. */
export type OpsRouteName = keyof typeof opsRoutes;
/** The console's sign-in and pages. */
export type ConsoleRouteName = keyof typeof consoleSignInRoutes | keyof typeof consolePageRoutes;
