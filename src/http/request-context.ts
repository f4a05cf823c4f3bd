import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { runAs } from '../store/work-class.ts';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
  }
}

const CLIENT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A request id on every log line of a request (the client's `X-Request-Id` when sane, else a new one, echoed
 * back), and one summary line and one histogram sample per request. Headers and bodies are never logged.
 */
export function requestContext({ log, metrics }: { log: Logger; metrics: Metrics }): RequestHandler {
  return (req, res, next) => {
    const given = req.get('x-request-id');
    req.id = given && CLIENT_ID.test(given) ? given : randomUUID();
    req.log = log.child({ reqId: req.id });
    res.set('X-Request-Id', req.id);
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      // Label by route pattern, never by raw path, so ids do not explode the series count.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, seconds);
      const level = res.statusCode >= 500 ? 'error' : 'info';
      req.log[level](
        { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 },
        'http',
      );
    });
    next();
  };
}

/**
 * Runs the rest of the request as interactive work (store/work-class.ts): on PGlite, its statements through the
 * store's `db` go before triage and background work, from the auth check to the handler and the not-found page
 * (the body parser keeps the class across the body's stream). Intake's own writes take intake turns anyway.
 */
export const interactiveWork: RequestHandler = (_req, _res, next) => runAs('interactive', next);
