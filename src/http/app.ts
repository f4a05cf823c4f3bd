import { STATUS_CODES } from 'node:http';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Application } from '../application/application.ts';
import type { IntakeWriter } from '../application/intake-writer.ts';
import type { Config } from '../config/load.ts';
import type { Mailer } from '../connectors/mail/client.ts';
import type { Sources } from '../connectors/source-registry.ts';
import type { Trackers } from '../connectors/tracker-registry.ts';
import type { PushTarget } from '../domain/tracker.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { TrackerHealth } from '../queue/tracker-health.ts';
import type { RouteInput } from '../rules/route.ts';
import type { Store } from '../store/store.ts';
import { requireAdmin, requireApiKey } from './auth.ts';
import { consoleProblemPage, sendConsoleError } from './console/error-page.ts';
import { sessionFromCookie } from './console/session.ts';
import { healthHandlers } from './health.routes.ts';
import { mountMethodNotAllowed, mountRoutes, type RouteMiddleware } from './mount-routes.ts';
import { openApiDocument } from './openapi.ts';
import { HttpProblem, sendProblem as sendProblemJson } from './problem.ts';
import { interactiveWork, requestContext } from './request-context.ts';

export interface AppDeps {
  config: Pick<
    Config,
    | 'http'
    | 'intake'
    | 'queuePrefix'
    | 'adminToken'
    | 'push'
    | 'isProduction'
    | 'mail'
    | 'notifications'
    | 'publicUrl'
    | 'console'
  >;
  apiKeys: readonly string[];
  store: Store;
  /** The use cases the routes call. */
  application: Application;
  queues: Queues;
  redis: Redis;
  /** The configured trackers: webhook verification, links by issue key or URL. */
  trackers: Trackers;
  /** Each tracker's credential health as the workers last saw it (for /readyz). */
  trackerHealth?: () => Promise<TrackerHealth[]>;
  /** Each wanted schedule and whether Redis has it (for /readyz). */
  schedules?: () => Promise<Array<{ id: string; present: boolean }>>;
  /** The configured intake sources (webhooks at /webhooks/sources/:sourceId, health in /readyz). */
  sources?: Sources | undefined;
  /** Stores what a source webhook brought, like a pulled page. */
  writeIntake?: IntakeWriter | undefined;
  /** Where a feature is pushed (routing); undefined when this process pushes nowhere. */
  route?: ((input: RouteInput) => PushTarget) | undefined;
  /** Sends the console's emailed sign-in links; without one, that way of signing in is not offered. */
  mailer?: Mailer | undefined;
  metrics: Metrics;
  log: Logger;
  version: string;
  /** Runs the redrive once (admin endpoint). */
  reconcile: () => Promise<unknown>;
  /** False in a worker process: it serves health, readiness and metrics only. */
  apiRoutes: boolean;
  /** False until startup has finished: /readyz says "starting" meanwhile. */
  started?: () => boolean;
}

/** What the health, readiness and metrics handlers (served by every process) read. */
function healthHandlerDeps({
  store,
  redis,
  metrics,
  ...deps
}: AppDeps): Parameters<typeof healthHandlers>[0] {
  return {
    pingDatabase: () => store.ping(),
    redis,
    metrics,
    ...(deps.started ? { started: deps.started } : {}),
    ...(deps.trackerHealth ? { trackerHealth: deps.trackerHealth } : {}),
    ...(deps.schedules ? { schedules: deps.schedules } : {}),
    linksLostMark: () => store.links.countMarkLost(),
    ...(deps.sources
      ? {
          sourceHealth: async () => {
            const configured = new Set(deps.sources?.all().map((s) => s.id));
            return (await store.intake.list()).filter((row) => configured.has(row.id));
          },
        }
      : {}),
  };
}

type ApiRoutes = ReturnType<typeof apiRoutes>;

/** The API's handlers, the console's session checks and the rate limiters, from the module loaded for them. */
function apiRoutes(deps: AppDeps, module: typeof import('./api-routes.ts')) {
  return {
    handlers: module.apiHandlers(deps),
    consoleMiddleware: module.consoleSessionMiddleware(deps),
    rateLimit: module.rateLimits(deps),
  };
}

/** What the route table's auth kinds and rate limits stand for in this process. */
function routeMiddleware(deps: AppDeps, api: ApiRoutes | undefined): RouteMiddleware {
  const { config, apiKeys } = deps;
  // A worker process mounts no console page and no rate-limited route: these never run there.
  const unused: RequestHandler = (_req, _res, next) => next();
  const console = api?.consoleMiddleware ?? { session: unused, csrf: unused, member: unused };
  return {
    auth: {
      apiKey: [requireApiKey(apiKeys)],
      adminToken: [requireAdmin(config.adminToken, apiKeys)],
      webhookSignature: [],
      session: [console.session],
      none: [],
    },
    csrf: console.csrf,
    member: console.member,
    rateLimit: api?.rateLimit ?? { intake: unused, pages: unused },
    jsonBodyLimitBytes: config.http.bodyLimitBytes,
  };
}

