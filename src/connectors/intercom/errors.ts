import { IntercomError, IntercomTimeoutError } from 'intercom-client';
import { ConnectorError, type ConnectorErrorKind } from '../errors.ts';

const PROVIDER = 'intercom';
/** A 429 with neither Retry-After nor X-RateLimit-Reset waits this long (Intercom's window is 10 s). */
export const DEFAULT_RETRY_AFTER_MS = 10_000;

/**
 * How long a 429 asks us to wait: `Retry-After` (seconds) when sent, else Intercom's `X-RateLimit-Reset` (a unix
 * time; https://developers.intercom.com/docs/references/rest-api/errors/rate-limiting). Pure but for `nowMs`.
 */
export function intercomRetryAfterMs(headers: Headers | undefined, nowMs: number): number {
  const retryAfter = Number(headers?.get('retry-after'));
  if (headers?.get('retry-after') && Number.isFinite(retryAfter)) return Math.max(0, retryAfter * 1000);
  const reset = Number(headers?.get('x-ratelimit-reset'));
  if (headers?.get('x-ratelimit-reset') && Number.isFinite(reset))
    return Math.max(1_000, reset * 1000 - nowMs);
  return DEFAULT_RETRY_AFTER_MS;
}

/**
 * Any error out of intercom-client as a ConnectorError. Messages carry Intercom's error codes only, never what we
 * sent (replies and conversations are customer text).
 */
export function classifyIntercomError(err: unknown, nowMs = Date.now()): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const make = (kind: ConnectorErrorKind, message: string, status?: number, retryAfterMs?: number) =>
    new ConnectorError(kind, PROVIDER, message, { status, retryAfterMs, cause: err });
  if (err instanceof IntercomTimeoutError) return make('transient', 'Intercom call timed out');
  if (err instanceof IntercomError) {
    const status = err.statusCode;
    const detail = intercomErrorText(err.body, status);
    if (status === 429) {
      const wait = intercomRetryAfterMs(err.rawResponse?.headers, nowMs);
      return make('rate_limited', `Intercom rate limited the call (retry in ${wait} ms)`, 429, wait);
    }
    if (status === 401 || status === 403)
      return make('auth', `Intercom refused the credentials: ${detail}`, status);
    if (status === 404) return make('not_found', `Intercom: ${detail}`, status);
    if (status === undefined || status >= 500) return make('transient', `Intercom failed: ${detail}`, status);
    return make('invalid_input', `Intercom rejected the call: ${detail}`, status);
  }
  const cause = (err as { cause?: { code?: string } } | undefined)?.cause;
  return make(
    'transient',
    `Intercom unreachable: ${cause?.code ?? (err instanceof Error ? err.name : typeof err)}`,
  );
}

/** `{"type":"error.list","errors":[{"code":"unauthorized","message":"..."}]}` as one line. */
function intercomErrorText(body: unknown, status: number | undefined): string {
  const errors = (body as { errors?: Array<{ code?: unknown; message?: unknown }> } | undefined)?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  const parts = [first?.code, first?.message].filter((p): p is string => typeof p === 'string');
  return `${parts.join(': ') || 'error'} (HTTP ${status ?? 'unknown'})`;
}
