import express, { type Express, type Request, type RequestHandler } from 'express';
import { fieldErrors, HttpProblem, validationProblem } from './problem.ts';
import type { AuthKind, RouteHandler, RouteInput, RouteSpec } from './route.ts';
import { ROUTES, type RouteHandlers } from './route-table.ts';

/** What the route table's declarations stand for on a request: checks, limits and body parsers. */
export interface RouteMiddleware {
  auth: Record<AuthKind, RequestHandler[]>;
  /** After the body is parsed: a console form's CSRF token (session routes other than GET). */
  csrf: RequestHandler;
  /** After the session check: refuses a viewer on a route declared `role: 'member'`. */
  member: RequestHandler;
  rateLimit: { intake: RequestHandler; pages: RequestHandler };
  /** The most a JSON body may hold (HTTP_BODY_LIMIT_BYTES). */
  jsonBodyLimitBytes: number;
}

/** Webhook deliveries carry whole issues and threads: more than the API's JSON body limit. */
const RAW_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json') && !req.is('application/*+json')) {
    throw new HttpProblem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      'send the body as application/json',
    );
  }
  next();
};

function bodyParsers(spec: RouteSpec, middleware: RouteMiddleware): RequestHandler[] {
  const body = spec.body;
  if (!body) return [];
  if (body.kind === 'raw') return [express.raw({ type: () => true, limit: RAW_BODY_LIMIT_BYTES })];
  if (body.kind === 'form')
    return [express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 })];
  const json = express.json({ limit: middleware.jsonBodyLimitBytes, strict: false, type: () => true });
  return body.required ? [requireJson, json] : [json];
}

/** The request as the route's schemas read it, or the problem that says why not. */
function parseInput(spec: RouteSpec, req: Request): RouteInput<RouteSpec> {
  const input: RouteInput<RouteSpec> = {
    params: undefined,
    query: undefined,
    headers: undefined,
    body: undefined,
  };
  if (spec.params) {
    const params = spec.params.safeParse(req.params);
    if (!params.success) {
      throw new HttpProblem(404, 'not-found', 'Not found', params.error.issues[0]?.message);
    }
    input.params = params.data;
  }
  if (spec.query) {
    const query = spec.query.safeParse(req.query);
    if (!query.success) throw validationProblem(fieldErrors(query.error, 'query'));
    input.query = query.data;
  }
  // Headers and body are reported together: one answer names everything wrong with what was sent.
  const errors = [];
  if (spec.headers) {
    const sent = Object.fromEntries(Object.keys(spec.headers.shape).map((name) => [name, req.get(name)]));
    const headers = spec.headers.safeParse(sent);
    if (headers.success) input.headers = headers.data;
    else errors.push(...fieldErrors(headers.error, 'header'));
  }
  if (spec.body?.kind === 'json') {
    const body = spec.body.schema.safeParse(req.body ?? {});
    if (body.success) input.body = body.data as never;
    else errors.push(...fieldErrors(body.error));
  }
  if (errors.length > 0) throw validationProblem(errors);
  return input;
}

/**
 * Mounts each route of the table that has a handler here, in the table's order, behind what its declaration asks
 * for: its auth check, its rate limit, its body parser, then its schemas. Returns the routes mounted.
 */
export function mountRoutes(
  app: Express,
  handlers: Partial<RouteHandlers>,
  middleware: RouteMiddleware,
): RouteSpec[] {
  const mounted: RouteSpec[] = [];
  for (const [name, spec] of Object.entries(ROUTES) as Array<[keyof RouteHandlers, RouteSpec]>) {
    // Each handler takes what its own declaration parses; the table pairs them by name.
    const handle = handlers[name] as RouteHandler<RouteSpec> | undefined;
    if (!handle) continue;
    app[spec.method](
      spec.path,
      ...middleware.auth[spec.auth],
      ...(spec.role === 'member' ? [middleware.member] : []),
      ...(spec.rateLimit ? [middleware.rateLimit[spec.rateLimit]] : []),
      ...bodyParsers(spec, middleware),
      ...(spec.auth === 'session' && spec.method !== 'get' ? [middleware.csrf] : []),
      async (req, res) => {
        await handle(parseInput(spec, req), req, res);
      },
    );
    mounted.push(spec);
  }
  return mounted;
}

/**
 * A known path asked with a method it does not take: 405 naming those it does (`Allow`), after the path's own
 * auth check, so a caller without the right credentials learns nothing more than before.
 */
export function mountMethodNotAllowed(
  app: Express,
  routes: readonly RouteSpec[],
  middleware: RouteMiddleware,
) {
  const byPath = new Map<string, { auth: AuthKind; methods: string[] }>();
  for (const route of routes) {
    // A console path asked with the wrong method answers like any unknown one (the console's 404 page).
    if (route.auth === 'session') continue;
    const entry = byPath.get(route.path) ?? { auth: route.auth, methods: [] };
    entry.methods.push(route.method.toUpperCase());
    byPath.set(route.path, entry);
  }
  for (const [path, { auth, methods }] of byPath) {
    const allow = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    app.all(path, ...middleware.auth[auth], (req) => {
      throw new HttpProblem(
        405,
        'method-not-allowed',
        'Method not allowed',
        `${req.method} is not allowed here; use ${allow.join(' or ')}`,
        {},
        { Allow: allow.join(', ') },
      );
    });
  }
}
