import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { parse } from 'graphql';
import { CallLog } from '../shared/call-log.ts';
import { controlRouter, latency } from '../shared/control.ts';
import { Faults } from '../shared/faults.ts';
import { localUrl } from '../shared/local-url.ts';
import { StateFile } from '../shared/state-file.ts';
import { WebhookDeliverer } from '../shared/webhook-deliverer.ts';
import {
  authenticationError,
  GATEWAY_STATUSES,
  gatewayPage,
  graphqlError,
  internalError,
  type LinearErrorBody,
  rateLimitedError,
} from './errors.ts';
import { operationName, runGraphql } from './graphql.ts';
import { pageRouter } from './page.ts';
import { restoreLinear, saveLinear } from './persistence.ts';
import { RequestWindow, rateLimitHeaders } from './rate-limit.ts';
import { mutationRoot } from './resolvers/mutation.ts';
import { queryRoot } from './resolvers/query.ts';
import { loadLinearSchema } from './schema.ts';
import { LinearState } from './state.ts';
import { startWebhooks } from './webhooks.ts';

export interface LinearEmulatorOptions {
  /** 0 = ephemeral; default 4020. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Accepted raw in `Authorization` (personal API keys); default `['lin_api_sandbox']`. */
  apiKeys?: string[];
  /** Accepted as `Authorization: Bearer <token>` (OAuth access tokens). */
  accessTokens?: string[];
  /** Delay before each webhook retry; its length is the number of retries. */
  webhookRetryDelaysMs?: number[];
  webhookTimeoutMs?: number;
  /** Where the workspace's data is kept across restarts (a JSON file); absent: in memory only, gone at close. */
  stateFile?: string | undefined;
}

export interface LinearEmulator {
  /** Base URL, e.g. http://127.0.0.1:4020 (the page is at `/`). */
  url: string;
  /** `url + '/graphql'`: what `new LinearClient({ apiUrl })` takes. */
  apiUrl: string;
  port: number;
  state: LinearState;
  deliverer: WebhookDeliverer;
  faults: Faults;
  calls: CallLog;
  close(): Promise<void>;
}

/** The operation name for the call log, from a body that may not parse (the SDK sends no operationName). */
function peekOperation(body: unknown): string {
  const query = (body as { query?: unknown } | undefined)?.query;
  if (typeof query !== 'string') return '(none)';
  try {
    return operationName(parse(query));
  } catch {
    return '(unparsed)';
  }
}

/**
 * Starts a Linear emulator: GraphQL at `/graphql` answering what @linear/sdk sends for the operations the service
 * uses, signed webhooks, the shared `/_emulator/*` control endpoints and faults, and a page at `/`.
 */
export async function startLinearEmulator(options: LinearEmulatorOptions = {}): Promise<LinearEmulator> {
  const apiKeys = new Set(options.apiKeys ?? ['lin_api_sandbox']);
  const accessTokens = new Set(options.accessTokens ?? []);
  const state = new LinearState();
  const file = options.stateFile ? new StateFile(options.stateFile, () => saveLinear(state)) : undefined;
  const saved = file?.load();
  if (file && saved !== undefined) restoreLinear(state, saved, file.file);
  const faults = new Faults();
  const calls = new CallLog();
  const deliverer = new WebhookDeliverer({
    faults,
    ...(options.webhookRetryDelaysMs ? { retryDelaysMs: options.webhookRetryDelaysMs } : {}),
    ...(options.webhookTimeoutMs !== undefined ? { timeoutMs: options.webhookTimeoutMs } : {}),
  });
  const stopWebhooks = startWebhooks(state, deliverer);
  const schema = loadLinearSchema();
  const window = new RequestWindow(Date.now());
  const rootValue = { ...queryRoot(state, () => window.snapshot()), ...mutationRoot(state) };

  const authorized = (header: string | undefined) => {
    if (!header) return false;
    const bearer = /^Bearer\s+(.+)$/i.exec(header);
    return bearer ? accessTokens.has(bearer[1] ?? '') : apiKeys.has(header);
  };
  const record = (req: express.Request, status: number, operation: string, fault?: string) => {
    calls.add({ at: new Date().toISOString(), method: req.method, path: req.path, operation, status, fault });
  };
  const reply = (
    req: express.Request,
    res: express.Response,
    status: number,
    body: { data?: unknown; errors?: LinearErrorBody[] },
    operation: string,
    fault?: string,
  ) => {
    record(req, status, operation, fault);
    res.status(status).json(body);
  };

  const graphqlHandler: RequestHandler = (req, res) => {
    const now = Date.now();
    const fault = faults.nextCall();
    const budget = window.hit(now);
    if (fault?.kind === 'rate-limited') {
      res.set(rateLimitHeaders(budget, { retryAfterSeconds: fault.retryAfterSeconds, now }));
      // Linear answers a rate limit with HTTP 400 and extensions.statusCode 429 (tracker-apis.md 2.2).
      return reply(req, res, 400, { errors: [rateLimitedError()] }, peekOperation(req.body), 'rate-limited');
    }
    if (fault?.kind === 'server-error' && GATEWAY_STATUSES.has(fault.status)) {
      // Answered by the gateway in front of Linear, not by Linear: an HTML page, no rate-limit headers.
      record(req, fault.status, peekOperation(req.body), 'server-error');
      res.status(fault.status).type('html').send(gatewayPage(fault.status));
      return;
    }
    res.set(rateLimitHeaders(budget));
    if (fault?.kind === 'server-error') {
      return reply(
        req,
        res,
        fault.status,
        { errors: [internalError()] },
        peekOperation(req.body),
        'server-error',
      );
    }
    if (!authorized(req.get('authorization'))) {
      return reply(req, res, 401, { errors: [authenticationError()] }, peekOperation(req.body));
    }
    const outcome = runGraphql(schema, rootValue, (req.body ?? {}) as Record<string, unknown>);
    reply(req, res, outcome.status, outcome.body, outcome.operation);
  };
  const badBody: ErrorRequestHandler = (err, req, res, next) => {
    if (req.path !== '/graphql' || res.headersSent) return next(err);
    const status = (err as { status?: number }).status ?? 500;
    if (status >= 500) return reply(req, res, 500, { errors: [internalError()] }, '(error)');
    reply(
      req,
      res,
      400,
      { errors: [graphqlError('The request body is not valid JSON.', 'BAD_REQUEST')] },
      '(unparsed)',
    );
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (file) app.use(file.watch());
  app.use(
    controlRouter({ calls, faults, deliverer, state: () => state.snapshot(), reset: () => state.reset() }),
  );
  app.post('/graphql', latency(faults), express.json({ limit: '5mb', type: () => true }), graphqlHandler);
  app.use(pageRouter(state, deliverer));
  app.use(badBody);

  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port ?? 4020, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  });
  const port = (server.address() as AddressInfo).port;
  const url = localUrl(host, port);
  state.baseUrl = url;
  return {
    url,
    apiUrl: `${url}/graphql`,
    port,
    state,
    deliverer,
    faults,
    calls,
    close: async () => {
      stopWebhooks();
      await deliverer.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await file?.flush();
    },
  };
}
