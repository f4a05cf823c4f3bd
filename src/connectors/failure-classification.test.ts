import {
  AuthenticationLinearError,
  FeatureNotAccessibleLinearError,
  ForbiddenLinearError,
  GraphqlLinearError,
  InternalLinearError,
  InvalidInputLinearError,
  LinearGraphQLError,
  NetworkLinearError,
  RatelimitedLinearError,
  UnknownLinearError,
  UsageLimitExceededLinearError,
  UserLinearError,
} from '@linear/sdk';
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import {
  ApiError,
  AuthError,
  ConfigError,
  ForbiddenError,
  NetworkError,
  NotFoundError,
  RateLimitError,
  ScopeError,
  ServerError,
} from 'jira.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiSink } from './csv/api-sink.ts';
import { classifyInboxError } from './email-inbox/errors.ts';
import { ConnectorError } from './errors.ts';
import { classifyIntercomError } from './intercom/errors.ts';
import { classifyJiraError } from './jira/errors.ts';
import { classifyLinearError } from './linear/errors.ts';
import { classifySendError } from './mail/errors.ts';
import { classifySlackError } from './slack/errors.ts';
import { classifyZendeskFetchError, classifyZendeskResponse } from './zendesk/errors.ts';

/**
 * Every provider's failures as they are classified: one table per provider, written from what the classifiers
 * answered before the shared status table existed, so moving the rules into data changes nothing.
 */

const NOW = Date.parse('2026-01-01T00:00:00Z');
const HTTP_DATE_IN_9S = new Date(NOW + 9_000).toUTCString();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

type Row = readonly [name: string, make: () => unknown];

function summarize(classify: (err: unknown) => ConnectorError, rows: readonly Row[]) {
  return rows.map(([name, make]) => {
    const err = make();
    const out = classify(err);
    expect(out).toBeInstanceOf(ConnectorError);
    return `${name} → ${out.kind} status=${out.status} wait=${out.retryAfterMs} | ${out.message}`;
  });
}

describe('jira', () => {
  const body = (errorMessages: string[], errors: Record<string, string> = {}) => ({ errorMessages, errors });
  const rows: Row[] = [
    ['429 with Retry-After', () => new RateLimitError('x', 'Too Many', '', { retryAfterMs: 7000 })],
    ['429 without Retry-After', () => new RateLimitError('x', 'Too Many', '')],
    ['401', () => new AuthError('x', 'Unauthorized', body(['You are not authenticated.']))],
    ['401 scope', () => new ScopeError('x', 'Unauthorized', { message: 'scope does not match' })],
    ['403', () => new ForbiddenError('x', 'Forbidden', '')],
    ['404', () => new NotFoundError('x', 'Not Found', body(['Issue does not exist.']))],
    ['400', () => new ApiError('x', 400, 'Bad Request', body(['Bad.'], { summary: 'required' }))],
    ['409', () => new ApiError('x', 409, 'Conflict', '')],
    ['422', () => new ApiError('x', 422, 'Unprocessable', { message: 'plain message' })],
    ['500', () => new ServerError('x', 500, 'Internal', body(['Boom']))],
    ['503', () => new ServerError('x', 503, 'Unavailable', '')],
    ['network', () => new NetworkError('x', { cause: new Error('y'), code: 'ECONNRESET', transient: true })],
    ['config', () => new ConfigError('host is not a URL')],
    ['timeout', () => new DOMException('timed out', 'TimeoutError')],
    ['abort', () => new DOMException('aborted', 'AbortError')],
    ['other', () => new TypeError('boom')],
    ['not an Error', () => 'thrown'],
  ];
  it('classifies as before', () => {
    expect(summarize(classifyJiraError, rows)).toMatchInlineSnapshot(`
      [
        "429 with Retry-After → rate_limited status=429 wait=7000 | Jira rate limited the call (retry in 7000 ms)",
        "429 without Retry-After → rate_limited status=429 wait=60000 | Jira rate limited the call (retry in 60000 ms)",
        "401 → auth status=401 wait=undefined | Jira refused the credentials: You are not authenticated. (HTTP 401)",
        "401 scope → auth status=401 wait=undefined | Jira refused the credentials: scope does not match (HTTP 401)",
        "403 → auth status=403 wait=undefined | Jira refused the credentials: HTTP 403",
        "404 → not_found status=404 wait=undefined | Jira: Issue does not exist. (HTTP 404)",
        "400 → invalid_input status=400 wait=undefined | Jira rejected the call: Bad.; summary: required (HTTP 400)",
        "409 → invalid_input status=409 wait=undefined | Jira rejected the call: HTTP 409",
        "422 → invalid_input status=422 wait=undefined | Jira rejected the call: plain message (HTTP 422)",
        "500 → transient status=500 wait=undefined | Jira failed: Boom (HTTP 500)",
        "503 → transient status=503 wait=undefined | Jira failed: HTTP 503",
        "network → transient status=undefined wait=undefined | Jira unreachable: ECONNRESET",
        "config → config status=undefined wait=undefined | Jira client configuration: host is not a URL",
        "timeout → transient status=undefined wait=undefined | Jira call timed out",
        "abort → transient status=undefined wait=undefined | Jira call timed out",
        "other → transient status=undefined wait=undefined | Jira call failed unexpectedly (TypeError)",
        "not an Error → transient status=undefined wait=undefined | Jira call failed unexpectedly (string)",
      ]
    `);
  });
});

