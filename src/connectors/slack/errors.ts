import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';

const PROVIDER = 'slack';

/**
 * Slack's `ok: false` error codes by what we do about them (https://api.slack.com/web#errors; each method's page
 * lists its own). Codes not listed are `invalid_input`: the same call would fail again.
 */
const PLATFORM_ERRORS: Record<string, ConnectorErrorKind> = {
  invalid_auth: 'auth',
  not_authed: 'auth',
  account_inactive: 'auth',
  token_revoked: 'auth',
  token_expired: 'auth',
  missing_scope: 'auth',
  not_allowed_token_type: 'auth',
  no_permission: 'auth',
  ratelimited: 'rate_limited',
  channel_not_found: 'not_found',
  message_not_found: 'not_found',
  thread_not_found: 'not_found',
  user_not_found: 'not_found',
  not_in_channel: 'config',
  is_archived: 'config',
  internal_error: 'transient',
  fatal_error: 'transient',
  service_unavailable: 'transient',
  request_timeout: 'transient',
};

/** A 429 without a usable Retry-After waits this long. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/**
 * Any error out of `@slack/web-api` (or this connector's own code) as the one ConnectorError shape. Pure.
 * Messages carry Slack's error code, never what we sent (message text is customer content).
 */
export function classifySlackError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (
    kind: ConnectorErrorKind,
    message: string,
    options: { status?: number; retryAfterMs?: number } = {},
  ) => new ConnectorError(kind, PROVIDER, message, { ...options, cause: err });
  if (err instanceof WebAPIRateLimitedError) {
    const wait = Number.isFinite(err.retryAfter) ? err.retryAfter * 1000 : DEFAULT_RETRY_AFTER_MS;
    return make('rate_limited', `Slack rate limited the call (retry in ${wait} ms)`, {
      status: 429,
      retryAfterMs: wait,
    });
  }
  if (err instanceof WebAPIPlatformError) {
    const code = typeof err.data.error === 'string' ? err.data.error : 'unknown_error';
    const kind = PLATFORM_ERRORS[code] ?? 'invalid_input';
    const scope = (err.data as unknown as Record<string, unknown>)['needed'];
    const needed = typeof scope === 'string' ? ` (needs ${scope})` : '';
    return make(kind, `Slack answered ${code}${needed}`);
  }
  if (err instanceof WebAPIHTTPError) {
    const status = err.statusCode;
    if (status === 401 || status === 403)
      return make('auth', `Slack refused the credentials (HTTP ${status})`, { status });
    if (status >= 500) return make('transient', `Slack failed (HTTP ${status})`, { status });
    return make('invalid_input', `Slack rejected the call (HTTP ${status})`, { status });
  }
  if (err instanceof WebAPIRequestError) {
    // The WebClient wraps a 429 it already waited out (and gave up retrying) as a request error naming the wait.
    const limited = /rate limit was exceeded.*retry-after: (\d+)/i.exec(err.original.message);
    if (limited?.[1]) {
      const wait = Number(limited[1]) * 1000;
      return make('rate_limited', `Slack rate limited the call (retry in ${wait} ms)`, {
        status: 429,
        retryAfterMs: wait,
      });
    }
    return make('transient', `Slack unreachable: ${err.original.message}`);
  }
  const name = err instanceof Error ? err.name : typeof err;
  return make('transient', `Slack call failed unexpectedly (${name})`);
}
