import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';

const PROVIDER = 'zendesk';
/** A 429 without Retry-After waits this long (the incremental export allows 10 requests a minute). */
export const DEFAULT_RETRY_AFTER_MS = 60_000;

/** Retry-After in seconds (Zendesk sends seconds: https://developer.zendesk.com/api-reference/introduction/rate-limits/). */
export function retryAfterMs(header: string | null): number {
  const seconds = Number(header);
  if (header !== null && Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
  const date = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - Date.now());
}

/**
 * A Zendesk HTTP answer that is not a success, as a ConnectorError. Pure. The message carries Zendesk's own
 * `error` / `description` only, never what we sent (ticket comments are customer text).
 */
export function classifyZendeskResponse(
  status: number,
  retryAfter: string | null,
  body: unknown,
): ConnectorError {
  const make = (kind: ConnectorErrorKind, message: string, extra: { retryAfterMs?: number } = {}) =>
    new ConnectorError(kind, PROVIDER, message, { status, ...extra });
  const detail = zendeskErrorText(body, status);
  if (status === 429) {
    const wait = retryAfterMs(retryAfter);
    return make('rate_limited', `Zendesk rate limited the call (retry in ${wait} ms)`, {
      retryAfterMs: wait,
    });
  }
  if (status === 401 || status === 403) return make('auth', `Zendesk refused the credentials: ${detail}`);
  if (status === 404) return make('not_found', `Zendesk: ${detail}`);
  if (status >= 500) return make('transient', `Zendesk failed: ${detail}`);
  return make('invalid_input', `Zendesk rejected the call: ${detail}`);
}

/** fetch's own failures (refused, reset, DNS, timeouts): worth retrying. */
export function classifyZendeskFetchError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const cause = (err as { cause?: { code?: string } }).cause;
  const what = cause?.code ?? (err instanceof Error ? err.name : typeof err);
  return new ConnectorError('transient', PROVIDER, `Zendesk unreachable: ${what}`, { cause: err });
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