describe('linear', () => {
  const raw = (status: number, headers: Record<string, string> = {}) => ({
    response: { status, headers: new Headers(headers) },
  });
  const gql = (type: string, message: string) =>
    new LinearGraphQLError({ message: message as never, extensions: { type: type as never } });
  const rows: Row[] = [
    ['ratelimited, Retry-After 7', () => new RatelimitedLinearError(raw(400, { 'retry-after': '7' }))],
    ['ratelimited, no Retry-After', () => new RatelimitedLinearError(raw(429))],
    ['ratelimited, Retry-After 0', () => new RatelimitedLinearError(raw(400, { 'retry-after': '0' }))],
    ['authentication', () => new AuthenticationLinearError(raw(401))],
    ['forbidden', () => new ForbiddenLinearError(raw(403))],
    [
      'invalid input: not found',
      () => new InvalidInputLinearError(raw(400), [gql('invalid input', 'Entity not found: Issue')]),
    ],
    [
      'invalid input: other',
      () => new InvalidInputLinearError(raw(400), [gql('invalid input', 'title too long')]),
    ],
    ['graphql', () => new GraphqlLinearError(raw(400), [gql('graphql error', 'Cannot query field')])],
    ['user', () => new UserLinearError(raw(400), [gql('user error', 'nope')])],
    ['feature not accessible', () => new FeatureNotAccessibleLinearError(raw(400))],
    ['usage limit', () => new UsageLimitExceededLinearError(raw(400))],
    ['internal', () => new InternalLinearError(raw(500))],
    ['network', () => new NetworkLinearError(raw(502))],
    ['unknown', () => new UnknownLinearError(raw(0))],
    ['not a Linear error', () => new Error('socket hang up')],
  ];
  it('classifies as before', () => {
    expect(summarize(classifyLinearError, rows)).toMatchInlineSnapshot(`
      [
        "ratelimited, Retry-After 7 → rate_limited status=400 wait=7000 | ",
        "ratelimited, no Retry-After → rate_limited status=429 wait=60000 | ",
        "ratelimited, Retry-After 0 → rate_limited status=400 wait=60000 | ",
        "authentication → auth status=401 wait=undefined | ",
        "forbidden → auth status=403 wait=undefined | ",
        "invalid input: not found → not_found status=400 wait=undefined | Entity not found: Issue",
        "invalid input: other → invalid_input status=400 wait=undefined | title too long",
        "graphql → invalid_input status=400 wait=undefined | Cannot query field",
        "user → invalid_input status=400 wait=undefined | nope",
        "feature not accessible → config status=400 wait=undefined | ",
        "usage limit → config status=400 wait=undefined | ",
        "internal → transient status=500 wait=undefined | ",
        "network → transient status=502 wait=undefined | ",
        "unknown → transient status=0 wait=undefined | ",
        "not a Linear error → transient status=undefined wait=undefined | socket hang up",
      ]
    `);
  });
});

