import { z } from 'zod';
import { requestInput } from '../domain/request.ts';
import {
  acceptedRequest,
  featureDetail,
  featureList,
  featureListQuery,
  idempotencyKeyHeader,
  linkIssueBody,
  mergeFeatureBody,
  mergeResponse,
  problemSchema,
  pushFeatureBody,
  requestView,
  reviewList,
  reviewQuery,
  trackerLinkView,
  unmergeResponse,
} from './schemas.ts';

const linkResponse = z.object({ link: trackerLinkView });

/** The OpenAPI 3.1 document, generated from the zod schemas the handlers validate and answer with. */

const json = (schema: z.ZodType, io: 'input' | 'output' = 'output') => ({
  'application/json': { schema: z.toJSONSchema(schema, { io, unrepresentable: 'any' }) },
});
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: z.toJSONSchema(problemSchema) } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const common = {
  '401': problem('Missing or invalid API key'),
  '429': problem('Rate limited; see Retry-After'),
  '500': problem('Internal error (no internals disclosed)'),
};

/** A strict query object's fields as OpenAPI query parameters. */
function queryParameters(schema: z.ZodType) {
  const { properties } = z.toJSONSchema(schema, { io: 'input' }) as { properties: Record<string, object> };
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', schema: property }));
}

export function buildOpenApi(version: string) {
  const queryParams = z.toJSONSchema(featureListQuery, { io: 'input' }) as {
    properties: Record<string, object>;
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Suggested Sync',
      version,
      description: 'Customer feature requests in, Jira / Linear issues out, status back to every requester.',
    },
    components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    security: [{ apiKey: [] }],
    paths: {
      '/v1/requests': {
        post: {
          summary:
            'Submit a customer request (committed before 202; idempotent on source+sourceRef and Idempotency-Key)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: z.toJSONSchema(idempotencyKeyHeader),
            },
          ],
          requestBody: { required: true, content: json(requestInput, 'input') },
          responses: {
            '202': {
              description: 'Accepted (or an idempotent repeat: header Idempotent-Replayed)',
              content: json(acceptedRequest),
            },
            '400': problem('Invalid body: every invalid or unknown field is listed in `errors`'),
            '413': problem('Body over the size limit'),
            '415': problem('Body is not application/json'),
            '422': problem('Idempotency-Key reused with a different body'),
            ...common,
          },
        },
      },
      '/v1/requests/{id}': {
        get: {
          summary: 'A request, with its feature once triaged',
          parameters: [idParam],
          responses: {
            '200': { description: 'The request', content: json(requestView) },
            '404': problem('No such request'),
            ...common,
          },
        },
      },
      '/v1/features': {
        get: {
          summary:
            'Features, paginated by cursor, sorted by score (the demand behind each, README "Scoring") or by most recent request',
          parameters: Object.entries(queryParams.properties).map(([name, schema]) => ({
            name,
            in: 'query',
            required: false,
            schema,
          })),
          responses: {
            '200': { description: 'A page of features', content: json(featureList) },
            '400': problem('Invalid query'),
            ...common,
          },
        },
      },
      '/v1/features/{id}': {
        get: {
          summary:
            'A feature with its requests, requester and company counts, its score breakdown (why it has its score), and what status mail its requesters were sent',
          parameters: [idParam],
          responses: {
            '200': { description: 'The feature', content: json(featureDetail) },
            '404': problem('No such feature'),
            ...common,
          },
        },
      },
      '/v1/features/{id}/push': {
        post: {
          summary: 'Push the feature now (past the push bar), to the routed target or the one named',
          parameters: [idParam],
          requestBody: { required: false, content: json(pushFeatureBody, 'input') },
          responses: {
            '202': { description: 'The link the push job works on', content: json(linkResponse) },
            '400': problem('Invalid body'),
            '404': problem('No such feature'),
            '409': problem('The feature was merged into another, or no tracker is configured for the target'),
            ...common,
          },
        },
      },
      '/v1/features/{id}/links': {
        post: {
          summary: 'Link an issue that already exists (by key, id or URL) instead of creating one',
          parameters: [idParam],
          requestBody: { required: true, content: json(linkIssueBody, 'input') },
          responses: {
            '201': { description: 'Linked; the issue now carries the demand', content: json(linkResponse) },
            '400': problem(
              'Invalid body, or several trackers could hold the issue: name `tracker` and `site`',
            ),
            '404': problem('No such feature, or the tracker has no such issue'),
            '409': problem('Another feature links this issue (named in `featureId`)'),
            '502': problem('The tracker refused our credentials or failed'),
            '503': problem('The tracker is rate limiting us; see Retry-After'),
            ...common,
          },
        },
      },
      '/v1/review': {
        get: {
          summary:
            'Features triage marked "possible duplicate of" another (confidence between the review and auto-merge thresholds), oldest first, with the evidence',
          parameters: queryParameters(reviewQuery),
          responses: {
            '200': { description: 'A page of the review queue', content: json(reviewList) },
            '400': problem('Invalid query'),
            ...common,
          },
        },
      },
      '/v1/review/{id}/dismiss': {
        post: {
          summary: 'Not a duplicate: the feature leaves the review queue as it is',
          parameters: [idParam],
          responses: {
            '204': { description: 'Dismissed' },
            '404': problem('The feature is not waiting for review'),
            ...common,
          },
        },
      },
      '/v1/features/{id}/merge': {
        post: {
          summary:
            'Merge the feature into another: its requests (so requesters and companies) and issues move there, both are rescored and re-pushed, the merge is recorded',
          parameters: [idParam],
          requestBody: { required: true, content: json(mergeFeatureBody, 'input') },
          responses: {
            '200': { description: 'Merged', content: json(mergeResponse) },
            '400': problem('Invalid body, an unknown target, or the feature itself'),
            '404': problem('No such feature'),
            '409': problem('Already merged (unmerge it first), or the target was merged meanwhile'),
            ...common,
          },
        },
      },
      '/v1/features/{id}/unmerge': {
        post: {
          summary:
            'Undo the latest merge of this feature: exactly the requests and issues that merge moved come back, both features are rescored and re-pushed',
          parameters: [idParam],
          responses: {
            '200': { description: 'Unmerged', content: json(unmergeResponse) },
            '404': problem('No such feature'),
            '409': problem('The feature is not merged'),
            ...common,
          },
        },
      },
      '/v1/features/{id}/links/{linkId}': {
        delete: {
          summary: 'Unlink an issue from the feature (the issue itself is left alone)',
          parameters: [idParam, { ...idParam, name: 'linkId' }],
          responses: {
            '204': { description: 'Unlinked (or was already)' },
            '404': problem('No such link'),
            ...common,
          },
        },
      },
      '/webhooks/{tracker}': {
        post: {
          summary:
            'Tracker webhooks (jira: X-Hub-Signature; linear: Linear-Signature and a 60 s webhookTimestamp window); /webhooks/{tracker}/{site} for a named site',
          security: [],
          parameters: [{ name: 'tracker', in: 'path', required: true, schema: { enum: ['jira', 'linear'] } }],
          responses: {
            '200': { description: '{"status": "accepted" | "duplicate" | "ignored"}' },
            '401': problem('Missing or wrong signature (or no secret configured); names the problem'),
            '404': problem('No such tracker configured'),
          },
        },
      },
      '/webhooks/sources/{sourceId}': {
        post: {
          summary:
            'Intake source webhooks (intercom: X-Hub-Signature with the app client secret): items are stored like a pulled page',
          security: [],
          parameters: [{ name: 'sourceId', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description:
                '{"status": "accepted", "created", "replayed", "rejected"} | {"status": "ignored", "reason"} | a challenge answer',
            },
            '400': problem('The delivery is not what the source sends'),
            '401': problem('Missing or wrong signature (or no secret configured)'),
            '404': problem('No such source, or it takes no webhooks'),
            '503': problem('The source could not be read to complete the delivery; redeliver later'),
          },
        },
      },
      '/v1/admin/reconcile': {
        post: {
          summary: 'Run the redrive now: make sure every pending piece of work has a job (ADMIN_TOKEN)',
          responses: {
            '200': { description: 'What the redrive found: added, retried and present jobs per queue' },
            '401': problem('No credentials'),
            '403': problem('An API key, not the admin token'),
            '503': problem('The database or Redis is not reachable; names which (Retry-After)'),
          },
        },
      },
      '/v1/requesters/{id}/export': {
        get: {
          summary:
            'Everything held about a requester (ADMIN_TOKEN): the row, company, requests as sent, their features ' +
            'and triage, tracker issues, notifications (state, status, when), unsubscribes, digest choice, suppression',
          parameters: [idParam],
          responses: {
            '200': { description: 'The export, as JSON (Cache-Control: no-store)' },
            '401': problem('No credentials'),
            '403': problem('An API key, not the admin token'),
            '404': problem('No requester with this id'),
          },
        },
      },
      '/v1/requesters/{id}': {
        delete: {
          summary:
            'Erase a requester (ADMIN_TOKEN): personal data anonymised everywhere, unsent mail cancelled, links ' +
            'revoked, tracker issues that quoted them re-pushed; counts and scores unchanged. Idempotent',
          parameters: [idParam],
          responses: {
            '200': {
              description:
                '{"id", "erased": true, "alreadyErased", "requests", "features", "featuresRenamed", "cancelledNotifications", "trackerLinksRepushed", "trackerLinksNotRepushed": [{"linkId", "tracker", "site", "issueKey", "url"}]}',
            },
            '401': problem('No credentials'),
            '403': problem('An API key, not the admin token'),
            '404': problem('No requester with this id'),
          },
        },
      },
      '/healthz': {
        get: { summary: 'Alive', security: [], responses: { '200': { description: 'Process is up' } } },
      },
      '/readyz': {
        get: {
          summary: 'Database and Redis reachable',
          security: [],
          responses: {
            '200': { description: 'Ready' },
            '503': problem('Not ready; names what is unreachable'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'text/plain exposition' } },
        },
      },
      '/openapi.json': {
        get: { summary: 'This document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } },
      },
    },
  };
}
