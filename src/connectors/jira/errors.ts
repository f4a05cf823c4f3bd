import {
  isApiError,
  isAuthError,
  isConfigError,
  isForbiddenError,
  isNetworkError,
  isNotFoundError,
  isRateLimitError,
  isServerError,
} from 'jira.js';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';

/** Jira's 429 without `Retry-After` (rare: the burst limiter always sends it) waits this long. */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

const PROVIDER = 'jira';

/**
 * Any error out of jira.js (or out of this connector's own code) as the one ConnectorError shape. Pure.
 * Atlassian's status codes: https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
 * Messages carry Jira's response (`errorMessages`, `errors`), never what we sent: request bodies hold customer text.
 */
export function classifyJiraError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string, status?: number, retryAfterMs?: number) =>
    new ConnectorError(kind, PROVIDER, message, { status, retryAfterMs, cause: err });
  if (isRateLimitError(err)) {
    // Retry-After is the only signal jira.js reads (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
    const wait = err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
    return make('rate_limited', `Jira rate limited the call (retry in ${wait} ms)`, 429, wait);
  }
  // ScopeError is an AuthError: a 401 whose body says the token lacks a scope.
  if (isAuthError(err) || isForbiddenError(err)) {
    return make('auth', `Jira refused the credentials: ${jiraErrorText(err.body, err.status)}`, err.status);
  }
  if (isNotFoundError(err)) return make('not_found', `Jira: ${jiraErrorText(err.body, 404)}`, 404);
  if (isServerError(err)) {
    return make('transient', `Jira failed: ${jiraErrorText(err.body, err.status)}`, err.status);
  }
  if (isApiError(err)) {
    // 400, 409 (conflicting update), 413, 422 and the like: the same call would fail again.
    if (err.status >= 400 && err.status < 500) {
      return make(
        'invalid_input',
        `Jira rejected the call: ${jiraErrorText(err.body, err.status)}`,
        err.status,
      );
    }
    return make('transient', `Jira answered HTTP ${err.status}`, err.status);
  }
  // DNS, refused or reset connections, undici's header and body timeouts (300 s by default).
  if (isNetworkError(err)) return make('transient', `Jira unreachable: ${err.code ?? err.message}`);
  if (isConfigError(err)) return make('config', `Jira client configuration: ${err.message}`);
  const name = err instanceof Error ? err.name : typeof err;
  const what =
    name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : `failed unexpectedly (${name})`;
  return make('transient', `Jira call ${what}`);
}

/** `{"errorMessages":[…],"errors":{field: message}}` as one line; anything else as the bare status. */
export function jiraErrorText(body: unknown, status: number): string {
  const parts: string[] = [];
  if (typeof body === 'object' && body !== null) {
    const { errorMessages, errors, message } = body as Record<string, unknown>;
    if (Array.isArray(errorMessages)) parts.push(...errorMessages.filter((m) => typeof m === 'string'));
    if (typeof errors === 'object' && errors !== null) {
      for (const [field, text] of Object.entries(errors)) {
        if (typeof text === 'string') parts.push(`${field}: ${text}`);
      }
    }
    if (parts.length === 0 && typeof message === 'string') parts.push(message);
  }
  return parts.length > 0 ? `${parts.join('; ')} (HTTP ${status})` : `HTTP ${status}`;
}