describe('slack', () => {
  const platform =
    (error: string, extra: Record<string, unknown> = {}) =>
    () =>
      new WebAPIPlatformError({ ok: false, error, ...extra } as ConstructorParameters<
        typeof WebAPIPlatformError
      >[0]);
  const rows: Row[] = [
    ...[
      'invalid_auth',
      'not_authed',
      'account_inactive',
      'token_revoked',
      'token_expired',
      'not_allowed_token_type',
      'no_permission',
      'ratelimited',
      'channel_not_found',
      'message_not_found',
      'thread_not_found',
      'user_not_found',
      'not_in_channel',
      'is_archived',
      'internal_error',
      'fatal_error',
      'service_unavailable',
      'request_timeout',
      'msg_too_long',
    ].map((code): Row => [code, platform(code)]),
    ['missing_scope', platform('missing_scope', { needed: 'users:read.email' })],
    ['429 after 7 s', () => new WebAPIRateLimitedError(7)],
    ['429 without a wait', () => new WebAPIRateLimitedError(Number.NaN)],
    ...[400, 401, 403, 404, 429, 500, 503].map(
      (status): Row => [`HTTP ${status}`, () => new WebAPIHTTPError(status, 'x', {})],
    ),
    [
      'a 429 the WebClient gave up on',
      () => new WebAPIRequestError(new Error('A rate limit was exceeded (url: x, retry-after: 12)')),
    ],
    ['a refused connection', () => new WebAPIRequestError(new Error('connect ECONNREFUSED'))],
    ['other', () => new TypeError('boom')],
  ];
  it('classifies as before', () => {
    expect(summarize(classifySlackError, rows)).toMatchInlineSnapshot(`
      [
        "invalid_auth → auth status=undefined wait=undefined | Slack answered invalid_auth",
        "not_authed → auth status=undefined wait=undefined | Slack answered not_authed",
        "account_inactive → auth status=undefined wait=undefined | Slack answered account_inactive",
        "token_revoked → auth status=undefined wait=undefined | Slack answered token_revoked",
        "token_expired → auth status=undefined wait=undefined | Slack answered token_expired",
        "not_allowed_token_type → auth status=undefined wait=undefined | Slack answered not_allowed_token_type",
        "no_permission → auth status=undefined wait=undefined | Slack answered no_permission",
        "ratelimited → rate_limited status=undefined wait=undefined | Slack answered ratelimited",
        "channel_not_found → not_found status=undefined wait=undefined | Slack answered channel_not_found",
        "message_not_found → not_found status=undefined wait=undefined | Slack answered message_not_found",
        "thread_not_found → not_found status=undefined wait=undefined | Slack answered thread_not_found",
        "user_not_found → not_found status=undefined wait=undefined | Slack answered user_not_found",
        "not_in_channel → config status=undefined wait=undefined | Slack answered not_in_channel",
        "is_archived → config status=undefined wait=undefined | Slack answered is_archived",
        "internal_error → transient status=undefined wait=undefined | Slack answered internal_error",
        "fatal_error → transient status=undefined wait=undefined | Slack answered fatal_error",
        "service_unavailable → transient status=undefined wait=undefined | Slack answered service_unavailable",
        "request_timeout → transient status=undefined wait=undefined | Slack answered request_timeout",
        "msg_too_long → invalid_input status=undefined wait=undefined | Slack answered msg_too_long",
        "missing_scope → auth status=undefined wait=undefined | Slack answered missing_scope (needs users:read.email)",
        "429 after 7 s → rate_limited status=429 wait=7000 | Slack rate limited the call (retry in 7000 ms)",
        "429 without a wait → rate_limited status=429 wait=60000 | Slack rate limited the call (retry in 60000 ms)",
        "HTTP 400 → invalid_input status=400 wait=undefined | Slack rejected the call (HTTP 400)",
        "HTTP 401 → auth status=401 wait=undefined | Slack refused the credentials (HTTP 401)",
        "HTTP 403 → auth status=403 wait=undefined | Slack refused the credentials (HTTP 403)",
        "HTTP 404 → invalid_input status=404 wait=undefined | Slack rejected the call (HTTP 404)",
        "HTTP 429 → invalid_input status=429 wait=undefined | Slack rejected the call (HTTP 429)",
        "HTTP 500 → transient status=500 wait=undefined | Slack failed (HTTP 500)",
        "HTTP 503 → transient status=503 wait=undefined | Slack failed (HTTP 503)",
        "a 429 the WebClient gave up on → rate_limited status=429 wait=12000 | Slack rate limited the call (retry in 12000 ms)",
        "a refused connection → transient status=undefined wait=undefined | Slack unreachable: connect ECONNREFUSED",
        "other → transient status=undefined wait=undefined | Slack call failed unexpectedly (TypeError)",
      ]
    `);
  });
});

