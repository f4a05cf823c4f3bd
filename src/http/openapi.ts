import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { type AuthKind, openApiPath, type RouteSpec } from './route.ts';
import { problemSchema } from './schemas.ts';

/** The OpenAPI 3.1 document of the routes served, generated from the zod schemas their handlers validate with. */

const SECURITY: Record<AuthKind, NonNullable<RouteConfig['security']>> = {
  apiKey: [{ apiKey: [] }],
  adminToken: [{ adminToken: [] }],
  // Webhooks are signed per delivery (the summary names how); pages carry their credential in the URL.
  webhookSignature: [],
  session: [],
  none: [],
};

/** The problems every route of an auth kind may answer. */
const AUTH_PROBLEMS: Record<AuthKind, Record<number, string>> = {
  apiKey: { 401: 'Missing or invalid API key' },
  adminToken: { 401: 'No credentials', 403: 'An API key, not the admin token' },
  webhookSignature: {},
  session: {},
  none: {},
};

const problem = (description: string): ResponseConfig => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

function responses(route: RouteSpec): Record<number, ResponseConfig> {
  const out: Record<number, ResponseConfig> = {};
  for (const [status, answer] of Object.entries(route.responses)) {
    const type = answer.contentType ?? 'application/json';
    const schema = answer.schema ?? (type === 'application/json' ? undefined : z.string());
    out[Number(status)] = {
      description: answer.description,
      ...(schema ? { content: { [type]: { schema } } } : {}),
    };
  }
  const problems: Record<number, string> = {
    ...AUTH_PROBLEMS[route.auth],
    ...(route.rateLimit === 'intake' ? { 429: 'Rate limited; see Retry-After' } : {}),
    ...route.problems,
    500: 'Internal error (no internals disclosed)',
  };
  for (const [status, description] of Object.entries(problems)) out[Number(status)] = problem(description);
  if (route.rateLimit === 'pages') {
    out[429] = {
      description: 'Too many requests from this address; see Retry-After',
      content: { 'text/html': { schema: z.string() } },
    };
  }
  return out;
}

function requestBody(route: RouteSpec): NonNullable<RouteConfig['request']>['body'] {
  const body = route.body;
  if (!body) return undefined;
  if (body.kind === 'raw') {
    return {
      description: body.description,
      required: true,
      content: { 'application/json': { schema: z.unknown() } },
    };
  }
  if (body.kind === 'form') {
    return { required: true, content: { 'application/x-www-form-urlencoded': { schema: body.schema } } };
  }
  return { required: body.required, content: { 'application/json': { schema: body.schema } } };
}

function routeConfig(route: RouteSpec): RouteConfig {
  const body = requestBody(route);
  return {
    method: route.method,
    path: openApiPath(route.path),
    summary: route.summary,
    security: SECURITY[route.auth],
    request: {
      ...(route.params ? { params: route.params } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { headers: route.headers } : {}),
      ...(body ? { body } : {}),
    },
    responses: responses(route),
  };
}

/**
 * The generator writes a regex that has flags as `source/flags` (its toString without the first slash); a JSON
 * Schema pattern has no flags, so it says the source, as zod's own JSON Schema does.
 */
function withoutRegexFlags(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRegexFlags);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === 'pattern' && typeof inner === 'string'
        ? inner.replace(/(?<!\\)\/[dgimsuvy]+$/, '')
        : withoutRegexFlags(inner),
    ]),
  );
}

export function openApiDocument(version: string, routes: readonly RouteSpec[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of API_KEYS',
  });
  registry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'ADMIN_TOKEN (an API key is refused with 403)',
  });
  // The console (and `/`, which leads to it) is for people in a browser, not a contract for machines.
  const forMachines = (route: RouteSpec) => route.path !== '/' && !route.path.startsWith('/console');
  for (const route of routes) if (forMachines(route)) registry.registerPath(routeConfig(route));
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Suggested Sync',
      version,
      description: 'Customer feature requests in, Jira / Linear issues out, status back to every requester.',
    },
    security: [{ apiKey: [] }],
  });
  return withoutRegexFlags(document) as typeof document;
}
