import { isApiError, isConfigError, isNetworkError, isRateLimitError } from 'jira.js';
import { ConnectorError, type ConnectorErrorKind, classifyHttpFailure } from '../errors.ts';
import { jiraSpec } from './spec.ts';

const RULES = jiraSpec.failures;

/**
 * Any error out of jira.js (or out of this connector's own code) as the one ConnectorError shape. Pure. jira.js
 * picks its error class from the status, so an answer reads by its status (errors.ts's default table); its 429
 * carries what `Retry-After` said (https://developer.atlassian.com/cloud/jira/platform/rate-limiting/).
 * Messages carry Jira's response (`errorMessages`, `errors`), never what we sent: request bodies hold customer text.
 */
export function classifyJiraError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string, status?: number) =>
    new ConnectorError(kind, RULES.provider, message, { status, cause: err });
  if (isApiError(err)) {
    // 400, 409 (conflicting update), 413, 422 and the like: the same call would fail again.
    if (err.status < 400) return make('transient', `Jira answered HTTP ${err.status}`, err.status);
    return classifyHttpFailure(RULES, {
      status: err.status,
      detail: jiraErrorText(err.body, err.status),
      retryAfterMs: isRateLimitError(err) ? err.retryAfterMs : undefined,
      cause: err,
    });
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
function jiraErrorText(body: unknown, status: number): string {
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