describe('intercom', () => {
  const response = (headers: Record<string, string>) =>
    ({
      headers: new Headers(headers),
      status: 0,
      statusText: '',
      url: '',
      redirected: false,
      type: 'basic',
    }) as never;
  const http =
    (statusCode: number | undefined, headers: Record<string, string> = {}) =>
    () =>
      new IntercomError({
        message: 'x',
        ...(statusCode === undefined ? {} : { statusCode }),
        body: { type: 'error.list', errors: [{ code: 'some_code', message: 'Some message' }] },
        rawResponse: response(headers),
      });
  const rows: Row[] = [
    ['429 Retry-After 3', http(429, { 'retry-after': '3' })],
    [
      '429 Retry-After 3 beside a reset',
      http(429, { 'retry-after': '3', 'x-ratelimit-reset': '1767225630' }),
    ],
    ['429 X-RateLimit-Reset in 30 s', http(429, { 'x-ratelimit-reset': String(NOW / 1000 + 30) })],
    ['429 X-RateLimit-Reset past', http(429, { 'x-ratelimit-reset': String(NOW / 1000 - 30) })],
    ['429 with neither', http(429)],
    ['401', http(401)],
    ['403', http(403)],
    ['404', http(404)],
    ['400', http(400)],
    ['422', http(422)],
    ['500', http(500)],
    ['no status', http(undefined)],
    ['no error list', () => new IntercomError({ message: 'x', statusCode: 409, body: 'text' })],
    ['timeout', () => new IntercomTimeoutError('timed out')],
    ['fetch failed', () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })],
    ['other', () => new RangeError('x')],
  ];
  it('classifies as before', () => {
    expect(summarize((err) => classifyIntercomError(err, NOW), rows)).toMatchInlineSnapshot(`
      [
        "429 Retry-After 3 → rate_limited status=429 wait=3000 | Intercom rate limited the call (retry in 3000 ms)",
        "429 Retry-After 3 beside a reset → rate_limited status=429 wait=3000 | Intercom rate limited the call (retry in 3000 ms)",
        "429 X-RateLimit-Reset in 30 s → rate_limited status=429 wait=30000 | Intercom rate limited the call (retry in 30000 ms)",
        "429 X-RateLimit-Reset past → rate_limited status=429 wait=1000 | Intercom rate limited the call (retry in 1000 ms)",
        "429 with neither → rate_limited status=429 wait=10000 | Intercom rate limited the call (retry in 10000 ms)",
        "401 → auth status=401 wait=undefined | Intercom refused the credentials: some_code: Some message (HTTP 401)",
        "403 → auth status=403 wait=undefined | Intercom refused the credentials: some_code: Some message (HTTP 403)",
        "404 → not_found status=404 wait=undefined | Intercom: some_code: Some message (HTTP 404)",
        "400 → invalid_input status=400 wait=undefined | Intercom rejected the call: some_code: Some message (HTTP 400)",
        "422 → invalid_input status=422 wait=undefined | Intercom rejected the call: some_code: Some message (HTTP 422)",
        "500 → transient status=500 wait=undefined | Intercom failed: some_code: Some message (HTTP 500)",
        "no status → transient status=undefined wait=undefined | Intercom failed: some_code: Some message (HTTP unknown)",
        "no error list → invalid_input status=409 wait=undefined | Intercom rejected the call: error (HTTP 409)",
        "timeout → transient status=undefined wait=undefined | Intercom call timed out",
        "fetch failed → transient status=undefined wait=undefined | Intercom unreachable: ECONNREFUSED",
        "other → transient status=undefined wait=undefined | Intercom unreachable: RangeError",
      ]
    `);
  });
});

