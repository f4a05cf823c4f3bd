import { z } from 'zod';
import { requestInput } from '../domain/request.ts';
import {
  acceptedRequest,
  featureDetail,
  featureList,
  featureListQuery,
  idempotencyKeyHeader,
  problemSchema,
  requestView,
} from './schemas.ts';

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
          summary: 'Features, paginated by cursor, sorted by score or by most recent request',
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
          summary: 'A feature with its requests and requester and company counts',
          parameters: [idParam],
          responses: {
            '200': { description: 'The feature', content: json(featureDetail) },
            '404': problem('No such feature'),
            ...common,
          },
        },
      },
      '/v1/admin/reconcile': {
        post: {
          summary: 'Run the reconciler now: make sure every pending piece of work has a job (ADMIN_TOKEN)',
          responses: {
            '200': { description: 'What the reconciler found: added, retried and present jobs per queue' },
            '401': problem('No credentials'),
            '403': problem('An API key, not the admin token'),
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
