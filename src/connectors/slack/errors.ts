import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebAPIRequestError,
} from '@slack/web-api';
import { ConnectorError, type ConnectorErrorKind, classifyHttpFailure, rateLimitedError } from '../errors.ts';
import { slackSpec } from './spec.ts';

const RULES = slackSpec.failures;

/**
 * Any error out of `@slack/web-api` (or this connector's own code) as the one ConnectorError shape. Pure.
 * Messages carry Slack's error code, never what we sent (message text is customer content).
 */
export function classifySlackError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string) =>
    new ConnectorError(kind, RULES.provider, message, { cause: err });
  if (err instanceof WebAPIRateLimitedError) {
    const wait = Number.isFinite(err.retryAfter) ? err.retryAfter * 1000 : undefined;
    return rateLimitedError(RULES, { status: 429, retryAfterMs: wait, cause: err });
  }
  if (err instanceof WebAPIPlatformError) {
    const code = typeof err.data.error === 'string' ? err.data.error : 'unknown_error';
    const kind = slackSpec.platformErrors[code] ?? 'invalid_input';
    const scope = (err.data as unknown as Record<string, unknown>)['needed'];
    const needed = typeof scope === 'string' ? ` (needs ${scope})` : '';
    return make(kind, `Slack answered ${code}${needed}`);
  }
  if (err instanceof WebAPIHTTPError) {
    const status = err.statusCode;
    return classifyHttpFailure(RULES, { status, detail: `(HTTP ${status})`, cause: err });
  }
  if (err instanceof WebAPIRequestError) {
    // The WebClient wraps a 429 it already waited out (and gave up retrying) as a request error naming the wait.
    const limited = /rate limit was exceeded.*retry-after: (\d+)/i.exec(err.original.message);
    if (limited?.[1]) {
      return rateLimitedError(RULES, { status: 429, retryAfterMs: Number(limited[1]) * 1000, cause: err });
    }
    return make('transient', `Slack unreachable: ${err.original.message}`);
  }
  const name = err instanceof Error ? err.name : typeof err;
  return make('transient', `Slack call failed unexpectedly (${name})`);
}