describe('zendesk', () => {
  const response = (status: number, retryAfter: string | null, body: unknown) => () => ({
    status,
    retryAfter,
    body,
  });
  const rows: Row[] = [
    ['429 Retry-After 7', response(429, '7', {})],
    ['429 Retry-After 1.5', response(429, '1.5', {})],
    ['429 Retry-After as an HTTP date', response(429, HTTP_DATE_IN_9S, {})],
    ['429 Retry-After nonsense', response(429, 'soon', {})],
    ['429 without Retry-After', response(429, null, {})],
    ['401', response(401, null, { error: "Couldn't authenticate you" })],
    ['403', response(403, null, { error: { title: 'Forbidden' }, description: 'no access' })],
    ['404', response(404, null, { error: 'RecordNotFound' })],
    ['400', response(400, null, undefined)],
    ['422', response(422, null, { error: 'RecordInvalid', description: 'bad' })],
    ['500', response(500, null, 'oops')],
    ['503', response(503, '30', undefined)],
  ];
  it('classifies answers as before', () => {
    const classify = (r: unknown) => {
      const { status, retryAfter, body } = r as { status: number; retryAfter: string | null; body: unknown };
      return classifyZendeskResponse(status, retryAfter, body);
    };
    expect(summarize(classify, rows)).toMatchInlineSnapshot(`
      [
        "429 Retry-After 7 → rate_limited status=429 wait=7000 | Zendesk rate limited the call (retry in 7000 ms)",
        "429 Retry-After 1.5 → rate_limited status=429 wait=1500 | Zendesk rate limited the call (retry in 1500 ms)",
        "429 Retry-After as an HTTP date → rate_limited status=429 wait=9000 | Zendesk rate limited the call (retry in 9000 ms)",
        "429 Retry-After nonsense → rate_limited status=429 wait=60000 | Zendesk rate limited the call (retry in 60000 ms)",
        "429 without Retry-After → rate_limited status=429 wait=60000 | Zendesk rate limited the call (retry in 60000 ms)",
        "401 → auth status=401 wait=undefined | Zendesk refused the credentials: Couldn't authenticate you (HTTP 401)",
        "403 → auth status=403 wait=undefined | Zendesk refused the credentials: Forbidden: no access (HTTP 403)",
        "404 → not_found status=404 wait=undefined | Zendesk: RecordNotFound (HTTP 404)",
        "400 → invalid_input status=400 wait=undefined | Zendesk rejected the call: HTTP 400",
        "422 → invalid_input status=422 wait=undefined | Zendesk rejected the call: RecordInvalid: bad (HTTP 422)",
        "500 → transient status=500 wait=undefined | Zendesk failed: HTTP 500",
        "503 → transient status=503 wait=undefined | Zendesk failed: HTTP 503",
      ]
    `);
  });
  it('classifies fetch failures as before', () => {
    const rows: Row[] = [
      ['refused', () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })],
      ['timeout', () => new DOMException('timed out', 'TimeoutError')],
      ['a ConnectorError', () => new ConnectorError('auth', 'zendesk', 'kept')],
    ];
    expect(summarize(classifyZendeskFetchError, rows)).toMatchInlineSnapshot(`
      [
        "refused → transient status=undefined wait=undefined | Zendesk unreachable: ECONNREFUSED",
        "timeout → transient status=undefined wait=undefined | Zendesk unreachable: TimeoutError",
        "a ConnectorError → auth status=undefined wait=undefined | kept",
      ]
    `);
  });
});

describe('email-inbox (IMAP and SMTP)', () => {
  const error = (props: Record<string, unknown>) => () => Object.assign(new Error('x'), props);
  const rows: Row[] = [
    ['IMAP login refused', error({ authenticationFailed: true })],
    ['SMTP login refused', error({ code: 'EAUTH', responseCode: 535 })],
    ['missing mailbox', error({ mailboxMissing: true })],
    ['IMAP throttling with a reset', error({ code: 'ETHROTTLE', throttleReset: 4000 })],
    ['IMAP throttling without', error({ code: 'ETHROTTLE' })],
    ['SMTP 421', error({ responseCode: 421 })],
    ['SMTP 451', error({ responseCode: 451 })],
    ['SMTP 550', error({ responseCode: 550 })],
    ['SMTP 250 (odd)', error({ responseCode: 250 })],
    ['no recipient', error({ code: 'EENVELOPE' })],
    ['refused', error({ code: 'ECONNREFUSED' })],
    ['not an Error', () => undefined],
  ];
  it('classifies as before', () => {
    expect(summarize(classifyInboxError, rows)).toMatchInlineSnapshot(`
      [
        "IMAP login refused → auth status=undefined wait=undefined | the IMAP server refused the credentials",
        "SMTP login refused → auth status=undefined wait=undefined | the SMTP server refused the credentials",
        "missing mailbox → config status=undefined wait=undefined | the configured mailbox does not exist",
        "IMAP throttling with a reset → rate_limited status=undefined wait=4000 | the IMAP server is throttling (retry in 4000 ms)",
        "IMAP throttling without → rate_limited status=undefined wait=60000 | the IMAP server is throttling (retry in 60000 ms)",
        "SMTP 421 → transient status=undefined wait=undefined | the SMTP server deferred the reply (421)",
        "SMTP 451 → transient status=undefined wait=undefined | the SMTP server deferred the reply (451)",
        "SMTP 550 → invalid_input status=undefined wait=undefined | the SMTP server rejected the reply (550)",
        "SMTP 250 (odd) → invalid_input status=undefined wait=undefined | the SMTP server rejected the reply (250)",
        "no recipient → invalid_input status=undefined wait=undefined | the reply has no valid recipient",
        "refused → transient status=undefined wait=undefined | mail server unreachable or failed (ECONNREFUSED)",
        "not an Error → transient status=undefined wait=undefined | mail server unreachable or failed (undefined)",
      ]
    `);
  });
});

