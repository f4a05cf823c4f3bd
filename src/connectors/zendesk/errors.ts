import { ConnectorError, classifyHttpFailure, parseRetryAfter } from '../errors.ts';
import { zendeskSpec } from './spec.ts';

const RULES = zendeskSpec.failures;

/**
 * A Zendesk HTTP answer that is not a success, as a ConnectorError. Pure but for the clock (an HTTP-date
 * `Retry-After`). The message carries Zendesk's own `error` / `description` only, never what we sent (ticket
 * comments are customer text).
 */
export function classifyZendeskResponse(
  status: number,
  retryAfter: string | null,
  body: unknown,
): ConnectorError {
  return classifyHttpFailure(RULES, {
    status,
    detail: zendeskErrorText(body, status),
    retryAfterMs: parseRetryAfter(retryAfter, Date.now()),
  });
}

/** fetch's own failures (refused, reset, DNS, timeouts): worth retrying. */
export function classifyZendeskFetchError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const cause = (err as { cause?: { code?: string } }).cause;
  const what = cause?.code ?? (err instanceof Error ? err.name : typeof err);
  return new ConnectorError('transient', RULES.provider, `Zendesk unreachable: ${what}`, { cause: err });
}

function zendeskErrorText(body: unknown, status: number): string {
  if (body && typeof body === 'object') {
    const b = body as { error?: unknown; description?: unknown };
    const error = typeof b.error === 'string' ? b.error : (b.error as { title?: string } | undefined)?.title;
    const description = typeof b.description === 'string' ? b.description : undefined;
    const text = [error, description].filter(Boolean).join(': ');
    if (text) return `${text} (HTTP ${status})`;
  }
  return `HTTP ${status}`;
}
