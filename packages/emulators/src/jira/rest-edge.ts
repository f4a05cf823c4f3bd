import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { CallLog } from '../shared/call-log.ts';
import type { Faults } from '../shared/faults.ts';
import { JiraError, sendJiraError } from './errors.ts';

/** What stands in front of every /rest route, as Atlassian's edge does: the call log, injected faults, auth. */

const PARAM_AFTER: Record<string, string> = {
  issue: '{issueIdOrKey}',
  comment: '{id}',
  properties: '{propertyKey}',
  remotelink: '{linkId}',
  issueLink: '{linkId}',
  issueLinkType: '{issueLinkTypeId}',
  webhook: '{id}',
};

/** `/rest/api/3/issue/SBX-1/comment/10000` → `/rest/api/3/issue/{issueIdOrKey}/comment/{id}`. */
export function operationOf(method: string, path: string): string {
  const named: string[] = [];
  let param: string | undefined;
  for (const segment of (path.split('?')[0] ?? '').split('/')) {
    named.push(param && segment !== '' ? param : segment);
    // A parameter never follows a parameter: a property key named `comment` stays a parameter's value.
    param = param ? undefined : PARAM_AFTER[segment];
  }
  return `${method} ${named.join('/')}`;
}

export function recordCalls(calls: CallLog): RequestHandler {
  return (req, res, next) => {
    const at = new Date().toISOString();
    res.on('finish', () => {
      calls.add({
        at,
        method: req.method,
        path: req.originalUrl,
        operation: operationOf(req.method, req.originalUrl),
        status: res.statusCode,
        fault: res.locals['fault'] as string | undefined,
      });
    });
    next();
  };
}

const SERVER_ERRORS: Record<number, string> = {
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/**
 * Rate limiting in Jira's shape (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/): 429 with
 * `Retry-After` (seconds, what jira.js turns into `retryAfterMs`) and `RateLimit-Reason`; 5xx in Jira's error body.
 */
export function injectFaults(faults: Faults): RequestHandler {
  return (_req, res, next) => {
    const fault = faults.nextCall();
    if (!fault) return next();
    res.locals['fault'] = fault.kind;
    if (fault.kind === 'rate-limited') {
      const reset = new Date(Date.now() + fault.retryAfterSeconds * 1000).toISOString();
      return sendJiraError(
        res,
        new JiraError(
          429,
          ['Rate limit exceeded.'],
          {},
          {
            'Retry-After': String(fault.retryAfterSeconds),
            'RateLimit-Reason': 'jira-burst-based',
            'X-RateLimit-Limit': '100',
            'X-RateLimit-Remaining': '0',
            'X-RateLimit-Reset': reset,
          },
        ),
      );
    }
    sendJiraError(res, new JiraError(fault.status, [SERVER_ERRORS[fault.status] ?? 'Internal server error']));
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();
const same = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface Credentials {
  email: string;
  apiToken: string;
  bearerTokens: readonly string[];
}

/** Basic `email:apiToken` or `Bearer <token>`; anything else is Jira's 401. */
export function requireAuth({ email, apiToken, bearerTokens }: Credentials): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^(\w+)\s+(\S+)\s*$/.exec(header);
    const scheme = match?.[1]?.toLowerCase();
    const value = match?.[2] ?? '';
    let ok = false;
    if (scheme === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, colon);
      const token = decoded.slice(colon + 1);
      ok = colon > 0 && same(user.toLowerCase(), email.toLowerCase()) && same(token, apiToken);
    } else if (scheme === 'bearer') {
      ok = bearerTokens.some((t) => same(value, t));
    }
    if (!ok) {
      throw new JiraError(
        401,
        ['You are not authenticated. Authentication required to perform this operation.'],
        {},
        { 'WWW-Authenticate': 'Basic realm="protected-area", Bearer' },
      );
    }
    next();
  };
}