describe('mail (status mail sends)', () => {
  it('classifies as before', () => {
    const rows = [
      { code: 'EAUTH', response: '535 bad credentials' },
      { code: 'ENOAUTH' },
      { responseCode: 421, response: '421 try later' },
      { responseCode: 550, command: 'RCPT TO', response: '550 5.1.1 <hal@hooli.io>: no such user' },
      { responseCode: 552, command: 'RCPT TO', response: '552 mailbox full' },
      { responseCode: 550, command: 'DATA', response: '550 spam' },
      { code: 'ECONNECTION', message: 'connection refused' },
      { code: 'EENVELOPE', message: 'No recipients defined' },
      { code: 'EWHATEVER', message: 'odd' },
      { message: 'no code at all' },
    ];
    expect(rows.map((r) => classifySendError(r))).toMatchInlineSnapshot(`
      [
        {
          "kind": "transient",
          "reason": "SMTP auth: 535 bad credentials",
        },
        {
          "kind": "transient",
          "reason": "SMTP auth: unknown error",
        },
        {
          "kind": "transient",
          "reason": "SMTP 421 try later",
        },
        {
          "hardBounce": true,
          "kind": "permanent",
          "reason": "SMTP 550 5.1.1 <address>: no such user",
        },
        {
          "hardBounce": false,
          "kind": "permanent",
          "reason": "SMTP 552 mailbox full",
        },
        {
          "hardBounce": false,
          "kind": "permanent",
          "reason": "SMTP 550 spam",
        },
        {
          "kind": "transient",
          "reason": "ECONNECTION: connection refused",
        },
        {
          "hardBounce": false,
          "kind": "permanent",
          "reason": "bad address: No recipients defined",
        },
        {
          "kind": "transient",
          "reason": "EWHATEVER: odd",
        },
        {
          "kind": "transient",
          "reason": "no code at all",
        },
      ]
    `);
  });
});

describe('csv import through the API (Retry-After waits)', () => {
  it('waits as before', async () => {
    const waits: number[] = [];
    // '1.5' once went to Date.parse (a day in 2001, so no wait); the one Retry-After parser reads it as seconds.
    const headers = ['3', HTTP_DATE_IN_9S, 'soon', null, '1.5'];
    let call = 0;
    const fetchImpl = (async () => {
      const header = headers[call++];
      if (call <= headers.length)
        return new Response('{}', { status: 429, headers: header === null ? {} : { 'retry-after': header } });
      return new Response(null, { status: 202 });
    }) as unknown as typeof fetch;
    const sink = createApiSink({
      baseUrl: 'http://x',
      apiKey: 'k',
      concurrency: 1,
      fetchImpl,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    const row = {
      title: 't',
      body: 'b',
      submittedRequester: { email: 'a@b.co' },
      source: 'csv',
      sourceRef: 'r1',
      url: null,
      tags: [],
      important: false,
      receivedAt: new Date(NOW),
    };
    await sink.insertMany([row as never]);
    expect(waits).toMatchInlineSnapshot(`
      [
        3000,
        9000,
        1000,
        1000,
        1500,
      ]
    `);
  });
});
