import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { classifySlackError } from './errors.ts';

/** The SDK's error classes, built as the WebClient builds them (its constructors are public). */
const platform = (error: string, extra: Record<string, unknown> = {}) =>
  new WebAPIPlatformError({ ok: false, error, ...extra } as ConstructorParameters<
    typeof WebAPIPlatformError
  >[0]);

describe('classifySlackError', () => {
  it.each([
    ['invalid_auth', platform('invalid_auth'), 'auth', undefined],
    ['token_revoked', platform('token_revoked'), 'auth', undefined],
    ['missing_scope', platform('missing_scope', { needed: 'users:read.email' }), 'auth', undefined],
    ['ratelimited', platform('ratelimited'), 'rate_limited', undefined],
    ['channel_not_found', platform('channel_not_found'), 'not_found', undefined],
    ['not_in_channel', platform('not_in_channel'), 'config', undefined],
    ['internal_error', platform('internal_error'), 'transient', undefined],
    ['an unknown code', platform('msg_too_long'), 'invalid_input', undefined],
    ['429', new WebAPIRateLimitedError(7), 'rate_limited', 7000],
    ['HTTP 503', new WebAPIHTTPError(503, 'Service Unavailable', {}), 'transient', undefined],
    ['HTTP 403', new WebAPIHTTPError(403, 'Forbidden', {}), 'auth', undefined],
    ['HTTP 400', new WebAPIHTTPError(400, 'Bad Request', {}), 'invalid_input', undefined],
    [
      'a refused connection',
      new WebAPIRequestError(new Error('connect ECONNREFUSED')),
      'transient',
      undefined,
    ],
    [
      'a 429 the WebClient gave up on',
      new WebAPIRequestError(new Error('A rate limit was exceeded (url: x, retry-after: 12)')),
      'rate_limited',
      12_000,
    ],
  ] as const)('%s', (_name, err, kind, retryAfterMs) => {
    const out = classifySlackError(err);
    expect(out.kind).toBe(kind);
    expect(out.provider).toBe('slack');
    if (retryAfterMs !== undefined) expect(out.retryAfterMs).toBe(retryAfterMs);
  });

  it('names the missing scope', () => {
    expect(classifySlackError(platform('missing_scope', { needed: 'users:read.email' })).message).toBe(
      'Slack answered missing_scope (needs users:read.email)',
    );
  });
});
