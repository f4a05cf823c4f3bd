import {
  ApiError,
  AuthError,
  ConfigError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  SchemaMismatchError,
  ScopeError,
  ServerError,
} from 'jira.js';
import { describe, expect, it } from 'vitest';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';
import { classifyJiraError } from './errors.ts';
import { jiraSpec } from './spec.ts';

const DEFAULT_RETRY_AFTER_MS = jiraSpec.failures.defaultRetryAfterMs;

const body = (errorMessages: string[], errors: Record<string, string> = {}) => ({ errorMessages, errors });

interface Row {
  name: string;
  error: unknown;
  kind: ConnectorErrorKind;
  status?: number;
  retryAfterMs?: number;
  message?: RegExp;
}

const rows: Row[] = [
  {
    name: '429 with Retry-After',
    error: new RateLimitError('Request failed: 429', 'Too Many Requests', body(['Rate limit exceeded.']), {
      retryAfterMs: 7000,
    }),
    kind: 'rate_limited',
    status: 429,
    retryAfterMs: 7000,
  },
  {
    name: '429 without Retry-After waits the default',
    error: new RateLimitError('Request failed: 429', 'Too Many Requests', ''),
    kind: 'rate_limited',
    retryAfterMs: DEFAULT_RETRY_AFTER_MS,
  },
  {
    name: '401',
    error: new AuthError('Request failed: 401', 'Unauthorized', body(['You are not authenticated.'])),
    kind: 'auth',
    status: 401,
    message: /You are not authenticated/,
  },
  {
    name: '401 scope mismatch',
    error: new ScopeError('Request failed: 401', 'Unauthorized', {
      message: 'Unauthorized; scope does not match',
    }),
    kind: 'auth',
    message: /scope does not match/,
  },
  {
    name: '403',
    error: new ForbiddenError('Request failed: 403', 'Forbidden', ''),
    kind: 'auth',
    status: 403,
  },
  {
    name: '404',
    error: new NotFoundError('Request failed: 404', 'Not Found', body(['Issue does not exist.'])),
    kind: 'not_found',
    status: 404,
  },
  {
    name: '400 with Jira messages and field errors',
    error: new ApiError(
      'Request failed: 400',
      400,
      'Bad Request',
      body(['Field problems.'], { summary: 'You must specify a summary of the issue.' }),
    ),
    kind: 'invalid_input',
    status: 400,
    message: /Field problems\.; summary: You must specify a summary of the issue\. \(HTTP 400\)/,
  },
  {
    name: '409 conflicting update',
    error: new ApiError('Request failed: 409', 409, 'Conflict', ''),
    kind: 'invalid_input',
    status: 409,
  },
  {
    name: '422',
    error: new ApiError('Request failed: 422', 422, 'Unprocessable', body([], { labels: 'bad' })),
    kind: 'invalid_input',
    message: /labels: bad/,
  },
  {
    name: '503',
    error: new ServerError('Request failed: 503', 503, 'Service Unavailable', body(['Service unavailable'])),
    kind: 'transient',
    status: 503,
  },
  {
    name: 'connection refused',
    error: new NetworkError('Request failed', {
      cause: new Error('x'),
      code: 'ECONNREFUSED',
      transient: true,
    }),
    kind: 'transient',
    message: /ECONNREFUSED/,
  },
  {
    name: 'header timeout',
    error: new NetworkError('Request failed', {
      cause: new Error('x'),
      code: 'UND_ERR_HEADERS_TIMEOUT',
      transient: true,
    }),
    kind: 'transient',
  },
  {
    name: 'an aborted or timed-out fetch',
    error: new DOMException('The operation timed out.', 'TimeoutError'),
    kind: 'transient',
    message: /timed out/,
  },
  { name: 'a bad client configuration', error: new ConfigError('host is not a URL'), kind: 'config' },
  {
    name: 'a response that does not match jira.js’s schema',
    error: new SchemaMismatchError('Response did not match', { endpoint: 'GET /x', issues: [] }),
    kind: 'transient',
  },
  { name: 'anything else', error: new TypeError('boom'), kind: 'transient' },
  { name: 'not even an Error', error: 'string thrown', kind: 'transient' },
];

describe('classifyJiraError', () => {
  it.each(rows)('$name → $kind', ({ error, kind, status, retryAfterMs, message }) => {
    const classified = classifyJiraError(error);
    expect(classified).toBeInstanceOf(ConnectorError);
    expect(classified.kind).toBe(kind);
    expect(classified.provider).toBe('jira');
    expect(classified.cause).toBe(error);
    if (status !== undefined) expect(classified.status).toBe(status);
    if (kind === 'rate_limited') expect(classified.retryAfterMs).toBe(retryAfterMs);
    else expect(classified.retryAfterMs).toBeUndefined();
    if (message) expect(classified.message).toMatch(message);
  });

  it('passes a ConnectorError through unchanged', () => {
    const error = new ConnectorError('config', 'jira', 'no such target');
    expect(classifyJiraError(error)).toBe(error);
  });

  it('builds the message from Jira’s error body, not from jira.js’s message text', () => {
    const secretText = 'our customer said something private';
    const error = new ApiError(
      `Request failed: 400 - ${secretText}`,
      400,
      'Bad Request',
      body(['Bad value.']),
    );
    expect(classifyJiraError(error).message).not.toContain(secretText);
  });
});
