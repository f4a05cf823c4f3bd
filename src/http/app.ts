import { STATUS_CODES } from 'node:http';
import express, { type ErrorRequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { IntakeWriter } from '../application/intake-writer.ts';
import type { Config } from '../config/load.ts';
import type { Sources } from '../connectors/source-registry.ts';
import type { Trackers } from '../connectors/tracker-registry.ts';
import type { PushTarget } from '../domain/tracker.ts';
import { errorForLog, type Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Queues } from '../queue/queues.ts';
import type { TrackerHealth } from '../queue/tracker-health.ts';
import type { RouteInput } from '../rules/route.ts';
import type { Store } from '../store/store.ts';
import { adminRouter } from './admin.routes.ts';
import { requireApiKey } from './auth.ts';
import { featuresRouter } from './features.routes.ts';
import { healthRouter, probeDependencies } from './health.routes.ts';
import { linksRouter } from './links.routes.ts';
import { mergesRouter } from './merges.routes.ts';
import { buildOpenApi } from './openapi.ts';
import { customerPagesRouter } from './pages/customer-pages.routes.ts';
import { devMailRouter } from './pages/dev-mail.routes.ts';
import { pageRateLimit } from './pages/page-rate-limit.ts';
import { HttpProblem, sendProblem } from './problem.ts';
import { intakeRateLimit } from './rate-limit.ts';
import { requestContext } from './request-context.ts';
import { requestersRouter } from './requesters.routes.ts';
import { requestsRouter } from './requests.routes.ts';
import { sourceWebhooksRouter } from './source-webhooks.routes.ts';
import { webhooksRouter } from './webhooks.routes.ts';

export interface AppDeps {
  config: Pick<
    Config,
    'http' | 'intake' | 'queuePrefix' | 'adminToken' | 'push' | 'isProduction' | 'mail' | 'notifications'
  >;
  apiKeys: readonly string[];
  store: Store;
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

/** Every route and its methods: anything else on these paths is a 405 naming what is allowed. */
const OPS_ROUTES: Record<string, string[]> = {
  '/healthz': ['GET'],
  '/readyz': ['GET'],
  '/metrics': ['GET'],
  '/openapi.json': ['GET'],
};
const API_ROUTES: Record<string, string[]> = {
  '/v1/requests': ['POST'],
  '/v1/requests/:id': ['GET'],
  '/v1/features': ['GET'],
  '/v1/features/:id': ['GET'],
  '/v1/features/:id/push': ['POST'],
  '/v1/features/:id/links': ['POST'],
  '/v1/features/:id/links/:linkId': ['DELETE'],
  '/v1/admin/reconcile': ['POST'],
  '/v1/requesters/:id': ['DELETE'],
  '/v1/requesters/:id/export': ['GET'],
  '/webhooks/sources/:sourceId': ['POST'],
  '/r/:token': ['GET'],
  '/unsubscribe/:token': ['GET', 'POST'],
  '/unsubscribe/:token/one-click': ['GET', 'POST'],
  '/webhooks/:provider': ['POST'],
  '/webhooks/:provider/:site': ['POST'],
};

/** The HTTP API. Routes validate, verify, enqueue and answer; they own no state. */
export function createApp(deps: AppDeps) {
  const { config, store, redis, metrics, log } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.set('etag', false);
  app.use(requestContext({ log, metrics }));

  app.use(
    healthRouter({
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
    }),
  );
  const openapi = buildOpenApi(deps.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  if (deps.apiRoutes) mountApi(app, deps);
  for (const [path, methods] of Object.entries(
    deps.apiRoutes ? { ...OPS_ROUTES, ...API_ROUTES } : OPS_ROUTES,
  )) {
    app.all(path, (req, _res) => {
      const allow = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
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
  app.use((req) => {
    throw new HttpProblem(404, 'not-found', 'Not found', `no route for ${req.method} ${req.path}`);
  });
  app.use(errorHandler(config));
  return app;
}

function mountApi(
  app: express.Express,
  {
    config,
    store,
    queues,
    redis,
    metrics,
    log,
    apiKeys,
    reconcile,
    trackers,
    route,
    sources,
    writeIntake,
  }: AppDeps,
) {
  // Intake sources sign their webhooks; mounted before the trackers' `/webhooks/:provider/:site`.
  if (sources && writeIntake) app.use(sourceWebhooksRouter({ sources, write: writeIntake, metrics }));
  // Trackers sign their webhooks; they carry no API key.
  app.use(webhooksRouter({ trackers, store, queues, metrics }));
  // Requesters' status and unsubscribe pages: the token in the URL is the credential.
  app.use(
    customerPagesRouter({
      db: store.db,
      productName: config.notifications.productName,
      rateLimit: pageRateLimit({ redis, prefix: config.queuePrefix }),
    }),
  );
  // The development outbox: only where mail is not really sent, and never in production.
  if (!config.mail.smtpUrl && !config.isProduction) app.use(devMailRouter({ db: store.db }));
  app.use(
    adminRouter({
      adminToken: config.adminToken,
      apiKeys,
      reconcile,
      dependencies: () => probeDependencies({ pingDatabase: () => store.ping(), redis }),
    }),
  );
  // Admin-token routes before the API-key check below, which would refuse the admin token.
  app.use(
    requestersRouter({
      store,
      queues,
      adminToken: config.adminToken,
      apiKeys,
      coalesceSeconds: config.push.coalesceSeconds,
      log,
    }),
  );
  const auth = requireApiKey(apiKeys);
  const json = express.json({ limit: config.http.bodyLimitBytes, strict: false, type: () => true });
  const requireJson: express.RequestHandler = (req, _res, next) => {
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
  app.post(
    '/v1/requests',
    auth,
    intakeRateLimit({ redis, prefix: config.queuePrefix, ...config.intake.rateLimit }),
    requireJson,
    json,
  );
  app.use('/v1', auth);
  app.post('/v1/features/:id/links', requireJson, json);
  app.post('/v1/features/:id/push', json);
  app.post('/v1/features/:id/merge', requireJson, json);
  app.use(requestsRouter({ store, queues, metrics, log }));
  app.use(featuresRouter({ store }));
  app.use(linksRouter({ store, trackers, queues, route, coalesceSeconds: config.push.coalesceSeconds }));
  app.use(mergesRouter({ store, queues, coalesceSeconds: config.push.coalesceSeconds }));
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

function errorHandler(config: AppDeps['config']): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
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