/**
 * The HTTP API, mounted from the route table (route-table.ts): routes validate, verify, enqueue and answer; they
 * own no state. /openapi.json describes the routes this process mounted. The API's routes, the console's pages and
 * the rate limiters (api-routes.ts) are loaded only where `apiRoutes` is set: a worker process never holds them.
 */
export async function createApp(deps: AppDeps) {
  const { config, metrics, log } = deps;
  const api = deps.apiRoutes ? apiRoutes(deps, await import('./api-routes.ts')) : undefined;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  app.use(requestContext({ log, metrics }));
  app.use(interactiveWork);

  const middleware = routeMiddleware(deps, api);
  let document: ReturnType<typeof openApiDocument> | undefined;
  const mounted = mountRoutes(
    app,
    {
      ...healthHandlers(healthHandlerDeps(deps)),
      openapi: (_input, _req, res) => {
        res.json(document);
      },
      ...api?.handlers,
    },
    middleware,
  );
  document = openApiDocument(deps.version, mounted);
  mountMethodNotAllowed(app, mounted, middleware);
  // Any other path under /v1 needs an API key too: without one, nothing tells which paths exist.
  if (api) app.use('/v1', ...middleware.auth.apiKey);
  app.use(async (req, res) => {
    if (isConsolePage(req)) {
      // A signed-in visitor keeps the console's header; a session that cannot be read leaves the page without it.
      const session = req.consoleSession ?? (await sessionFromCookie(deps, req).catch(() => undefined));
      if (session) req.consoleSession = session;
      return sendConsoleError(req, res, {
        status: 404,
        title: 'Page not found',
        detail: 'The console has no page at this address. It may have been mistyped, or the page has moved.',
      });
    }
    throw new HttpProblem(404, 'not-found', 'Not found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler(config));
  return app;
}

/** SQLSTATEs for text the database cannot store: U+0000 in `text` (22021) or in `jsonb` (22P05). */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/** The database refused the request's text: its code, on the error or a cause it wraps (drizzle wraps the driver's). */
function isUnstorableText(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNSTORABLE_TEXT.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** A console page or form: a person in a browser, so errors are pages rather than problem JSON. */
function isConsolePage(req: Request): boolean {
  return req.path === '/console' || req.path.startsWith('/console/');
}

function errorHandler(config: AppDeps['config']): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // Everything below says what went wrong as a problem; a console request gets it as a page.
    const sendProblem = isConsolePage(req) ? consoleProblemPage(req, res) : sendProblemJson;
    if (err instanceof HttpProblem) return sendProblem(res, err.problem, err.headers);
    const e = err as { type?: string; status?: number; limit?: number; message?: string };
    // body-parser errors: https://github.com/expressjs/body-parser#errors
    if (e.type === 'entity.too.large') {
      return sendProblem(res, {
        type: 'https://suggested-sync.dev/problems/too-large',
        title: 'Payload too large',
        status: 413,
        detail: `the body is larger than ${e.limit ?? config.http.bodyLimitBytes} bytes`,
      });
    }
    if (e.type === 'entity.parse.failed') {
      // The parser's message quotes the body; say where, not what.
      const at = /position (\d+)/.exec(e.message ?? '')?.[1];
      return sendProblem(res, {
        type: 'https://suggested-sync.dev/problems/malformed-json',
        title: 'Malformed JSON',
        status: 400,
        detail: `the body is not valid JSON${at ? ` (at position ${at})` : ''}`,
        errors: [{ field: '(body)', in: 'body', pointer: '', detail: 'not valid JSON' }],
      });
    }
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return sendProblem(res, {
        type: 'https://suggested-sync.dev/problems/unsupported-media-type',
        title: 'Unsupported media type',
        status: 415,
        detail: 'send the body as UTF-8 application/json',
      });
    }
    if (e.type === 'request.aborted') return void res.end();
    // The schemas refuse U+0000 by field and webhooks have it removed; a last resort for API text past both.
    if (isUnstorableText(err)) {
      req.log.warn('request text the database cannot store');
      return sendProblem(res, {
        type: 'https://suggested-sync.dev/problems/unstorable-text',
        title: 'Unstorable text',
        status: 400,
        detail: 'the request holds text the database cannot store (a NUL character, \\u0000)',
      });
    }
    // Other client errors that carry their status, such as express's 400 for a malformed percent-encoding in
    // the path. Their messages may quote the input, so only the status is passed on.
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendProblem(res, {
        type: 'https://suggested-sync.dev/problems/bad-request',
        title: STATUS_CODES[e.status] ?? 'Bad request',
        status: e.status,
        detail: 'the request could not be understood as sent',
      });
    }
    req.log.error({ error: errorForLog(err) }, 'unhandled error');
    if (res.headersSent) return void res.end();
    sendProblem(res, {
      type: 'https://suggested-sync.dev/problems/internal',
      title: 'Internal server error',
      status: 500,
      detail: `something went wrong on our side; quote request id ${req.id} when reporting it`,
    });
  };
}
